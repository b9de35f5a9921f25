/*
 * The keycloak preset end to end: a real OpenID provider standing in for a
 * Keycloak realm (with its admin API for org sync), the backend started
 * with the README's command, and headless Chromium signing in on the
 * provider's login form.
 */
import type { Page } from 'playwright-core';
import { BackendProcess } from '@devportal/test-utils/src/backend/backendProcess';
import {
  entityNames,
  runProviderRefresh,
  triggerTask,
  waitForCatalog,
} from '@devportal/test-utils/src/backend/catalogClient';
import { FakeKeycloak } from '@devportal/test-utils/src/fakes/keycloak';
import {
  ANA,
  BRUNO,
  startAcmePortal,
} from '@devportal/test-utils/src/fakes/keycloak/acmeRealm';
import {
  ChromiumSession,
  launchChromium,
  signInAtLoginForm,
  withFreshBrowser,
} from '@devportal/test-utils/src/browser/chromium';
import {
  oidcSignIn,
  startOidcSignIn,
} from '@devportal/test-utils/src/fakes/keycloak/oidcSignIn';
import { refreshSession } from '@devportal/test-utils/src/backend/oauthHandler';

jest.setTimeout(180_000);

const EVE_ID = '9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a';
const clientSecret = 'kc-client-secret-Zr4';
const ORG_SYNC = 'KeycloakOrgEntityProvider:default';
/**
 * Page sizes below the realm's 2 users and 3 groups, so the org sync pages
 * through both lists with what the preset passed on.
 */
const SCOPE_ENV = {
  KEYCLOAK_USER_QUERY_SIZE: '1',
  KEYCLOAK_GROUP_QUERY_SIZE: '2',
  KEYCLOAK_MAX_CONCURRENCY: '1',
};

describe('keycloak preset', () => {
  let keycloak: FakeKeycloak;
  let backend: BackendProcess;
  let browser: ChromiumSession;

  beforeAll(async () => {
    ({ keycloak, backend } = await startAcmePortal({
      presets: 'keycloak',
      clientSecret,
      env: SCOPE_ENV,
    }));
    await backend.waitForReady();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await backend?.stop();
    await keycloak?.stop();
  });

  /** Signs in on the login form; returns the message of the backend's handler page. */
  const signIn = (page: Page, username: string, password: string) =>
    oidcSignIn(page, { baseUrl: backend.baseUrl, username, password });

  it('syncs the realm users and groups into the catalog', async () => {
    await triggerTask(backend, 'catalog', `${ORG_SYNC}:refresh`);
    const { users, groups } = await waitForCatalog(
      backend,
      (us, gs) => us.length >= 2 && gs.length >= 3,
    );
    const ana = users.find(u => u.metadata.name === 'ana')!;
    expect(ana.metadata.annotations?.['keycloak.org/id']).toBe(ANA.id);
    expect(entityNames(groups)).toEqual(['engineering', 'platform', 'sales']);
  });

  it('pages the admin API with KEYCLOAK_USER_QUERY_SIZE and KEYCLOAK_GROUP_QUERY_SIZE', async () => {
    const pages = async (list: 'users' | 'groups') =>
      (await keycloak.requests())
        .filter(
          r =>
            r.method === 'GET' &&
            // keycloak-admin-client lists with a trailing slash
            r.path.replace(/\/$/, '') ===
              `/admin/realms/${keycloak.realm}/${list}`,
        )
        .map(r => `${r.query.first}/${r.query.max}`);
    const users = await pages('users');
    const groups = await pages('groups');
    // Every page of the sync above, and only pages of the configured size.
    expect(users).toEqual(expect.arrayContaining(['0/1', '1/1']));
    expect(new Set(users)).toEqual(new Set(['0/1', '1/1']));
    expect(groups).toEqual(expect.arrayContaining(['0/2', '2/2']));
    expect(new Set(groups)).toEqual(new Set(['0/2', '2/2']));
  });

  it('keeps KEYCLOAK_MAX_CONCURRENCY admin API requests in flight at most', async () => {
    // The sync above sent its pages and its groups' member lists through
    // the module's limit; the fake takes a moment per request, so more than
    // one would have overlapped (the module's default is 20).
    expect(await keycloak.adminPeakInFlight()).toBe(1);
  });

  it('signs a realm user in through the login form, to their catalog user and groups', async () => {
    const page = await browser.newPage();
    const message = await signIn(page, 'ana', 'ana-pass-1');
    expect(message.type).toBe('authorization_response');
    expect(message.error).toBeUndefined();
    const identity = message.response.backstageIdentity.identity;
    expect(identity.userEntityRef).toBe('user:default/ana');
    expect(identity.ownershipEntityRefs).toEqual(
      expect.arrayContaining(['user:default/ana', 'group:default/platform']),
    );
    expect(message.response.profile.email).toBe('ana@acme.example');

    // The session lives on: the frontend refreshes it with the cookie.
    const refreshed = await refreshSession(page, 'oidc');
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.backstageIdentity.identity.userEntityRef).toBe(
      'user:default/ana',
    );
    await page.close();
  });

  it('keeps the user on the login form after a wrong password', async () => {
    // A browser of its own: the first one holds Ana's session at the provider.
    const result = await withFreshBrowser(async page => {
      await startOidcSignIn(page, backend.baseUrl);
      return signInAtLoginForm(page, { username: 'bruno', password: 'not-it' });
    });
    expect(result.error).toMatch(/Invalid username or password/);
  });

  it('refuses a realm user who has no catalog user', async () => {
    // Eve joins the realm after the last sync: she can sign in at the
    // provider, but the portal knows nobody of that name.
    await keycloak.control({
      users: [
        ANA,
        BRUNO,
        {
          id: EVE_ID,
          username: 'eve',
          email: 'eve@elsewhere.example',
          firstName: 'Eve',
          lastName: 'Doe',
          password: 'eve-pass-1',
        },
      ],
    });
    const message = await withFreshBrowser(page =>
      signIn(page, 'eve', 'eve-pass-1'),
    );
    expect(message.response).toBeUndefined();
    expect(message.error.message).toMatch(
      /unable to resolve user identity|No catalog user matches/i,
    );
  });

  it('keeps every user when the admin API fails, and refuses a sync that suddenly has no users', async () => {
    await keycloak.control({ fail: true });
    await runProviderRefresh(backend, ORG_SYNC, /sync (failed|ended)/);
    let { users } = await waitForCatalog(backend, () => true);
    expect(entityNames(users)).toEqual(['ana', 'bruno']);

    await keycloak.control({ fail: false, users: [] });
    await runProviderRefresh(
      backend,
      ORG_SYNC,
      /the source returned no users where the last sync had 2; not applied/,
    );
    ({ users } = await waitForCatalog(backend, () => true));
    expect(entityNames(users)).toEqual(['ana', 'bruno']);
    expect(backend.output()).not.toContain(clientSecret);
  });
});
