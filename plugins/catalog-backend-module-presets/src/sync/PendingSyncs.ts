import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  PresetSyncDecision,
  PresetSyncPendingHandler,
} from '@devportal/plugin-preset-providers-node';
import { PendingSync } from '@devportal/plugin-presets-sync-common';
import { GuardedConnection } from './GuardedConnection';
import { SyncStateStore } from './SyncStateStore';

/**
 * The refused org sync runs held in the catalog's database, and the
 * connections of this replica that apply an approved one. Every replica's
 * catalog connects every provider (only the scheduled task runs on one),
 * so whichever replica a person's approval reaches applies it itself.
 */
export class PendingSyncs implements PresetSyncPendingHandler {
  readonly #connections = new Map<string, GuardedConnection>();

  constructor(private readonly store: SyncStateStore) {}

  /** An org sync's connection to the catalog, once the catalog connected it. */
  connected(provider: string, connection: GuardedConnection): void {
    this.#connections.set(provider, connection);
  }

  /**
   * The held runs of the org syncs this backend runs. A backend without
   * org sync never reads the database; a held run of a provider no longer
   * configured cannot be approved here and is not listed.
   */
  async list(): Promise<PendingSync[]> {
    if (this.#connections.size === 0) {
      return [];
    }
    return (await this.store.listPending()).filter(p =>
      this.#connections.has(p.provider),
    );
  }

  async approve(provider: string): Promise<PresetSyncDecision> {
    const connection = this.#connectionOf(provider);
    const claim = await this.store.claimPending(provider);
    if (!claim) {
      throw this.#nothingPending(provider);
    }
    const { held } = claim;
    if (!claim.claimed) {
      throw new ConflictError(
        `${provider}: the refused run of ${held.refusedAt} is being approved by another request`,
      );
    }
    try {
      await connection.applyApproved(held);
    } catch (error) {
      await this.store.releasePending(provider, held.refusedAt);
      throw error;
    }
    const { entities: _, ...pending } = held;
    return { pending };
  }

  async reject(provider: string): Promise<PresetSyncDecision> {
    this.#connectionOf(provider);
    const dropped = await this.store.rejectPending(provider);
    if (!dropped) {
      throw this.#nothingPending(provider);
    }
    if (dropped === 'claimed') {
      throw new ConflictError(
        `${provider}: the refused run is being approved by another request`,
      );
    }
    return { pending: dropped };
  }

  #connectionOf(provider: string): GuardedConnection {
    const connection = this.#connections.get(provider);
    if (!connection) {
      const known = [...this.#connections.keys()];
      throw new NotFoundError(
        `No org sync named ${provider} runs in this backend (org syncs: ${
          known.join(', ') || 'none'
        })`,
      );
    }
    return connection;
  }

  #nothingPending(provider: string): NotFoundError {
    return new NotFoundError(
      `${provider}: no refused run is pending (none was refused since the last applied sync, or it was already approved or rejected)`,
    );
  }
}
