import {
  ServiceRef,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import { PendingSync } from '@devportal/plugin-presets-sync-common';

/**
 * What an approval or a rejection did: the held run it applied or dropped,
 * as it was listed.
 *
 * @public
 */
export interface PresetSyncDecision {
  /** The held run as `GET /api/presets/sync/pending` listed it. */
  pending: PendingSync;
}

/**
 * Lists, approves and rejects the org sync runs the guard refused. The
 * catalog module implements it over the catalog's database and its own
 * connections; approve and reject throw `NotFoundError` for an unknown
 * provider or when nothing is pending, and `ConflictError` when another
 * approval is applying the same run.
 *
 * @public
 */
export interface PresetSyncPendingHandler {
  /** Every held run, from the database: every replica sees the same. */
  list(): Promise<PendingSync[]>;
  /** Applies the held run of `provider` through this replica's catalog connection. */
  approve(provider: string): Promise<PresetSyncDecision>;
  /** Drops the held run of `provider`. */
  reject(provider: string): Promise<PresetSyncDecision>;
}

/**
 * Where the catalog module offers the refused runs it holds and where the
 * presets plugin's routes reach them: a root service because two plugins
 * share it in one process.
 *
 * @public
 */
export interface PresetSyncPendingService extends PresetSyncPendingHandler {
  /** Called once by the catalog module that schedules org sync. */
  setHandler(handler: PresetSyncPendingHandler): void;
}

/**
 * Without a catalog module that schedules org sync nothing is ever held:
 * the list is empty and there is nothing to approve.
 */
class PresetSyncPending implements PresetSyncPendingService {
  #handler: PresetSyncPendingHandler | undefined;

  setHandler(handler: PresetSyncPendingHandler): void {
    if (this.#handler) {
      throw new Error('A pending org sync handler is already set');
    }
    this.#handler = handler;
  }

  list(): Promise<PendingSync[]> {
    return this.#handler?.list() ?? Promise.resolve([]);
  }

  approve(provider: string): Promise<PresetSyncDecision> {
    return this.#handler?.approve(provider) ?? this.#nothing(provider);
  }

  reject(provider: string): Promise<PresetSyncDecision> {
    return this.#handler?.reject(provider) ?? this.#nothing(provider);
  }

  async #nothing(provider: string): Promise<never> {
    throw new NotFoundError(
      `No org sync named ${provider} runs in this backend: no selected preset schedules org sync`,
    );
  }
}

/**
 * The refused org sync runs waiting for a person, shared between the
 * catalog module (which holds and applies them) and the presets plugin
 * (which serves `/api/presets/sync/pending`).
 *
 * @public
 */
export const presetSyncPendingServiceRef: ServiceRef<
  PresetSyncPendingService,
  'root',
  'singleton'
> = createServiceRef<PresetSyncPendingService>({
  id: 'devportal.presets.sync-pending',
  scope: 'root',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: {},
      factory: () => new PresetSyncPending(),
    }),
});
