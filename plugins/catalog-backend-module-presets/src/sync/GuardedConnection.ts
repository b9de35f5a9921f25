import { LoggerService } from '@backstage/backend-plugin-api';
import { stringifyError } from '@backstage/errors';
import {
  EntityProviderConnection,
  EntityProviderMutation,
  EntityProviderRefreshOptions,
} from '@backstage/plugin-catalog-node';
import { PresetSyncCounts } from '@devportal/plugin-identity-presets-node';
import { SyncGuardConfig } from './readSyncGuardConfig';
import { AppliedSyncState, SyncStateStore } from './SyncStateStore';

/** What a full mutation carried. */
export type MutationCounts = PresetSyncCounts;

type FullMutation = Extract<EntityProviderMutation, { type: 'full' }>;

type Counted = keyof PresetSyncCounts;

function countsOf(mutation: FullMutation): MutationCounts {
  return {
    users: mutation.entities.filter(e => e.entity.kind === 'User').length,
    groups: mutation.entities.filter(e => e.entity.kind === 'Group').length,
    entities: mutation.entities.length,
  };
}

/** Why a result is not applied: one count against the last applied sync's. */
interface Refusal {
  what: Counted;
  now: number;
  last: number;
  /** `empty`: nothing where there was something; `collapsed`: below the retained share. */
  reason: 'empty' | 'collapsed';
}

/**
 * Org sync must keep its users and its groups; discovery its entities.
 * Only org sync has the collapse check: its config lives under
 * `identityPresets.orgSync`, and a discovery run that finds fewer
 * repositories is far more often a real clean-up.
 */
const GUARDED: Record<'org' | 'discovery', Counted[]> = {
  org: ['users', 'groups'],
  discovery: ['entities'],
};

/** The first count of `counts` the guard refuses, against the last applied sync. */
function findRefusal(
  counts: PresetSyncCounts,
  last: PresetSyncCounts | undefined,
  kind: 'org' | 'discovery',
  guard: SyncGuardConfig,
): Refusal | undefined {
  if (!last) {
    return undefined;
  }
  for (const what of GUARDED[kind]) {
    const now = counts[what];
    const before = last[what];
    if (now === 0) {
      if (before > 0 && !guard.allowEmpty) {
        return { what, now, last: before, reason: 'empty' };
      }
      // An empty result is for allowEmpty alone to decide.
      continue;
    }
    if (kind === 'org' && now < before * guard.minRetainedShare) {
      return { what, now, last: before, reason: 'collapsed' };
    }
  }
  return undefined;
}

function percent(share: number): string {
  return `${Number((share * 100).toFixed(1))}%`;
}

/** The log line of a refusal: both counts, and the key that would let it through. */
function refusalMessage(
  name: string,
  refusal: Refusal,
  guard: SyncGuardConfig,
): string {
  const { what, now, last } = refusal;
  const kept = 'not applied, the catalog keeps the last good entities.';
  if (refusal.reason === 'empty') {
    return `${name}: the source returned no ${what} where the last sync had ${last}; ${kept} If the source really is empty now, set identityPresets.orgSync.allowEmpty: true`;
  }
  return `${name}: the source returned ${now} ${what} where the last sync had ${last} (below ${percent(
    guard.minRetainedShare,
  )}); ${kept} If the directory really shrank, set identityPresets.orgSync.minRetainedShare (now ${
    guard.minRetainedShare
  }) lower, or 0 to turn this check off`;
}

/** What {@link GuardedConnection.commitRun} did with the run's result. */
export interface CommitResult {
  applied?: MutationCounts;
  refused?: MutationCounts;
}

/**
 * Sits between a provider and the catalog. A full mutation is held until
 * the run that produced it has ended, and applied only if the run went
 * well: a source that failed half way never replaces the catalog's
 * entities with a partial answer.
 *
 * A result that suddenly carries nothing (no users or no groups for org
 * sync, no entities for discovery), or for org sync collapses below a share
 * of the last applied one, is not passed on unless the operator allows it:
 * a directory or SCM that answers with nothing or with a fraction (a wrong
 * base DN, a lost permission) must not delete everyone. What the last
 * applied sync held is read from the database at each commit, not kept in
 * memory, so a restarted process or another replica compares against the
 * same last good sync.
 */
export class GuardedConnection implements EntityProviderConnection {
  private held: FullMutation | undefined;

  constructor(
    private readonly inner: EntityProviderConnection,
    private readonly options: {
      name: string;
      logger: LoggerService;
      guard: SyncGuardConfig;
      /** What must not suddenly drop: users and groups for org sync, any entity for discovery. */
      kind: 'org' | 'discovery';
      /** Where the last applied sync's counts are kept, shared by every replica. */
      store: SyncStateStore;
    },
  ) {}

  async applyMutation(mutation: EntityProviderMutation): Promise<void> {
    if (mutation.type !== 'full') {
      await this.inner.applyMutation(mutation);
      return;
    }
    this.held = mutation;
  }

  refresh(options: EntityProviderRefreshOptions): Promise<void> {
    return this.inner.refresh(options);
  }

  /** Drops what the current run produced: the run failed. */
  discardRun(): void {
    this.held = undefined;
  }

  /**
   * Applies what the current run produced, unless the guard refuses it,
   * and records what was applied. Says what happened; `{}` when the run
   * produced no full mutation. Rejects, applying nothing, when the last
   * applied sync cannot be read: without it the guard cannot judge.
   */
  async commitRun(): Promise<CommitResult> {
    const mutation = this.held;
    this.held = undefined;
    if (!mutation) {
      return {};
    }
    const { name, logger, guard, kind, store } = this.options;
    const counts = countsOf(mutation);
    const last: AppliedSyncState | undefined = await store.lastApplied(name);
    const refusal = findRefusal(counts, last, kind, guard);
    if (refusal) {
      logger.warn(refusalMessage(name, refusal, guard));
      return { refused: counts };
    }
    await this.inner.applyMutation(mutation);
    try {
      await store.recordApplied(name, counts);
    } catch (error) {
      // The catalog has the new entities: reporting the run as failed
      // would be wrong. The next run is judged against the sync before.
      logger.warn(
        `${name}: applied, but could not record what the sync held (${stringifyError(
          error,
        )}); the next run is compared with the sync before this one`,
      );
    }
    return { applied: counts };
  }
}
