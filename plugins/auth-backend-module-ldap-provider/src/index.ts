/**
 * LDAP username/password sign-in for the Backstage auth plugin.
 *
 * @packageDocumentation
 */

export { authModuleLdapProvider as default } from './module';
export {
  createLdapAuthProviderFactory,
  ldapAuthProviderFactory,
  type LdapAuthProviderFactoryOptions,
} from './provider';
export { isSharedDatabase } from './session';
export {
  defaultLdapProfileTransform,
  type LdapAuthResult,
} from './resolvers';
