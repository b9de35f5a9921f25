/*
 * Sign-in with the `keycloak` preset as a person does it in the frontend's
 * popup: the backend's OIDC start route, the provider's login form, and the
 * backend's handler page at the end. Shared by every test that signs in
 * against the fake Keycloak, so they all take the same steps.
 */
// The harness runs only in tests of this private package, so its tools are devDependencies.
// eslint-disable-next-line @backstage/no-undeclared-imports
import type { Page } from 'playwright-core';
import { handlerResponse } from '../../backend/oauthHandler';
import { signInAtLoginForm } from '../../browser/chromium';
import type { FakeKeycloak, FakeKeycloakConfig } from './index';

/**
 * The variables of the `keycloak` preset that point a backend at the fake
 * realm, for the one client the fake serves sign-in and the admin API to
 * (`client` may be the config the fake was started with).
 */
export function keycloakPresetEnv(
  keycloak: FakeKeycloak,
  client: Pick<FakeKeycloakConfig, 'clientId' | 'clientSecret'>,
): Record<string, string> {
  return {
    KEYCLOAK_BASE_URL: keycloak.baseUrl,
    KEYCLOAK_REALM: keycloak.realm,
    KEYCLOAK_CLIENT_ID: client.clientId,
    KEYCLOAK_CLIENT_SECRET: client.clientSecret,
  };
}

/**
 * Opens OIDC sign-in on the backend at `baseUrl` (a backend, or a load
 * balancer in front of replicas) with the scopes the frontend asks for;
 * resolves once the provider's login form has loaded.
 */
export function startOidcSignIn(page: Page, baseUrl: string) {
  return page.goto(
    `${baseUrl}/api/auth/oidc/start?env=production&scope=openid%20profile%20email`,
  );
}

/** Options of {@link oidcSignIn}. */
export interface OidcSignInOptions {
  /** Where sign-in starts: a backend's or a load balancer's base URL. */
  baseUrl: string;
  username: string;
  password: string;
  /**
   * Runs once the login form is up and before it is submitted, e.g. to send
   * the provider's redirect back to another replica than the one that
   * started the sign-in.
   */
  beforeSubmit?: () => void;
}

/**
 * Signs in through OIDC on `page`: starts at the backend, submits the
 * login form, and returns the message of the backend's `handler/frame`
 * page (see {@link handlerResponse}): the identity after a sign-in, an
 * `error` when the backend refused it.
 *
 * Throws when the login form itself refuses the credentials, rather than
 * wait for a handler page that never comes.
 */
export function oidcSignIn(
  page: Page,
  options: OidcSignInOptions,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<any> {
  const { baseUrl, username, password, beforeSubmit } = options;
  return handlerResponse(page, 'oidc', async () => {
    await startOidcSignIn(page, baseUrl);
    beforeSubmit?.();
    const form = await signInAtLoginForm(page, { username, password });
    if (form.error !== undefined) {
      throw new Error(`The login form refused ${username}: ${form.error}`);
    }
  });
}
