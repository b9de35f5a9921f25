/*
 * The gitlab preset end to end against a self-managed GitLab: a fake
 * instance on loopback (REST v4, GraphQL, OAuth with its sign-in and
 * consent pages), the backend started with the README's command, and
 * headless Chromium signing in.
 */
import type { Page } from 'playwright-core';
import {
  BackendProcess,
  freePort,
  startBackendProcess,
} from '@devportal/test-utils/src/backend/backendProcess';
import {
  catalogEntitiesOfKind,
  catalogSnapshot,
  componentCatalogFile,
  entityNames,
  externalAccessEnv,
  relationRefs,
  rateLimitedUntil,
  runProviderRefresh,
  SYNC_FAILED,
  tokenClaims,
  waitForCatalog,
  waitForEntitiesOfKind,
} from '@devportal/test-utils/src/backend/catalogClient';
import {
  FakeGitLab,
  FakeGitLabGroup,
  FakeGitLabProject,
  FakeGitLabUser,
  signInAtGitLab,
  startFakeGitLab,
} from '@devportal/test-utils/src/fakes/gitlab';
import {
  ChromiumSession,
  launchChromium,
  withFreshBrowser,
} from '@devportal/test-utils/src/browser/chromium';
import {
  handlerResponse,
  refreshSession,
} from '@devportal/test-utils/src/backend/oauthHandler';

jest.setTimeout(240_000);

const GITLAB_TOKEN = 'glpat-e2e-sync-token-9f8e7d6c5b4a';
const CLIENT_ID =
  'e2e0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8';
const CLIENT_SECRET = 'gloas-e2e-client-secret-4c3b2a19';
const PASSWORDS = {
  ana: 'ana-gitlab-pass-1',
  bruno: 'bruno-gitlab-pass-1',
  carla: 'carla-gitlab-pass-1',
  eve: 'eve-gitlab-pass-1',
};

const ORG_SYNC = 'GitlabOrgDiscoveryEntityProvider:default';
const DISCOVERY = 'GitlabDiscoveryEntityProvider:default';

function user(
  id: number,
  username: keyof typeof PASSWORDS | 'dora',
  name: string,
) {
  return {
    id,
    username,
    name,
    email: `${username}@acme.example`,
    password: username === 'dora' ? undefined : PASSWORDS[username],
  };
}

const USERS: FakeGitLabUser[] = [
  {
    id: 1,
    username: 'devportal-sync',
    name: 'DevPortal sync',
    email: 'sync@acme.example',
    isAdmin: true,
  },
  user(101, 'ana', 'Ana Lima'),
  user(102, 'bruno', 'Bruno Costa'),
  user(103, 'carla', 'Carla Dias'),
  user(104, 'dora', 'Dora Reis'),
  { ...user(105, 'eve', 'Eve Doe'), email: 'eve@elsewhere.example' },
];

// acme is the configured group; `elsewhere` is another group on the same
// instance, whose people and projects the portal must not pick up.
const GROUPS: FakeGitLabGroup[] = [
  { id: 10, fullPath: 'acme', name: 'Acme', members: ['ana'] },
  {
    id: 11,
    fullPath: 'acme/platform',
    name: 'Platform',
    description: 'Platform engineering',
    members: ['ana'],
  },
  { id: 12, fullPath: 'acme/platform/sre', name: 'SRE', members: ['bruno'] },
  { id: 13, fullPath: 'acme/sales', name: 'Sales', members: ['carla'] },
  { id: 20, fullPath: 'elsewhere', members: ['eve'] },
];

const PROJECTS: FakeGitLabProject[] = [
  {
    id: 201,
    pathWithNamespace: 'acme/payments',
    files: {
      'catalog-info.yaml': componentCatalogFile('payments-api', 'platform'),
    },
  },
  {
    // Not `main`: discovery must read each project's own default branch.
    id: 202,
    pathWithNamespace: 'acme/platform/deploy-tools',
    defaultBranch: 'trunk',
    files: {
      'catalog-info.yaml': componentCatalogFile('deploy-tools', 'platform-sre'),
    },
  },
  {
    id: 203,
    pathWithNamespace: 'acme/sales/crm-notes',
    files: { 'README.md': '# CRM notes\n' },
  },
  {
    id: 204,
    pathWithNamespace: 'acme/legacy-billing',
    archived: true,
    files: {
      'catalog-info.yaml': componentCatalogFile('legacy-billing', 'platform'),
    },
  },
  {
    id: 205,
    pathWithNamespace: 'elsewhere/side-project',
    files: { 'catalog-info.yaml': componentCatalogFile('side-project', 'eve') },
  },
];

/** The line a successful run of org sync or discovery logs. */
const APPLIED = /applied \d+ (users and \d+ groups|entities) in \d+ ms/;

/** What the outage test compares before and after. */
const SNAPSHOT_KINDS = ['user', 'group', 'component', 'location'];

/** Opens GitLab sign-in from the backend, as the frontend's popup does. */
const startSignIn = (page: Page, backend: BackendProcess) =>
  page.goto(`${backend.baseUrl}/api/auth/gitlab/start?env=production`);

describe('gitlab preset (self-managed GitLab)', () => {
  let gitlab: FakeGitLab;
  let backend: BackendProcess;
  let browser: ChromiumSession;
  /** GitLab access tokens the backend received at sign-in, which it must never print. */
  const issuedTokens: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    gitlab = await startFakeGitLab({
      applications: [
        {
          name: 'DevPortal',
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          redirectUris: [
            `http://127.0.0.1:${port}/api/auth/gitlab/handler/frame`,
          ],
        },
      ],
      accessTokens: [{ token: GITLAB_TOKEN, username: 'devportal-sync' }],
      users: USERS,
      groups: GROUPS,
      projects: PROJECTS,
    });
    backend = await startBackendProcess({
      port,
      env: {
        VEECODE_PRESETS: 'recommended,gitlab',
        GITLAB_HOST: gitlab.host,
        GITLAB_BASE_URL: gitlab.baseUrl,
        GITLAB_AUTH_CLIENT_ID: CLIENT_ID,
        GITLAB_AUTH_CLIENT_SECRET: CLIENT_SECRET,
        GITLAB_TOKEN,
        GITLAB_GROUP: 'acme',
        ...externalAccessEnv(),
      },
    });
    await backend.waitForReady(120_000);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await backend?.stop();
    await gitlab?.stop();
  });

  it('syncs the group tree into groups with parents, and its members into users', async () => {
    await runProviderRefresh(backend, ORG_SYNC, APPLIED);
    const { users, groups } = await waitForCatalog(
      backend,
      (us, gs) => us.some(u => u.metadata.name === 'ana') && gs.length >= 4,
    );

    const ana = users.find(u => u.metadata.name === 'ana')!;
    // Keyed by the host name without the port: an annotation prefix cannot
    // hold a port, and it is the key upstream's userIdMatchingUserEntityAnnotation
    // resolver looks up (the hostname of the user's GitLab profile URL).
    expect(
      ana.metadata.annotations?.[`${new URL(gitlab.baseUrl).hostname}/user-id`],
    ).toBe('101');
    expect(relationRefs(ana, 'memberOf')).toEqual(
      expect.arrayContaining(['group:default/acme', 'group:default/platform']),
    );
    const names = users.map(u => u.metadata.name);
    expect(names).not.toContain('eve');
    expect(names).not.toContain('devportal-sync');

    // Subgroup names are their paths below the configured group.
    const byName = new Map(groups.map(g => [g.metadata.name, g]));
    expect([...byName.keys()].sort()).toEqual([
      'acme',
      'platform',
      'platform-sre',
      'sales',
    ]);
    expect(byName.get('platform')!.spec?.parent).toBe('acme');
    expect(byName.get('platform-sre')!.spec?.parent).toBe('platform');
    expect(byName.get('sales')!.spec?.parent).toBe('acme');
    expect(relationRefs(byName.get('acme')!, 'parentOf')).toEqual([
      'group:default/platform',
      'group:default/sales',
    ]);
    expect(relationRefs(byName.get('platform')!, 'hasMember')).toContain(
      'user:default/ana',
    );
  });

  it('registers the projects that hold catalog-info.yaml, and their components appear', async () => {
    await runProviderRefresh(backend, DISCOVERY, APPLIED);
    const components = await waitForEntitiesOfKind(
      backend,
      'component',
      cs =>
        ['payments-api', 'deploy-tools'].every(n =>
          cs.some(c => c.metadata.name === n),
        ),
      120_000,
    );
    const fromGitLab = components.filter(c =>
      c.metadata.annotations?.['backstage.io/managed-by-location']?.startsWith(
        `url:${gitlab.baseUrl}/`,
      ),
    );
    expect(entityNames(fromGitLab)).toEqual(['deploy-tools', 'payments-api']);
    const payments = fromGitLab.find(c => c.metadata.name === 'payments-api')!;
    expect(
      payments.metadata.annotations?.['backstage.io/managed-by-location'],
    ).toBe(`url:${gitlab.baseUrl}/acme/payments/-/blob/main/catalog-info.yaml`);

    // One location per project with the file, on its default branch; the
    // project without the file, the archived one and the other group's add
    // nothing.
    const locations = await catalogEntitiesOfKind(backend, 'location');
    const targets = locations
      .map(l => l.spec?.target as string | undefined)
      .filter(t => t?.startsWith(gitlab.baseUrl))
      .sort();
    expect(targets).toEqual([
      `${gitlab.baseUrl}/acme/payments/-/blob/main/catalog-info.yaml`,
      `${gitlab.baseUrl}/acme/platform/deploy-tools/-/blob/trunk/catalog-info.yaml`,
    ]);
    // The existence check of crm-notes was asked and answered "no file".
    expect(gitlab.requests()).toContainEqual(
      expect.objectContaining({
        method: 'HEAD',
        path: '/api/v4/projects/203/repository/files/catalog-info.yaml',
        status: 404,
      }),
    );
  });

  it('signs a group member in through GitLab, to their catalog user and groups', async () => {
    const page = await browser.newPage();
    const message = await handlerResponse(page, 'gitlab', async () => {
      await startSignIn(page, backend);
      const result = await signInAtGitLab(page, {
        username: 'ana',
        password: PASSWORDS.ana,
      });
      expect(result.error).toBeUndefined();
    });
    expect(message.type).toBe('authorization_response');
    expect(message.error).toBeUndefined();
    issuedTokens.push(message.response.providerInfo.accessToken);
    const identity = message.response.backstageIdentity.identity;
    expect(identity.userEntityRef).toBe('user:default/ana');
    expect(identity.ownershipEntityRefs).toEqual(
      expect.arrayContaining([
        'user:default/ana',
        'group:default/acme',
        'group:default/platform',
      ]),
    );
    expect(tokenClaims(message.response.backstageIdentity.token).sub).toBe(
      'user:default/ana',
    );
    expect(message.response.profile.email).toBe('ana@acme.example');

    // The session lives on: the frontend refreshes it with the cookie, and
    // the backend redeems GitLab's refresh token for it.
    const refreshed = await refreshSession(page, 'gitlab');
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.backstageIdentity.identity.userEntityRef).toBe(
      'user:default/ana',
    );
    issuedTokens.push(refreshed.body.providerInfo.accessToken);
    await page.close();
  });

  it('refuses a GitLab user who is not a member of the group', async () => {
    // Eve has a GitLab account and signs in there, but is in another
    // group, so the portal has no user for her.
    const message = await withFreshBrowser(page =>
      handlerResponse(page, 'gitlab', async () => {
        await startSignIn(page, backend);
        await signInAtGitLab(page, {
          username: 'eve',
          password: PASSWORDS.eve,
        });
      }),
    );
    expect(message.response).toBeUndefined();
    expect(message.error.message).toMatch(
      /unable to resolve user identity|No catalog user matches/i,
    );
  });

  it('keeps the catalog as it was while GitLab fails or rate-limits, and catches up afterwards', async () => {
    const before = await catalogSnapshot(backend, SNAPSHOT_KINDS);
    // A change at GitLab that a run would bring in, had it succeeded.
    gitlab.setGroupMembers('acme', ['ana', 'dora']);

    gitlab.failApi({ status: 500 });
    for (const provider of [ORG_SYNC, DISCOVERY]) {
      await runProviderRefresh(backend, provider, SYNC_FAILED);
    }
    expect(await catalogSnapshot(backend, SNAPSHOT_KINDS)).toEqual(before);

    const resetAt = new Date(Math.ceil(Date.now() / 1000 + 600) * 1000);
    gitlab.failApi({ status: 429, resetAt });
    for (const provider of [ORG_SYNC, DISCOVERY]) {
      await runProviderRefresh(backend, provider, rateLimitedUntil(resetAt));
    }
    expect(await catalogSnapshot(backend, SNAPSHOT_KINDS)).toEqual(before);

    gitlab.failApi(undefined);
    await runProviderRefresh(backend, ORG_SYNC, APPLIED);
    await waitForCatalog(backend, us =>
      us.some(u => u.metadata.name === 'dora'),
    );
  });

  it('prints no secret, and asks GitLab only for what it serves', () => {
    const output = backend.output();
    for (const secret of [
      GITLAB_TOKEN,
      CLIENT_SECRET,
      ...Object.values(PASSWORDS),
      ...issuedTokens,
    ]) {
      expect(output).not.toContain(secret);
    }
    expect(issuedTokens.length).toBeGreaterThan(0);
    expect(gitlab.unhandledRequests()).toEqual([]);
  });
});
