import {
  ApiRef,
  BackstageIdentityApi,
  ConfigApi,
  githubAuthApiRef,
  gitlabAuthApiRef,
  microsoftAuthApiRef,
  oktaAuthApiRef,
  ProfileInfoApi,
  SessionApi,
} from '@backstage/frontend-plugin-api';
import { keycloakAuthApiRef } from '../apis/keycloakAuthApi';

/**
 * How a sign-in page named by an identity preset signs people in: the
 * username and password form (LDAP), or one button that opens the
 * provider's popup.
 *
 * @public
 */
export type PresetsSignInProvider =
  | { type: 'ldap-form' }
  | {
      type: 'popup';
      /** Unique on the page, e.g. `github-auth-provider`. */
      id: string;
      title: string;
      message: string;
      apiRef: ApiRef<ProfileInfoApi & BackstageIdentityApi & SessionApi>;
    };

/**
 * The sign-in pages of the shipped identity presets, by the value of their
 * `signInPage` key. A table rather than code per provider: an embedding app
 * adds its own with `createPresetsSignInPage({ providers })`.
 *
 * @public
 */
export const defaultPresetsSignInProviders: Readonly<
  Record<string, PresetsSignInProvider>
> = {
  ldap: { type: 'ldap-form' },
  github: {
    type: 'popup',
    id: 'github-auth-provider',
    title: 'GitHub',
    message: 'Sign in using GitHub',
    apiRef: githubAuthApiRef,
  },
  gitlab: {
    type: 'popup',
    id: 'gitlab-auth-provider',
    title: 'GitLab',
    message: 'Sign in using GitLab',
    apiRef: gitlabAuthApiRef,
  },
  microsoft: {
    type: 'popup',
    id: 'microsoft-auth-provider',
    title: 'Microsoft',
    message: 'Sign in using Microsoft Entra ID',
    apiRef: microsoftAuthApiRef,
  },
  keycloak: {
    type: 'popup',
    id: 'keycloak-auth-provider',
    title: 'Keycloak',
    message: 'Sign in using Keycloak',
    apiRef: keycloakAuthApiRef,
  },
  // Any OpenID provider: the same backend provider (`oidc`) as Keycloak's,
  // so the same auth API; the preset names the button (signInTitle).
  oidc: {
    type: 'popup',
    id: 'oidc-auth-provider',
    title: 'Single sign-on',
    message: 'Sign in using your organisation account',
    apiRef: keycloakAuthApiRef,
  },
  okta: {
    type: 'popup',
    id: 'okta-auth-provider',
    title: 'Okta',
    message: 'Sign in using Okta',
    apiRef: oktaAuthApiRef,
  },
};

/**
 * What the sign-in page shows, from the config the selected presets set.
 *
 * @public
 */
export type PresetsSignInChoice =
  | { kind: 'provider'; name: string; provider: PresetsSignInProvider }
  | { kind: 'unknown'; name: string; known: string[] }
  | { kind: 'guest' }
  | { kind: 'none' };

/**
 * Reads the sign-in page the selected identity preset configured
 * (`signInPage`, else the first of `platform.signInProviders`), with the
 * button text `platform.signInTitle` when the preset sets one. Without
 * one, guest sign-in unless `platform.guest.enabled` is false (the
 * platform sets it so in production without `DEVPORTAL_ALLOW_GUEST=true`).
 *
 * @public
 */
export function readSignInChoice(
  config: ConfigApi,
  providers: Readonly<
    Record<string, PresetsSignInProvider>
  > = defaultPresetsSignInProviders,
): PresetsSignInChoice {
  const name =
    config.getOptionalString('signInPage')?.trim() ||
    config.getOptionalStringArray('platform.signInProviders')?.[0]?.trim();
  if (name) {
    const provider = Object.prototype.hasOwnProperty.call(providers, name)
      ? providers[name]
      : undefined;
    if (!provider) {
      return { kind: 'unknown', name, known: Object.keys(providers).sort() };
    }
    const title = config.getOptionalString('platform.signInTitle')?.trim();
    return {
      kind: 'provider',
      name,
      provider:
        title && provider.type === 'popup' ? { ...provider, title } : provider,
    };
  }
  return config.getOptionalBoolean('platform.guest.enabled') === false
    ? { kind: 'none' }
    : { kind: 'guest' };
}
