import {
  ApiBlueprint,
  configApiRef,
  createFrontendModule,
  discoveryApiRef,
  oauthRequestApiRef,
} from '@backstage/frontend-plugin-api';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';
import { LdapAuth, ldapAuthApiRef } from '../apis/ldapAuthApi';
import {
  createKeycloakAuth,
  keycloakAuthApiRef,
} from '../apis/keycloakAuthApi';

/**
 * The LDAP auth API (`/api/auth/ldap`), for the sign-in page's form and the
 * session it keeps.
 *
 * @public
 */
export const ldapAuthApi = ApiBlueprint.make({
  name: 'ldap-auth',
  params: defineParams =>
    defineParams({
      api: ldapAuthApiRef,
      deps: { discoveryApi: discoveryApiRef, configApi: configApiRef },
      factory: ({ discoveryApi, configApi }) =>
        LdapAuth.create({
          discoveryApi,
          environment: configApi.getOptionalString('auth.environment'),
        }),
    }),
});

/**
 * The Keycloak auth API (`/api/auth/oidc`, Backstage's OIDC provider).
 *
 * @public
 */
export const keycloakAuthApi = ApiBlueprint.make({
  name: 'keycloak-auth',
  params: defineParams =>
    defineParams({
      api: keycloakAuthApiRef,
      deps: {
        discoveryApi: discoveryApiRef,
        oauthRequestApi: oauthRequestApiRef,
        configApi: configApiRef,
      },
      factory: ({ discoveryApi, oauthRequestApi, configApi }) =>
        createKeycloakAuth({
          discoveryApi,
          oauthRequestApi,
          configApi,
          environment: configApi.getOptionalString('auth.environment'),
        }),
    }),
});

/**
 * The sign-in page that follows the selected identity preset.
 *
 * @public
 */
export const presetsSignInPage = SignInPageBlueprint.make({
  params: {
    loader: () => import('./PresetsSignInPage').then(m => m.PresetsSignInPage),
  },
});

/**
 * An app module with the sign-in page that follows the identity preset and
 * the auth APIs it needs (LDAP, Keycloak; GitHub, GitLab and Microsoft are
 * the app's own). Add it to `createApp({ features: [...] })`.
 *
 * @public
 */
export const presetsSignInModule = createFrontendModule({
  pluginId: 'app',
  extensions: [presetsSignInPage, ldapAuthApi, keycloakAuthApi],
});
