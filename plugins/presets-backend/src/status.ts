import { guestSignInPolicy } from '@devportal/plugin-presets-common';
import { PresetsService } from '@devportal/plugin-presets-node';
import {
  PresetSyncRun,
  PresetSyncStatusService,
  selectedIdentityPreset,
} from '@devportal/plugin-preset-providers-node';
import { RequestHandler } from 'express';

/** Said of a source the catalog module scheduled but has not run yet. */
export const NEVER_RUN = 'never run';

/** A selected preset, as the status lists it. */
export interface PresetStatus {
  name: string;
  version: string;
}

/** A sign-in provider the auth module registers. */
export interface AuthProviderStatus {
  /** The key under `auth.providers`, also the route `/api/auth/<id>`; `guest` without an identity preset. */
  id: string;
  /** What signs people in, as the auth module registered it (`LDAP bind`); `Guest sign-in` for guest. */
  title: string;
}

/** One run, as the status shows it. */
export interface SyncRunStatus {
  /** When the run started, ISO 8601. */
  at: string;
  outcome: PresetSyncRun['outcome'];
  durationMs: number;
  /** Users, groups and entities the run produced; absent when it produced none (failed, rate limited). */
  counts?: PresetSyncRun['counts'];
}

/** An org-sync or discovery source and how its runs went. */
export interface SyncSourceStatus {
  /** The entity provider's name, `<Kind>:<id>`. */
  provider: string;
  kind: 'org' | 'discovery';
  lastRun: SyncRunStatus | typeof NEVER_RUN;
  /** The last run the catalog took: what it holds from this source now. */
  lastApplied: SyncRunStatus | typeof NEVER_RUN;
}

/** The body of `GET /api/presets/status`. */
export interface PresetsStatus {
  presets: PresetStatus[];
  auth: {
    /** The selected identity preset; `null` when none is (guest sign-in). */
    preset: string | null;
    providers: AuthProviderStatus[];
  };
  sync: SyncSourceStatus[];
}

/**
 * The sign-in providers of this process, as the auth module recorded them
 * when it registered them, or guest sign-in when no identity preset is
 * selected and guest sign-in is allowed (outside production, or opted in):
 * none otherwise.
 */
function authStatusOf(
  presets: PresetsService,
  syncStatus: PresetSyncStatusService,
): PresetsStatus['auth'] {
  const identity = selectedIdentityPreset(presets);
  if (!identity) {
    return {
      preset: null,
      providers: guestSignInPolicy(process.env).allowed
        ? [{ id: 'guest', title: 'Guest sign-in' }]
        : [],
    };
  }
  return { preset: identity.name, providers: syncStatus.authProviders() };
}

function runStatus(
  run: PresetSyncRun | undefined,
): SyncRunStatus | typeof NEVER_RUN {
  if (!run) {
    return NEVER_RUN;
  }
  return {
    at: run.startedAt,
    outcome: run.outcome,
    durationMs: run.durationMs,
    ...(run.counts ? { counts: run.counts } : {}),
  };
}

/**
 * What this process runs: the selected presets with their versions, the
 * sign-in provider, and the last runs of the org-sync and discovery
 * sources. Names, versions, times and counts only: no config value, no
 * error text (either could hold a host or a secret).
 */
function presetsStatus(deps: {
  presets: PresetsService;
  syncStatus: PresetSyncStatusService;
}): PresetsStatus {
  const { presets, syncStatus } = deps;
  return {
    presets: presets.presets.map(p => ({ name: p.name, version: p.version })),
    auth: authStatusOf(presets, syncStatus),
    sync: syncStatus.list().map(s => ({
      provider: s.provider,
      kind: s.kind,
      lastRun: runStatus(s.lastRun),
      lastApplied: runStatus(s.lastApplied),
    })),
  };
}

/**
 * The handler of `GET /api/presets/status`. The sync records live in the
 * memory of this process: with several replicas, each answers with the
 * runs it did itself.
 */
export function statusHandler(deps: {
  presets: PresetsService;
  syncStatus: PresetSyncStatusService;
}): RequestHandler {
  return (_req, res) => {
    res.json(presetsStatus(deps));
  };
}
