/**
 * The DevPortal frontend plugin: the sign-in page that follows the
 * selected identity preset, and the presets page.
 *
 * @packageDocumentation
 */
import { presetsPlugin } from './plugin';

export { presetsPlugin } from './plugin';
export {
  presetsSignInModule,
  ldapAuthApi,
  keycloakAuthApi,
} from './signIn/module';
export {
  createPresetsSignInPage,
  PresetsSignInPage,
} from './signIn/PresetsSignInPage';
export type { PresetsSignInPageOptions } from './signIn/PresetsSignInPage';
export { defaultPresetsSignInProviders } from './signIn/signInChoice';
export type { PresetsSignInProvider } from './signIn/signInChoice';
export { LdapAuth, LdapSignInError, ldapAuthApiRef } from './apis/ldapAuthApi';
export type { LdapAuthApi } from './apis/ldapAuthApi';
export { createKeycloakAuth, keycloakAuthApiRef } from './apis/keycloakAuthApi';
export type { KeycloakAuthOptions } from './apis/keycloakAuthApi';

export default presetsPlugin;
