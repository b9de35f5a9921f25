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
