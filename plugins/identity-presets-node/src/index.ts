/**
 * Extension points through which backend modules declare which auth
 * provider and which org-sync provider an identity preset activates.
 *
 * @packageDocumentation
 */
export {
  IDENTITY_GROUP,
  identityAuthProvidersExtensionPoint,
  identityOrgProvidersExtensionPoint,
} from './extensionPoints';
export type {
  IdentityAuthProvider,
  IdentityAuthProvidersExtensionPoint,
  IdentityOrgProvider,
  IdentityOrgProviderContext,
  IdentityOrgProvidersExtensionPoint,
  IdentityOrgSource,
} from './extensionPoints';
export { keysNamedByPreset, selectedIdentityPreset } from './selection';
