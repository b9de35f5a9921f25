/**
 * The clients and config readers of the SaaS services our own catalog
 * providers read (Okta's Users and Groups API, Azure DevOps code search),
 * shared by those providers (`@devportal/plugin-catalog-backend-module-presets`)
 * and `presets doctor` (`@devportal/presets-cli`), which checks a token the
 * way the sync uses it without loading the catalog backend.
 *
 * @packageDocumentation
 */
export { OktaApi, OktaResponseError } from './okta/oktaApi';
export type { OktaGroup, OktaUser } from './okta/oktaApi';
export { readOktaOrgConfigs } from './okta/config';
export type { OktaOrgConfig } from './okta/config';
export {
  readAzureDevOpsConfig,
  readAzureDevOpsConfigs,
} from './azureDevOps/config';
export type { AzureDevOpsConfig } from './azureDevOps/config';
export {
  AzureDevOpsResponseError,
  azureDevOpsCodeSearchBody,
  azureDevOpsCodeSearchUrl,
  searchCatalogFiles,
} from './azureDevOps/codeSearch';
export type { CodeSearchResult } from './azureDevOps/codeSearch';
