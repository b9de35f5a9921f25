import { LoggerService } from '@backstage/backend-plugin-api';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { stringifyError } from '@backstage/errors';
import {
  EntityProviderConnection,
  EntityProviderMutation,
  EntityProviderRefreshOptions,
} from '@backstage/plugin-catalog-node';
import { PresetSyncCounts } from '@devportal/plugin-preset-providers-node';
import { describeWindow, SyncGuardConfig } from './readSyncGuardConfig';
import {
  AppliedSyncState,
  HeldEntity,
  HeldSync,
  SyncStateStore,
} from './SyncStateStore';

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

/** The sorted, de-duplicated entity refs of a mutation's entities. */
function refsOf(entities: HeldEntity[]): string[] {
  return [...new Set(entities.map(e => stringifyEntityRef(e.entity)))].sort();
}

/**
 * The refused run as a person reviews it. Which entities approving would
 * remove or add is known only when the last applied sync recorded its
 * refs: a sync applied by an earlier release did not. Then both lists are
 * empty, rather than a guess, and the reason says why; the counts still
 * say how many users and groups there were and would be.
 */
function heldSync(options: {
  provider: string;
  refusedAt: Date;
  reason: string;
  counts: MutationCounts;
  last: PresetSyncCounts;
  lastRefs: string[] | undefined;
  entities: HeldEntity[];
}): HeldSync {
  const { counts, last, lastRefs, entities } = options;
  const refs = refsOf(entities);
  const now = new Set(refs);
  const before = new Set(lastRefs);
  return {
    provider: options.provider,
    refusedAt: options.refusedAt.toISOString(),
    reason: lastRefs
      ? options.reason
      : `${options.reason} (Which entities approving would remove is not known: an earlier release applied the last sync without recording them.)`,
    users: { last: last.users, now: counts.users },
    groups: { last: last.groups, now: counts.groups },
    removed: lastRefs ? lastRefs.filter(ref => !now.has(ref)) : [],
    added: lastRefs ? refs.filter(ref => !before.has(ref)) : [],
    entities,
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
 * measured against, and how to let it through: a person's approval of the
 * held run first (org sync, where the run is held), then the keys that let
 * such runs through without one.
 */
function refusalMessage(
  name: string,
  refusal: Refusal,
  guard: SyncGuardConfig,
  held: boolean,
): string {
  const { what, now, last, reference } = refusal;
  const kept = 'not applied, the catalog keeps the last good entities.';
  const approve = held
    ? `approve this run (yarn presets sync approve ${name}, or on the presets page); to let such runs through without a person, `
    : '';
  if (refusal.reason === 'empty') {
    return `${name}: the source returned no ${what} where the last sync had ${last}; ${kept} If the source really is empty now, ${approve}set identityPresets.orgSync.allowEmpty: true`;
  }
  const share = percent(guard.minRetainedShare);
  const lower = `set identityPresets.orgSync.minRetainedShare (now ${guard.minRetainedShare}) lower, or 0 to turn this check off`;
  if (reference.kind === 'last') {
    return `${name}: the source returned ${now} ${what} where the last sync had ${last} (below ${share}); ${kept} If the directory really shrank, ${approve}${lower}`;
  }
  const window = describeWindow(guard.peakWindowMs);
  return `${name}: the source returned ${now} ${what} where the largest sync of the last ${window} had ${
    reference.count
  } (applied ${reference.at.toISOString()}; below ${share} of that peak, though the last sync had ${last}); ${kept} If the directory really shrank, ${approve}the peak stops counting once it is older than identityPresets.orgSync.peakWindow (now ${window}); or ${lower}`;
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
 * A refused org sync run is held there too, until a person approves it
 * ({@link GuardedConnection.applyApproved}) or rejects it.
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
      // A refused org sync run waits for a person, measured against the last sync.
      const heldAgainst = kind === 'org' ? last : undefined;
      const reason = refusalMessage(name, refusal, guard, !!heldAgainst);
      logger.warn(reason);
      if (heldAgainst) {
        await this.hold(mutation, {
          refusedAt: now,
          reason,
          counts,
          last: heldAgainst,
        });
      }
      return { refused: counts };
    }
    await this.inner.applyMutation(mutation);
    await this.record(counts, {
      appliedAt: now,
      forgetBefore: windowStart,
      minRetainedShare: guard.minRetainedShare,
      entityRefs: refsOf(mutation.entities),
    });
    return { applied: counts };
  }

  /**
   * Applies a held run a person approved, exactly as it was held, and
   * records it as the applied sync: its pending row goes, and no sync
   * before it counts as a peak any more (the person accepted the shrink).
   */
  async applyApproved(held: HeldSync): Promise<MutationCounts> {
    const mutation: FullMutation = { type: 'full', entities: held.entities };
    const counts = countsOf(mutation);
    await this.inner.applyMutation(mutation);
    await this.record(counts, {
      minRetainedShare: this.options.guard.minRetainedShare,
      entityRefs: refsOf(mutation.entities),
      approvedRefusedAt: new Date(held.refusedAt),
    });
    return counts;
  }

  /** Records what the catalog now holds; a failure is logged, not thrown. */
  private async record(
    counts: MutationCounts,
    options: Parameters<SyncStateStore['recordApplied']>[2],
  ): Promise<void> {
    const { name, logger, store } = this.options;
    try {
      await store.recordApplied(name, counts, options);
    } catch (error) {
      // The catalog has the new entities: reporting the run as failed
      // would be wrong. The next run is judged against the sync before.
      logger.warn(
        `${name}: applied, but could not record what the sync held (${stringifyError(
          error,
        )}); the next run is compared with the sync before this one`,
      );
    }
  }

  /**
   * Keeps a refused org sync run for a person to approve or reject. A
   * failure to keep it is logged: the refusal itself already protected
   * the catalog.
   */
  private async hold(
    mutation: FullMutation,
    refused: {
      refusedAt: Date;
      reason: string;
      counts: MutationCounts;
      last: PresetSyncCounts;
    },
  ): Promise<void> {
    const { name, logger, store } = this.options;
    try {
      await store.holdRefused(
        heldSync({
          provider: name,
          ...refused,
          lastRefs: await store.appliedRefs(name),
          entities: mutation.entities,
        }),
      );
      logger.info(
        `${name}: the refused run is held for review: GET /api/presets/sync/pending lists it; POST /api/presets/sync/pending/${encodeURIComponent(
          name,
        )}/approve applies it, .../reject drops it`,
      );
    } catch (error) {
      logger.warn(
        `${name}: could not keep the refused run for approval (${stringifyError(
          error,
        )}); the next refused run is kept instead`,
      );
    }
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
