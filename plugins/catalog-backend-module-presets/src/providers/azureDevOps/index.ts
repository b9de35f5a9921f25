/*
 * Azure DevOps repository discovery: our own entity provider, because
 * upstream's @backstage/plugin-catalog-backend-module-azure is not available
 * to this repository. Same config keys and Location targets as upstream.
 */
export { AzureDevOpsEntityProvider } from './AzureDevOpsEntityProvider';
