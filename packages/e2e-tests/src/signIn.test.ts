/*
 * The portal's sign-in page and presets page, in Chromium as a person:
 * the backend started with the README's command serves the built app
 * (packages/app/dist), whose sign-in page follows the selected identity
 * preset. With `ldap` against a real slapd: the form, a wrong password, the
 * throttle's wait, the right password, the person's own page with their
 * groups, a reload that stays signed in, and the presets page with a
 * refused org sync; and GitHub OAuth configured beside it as an extra
 * provider, which hands out GitHub tokens and signs nobody in. Without an
 * identity preset: the guest button, or, in
 * production without the opt-in, what to configure. (The popup providers'
 * buttons: signInProviders.test.ts.)
 */
// The harness runs only in tests of this private package, so its tools are devDependencies.
// eslint-disable-next-line @backstage/no-undeclared-imports
import { Page } from 'playwright-core';
import {
  BackendProcess,
  freePort,
  startBackendProcess,
} from '@devportal/test-utils/src/backend/backendProcess';
import { withFreshBrowser } from '@devportal/test-utils/src/browser/chromium';
import {
  handlerResponse,
  refreshSession,
} from '@devportal/test-utils/src/backend/oauthHandler';
import {
  FakeGithub,
  oauthAppOfBackend,
  startFakeGithub,
} from '@devportal/test-utils/src/fakes/github';
import { signInAtGithub } from '@devportal/test-utils/src/fakes/github/browser';
import {
  collapseRefusal,
  deleteDirectoryUsers,
  GeneratedDirectory,
  LDAP_ORG_SYNC,
} from '@devportal/test-utils/src/backend/orgSyncGuard';
import {
  entityNames,
  externalAccessEnv,
  runProviderRefresh,
  waitForCatalog,
} from '@devportal/test-utils/src/backend/catalogClient';
import {
  readSlapdFixture,
  SlapdServer,
  slapdFixture,
  startSlapd,
} from '@devportal/test-utils/src/daemons/slapd';

jest.setTimeout(360_000);

/** Starts the backend on a port of its own, the app's URL being the backend's. */
async function startPortal(env: Record<string, string>, knownPort?: number) {
  const port = knownPort ?? (await freePort());
  const backend = await startBackendProcess({
    port,
    env: {
      APP_BASE_URL: `http://127.0.0.1:${port}`,
      ...env,
    },
  });
  // Long enough for npm start to build the app, should it be out of date.
  await backend.waitForReady(240_000);
  return backend;
}

/** Opens a path of the portal, as a person typing its URL. */
async function open(page: Page, backend: BackendProcess, path: string) {
  await page.goto(`${backend.baseUrl}${path}`);
}

/** The seeded OpenLDAP directory (test-utils src/fixtures/openldap.ldif). */
const SUFFIX = 'dc=example,dc=com';
const ADMIN_PASSWORD = 'signin-admin-secret-P4w';
const directory: GeneratedDirectory = {
  suffix: SUFFIX,
  rootDn: `cn=admin,${SUFFIX}`,
  rootPassword: ADMIN_PASSWORD,
  usersBaseDn: `ou=people,${SUFFIX}`,
  groupsBaseDn: `ou=groups,${SUFFIX}`,
  ldif: readSlapdFixture('openldap.ldif'),
  users: ['ana', 'bruno', 'carla', 'dora'],
  groups: ['engineering', 'team-a', 'team-b'],
  userDn: name => `uid=${name},ou=people,${SUFFIX}`,
};

/** The operator's GitHub OAuth App, for the Actions tab: no sign-in. */
const GITHUB_APP = {
  clientId: 'Iv1.e2eextra0123456',
  clientSecret: 'gh-extra-client-secret-Tn2',
};

describe('the sign-in page with VEECODE_PRESETS=ldap', () => {
  let slapd: SlapdServer;
  let github: FakeGithub;
  let backend: BackendProcess;

  beforeAll(async () => {
    slapd = await startSlapd({
      suffix: SUFFIX,
      rootDn: directory.rootDn,
      rootPassword: ADMIN_PASSWORD,
      seedLdif: slapdFixture('openldap.ldif'),
    });
    const port = await freePort();
    github = await startFakeGithub({
      org: 'acme',
      pat: 'ghp_e2eExtraPat0123456789abcdefABCDEF0123',
      oauthApp: oauthAppOfBackend(port, GITHUB_APP),
      // Ana's GitHub login is her directory username: were GitHub allowed
      // to sign people in, it would find her catalog user.
      users: [{ login: 'ana', name: 'Ana', password: 'ana-github-pass-1' }],
      members: ['ana'],
    });
    backend = await startPortal(
      {
        VEECODE_PRESETS: 'ldap',
        LDAP_URL: slapd.url,
        LDAP_DN: directory.rootDn,
        LDAP_SECRET: ADMIN_PASSWORD,
        LDAP_USERS_BASE_DN: directory.usersBaseDn,
        LDAP_GROUPS_BASE_DN: directory.groupsBaseDn,
        ...externalAccessEnv(),
        // One free failure per username, then a short wait: the form shows
        // the throttle's answer without the test waiting long.
        APP_CONFIG_auth_providers_ldap_production_signInThrottle:
          JSON.stringify({
            perUsername: { freeFailures: 1, firstDelay: '2s', maxDelay: '2s' },
            perAddress: { freeFailures: 20, firstDelay: '2s', maxDelay: '2s' },
          }),
        // An extra provider, as for the GitHub Actions tab, with the sign-in
        // resolver a VeeCode config carries: it must not sign anyone in.
        APP_CONFIG_auth_providers_github: JSON.stringify({
          production: {
            ...GITHUB_APP,
            enterpriseInstanceUrl: github.baseUrl,
            signIn: {
              resolvers: [{ resolver: 'usernameMatchingUserEntityName' }],
            },
          },
        }),
      },
      port,
    );
    await waitForCatalog(backend, users => users.length === 4);
  });

  afterAll(async () => {
    await backend?.stop();
    await github?.stop();
    await slapd?.remove();
  });

  it('shows the form; a wrong password keeps it with an error, the right one lands in the portal on the person’s page with their groups; the session outlives a reload, not a sign-out', async () => {
    await withFreshBrowser(async page => {
      await open(page, backend, '/catalog/default/user/ana');
      const username = page.getByLabel('Username');
      const password = page.getByLabel('Password');
      await username.waitFor();
      expect(await username.getAttribute('autocomplete')).toBe('username');
      expect(await password.getAttribute('autocomplete')).toBe(
        'current-password',
      );
      expect(await password.getAttribute('type')).toBe('password');

      await username.fill('ana');
      await password.fill('not-her-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByRole('alert').textContent()).resolves.toMatch(
        /Invalid username or password/,
      );
      expect(await username.inputValue()).toBe('ana');

      // The second failure in a row meets the throttle: its wait is shown.
      await password.fill('still-not-her-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page
        .getByRole('alert')
        .filter({ hasText: /try again in \d+ seconds?/ })
        .waitFor();
      await expect(page.getByLabel('Username').isVisible()).resolves.toBe(true);

      await page.waitForTimeout(2_500);
      await password.fill('ana-password');
      await page.getByRole('button', { name: 'Sign in' }).click();

      // The page asked for before signing in: Ana's own, from the org plugin.
      await page.getByText('Ana Lima').first().waitFor();
      await page.getByRole('link', { name: 'team-a' }).first().waitFor();
      expect(await page.getByLabel('Password').count()).toBe(0);

      // A reload resumes the session from its cookie, without the form.
      await page.reload();
      await page.getByText('Ana Lima').first().waitFor();
      expect(await page.getByLabel('Password').count()).toBe(0);

      // Signing out (the settings page's menu) ends the session: the form
      // is back, and stays after a reload.
      await open(page, backend, '/settings');
      await page.getByRole('button', { name: 'more' }).click();
      await page.getByRole('menuitem', { name: 'Sign Out' }).click();
      await page.getByLabel('Password').waitFor();
      await page.reload();
      await page.getByLabel('Password').waitFor();
    });
  });

  it('hands out GitHub tokens through the extra github provider, and no Backstage identity, though a catalog user has the login', async () => {
    await withFreshBrowser(async page => {
      const message = await handlerResponse(page, 'github', async () => {
        await page.goto(
          `${backend.baseUrl}/api/auth/github/start?env=production&scope=read:user`,
        );
        await signInAtGithub(page, {
          login: 'ana',
          password: 'ana-github-pass-1',
        });
      });
      expect(message.error).toBeUndefined();
      expect(github.issuedTokens()).toContain(
        message.response.providerInfo.accessToken,
      );
      expect(message.response.profile.displayName).toBe('Ana');
      expect(message.response.backstageIdentity).toBeUndefined();

      // The session lives on as GitHub's: a token, still no identity.
      const refreshed = await refreshSession(page, 'github');
      expect(refreshed.status).toBe(200);
      expect(github.issuedTokens()).toContain(
        refreshed.body.providerInfo.accessToken,
      );
      expect(refreshed.body.backstageIdentity).toBeUndefined();
    });
    const output = backend.output();
    expect(output).toMatch(
      /Identity preset "ldap" signs people in with LDAP bind \(\/api\/auth\/ldap\)/,
    );
    expect(output).toMatch(
      /Extra auth provider GitHub OAuth \(\/api\/auth\/github\): issues its own tokens for integrations and signs nobody in; its auth\.providers\.github\.production\.signIn is not used/,
    );
    expect(output).not.toContain(GITHUB_APP.clientSecret);
  });

  it('shows the presets page with the selected preset, the sign-in provider, and a refused org sync with both counts', async () => {
    // Three of four people leave the directory: the org-sync guard refuses
    // the collapse, and the catalog keeps the last applied sync.
    await deleteDirectoryUsers(slapd, directory, ['bruno', 'carla', 'dora']);
    expect(await runProviderRefresh(backend, LDAP_ORG_SYNC)).toMatch(
      collapseRefusal({ what: 'users', now: 1, last: 4 }),
    );

    await withFreshBrowser(async page => {
      await open(page, backend, '/');
      await page.getByLabel('Username').fill('ana');
      await page.getByLabel('Password').fill('ana-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      // The nav has the page, for everyone signed in.
      await page.getByRole('link', { name: 'Presets' }).click();
      expect(new URL(page.url()).pathname).toBe('/presets');

      const presets = page.getByRole('table', { name: 'Selected presets' });
      await presets.waitFor();
      expect(await presets.getByRole('row').allTextContents()).toEqual([
        'PresetVersion',
        expect.stringMatching(/^ldap\d+\.\d+\.\d+/),
      ]);
      await expect(
        page.getByRole('table', { name: 'Sign-in' }).textContent(),
      ).resolves.toMatch(/ldap.*\(ldap\)/);

      const sync = page.getByRole('table', { name: 'Org sync and discovery' });
      const row = sync.getByRole('row').filter({ hasText: LDAP_ORG_SYNC });
      const cells = await row.getByRole('cell').allTextContents();
      expect(cells[1]).toBe('org sync');
      // The last run: refused, with what the directory returned; the last
      // applied run: what the catalog still holds.
      expect(cells[2]).toMatch(/^refused: 1 user, 3 groups, 4 entities \(/);
      expect(cells[3]).toMatch(/^applied: 4 users, 3 groups, 7 entities \(/);

      const plugins = page.getByRole('table', { name: 'Plugins' });
      await expect(plugins.textContent()).resolves.toContain(
        '@backstage/plugin-catalog-backend',
      );

      // The refused run waits for a person: its counts and the names
      // approving would delete.
      const held = page.getByRole('region', { name: LDAP_ORG_SYNC });
      await expect(held.textContent()).resolves.toContain(
        'Users 4 → 1, groups 3 → 3',
      );
      await expect(
        held.getByLabel('Approving removes').textContent(),
      ).resolves.toBe('bruno (user), carla (user), dora (user)');
      // The permission framework is off: the page offers the buttons, and
      // the backend refuses a person; Ana reads why, and who may approve.
      await held.getByRole('button', { name: 'Approve' }).click();
      await page
        .getByRole('dialog')
        .getByRole('button', { name: 'Approve and delete' })
        .click();
      await page
        .getByText(/presets\.sync\.approve: RBAC admins hold it/)
        .waitFor();
    });
    // Nothing was applied: the catalog keeps all four, the run still waits.
    expect(
      entityNames((await waitForCatalog(backend, () => true)).users),
    ).toEqual(['ana', 'bruno', 'carla', 'dora']);
  });
});

describe('the sign-in page without an identity preset', () => {
  let backend: BackendProcess;

  beforeAll(async () => {
    backend = await startPortal({ VEECODE_PRESETS: '' });
  });

  afterAll(async () => {
    await backend?.stop();
  });

  it('signs a person in as guest with the guest button, and lists no presets', async () => {
    await withFreshBrowser(async page => {
      await open(page, backend, '/presets');
      expect(await page.getByLabel('Password').count()).toBe(0);
      await page.getByRole('button', { name: 'Enter' }).click();
      const signIn = page.getByRole('table', { name: 'Sign-in' });
      await signIn.waitFor();
      await expect(signIn.textContent()).resolves.toMatch(
        /none \(guest sign-in\)Guest sign-in \(guest\)/,
      );
      await page
        .getByText('No preset is selected (VEECODE_PRESETS is empty).')
        .waitFor();
    });
  });
});

describe('the sign-in page with NODE_ENV=production and no identity preset', () => {
  let backend: BackendProcess;

  beforeAll(async () => {
    backend = await startPortal({
      NODE_ENV: 'production',
      VEECODE_PRESETS: '',
    });
  });

  afterAll(async () => {
    await backend?.stop();
  });

  it('offers no guest button and says how to configure sign-in', async () => {
    await withFreshBrowser(async page => {
      await open(page, backend, '/');
      await page.getByText('No sign-in is configured').waitFor();
      await page.getByText(/VEECODE_PRESETS=recommended,ldap/).waitFor();
      await page.getByText(/set DEVPORTAL_ALLOW_GUEST=true\./).waitFor();
      expect(await page.getByRole('button').count()).toBe(0);
    });
  });
});
