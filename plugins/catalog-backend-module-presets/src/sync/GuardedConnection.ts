import { LoggerService } from '@backstage/backend-plugin-api';
import { stringifyError } from '@backstage/errors';
import {
  EntityProviderConnection,
  EntityProviderMutation,
  EntityProviderRefreshOptions,
} from '@backstage/plugin-catalog-node';
import { PresetSyncCounts } from '@devportal/plugin-preset-providers-node';
import { describeWindow, SyncGuardConfig } from './readSyncGuardConfig';
import { AppliedSyncState, SyncStateStore } from './SyncStateStore';

/**
 * What a full mutation carried.
 *
 * @public
 */
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

/** Why a result is not applied: one count against the last applied sync's, or the window's largest. */
interface Refusal {
  what: Counted;
  now: number;
  /** The count of the last applied sync. */
  last: number;
  /** `empty`: nothing where there was something; `collapsed`: below the retained share. */
  reason: 'empty' | 'collapsed';
  /**
   * Which applied sync the result was measured against: the last one, or
   * the largest applied within the window (which a stepwise collapse
   * cannot get past), with its count and time.
   */
  reference: { kind: 'last' } | { kind: 'peak'; count: number; at: Date };
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

/** For each count, the largest of these syncs with the latest time it was reached. */
function peaksOf(
  applied: AppliedSyncState[],
): Record<Counted, { count: number; at: Date } | undefined> {
  const peak = (what: Counted) =>
    applied.reduce<{ count: number; at: Date } | undefined>(
      (best, sync) =>
        !best ||
        sync[what] > best.count ||
        (sync[what] === best.count && sync.appliedAt > best.at)
          ? { count: sync[what], at: sync.appliedAt }
          : best,
      undefined,
    );
  return {
    users: peak('users'),
    groups: peak('groups'),
    entities: peak('entities'),
  };
}

/**
 * The first count of `counts` the guard refuses, against the last applied
 * sync and, for org sync, against the largest of the syncs applied within
 * the window (`recent`).
 */
function findRefusal(
  counts: PresetSyncCounts,
  last: PresetSyncCounts | undefined,
  recent: AppliedSyncState[],
  kind: 'org' | 'discovery',
  guard: SyncGuardConfig,
): Refusal | undefined {
  if (!last) {
    return undefined;
  }
  const peaks = peaksOf(recent);
  for (const what of GUARDED[kind]) {
    const now = counts[what];
    const before = last[what];
    if (now === 0) {
      if (before > 0 && !guard.allowEmpty) {
        return {
          what,
          now,
          last: before,
          reason: 'empty',
          reference: { kind: 'last' },
        };
      }
      // An empty result is for allowEmpty alone to decide.
      continue;
    }
    if (kind !== 'org') {
      continue;
    }
    if (now < before * guard.minRetainedShare) {
      return {
        what,
        now,
        last: before,
        reason: 'collapsed',
        reference: { kind: 'last' },
      };
    }
    const peak = peaks[what];
    if (peak && now < peak.count * guard.minRetainedShare) {
      return {
        what,
        now,
        last: before,
        reason: 'collapsed',
        reference: { kind: 'peak', ...peak },
      };
    }
  }
  return undefined;
}

function percent(share: number): string {
  return `${Number((share * 100).toFixed(1))}%`;
}

/**
 * The log line of a refusal: the counts, which applied sync it was
 * measured against, and the key that would let it through.
 */
function refusalMessage(
  name: string,
  refusal: Refusal,
  guard: SyncGuardConfig,
): string {
  const { what, now, last, reference } = refusal;
  const kept = 'not applied, the catalog keeps the last good entities.';
  if (refusal.reason === 'empty') {
    return `${name}: the source returned no ${what} where the last sync had ${last}; ${kept} If the source really is empty now, set identityPresets.orgSync.allowEmpty: true`;
  }
  const share = percent(guard.minRetainedShare);
  const lower = `set identityPresets.orgSync.minRetainedShare (now ${guard.minRetainedShare}) lower, or 0 to turn this check off`;
  if (reference.kind === 'last') {
    return `${name}: the source returned ${now} ${what} where the last sync had ${last} (below ${share}); ${kept} If the directory really shrank, ${lower}`;
  }
  const window = describeWindow(guard.peakWindowMs);
  return `${name}: the source returned ${now} ${what} where the largest sync of the last ${window} had ${
    reference.count
  } (applied ${reference.at.toISOString()}; below ${share} of that peak, though the last sync had ${last}); ${kept} If the directory really shrank, the peak stops counting once it is older than identityPresets.orgSync.peakWindow (now ${window}); or ${lower}`;
}

/**
 * What {@link GuardedConnection.commitRun} did with the run's result.
 *
 * @public
 */
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
 * of the last applied one or of the largest one applied within the window,
 * is not passed on unless the operator allows it: a directory or SCM that
 * answers with nothing or with a fraction (a wrong base DN, a lost
 * permission) must not delete everyone, neither at once nor in steps that
 * each lose a little less than the share. What the applied syncs held is
 * read from the database at each commit, not kept in memory, so a
 * restarted process or another replica compares against the same syncs.
 *
 * @public
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
    const now = new Date();
    const windowStart = new Date(now.getTime() - guard.peakWindowMs);
    const last: AppliedSyncState | undefined = await store.lastApplied(name);
    const recent = await this.recentlyApplied(last, windowStart);
    const refusal = findRefusal(counts, last, recent, kind, guard);
    if (refusal) {
      logger.warn(refusalMessage(name, refusal, guard));
      return { refused: counts };
    }
    await this.inner.applyMutation(mutation);
    try {
      await store.recordApplied(name, counts, {
        appliedAt: now,
        forgetBefore: windowStart,
        minRetainedShare: guard.minRetainedShare,
      });
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

  /** The applied syncs the window's peak is taken from; only org sync has a share check. */
  private async recentlyApplied(
    last: AppliedSyncState | undefined,
    windowStart: Date,
  ): Promise<AppliedSyncState[]> {
    const { name, guard, kind, store } = this.options;
    if (
      !last ||
      kind !== 'org' ||
      guard.minRetainedShare === 0 ||
      guard.peakWindowMs === 0
    ) {
      return [];
    }
    return store.appliedSince(name, windowStart);
  }
}
