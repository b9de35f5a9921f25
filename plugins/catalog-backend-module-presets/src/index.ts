/**
 * Catalog providers of the selected presets: the identity preset's org sync
 * and the SCM presets' repository discovery, each scheduled and guarded so
 * that a failing, rate-limited or suddenly empty source never removes
 * entities from the catalog.
 *
 * @packageDocumentation
 */
export { catalogModulePresets as default } from './module';
export {
  builtinCatalogProviders,
  DEFAULT_SYNC_SCHEDULE,
} from './providers/builtinCatalogProviders';
export {
  AzureDevOpsEntityProvider,
  readAzureDevOpsConfigs,
} from './providers/azureDevOps';
export type { AzureDevOpsConfig } from './providers/azureDevOps';
export { GuardedConnection } from './sync/GuardedConnection';
export type { CommitResult, MutationCounts } from './sync/GuardedConnection';
export {
  SyncStateStore,
  SYNC_HISTORY_TABLE,
  SYNC_STATE_TABLE,
} from './sync/SyncStateStore';
export type {
  AppliedSyncState,
  RecordAppliedOptions,
} from './sync/SyncStateStore';
export {
  DEFAULT_MIN_RETAINED_SHARE,
  DEFAULT_PEAK_WINDOW_MS,
  readSyncGuardConfig,
} from './sync/readSyncGuardConfig';
export type { SyncGuardConfig } from './sync/readSyncGuardConfig';
