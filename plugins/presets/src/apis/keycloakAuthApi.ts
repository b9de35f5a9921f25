import { OAuth2 } from '@backstage/core-app-api';
import {
  BackstageIdentityApi,
  createApiRef,
  OAuthApi,
  OpenIdConnectApi,
  ProfileInfoApi,
  SessionApi,
} from '@backstage/frontend-plugin-api';

/**
 * Keycloak sign-in through Backstage's OpenID Connect provider (provider id
 * `oidc`, which the `keycloak` preset configures), as Backstage documents
 * for a custom OIDC provider: its own API ref, implemented by `OAuth2`.
 *
 * @public
 */
export const keycloakAuthApiRef = createApiRef<
  OAuthApi &
    OpenIdConnectApi &
    ProfileInfoApi &
    BackstageIdentityApi &
    SessionApi
>().with({
  id: 'plugin.presets.auth.keycloak',
  pluginId: 'app',
});

/** The options {@link createKeycloakAuth} passes on to `OAuth2.create`. @public */
export type KeycloakAuthOptions = Parameters<typeof OAuth2.create>[0];

/**
 * The Keycloak auth API: `OAuth2` against `/api/auth/oidc`, with the scopes
 * Keycloak needs for an ID token and a profile.
 *
 * @public
 */
export function createKeycloakAuth(
  options: Omit<
    Extract<KeycloakAuthOptions, { discoveryApi: unknown }>,
    'provider' | 'defaultScopes'
  >,
) {
  return OAuth2.create({
    ...options,
    provider: { id: 'oidc', title: 'Keycloak', icon: () => null },
    defaultScopes: ['openid', 'profile', 'email'],
  });
}
