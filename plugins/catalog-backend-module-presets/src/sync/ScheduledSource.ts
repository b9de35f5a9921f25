import {
  AuditorService,
  LoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import { stringifyError } from '@backstage/errors';
import {
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import {
  PresetCatalogSource,
  PresetSyncOutcome,
  PresetSyncStatusService,
} from '@devportal/plugin-preset-providers-node';
import {
  CommitResult,
  GuardedConnection,
  MutationCounts,
} from './GuardedConnection';
import { FailedHttpAnswer, watchHttp } from './httpWatch';
import { PendingSyncs } from './PendingSyncs';
import { findRateLimit } from './rateLimit';
import { SyncGuardConfig } from './readSyncGuardConfig';
import { SyncStateStore } from './SyncStateStore';
import { OrgSyncMetrics } from './syncMetrics';

/** Why a run applied nothing, in one sentence for the log. */
function failureReason(error: unknown, failures: FailedHttpAnswer[]): string {
  if (error !== undefined) {
    return stringifyError(error);
  }
  const first = failures[0];
  return `the source answered HTTP ${first.status} (${first.url})${
    failures.length > 1
      ? ` and ${failures.length - 1} more failed requests`
      : ''
  }`;
}

/** How a run that ended without an error went, for the status endpoint. */
function outcomeOf(result: CommitResult): PresetSyncOutcome {
  if (result.applied) {
    return 'applied';
  }
  return result.refused ? 'refused' : 'nothing-applied';
}

function describeApplied(kind: 'org' | 'discovery', counts: MutationCounts) {
  return kind === 'org'
    ? `${counts.users} users and ${counts.groups} groups`
    : `${counts.entities} entities`;
}

/**
 * Connects a preset's entity source to the catalog through a
 * {@link GuardedConnection} and runs it on the scheduler, so with several
 * replicas on one database a run happens once. Each run logs what it
 * applied and how long it took; a run that failed, or whose requests got a
 * server error or a rate limit, applies nothing and is tried again at the
 * next scheduled run.
 */
export class ScheduledSource implements EntityProvider {
  constructor(
    private readonly source: PresetCatalogSource,
    private readonly deps: {
      logger: LoggerService;
      scheduler: SchedulerService;
      /** What the guard lets through: empty results, collapsed ones. */
      guard: SyncGuardConfig;
      /** What the last applied sync of each source held, in the database. */
      store: SyncStateStore;
      /** Where each run's outcome is recorded for the status endpoint. */
      syncStatus: PresetSyncStatusService;
      /** Where org sync runs are counted for Prometheus. */
      metrics: OrgSyncMetrics;
      /** Where a refused run is reported for the operator's audit log. */
      auditor: AuditorService;
      /** Where an approved run of org sync finds this source's connection. */
      pending: PendingSyncs;
    },
  ) {
    deps.syncStatus.register({ provider: source.name, kind: source.kind });
    if (source.kind === 'org') {
      deps.metrics.register(source.name);
    }
  }

  getProviderName(): string {
    return this.source.name;
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    const { logger, scheduler, guard, store } = this.deps;
    const guarded = new GuardedConnection(connection, {
      name: this.source.name,
      logger,
      guard,
      kind: this.source.kind,
      store,
    });
    await this.source.provider.connect(guarded);
    if (this.source.kind === 'org') {
      this.deps.pending.connected(this.source.name, guarded);
    }
    await scheduler.scheduleTask({
      id: `${this.source.name}:refresh`,
      ...this.source.schedule,
      fn: () => this.run(guarded),
    });
  }

  /** Records how a run ended; counts only, never the error or a config value. */
  private record(
    startedAt: Date,
    durationMs: number,
    outcome: PresetSyncOutcome,
    counts?: MutationCounts,
  ): void {
    this.deps.syncStatus.record({
      provider: this.source.name,
      kind: this.source.kind,
      startedAt: startedAt.toISOString(),
      durationMs,
      outcome,
      counts,
    });
    if (this.source.kind === 'org') {
      this.deps.metrics.recordRun({
        provider: this.source.name,
        outcome,
        durationMs,
        counts,
      });
    }
  }

  /**
   * A refused run kept the catalog as it was: an event for whoever reviews
   * the audit log, with the counts the run would have applied.
   */
  private async auditRefusal(refused: MutationCounts): Promise<void> {
    const event = await this.deps.auditor.createEvent({
      eventId: 'org-sync-refused',
      severityLevel: 'medium',
      meta: {
        provider: this.source.name,
        kind: this.source.kind,
        ...refused,
      },
    });
    await event.success();
  }

  private async run(guarded: GuardedConnection): Promise<void> {
    const { logger } = this.deps;
    const name = this.source.name;
    const startedAt = new Date();
    const { error, failures } = await watchHttp(() =>
      this.source.refresh(logger),
    );
    const ms = Date.now() - startedAt.getTime();

    if (error !== undefined || failures.length > 0) {
      guarded.discardRun();
      const limit = findRateLimit(failures, error);
      this.record(startedAt, ms, limit ? 'rate-limited' : 'failed');
      if (limit) {
        logger.warn(
          `${name}: rate limited (HTTP ${limit.status}), ${
            limit.resetsAt
              ? `limit resets at ${limit.resetsAt.toISOString()}`
              : 'the source did not say when the limit resets'
          }; nothing applied, the next scheduled run retries`,
        );
        return;
      }
      logger.error(
        `${name}: sync failed after ${ms} ms, nothing applied; the catalog keeps the last good entities. ${failureReason(
          error,
          failures,
        )}`,
      );
      return;
    }

    let result: CommitResult;
    try {
      result = await guarded.commitRun();
    } catch (commitError) {
      // The last applied sync could not be read (or the catalog refused
      // the mutation): nothing was applied, and the next run tries again.
      this.record(startedAt, ms, 'failed');
      logger.error(
        `${name}: sync failed after ${ms} ms, nothing applied; the catalog keeps the last good entities. ${stringifyError(
          commitError,
        )}`,
      );
      return;
    }
    const { applied, refused } = result;
    this.record(startedAt, ms, outcomeOf(result), applied ?? refused);
    if (refused) {
      await this.auditRefusal(refused);
    }
    if (applied) {
      logger.info(
        `${name}: applied ${describeApplied(
          this.source.kind,
          applied,
        )} in ${ms} ms`,
      );
    } else if (!refused) {
      logger.warn(
        `${name}: sync ended after ${ms} ms without applying anything; the catalog keeps the last good entities`,
      );
    }
  }
}
