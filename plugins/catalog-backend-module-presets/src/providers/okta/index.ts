/*
 * Okta org sync: our own entity provider on Okta's Users and Groups API,
 * because @roadiehq/catalog-backend-module-okta does not run on this
 * Backstage release (see OktaOrgEntityProvider).
 */
export { OktaOrgEntityProvider } from './OktaOrgEntityProvider';
