/**
 * Org sync for the catalog plugin: schedules the org-sync entity provider of
 * the selected identity preset, guarded so that a failing or suddenly empty
 * source never removes people from the catalog.
 *
 * @packageDocumentation
 */
export { catalogModuleIdentityPresets as default } from './module';
export {
  builtinIdentityOrgProviders,
  DEFAULT_ORG_SCHEDULE,
} from './builtinOrgProviders';
export { GuardedConnection } from './GuardedConnection';
