import { LoggerService } from '@backstage/backend-plugin-api';
import {
  EntityProviderConnection,
  EntityProviderMutation,
  EntityProviderRefreshOptions,
} from '@backstage/plugin-catalog-node';

/** What the last full mutation carried. */
export interface AppliedCounts {
  users: number;
  groups: number;
}

/**
 * Sits between an org-sync provider and the catalog. A full mutation that
 * suddenly carries no users, where the last applied one had some, is not
 * passed on unless the operator allows it: a directory that answers with
 * nothing (a wrong base DN, a lost permission) must not delete everyone.
 */
export class GuardedConnection implements EntityProviderConnection {
  private lastApplied: AppliedCounts | undefined;
  private pending: { applied?: AppliedCounts; refused?: AppliedCounts } = {};

  constructor(
    private readonly inner: EntityProviderConnection,
    private readonly options: {
      name: string;
      logger: LoggerService;
      allowEmpty: boolean;
    },
  ) {}

  async applyMutation(mutation: EntityProviderMutation): Promise<void> {
    if (mutation.type !== 'full') {
      await this.inner.applyMutation(mutation);
      return;
    }
    const counts = {
      users: mutation.entities.filter(e => e.entity.kind === 'User').length,
      groups: mutation.entities.filter(e => e.entity.kind === 'Group').length,
    };
    if (
      counts.users === 0 &&
      (this.lastApplied?.users ?? 0) > 0 &&
      !this.options.allowEmpty
    ) {
      this.pending.refused = counts;
      this.options.logger.warn(
        `${
          this.options.name
        }: the source returned no users where the last sync had ${
          this.lastApplied!.users
        }; not applied, the catalog keeps the last good users and groups. If the directory really is empty now, set identityPresets.orgSync.allowEmpty: true`,
      );
      return;
    }
    await this.inner.applyMutation(mutation);
    this.lastApplied = counts;
    this.pending.applied = counts;
  }

  refresh(options: EntityProviderRefreshOptions): Promise<void> {
    return this.inner.refresh(options);
  }

  /** What the current run applied or refused; resets for the next run. */
  takeRunOutcome(): { applied?: AppliedCounts; refused?: AppliedCounts } {
    const outcome = this.pending;
    this.pending = {};
    return outcome;
  }
}
