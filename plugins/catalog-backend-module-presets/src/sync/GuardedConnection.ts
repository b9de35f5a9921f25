import { LoggerService } from '@backstage/backend-plugin-api';
import {
  EntityProviderConnection,
  EntityProviderMutation,
  EntityProviderRefreshOptions,
} from '@backstage/plugin-catalog-node';

/** What a full mutation carried. */
export interface MutationCounts {
  users: number;
  groups: number;
  entities: number;
}

type FullMutation = Extract<EntityProviderMutation, { type: 'full' }>;

function countsOf(mutation: FullMutation): MutationCounts {
  return {
    users: mutation.entities.filter(e => e.entity.kind === 'User').length,
    groups: mutation.entities.filter(e => e.entity.kind === 'Group').length,
    entities: mutation.entities.length,
  };
}

/**
 * Sits between a provider and the catalog. A full mutation is held until
 * the run that produced it has ended, and applied only if the run went
 * well: a source that failed half way never replaces the catalog's
 * entities with a partial answer. A full mutation that suddenly carries
 * nothing (no users, for org sync), where the last applied one had some,
 * is not passed on unless the operator allows it: a directory or SCM that
 * answers with nothing (a wrong base DN, a lost permission) must not
 * delete everyone.
 */
export class GuardedConnection implements EntityProviderConnection {
  private lastApplied: MutationCounts | undefined;
  private held: FullMutation | undefined;

  constructor(
    private readonly inner: EntityProviderConnection,
    private readonly options: {
      name: string;
      logger: LoggerService;
      allowEmpty: boolean;
      /** What must not suddenly drop to zero: users for org sync, any entity for discovery. */
      counts: 'users' | 'entities';
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
   * Applies what the current run produced, unless the guard refuses it.
   * Says what happened; `{}` when the run produced no full mutation.
   */
  async commitRun(): Promise<{
    applied?: MutationCounts;
    refused?: MutationCounts;
  }> {
    const mutation = this.held;
    this.held = undefined;
    if (!mutation) {
      return {};
    }
    const counts = countsOf(mutation);
    const what = this.options.counts;
    const last = this.lastApplied?.[what] ?? 0;
    if (counts[what] === 0 && last > 0 && !this.options.allowEmpty) {
      this.options.logger.warn(
        `${this.options.name}: the source returned no ${what} where the last sync had ${last}; not applied, the catalog keeps the last good ones. If the source really is empty now, set identityPresets.orgSync.allowEmpty: true`,
      );
      return { refused: counts };
    }
    await this.inner.applyMutation(mutation);
    this.lastApplied = counts;
    return { applied: counts };
  }
}
