/*
 * The sign-in page's provider buttons, in Chromium as a person: for each
 * identity preset that signs in through a provider's popup (keycloak,
 * oidc, github-auth, gitlab, azure-auth, okta), the backend started with the
 * README's command serves the built app at its own URL; the sign-in page
 * shows the one button for that provider; the popup goes through the
 * provider's login (the harness's OpenID provider, or the fake GitHub,
 * GitLab, Microsoft or Okta);
 * it closes, and the person is in the portal as their catalog user: the
 * settings page names them, and their own page shows their name and group.
 *
 * One backend per provider: an identity preset is exclusive, so each
 * selection is a boot of its own, shared by everything its describe checks.
 */
// The harness runs only in tests of this private package, so its tools are devDependencies.
// eslint-disable-next-line @backstage/no-undeclared-imports
import type { Page } from 'playwright-core';
import {
  BackendProcess,
  freePort,
  startBackendProcess,
} from '@devportal/test-utils/src/backend/backendProcess';
import {
  FakeGithub,
  oauthAppOfBackend,
  startFakeGithub,
} from '@devportal/test-utils/src/fakes/github';
import { signInAtGithub } from '@devportal/test-utils/src/fakes/github/browser';
import {
  FakeGitLab,
  signInAtGitLab,
  startFakeGitLab,
} from '@devportal/test-utils/src/fakes/gitlab';
import fs from 'fs';
import os from 'os';
import path from 'path';
import {
  FakeKeycloak,
  startFakeKeycloak,
} from '@devportal/test-utils/src/fakes/keycloak';
import {
  ANA,
  acmeRealm,
  startAcmePortal,
} from '@devportal/test-utils/src/fakes/keycloak/acmeRealm';
import {
  LaunchChromiumOptions,
  withFreshBrowser,
} from '@devportal/test-utils/src/browser/chromium';
import {
  FakeMicrosoft,
  startFakeMicrosoft,
} from '@devportal/test-utils/src/fakes/microsoft';
import { signInAtMicrosoft } from '@devportal/test-utils/src/fakes/microsoft/signIn';
import {
  FakeOkta,
  OktaUserSeed,
  startFakeOkta,
} from '@devportal/test-utils/src/fakes/okta';
import { signInAtOkta } from '@devportal/test-utils/src/fakes/okta/signIn';
import {
  handlerResponse,
  refreshSession,
} from '@devportal/test-utils/src/backend/oauthHandler';
import {
  readSignedInIdentity,
  SignedInIdentity,
  signInThroughPopup,
} from '@devportal/test-utils/src/browser/popupSignIn';
import {
  entityNames,
  externalAccessEnv,
  relationRefs,
  runProviderRefresh,
  waitForCatalog,
} from '@devportal/test-utils/src/backend/catalogClient';
import {
  APP_BUILD_TIMEOUT_MS,
  collectPageErrors,
} from '@devportal/test-utils/src/browser/portalBrowser';
import { auditEvents } from '@devportal/test-utils/src/backend/auditEvents';
import {
  sampleValue,
  scrapeMetrics,
} from '@devportal/test-utils/src/backend/metrics';

// A start may build the app first, should it be out of date.
jest.setTimeout(APP_BUILD_TIMEOUT_MS + 180_000);

/** How the portal shows the person once they are signed in. */
interface Person {
  /** Their User entity's name (namespace `default`). */
  userName: string;
  /** Their display name, from the org sync, as their own page shows it. */
  displayName: string;
  /** How the link to one of their groups reads on their own page. */
  groupLink: RegExp;
}

/** What the sign-in page shows for the preset's provider. */
interface ProviderCard {
  title: string;
  message: string;
}

/** Who the portal says is signed in, and where their own page links to. */
interface SignedInView extends SignedInIdentity {
  /** The link of the group (`Person.groupLink`) on the person's own page. */
  groupPathOnOwnPage: string | null;
}

/**
 * Opens the portal at the backend's URL in a fresh browser, checks that the
 * sign-in page offers exactly the provider's one button, signs in through
 * its popup with `atProvider`, and reads who the portal says is signed in:
 * the settings page's identity, then (through its link) the person's own
 * page with their name and group.
 */
async function signInWithTheButton(options: {
  backend: BackendProcess;
  card: ProviderCard;
  person: Person;
  atProvider: (popup: Page) => Promise<unknown>;
  browser?: LaunchChromiumOptions;
}): Promise<SignedInView> {
  const { backend, card, person } = options;
  return withFreshBrowser(async page => {
    const errors = collectPageErrors(page);
    try {
      await page.goto(`${backend.baseUrl}/`);
      await page.getByText(card.message).waitFor();
      await page.getByText(card.title, { exact: true }).waitFor();
      // One way in, the preset's: no form, no guest, no other provider.
      expect(await page.getByRole('button').allInnerTexts()).toEqual([
        expect.stringMatching(/^sign in$/i),
      ]);
      expect(await page.getByLabel('Password').count()).toBe(0);

      expect(await signInThroughPopup(page, options.atProvider)).toEqual({
        signedIn: true,
      });

      // The landing page, signed in; the settings page says as whom.
      const identity = await readSignedInIdentity(page);

      // Their own page, from the identity's link: name and group.
      await page
        .getByText(/^User Entity:/)
        .getByRole('link')
        .first()
        .click();
      await page.waitForURL(
        u => u.pathname === `/catalog/default/user/${person.userName}`,
      );
      await page.getByText(person.displayName).first().waitFor();
      const group = page.getByRole('link', { name: person.groupLink }).first();
      await group.waitFor();
      return {
        ...identity,
        groupPathOnOwnPage: await group.getAttribute('href'),
      };
    } catch (error) {
      throw new Error(
        `${error}\npage errors:\n${errors().join(
          '\n',
        )}\nbackend output (tail):\n${backend.output().slice(-3000)}`,
      );
    }
  }, options.browser);
}

/**
 * What {@link signInWithTheButton} should read for the user `userName`
 * in the group `groupRef` (`group:<namespace>/<name>`).
 */
function signedInAs(userName: string, groupRef: string): SignedInView {
  const userPath = `/catalog/default/user/${userName}`;
  const groupPath = entityPath(groupRef);
  return {
    userEntityPath: userPath,
    ownershipPaths: expect.arrayContaining([userPath, groupPath]),
    groupPathOnOwnPage: groupPath,
  };
}

/** The catalog page of an entity, from its ref (`<kind>:<namespace>/<name>`). */
function entityPath(ref: string): string {
  const [, kind, namespace, name] = /^([^:]+):([^/]+)\/(.+)$/.exec(ref)!;
  return `/catalog/${namespace}/${kind}/${name}`;
}

/**
 * Waits for the backend, runs its org sync `provider` once (it must apply
 * users and groups) and waits until the catalog holds the user `userName`:
 * the person can sign in from then on.
 */
async function readyWithUser(
  backend: BackendProcess,
  provider: string,
  userName: string,
): Promise<void> {
  await backend.waitForReady(APP_BUILD_TIMEOUT_MS);
  await runProviderRefresh(
    backend,
    provider,
    /applied \d+ users and \d+ groups/,
  );
  await waitForCatalog(backend, us =>
    us.some(u => u.metadata.name === userName),
  );
}

describe('the Keycloak button (VEECODE_PRESETS=keycloak, the OpenID provider of the harness)', () => {
  let keycloak: FakeKeycloak;
  let backend: BackendProcess;

  beforeAll(async () => {
    ({ keycloak, backend } = await startAcmePortal({
      presets: 'keycloak',
      clientSecret: 'kc-popup-client-secret-Hv3',
    }));
    await backend.waitForReady(APP_BUILD_TIMEOUT_MS);
    await runProviderRefresh(backend, 'KeycloakOrgEntityProvider:default');
    await waitForCatalog(
      backend,
      (us, gs) =>
        us.some(u => u.metadata.name === 'ana') &&
        gs.some(g => g.metadata.name === 'platform'),
    );
  });

  afterAll(async () => {
    await backend?.stop();
    await keycloak?.stop();
  });

  it('signs Ana in through the popup and its login form, to her catalog user', async () => {
    expect(
      await signInWithTheButton({
        backend,
        card: { title: 'Keycloak', message: 'Sign in using Keycloak' },
        person: {
          userName: 'ana',
          displayName: 'Ana Lima',
          groupLink: /^platform$/i,
        },
        atProvider: async popup => {
          // Ana of the acme realm (test-utils src/fakes/keycloak/acmeRealm.ts).
          await popup.locator('input[name="username"]').fill('ana');
          await popup.locator('input[name="password"]').fill('ana-pass-1');
          await popup.locator('#kc-login').click();
        },
      }),
    ).toEqual(signedInAs('ana', 'group:default/platform'));
  });
});

/** Signs in on the fake Keycloak's login form, in the popup. */
async function atKeycloakForm(
  popup: Page,
  credentials: { username: string; password: string },
) {
  await popup.locator('input[name="username"]').fill(credentials.username);
  await popup.locator('input[name="password"]').fill(credentials.password);
  await popup.locator('#kc-login').click();
}

describe('the OIDC button (VEECODE_PRESETS=oidc, the OpenID provider of the harness, users from a catalog file)', () => {
  let keycloak: FakeKeycloak;
  let backend: BackendProcess;
  let dir: string;
  let metricsPort: number;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-catalog-'));
    // No org sync with oidc: the people come from the operator's own file.
    // Ana's User is not named after her username at the provider (`ana`):
    // only her email leads there.
    const catalogFile = path.join(dir, 'org.yaml');
    fs.writeFileSync(
      catalogFile,
      [
        'apiVersion: backstage.io/v1alpha1',
        'kind: User',
        'metadata:',
        '  name: ana-lima',
        'spec:',
        '  profile:',
        '    displayName: Ana Lima',
        `    email: ${ANA.email}`,
        '  memberOf: [platform]',
        '---',
        'apiVersion: backstage.io/v1alpha1',
        'kind: Group',
        'metadata:',
        '  name: platform',
        'spec:',
        '  type: team',
        '  children: []',
        '',
      ].join('\n'),
    );
    const port = await freePort();
    const realm = acmeRealm({
      clientSecret: 'oidc-popup-client-secret-Qe5',
      backendBaseUrl: `http://127.0.0.1:${port}`,
    });
    keycloak = await startFakeKeycloak({
      ...realm,
      users: [
        ANA,
        // At the provider, but nobody in the catalog.
        {
          id: '5d4c3b2a-1908-4f7e-8d6c-5b4a39281706',
          username: 'eve',
          email: 'eve@elsewhere.example',
          firstName: 'Eve',
          lastName: 'Doe',
          password: 'eve-pass-1',
        },
      ],
    });
    metricsPort = await freePort();
    backend = await startBackendProcess({
      port,
      env: {
        VEECODE_PRESETS: 'oidc',
        DEVPORTAL_METRICS_PORT: String(metricsPort),
        OIDC_ISSUER_URL: keycloak.issuer,
        OIDC_CLIENT_ID: realm.clientId,
        OIDC_CLIENT_SECRET: realm.clientSecret,
        OIDC_TITLE: 'Acme SSO',
        APP_CONFIG_catalog_locations: JSON.stringify([
          {
            type: 'file',
            target: catalogFile,
            rules: [{ allow: ['User', 'Group'] }],
          },
        ]),
        ...externalAccessEnv(),
      },
    });
    await backend.waitForReady(APP_BUILD_TIMEOUT_MS);
    await waitForCatalog(
      backend,
      (us, gs) =>
        us.some(u => u.metadata.name === 'ana-lima') &&
        gs.some(g => g.metadata.name === 'platform'),
    );
  });

  afterAll(async () => {
    await backend?.stop();
    await keycloak?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows OIDC_TITLE on the button and signs Ana in through the popup, to the catalog user her email names', async () => {
    expect(
      await signInWithTheButton({
        backend,
        card: {
          title: 'Acme SSO',
          message: 'Sign in using your organisation account',
        },
        person: {
          userName: 'ana-lima',
          displayName: 'Ana Lima',
          groupLink: /^platform$/i,
        },
        atProvider: popup =>
          atKeycloakForm(popup, { username: 'ana', password: 'ana-pass-1' }),
      }),
    ).toEqual(signedInAs('ana-lima', 'group:default/platform'));
  });

  it('keeps a person the catalog does not know on the sign-in page, saying why', async () => {
    const outcome = await withFreshBrowser(async page => {
      await page.goto(`${backend.baseUrl}/`);
      return signInThroughPopup(page, popup =>
        atKeycloakForm(popup, { username: 'eve', password: 'eve-pass-1' }),
      );
    });
    expect(outcome).toEqual({
      signedIn: false,
      alerts: [
        expect.stringMatching(
          /Login failed.*(unable to resolve|no catalog user)/is,
        ),
      ],
    });
    expect(backend.output()).not.toContain('oidc-popup-client-secret-Qe5');
  });

  // After Ana's sign-in and Eve's refusal above.
  it('counts both sign-ins on the metrics port, and audits the refused one with what the provider reported', async () => {
    const { samples } = await scrapeMetrics(metricsPort);
    const signIns = (outcome: string) =>
      sampleValue(samples, 'devportal_sign_in_total', {
        provider: 'oidc',
        outcome,
      });
    expect(signIns('success')).toBeGreaterThanOrEqual(1);
    expect(signIns('failure')).toBe(1);
    // No username or email in a label.
    const labelValues = samples.flatMap(s => Object.values(s.labels));
    expect(labelValues).not.toContain('eve');
    expect(labelValues).not.toContain('ana');
    expect(labelValues.filter(v => v.includes('@'))).toEqual([]);

    const failed = auditEvents(backend.output()).filter(
      e => e.eventId === 'sign-in-failed' && e.status === 'failed',
    );
    expect(failed).toEqual([
      expect.objectContaining({
        plugin: 'auth',
        severityLevel: 'medium',
        meta: {
          provider: 'oidc',
          username: 'eve',
          email: 'eve@elsewhere.example',
        },
      }),
    ]);
    expect(JSON.stringify(failed)).not.toContain('eve-pass-1');
  });
});

describe('the GitHub button (VEECODE_PRESETS=github-auth, the fake GitHub)', () => {
  let github: FakeGithub;
  let backend: BackendProcess;

  beforeAll(async () => {
    const port = await freePort();
    github = await startFakeGithub({
      org: 'acme',
      pat: 'ghp_e2ePopupPat0123456789abcdefABCDEF01',
      oauthApp: oauthAppOfBackend(port, {
        clientId: 'Iv1.e2epopup0123456',
        clientSecret: 'gh-popup-client-secret-Lw8',
      }),
      users: [
        {
          login: 'ana',
          name: 'Ana Lima',
          email: 'ana@acme.example',
          password: 'ana-github-pass-1',
        },
        // On the instance, but not in the organization.
        { login: 'eve', name: 'Eve Doe', password: 'eve-github-pass-1' },
      ],
      members: ['ana'],
      teams: [{ slug: 'platform', name: 'Platform', members: ['ana'] }],
    });
    backend = await startBackendProcess({
      port,
      env: {
        VEECODE_PRESETS: 'github-auth',
        ...github.presetsEnv,
        ...externalAccessEnv(),
      },
    });
    await readyWithUser(
      backend,
      'GithubMultiOrgEntityProvider:production',
      'ana',
    );
  });

  afterAll(async () => {
    await backend?.stop();
    await github?.stop();
  });

  it('signs Ana in through the popup and the GitHub form, to her catalog user', async () => {
    expect(
      await signInWithTheButton({
        backend,
        card: { title: 'GitHub', message: 'Sign in using GitHub' },
        person: {
          userName: 'ana',
          displayName: 'Ana Lima',
          groupLink: /^platform$/i,
        },
        atProvider: popup =>
          signInAtGithub(popup, {
            login: 'ana',
            password: 'ana-github-pass-1',
          }),
      }),
    ).toEqual(signedInAs('ana', 'group:acme/platform'));
  });

  it('keeps a GitHub user who is not in the organization on the sign-in page, saying why', async () => {
    const outcome = await withFreshBrowser(async page => {
      await page.goto(`${backend.baseUrl}/`);
      return signInThroughPopup(page, popup =>
        signInAtGithub(popup, { login: 'eve', password: 'eve-github-pass-1' }),
      );
    });
    expect(outcome).toEqual({
      signedIn: false,
      alerts: [
        expect.stringMatching(
          /Login failed.*(not found|unable to resolve|no catalog user)/is,
        ),
      ],
    });
    expect(github.unhandledRequests()).toEqual([]);
  });
});

describe('the GitLab button (VEECODE_PRESETS=gitlab, the fake GitLab)', () => {
  const clientId =
    'e2e9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a';
  const clientSecret = 'gloas-e2e-popup-secret-8d7c6b5a';
  const syncToken = 'glpat-e2e-popup-sync-token-1a2b3c';
  let gitlab: FakeGitLab;
  let backend: BackendProcess;

  beforeAll(async () => {
    const port = await freePort();
    gitlab = await startFakeGitLab({
      applications: [
        {
          name: 'DevPortal',
          clientId,
          clientSecret,
          redirectUris: [
            `http://127.0.0.1:${port}/api/auth/gitlab/handler/frame`,
          ],
        },
      ],
      accessTokens: [{ token: syncToken, username: 'devportal-sync' }],
      users: [
        {
          id: 1,
          username: 'devportal-sync',
          name: 'DevPortal sync',
          email: 'sync@acme.example',
          isAdmin: true,
        },
        {
          id: 101,
          username: 'ana',
          name: 'Ana Lima',
          email: 'ana@acme.example',
          password: 'ana-gitlab-pass-1',
        },
        {
          id: 102,
          username: 'bruno',
          name: 'Bruno Costa',
          email: 'bruno@acme.example',
        },
      ],
      groups: [
        { id: 10, fullPath: 'acme', name: 'Acme', members: ['ana'] },
        {
          id: 11,
          fullPath: 'acme/platform',
          name: 'Platform',
          members: ['ana'],
        },
        // The second group path of GITLAB_GROUP.
        { id: 30, fullPath: 'data', name: 'Data', members: ['bruno'] },
      ],
    });
    backend = await startBackendProcess({
      port,
      env: {
        VEECODE_PRESETS: 'gitlab',
        GITLAB_HOST: gitlab.host,
        GITLAB_BASE_URL: gitlab.baseUrl,
        GITLAB_AUTH_CLIENT_ID: clientId,
        GITLAB_AUTH_CLIENT_SECRET: clientSecret,
        GITLAB_TOKEN: syncToken,
        // Two group paths: one org sync and one discovery provider each.
        GITLAB_GROUP: 'acme,data',
        ...externalAccessEnv(),
      },
    });
    await readyWithUser(
      backend,
      'GitlabOrgDiscoveryEntityProvider:default',
      'ana',
    );
  });

  afterAll(async () => {
    await backend?.stop();
    await gitlab?.stop();
  });

  it('signs Ana in through the popup, the GitLab form and its Authorize page, to her catalog user', async () => {
    expect(
      await signInWithTheButton({
        backend,
        card: { title: 'GitLab', message: 'Sign in using GitLab' },
        person: {
          userName: 'ana',
          displayName: 'Ana Lima',
          groupLink: /^platform$/i,
        },
        atProvider: async popup => {
          const result = await signInAtGitLab(popup, {
            username: 'ana',
            password: 'ana-gitlab-pass-1',
          });
          expect(result.error).toBeUndefined();
        },
      }),
    ).toEqual(signedInAs('ana', 'group:default/platform'));
    expect(gitlab.unhandledRequests()).toEqual([]);
  });

  it('syncs and discovers each group path of GITLAB_GROUP (acme,data) with its own providers', async () => {
    await runProviderRefresh(
      backend,
      'GitlabOrgDiscoveryEntityProvider:default-data',
      /applied \d+ users and \d+ groups/,
    );
    await runProviderRefresh(
      backend,
      'GitlabDiscoveryEntityProvider:default-data',
      /applied \d+ entities/,
    );
    const { users, groups } = await waitForCatalog(
      backend,
      (us, gs) =>
        us.some(u => u.metadata.name === 'bruno') &&
        gs.some(g => g.metadata.name === 'data'),
    );
    expect(users.map(u => u.metadata.name)).toEqual(
      expect.arrayContaining(['ana', 'bruno']),
    );
    expect(groups.map(g => g.metadata.name)).toEqual(
      expect.arrayContaining(['acme', 'platform', 'data']),
    );
    // Each group's projects were listed by its own discovery provider.
    const listed = gitlab
      .requests()
      .map(r => r.path)
      .filter(p => /^\/api\/v4\/groups\/[^/]+\/projects$/.test(p));
    expect(new Set(listed)).toEqual(
      new Set(['/api/v4/groups/acme/projects', '/api/v4/groups/data/projects']),
    );
    expect(gitlab.unhandledRequests()).toEqual([]);
  });
});

describe('the Microsoft button (VEECODE_PRESETS=azure-auth, the fake Entra ID and Graph)', () => {
  const tenantId = '7d9e1f2a-3b4c-4d5e-8f60-718293a4b5c6';
  const clientId = '2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b';
  const clientSecret = 'entra-popup-secret-Wk4~pL9.z';
  const anaId = '44444444-aaaa-4aaa-8aaa-444444444444';
  const platformId = 'b0000000-0000-4000-8000-00000000000f';
  let microsoft: FakeMicrosoft;
  let backend: BackendProcess;

  beforeAll(async () => {
    const port = await freePort();
    microsoft = await startFakeMicrosoft({
      tenantId,
      organizationName: 'Acme Corp',
      clientId,
      clientSecret,
      redirectUris: [
        `http://127.0.0.1:${port}/api/auth/microsoft/handler/frame`,
      ],
      directory: {
        users: [
          {
            id: anaId,
            userPrincipalName: 'ana@acme.onmicrosoft.example',
            mail: 'ana@acme.example',
            displayName: 'Ana Lima',
            givenName: 'Ana',
            surname: 'Lima',
            password: 'ana-entra-pass-1',
          },
        ],
        groups: [{ id: platformId, displayName: 'Platform', members: [anaId] }],
      },
    });
    backend = await startBackendProcess({
      port,
      env: {
        VEECODE_PRESETS: 'azure-auth',
        AZURE_AUTH_TENANT_ID: tenantId,
        AZURE_AUTH_CLIENT_ID: clientId,
        AZURE_AUTH_CLIENT_SECRET: clientSecret,
        AZURE_AUTH_AUTHORITY: microsoft.authority,
        MSGRAPH_BASE_URL: microsoft.graphBaseUrl,
        ...microsoft.backendEnv(),
        ...externalAccessEnv(),
      },
    });
    await readyWithUser(
      backend,
      'MicrosoftGraphOrgEntityProvider:default',
      'ana_acme.example',
    );
  });

  afterAll(async () => {
    await backend?.stop();
    await microsoft?.stop();
  });

  it('signs Ana in through the popup and the Microsoft sign-in page, to her catalog user', async () => {
    expect(
      await signInWithTheButton({
        backend,
        card: {
          title: 'Microsoft',
          message: 'Sign in using Microsoft Entra ID',
        },
        person: {
          userName: 'ana_acme.example',
          displayName: 'Ana Lima',
          groupLink: /^platform$/i,
        },
        atProvider: async popup => {
          const result = await signInAtMicrosoft(popup, {
            email: 'ana@acme.example',
            password: 'ana-entra-pass-1',
          });
          expect(result.error).toBeUndefined();
        },
        // The popup opens the fake's HTTPS pages: trust its certificate only.
        browser: { trustedCertificates: [microsoft.tls.certPem] },
      }),
    ).toEqual(signedInAs('ana_acme.example', 'group:default/platform'));
    expect(microsoft.unexpected()).toEqual([]);
  });
});

describe('the Okta button (VEECODE_PRESETS=okta, the fake Okta org), and Okta org sync with filters', () => {
  const clientId = '0oa1e2epopup2b3c4d5';
  const clientSecret = 'okta-popup-client-secret-Tz6';
  const apiToken = '00okta-e2e-api-token-Jq2vN8xR4m';
  const userFilter = 'profile.department eq "Engineering"';
  const groupFilter = 'type eq "OKTA_GROUP"';
  const person = (
    id: string,
    name: string,
    department: string,
  ): OktaUserSeed => ({
    id,
    login: `${name.toLowerCase()}@acme.example`,
    email: `${name.toLowerCase()}@acme.example`,
    firstName: name,
    lastName: 'Lima',
    password: `${name.toLowerCase()}-okta-pass-1`,
    profile: { department },
  });
  const ana = person('00u1ana', 'Ana', 'Engineering');
  const bruno = person('00u2bruno', 'Bruno', 'Engineering');
  /** In the org, but outside the user filter: not synced, so not let in. */
  const eve = person('00u3eve', 'Eve', 'Sales');
  let okta: FakeOkta;
  let backend: BackendProcess;

  beforeAll(async () => {
    const port = await freePort();
    okta = await startFakeOkta({
      app: {
        clientId,
        clientSecret,
        redirectUris: [`http://127.0.0.1:${port}/api/auth/okta/handler/frame`],
      },
      apiToken,
      users: [ana, bruno, eve],
      groups: [
        {
          id: '00g0everyone',
          name: 'Everyone',
          type: 'BUILT_IN',
          members: [ana.id, bruno.id, eve.id],
        },
        { id: '00g1platform', name: 'Platform', members: [ana.id, bruno.id] },
        { id: '00g2sales', name: 'Sales', members: [bruno.id, eve.id] },
        // Outside the group filter.
        {
          id: '00g3ad',
          name: 'AD Domain Users',
          type: 'APP_GROUP',
          members: [ana.id, bruno.id, eve.id],
        },
      ],
    });
    backend = await startBackendProcess({
      port,
      env: {
        VEECODE_PRESETS: 'okta',
        OKTA_ORG_URL: okta.orgUrl,
        OKTA_CLIENT_ID: clientId,
        OKTA_CLIENT_SECRET: clientSecret,
        OKTA_API_TOKEN: apiToken,
        OKTA_USER_FILTER: userFilter,
        OKTA_GROUP_FILTER: groupFilter,
        ...externalAccessEnv(),
      },
    });
    await readyWithUser(backend, 'OktaOrgEntityProvider:default', 'ana');
  });

  afterAll(async () => {
    await backend?.stop();
    await okta?.stop();
  });

  it('syncs the users and groups the filters select, with memberships, the filters in the requests to Okta', async () => {
    const { users, groups } = await waitForCatalog(
      backend,
      (us, gs) => us.length === 2 && gs.length === 2,
    );
    expect(entityNames(users)).toEqual(['ana', 'bruno']);
    expect(entityNames(groups)).toEqual(['platform', 'sales']);
    const bruno_ = users.find(u => u.metadata.name === 'bruno')!;
    expect(bruno_.metadata.annotations).toMatchObject({
      'okta.com/user-id': bruno.id,
      'okta.com/email': 'bruno@acme.example',
    });
    expect(relationRefs(bruno_, 'memberOf')).toEqual([
      'group:default/platform',
      'group:default/sales',
    ]);
    // Eve is not synced, so Sales holds Bruno alone.
    const sales = groups.find(g => g.metadata.name === 'sales')!;
    expect(relationRefs(sales, 'hasMember')).toEqual(['user:default/bruno']);

    const api = okta.requests().filter(r => r.path.startsWith('/api/v1/'));
    expect(api.every(r => r.authScheme === 'SSWS')).toBe(true);
    expect(
      api.filter(r => r.path === '/api/v1/users').map(r => r.query.search),
    ).toEqual(expect.arrayContaining([userFilter]));
    expect(
      api.filter(r => r.path === '/api/v1/groups').map(r => r.query.search),
    ).toEqual(expect.arrayContaining([groupFilter]));
    expect(okta.unexpected()).toEqual([]);
  });

  it('signs Ana in through the popup and the Okta sign-in page, to her catalog user', async () => {
    expect(
      await signInWithTheButton({
        backend,
        card: { title: 'Okta', message: 'Sign in using Okta' },
        person: {
          userName: 'ana',
          displayName: 'Ana Lima',
          groupLink: /^platform$/i,
        },
        atProvider: async popup => {
          const result = await signInAtOkta(popup, {
            username: ana.login,
            password: ana.password,
          });
          expect(result.error).toBeUndefined();
        },
      }),
    ).toEqual(signedInAs('ana', 'group:default/platform'));
    // The code went to the org authorization server's token endpoint as
    // passport-okta-oauth sends it, and the profile came from userinfo.
    const oauth = okta
      .requests()
      .filter(r => r.path.startsWith('/oauth2/'))
      .map(r => `${r.method} ${r.path} ${r.authScheme ?? '-'} ${r.status}`);
    expect(oauth).toEqual(
      expect.arrayContaining([
        'GET /oauth2/v1/authorize - 200',
        'POST /oauth2/v1/token Basic: 200',
        'POST /oauth2/v1/userinfo Bearer 200',
      ]),
    );
    expect(okta.unexpected()).toEqual([]);
  });

  it("keeps Ana's session: the frontend's refresh gets a new Okta token with the refresh token", async () => {
    const before = okta.requests().length;
    const { message, refreshed } = await withFreshBrowser(async page => {
      const answer = await handlerResponse(page, 'okta', async () => {
        await page.goto(
          `${
            backend.baseUrl
          }/api/auth/okta/start?env=production&scope=${encodeURIComponent(
            'openid profile email offline_access',
          )}`,
        );
        expect(
          (
            await signInAtOkta(page, {
              username: ana.login,
              password: ana.password,
            })
          ).error,
        ).toBeUndefined();
      });
      return { message: answer, refreshed: await refreshSession(page, 'okta') };
    });
    expect(message.response.profile).toEqual({
      email: 'ana@acme.example',
      displayName: 'Ana Lima',
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.backstageIdentity.identity.userEntityRef).toBe(
      'user:default/ana',
    );
    const tokenGrants = okta
      .requests()
      .slice(before)
      .filter(r => r.path === '/oauth2/v1/token')
      .map(r => `${r.authScheme ?? 'credentials in the body'} ${r.status}`);
    // The code as passport-okta-oauth sends it; the refresh through a plain
    // node-oauth client Backstage builds (client_secret_post), which Okta takes too.
    expect(tokenGrants).toEqual(['Basic: 200', 'credentials in the body 200']);
    expect(okta.unexpected()).toEqual([]);
  });

  it('keeps an Okta user the user filter leaves out on the sign-in page, saying why', async () => {
    const outcome = await withFreshBrowser(async page => {
      await page.goto(`${backend.baseUrl}/`);
      return signInThroughPopup(page, async popup => {
        const result = await signInAtOkta(popup, {
          username: eve.login,
          password: eve.password,
        });
        expect(result.error).toBeUndefined();
      });
    });
    expect(outcome).toEqual({
      signedIn: false,
      alerts: [
        expect.stringMatching(
          /Login failed.*(not found|unable to resolve|no catalog user)/is,
        ),
      ],
    });
    expect(backend.output()).not.toContain(clientSecret);
    expect(backend.output()).not.toContain(apiToken);
    expect(okta.unexpected()).toEqual([]);
  });
});
