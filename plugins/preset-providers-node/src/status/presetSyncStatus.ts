import {
  ServiceRef,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';

/**
 * How one run of a preset's catalog source ended: `applied` (the catalog
 * took its entities), `refused` (the guard against a suddenly empty source
 * kept the last good ones), `failed`, `rate-limited`, or `nothing-applied`
 * (the run ended without producing a full set of entities).
 *
 * @public
 */
export type PresetSyncOutcome =
  | 'applied'
  | 'refused'
  | 'failed'
  | 'rate-limited'
  | 'nothing-applied';

/** What a run produced: users and groups for org sync, every entity for both kinds. @public */
export interface PresetSyncCounts {
  users: number;
  groups: number;
  entities: number;
}

/** A catalog source the presets activated: `<Kind>:<id>` and what it syncs. @public */
export interface PresetSyncSource {
  /** The entity provider's name, e.g. `LdapOrgEntityProvider:default`. */
  provider: string;
  kind: 'org' | 'discovery';
}

/**
 * One finished run of a source. Holds names, times and counts only: never
 * an error text or a config value, which could carry a host or a secret.
 *
 * @public
 */
export interface PresetSyncRun extends PresetSyncSource {
  /** When the run started, ISO 8601. */
  startedAt: string;
  durationMs: number;
  outcome: PresetSyncOutcome;
  /** What the run produced, when it produced a full set (applied or refused). */
  counts?: PresetSyncCounts;
}

/** A source with its last run and the last run the catalog took. @public */
export interface PresetSyncSourceStatus extends PresetSyncSource {
  /** Absent: never run in this process. */
  lastRun?: PresetSyncRun;
  /** The last `applied` run: what the catalog holds from this source now. */
  lastApplied?: PresetSyncRun;
}

/** A sign-in provider the auth module registered. @public */
export interface PresetAuthProviderStatus {
  /** The key under `auth.providers`, also the route `/api/auth/<id>`. */
  id: string;
  /** What signs people in, e.g. `LDAP bind`, `GitHub OAuth`. */
  title: string;
}

/**
 * Where the identity modules record what they set running (the sign-in
 * providers the auth module registered, the runs of the sources the catalog
 * module schedules), and where the status endpoint reads them.
 *
 * @public
 */
export interface PresetSyncStatusService {
  /** Records a sign-in provider the auth module registered. */
  registerAuthProvider(provider: PresetAuthProviderStatus): void;
  /** The sign-in providers registered in this process, in order. */
  authProviders(): PresetAuthProviderStatus[];
  /** Makes a source known before it first runs, so it is listed as never run. */
  register(source: PresetSyncSource): void;
  /** Records a finished run; registers its source if needed. */
  record(run: PresetSyncRun): void;
  /** Every known source, in registration order. */
  list(): PresetSyncSourceStatus[];
}

/** Keeps the last run and the last applied run of each source, in memory. */
class InMemoryPresetSyncStatus implements PresetSyncStatusService {
  readonly #sources = new Map<string, PresetSyncSourceStatus>();
  readonly #authProviders: PresetAuthProviderStatus[] = [];

  registerAuthProvider(provider: PresetAuthProviderStatus): void {
    this.#authProviders.push({ id: provider.id, title: provider.title });
  }

  authProviders(): PresetAuthProviderStatus[] {
    return this.#authProviders.map(p => ({ ...p }));
  }

  register(source: PresetSyncSource): void {
    if (!this.#sources.has(source.provider)) {
      this.#sources.set(source.provider, {
        provider: source.provider,
        kind: source.kind,
      });
    }
  }

  record(run: PresetSyncRun): void {
    this.register(run);
    const status = this.#sources.get(run.provider)!;
    // Copies, so that a caller changing its object later changes no record.
    const copy = { ...run, counts: run.counts && { ...run.counts } };
    status.lastRun = copy;
    if (run.outcome === 'applied') {
      status.lastApplied = copy;
    }
  }

  list(): PresetSyncSourceStatus[] {
    return [...this.#sources.values()].map(s => ({ ...s }));
  }
}

/**
 * The sign-in providers and the runs of the org-sync and discovery sources
 * the presets activated. A root service because plugins share it: the auth
 * and catalog modules write, the `presets` plugin reads. It lives in memory in one process: nothing is
 * persisted, a restart starts from "never run", and with several replicas
 * each reports the runs it did itself (the scheduler runs a task on one
 * replica at a time).
 *
 * @public
 */
export const presetSyncStatusServiceRef: ServiceRef<
  PresetSyncStatusService,
  'root',
  'singleton'
> = createServiceRef<PresetSyncStatusService>({
  id: 'devportal.presets.sync-status',
  scope: 'root',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {},
      factory: () => new InMemoryPresetSyncStatus(),
    }),
});
