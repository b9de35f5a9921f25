/**
 * Catalog providers of the selected presets: the identity preset's org sync
 * and the SCM presets' repository discovery, each scheduled and guarded so
 * that a failing, rate-limited or suddenly empty source never removes
 * entities from the catalog.
 *
 * @packageDocumentation
 */
export { catalogModulePresets as default } from './module';
// The Okta org sync's reader and config, for `presets doctor` to check a
// token the way the sync uses it.
export { OktaApi, OktaResponseError } from './providers/okta/oktaApi';
export type { OktaGroup, OktaUser } from './providers/okta/oktaApi';
export { readOktaOrgConfigs } from './providers/okta/config';
export type { OktaOrgConfig } from './providers/okta/config';
// The Azure DevOps discovery's config reader and code search request, for
// `presets doctor` to check a personal access token the way discovery
// uses it.
export { readAzureDevOpsConfig } from './providers/azureDevOps/config';
export type { AzureDevOpsConfig } from './providers/azureDevOps/config';
export {
  azureDevOpsCodeSearchBody,
  azureDevOpsCodeSearchUrl,
} from './providers/azureDevOps/codeSearch';
