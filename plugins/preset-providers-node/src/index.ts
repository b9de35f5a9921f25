/**
 * The providers a preset activates: extension points through which backend
 * modules register identity auth providers and catalog providers (org sync,
 * SCM discovery), the plan and registry that wire them for a selection, and
 * the sync status service.
 *
 * @packageDocumentation
 */
export {
  identityAuthProvidersExtensionPoint,
  presetCatalogProvidersExtensionPoint,
} from './extensionPoints';
export type {
  IdentityAuthProvider,
  IdentityAuthProvidersExtensionPoint,
  PresetCatalogProvider,
  PresetCatalogProviderContext,
  PresetCatalogProvidersExtensionPoint,
  PresetCatalogSource,
} from './extensionPoints';
export { PresetProviderRegistry } from './wiring/ProviderRegistry';
export type { PresetProviderInfo } from './wiring/ProviderRegistry';
export { planPresetWiring } from './wiring/planPresetWiring';
export type {
  PresetActivation,
  PresetWiringPlan,
} from './wiring/planPresetWiring';
export { selectedIdentityPreset } from './selection';
export { presetSyncStatusServiceRef } from './status/presetSyncStatus';
export { presetSyncPendingServiceRef } from './status/presetSyncPending';
export type {
  PresetSyncDecision,
  PresetSyncPendingHandler,
  PresetSyncPendingService,
} from './status/presetSyncPending';
export type {
  PresetAuthProviderStatus,
  PresetSyncCounts,
  PresetSyncOutcome,
  PresetSyncRun,
  PresetSyncSource,
  PresetSyncSourceStatus,
  PresetSyncStatusService,
} from './status/presetSyncStatus';
