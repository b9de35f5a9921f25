/*
 * The `github-auth` and `github` presets end to end, as the README's
 * headline composition (`recommended,github,github-auth`): a fake GitHub
 * Enterprise Server on loopback (test-utils src/fakes/github), the backend started with
 * the README's command, org sync and repository discovery through Backstage's
 * own GitHub providers, and headless Chromium signing in on GitHub's form.
 *
 * Behind a corporate proxy, as many companies run it: the fake is known as
 * `github.corp.test`, a name the backend cannot resolve, and only the
 * loopback proxy (test-utils src/fakes/proxy.ts, wanting credentials)
 * routes it to the fake, as a corporate proxy reaches the internet for its
 * clients. So every GitHub call of the backend only works through the proxy
 * (HTTP_PROXY), which records who asked for what: undici's CONNECT tunnels
 * (Octokit) and Node's absolute-URI requests (passport's code exchange). A
 * host in no_proxy is never asked of the proxy.
 *
 * Then the same presets with a GitHub App instead of the PAT, its private
 * key in a file (GITHUB_APP_PRIVATE_KEY_FILE), on a fake on loopback: org
 * sync, discovery and the scaffolder's publish:github through installation
 * tokens.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { generateKeyPairSync } from 'crypto';
import { execFileSync } from 'child_process';
import {
  BackendProcess,
  freePort,
  startBackendProcess,
} from '@devportal/test-utils/src/backend/backendProcess';
import {
  E2E_TOKEN,
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
  FakeGithub,
  oauthAppOfBackend,
  startFakeGithub,
} from '@devportal/test-utils/src/fakes/github';
import { signInAtGithub } from '@devportal/test-utils/src/fakes/github/browser';
import {
  FakeProxy,
  startFakeProxy,
} from '@devportal/test-utils/src/fakes/proxy';
import { withFreshBrowser } from '@devportal/test-utils/src/browser/chromium';
import {
  handlerResponse,
  refreshSession,
} from '@devportal/test-utils/src/backend/oauthHandler';

jest.setTimeout(240_000);

const ORG = 'acme';
/** A second organization in GITHUB_ORG (`acme,globex`): the syncs cover both. */
const OTHER_ORG = 'globex';
const PAT = 'ghp_e2eFakePat0123456789abcdefABCDEF0123';
const CLIENT_ID = 'Iv1.e2e0123456789ab';
const CLIENT_SECRET = 'gh-oauth-client-secret-Qx7';
const ORG_SYNC = 'GithubMultiOrgEntityProvider:production';
const DISCOVERY = 'github-provider:default';
const PROXY_USER = 'svc-portal';
const PROXY_PASSWORD = 'proxy-pass-W7q';
/** Resolves nowhere but at the proxy (and in the browser, which is not behind it). */
const GITHUB_NAME = 'github.corp.test';
/** In no_proxy: the backend must go there itself. */
const INTRANET_NAME = 'radar.intranet.test';
const OTHER_DISCOVERY = `github-provider:default-${OTHER_ORG}`;

/** More members than one page of the org sync's queries (50), so paging is exercised. */
const CREW = Array.from(
  { length: 53 },
  (_, i) => `dev-${String(i + 1).padStart(2, '0')}`,
);

/** More repositories than one page of discovery (25), none with a catalog file. */
const LIBRARIES = Array.from(
  { length: 25 },
  (_, i) => `lib-${String(i + 1).padStart(2, '0')}`,
);

/** The start of GitHub sign-in, as the frontend opens it in its popup. */
function startUrl(backend: BackendProcess): string {
  return `${backend.baseUrl}/api/auth/github/start?env=production&scope=read:user`;
}

/** Signs in through the fake's form in a fresh browser; returns the handler page's message. */
async function signIn(
  backend: BackendProcess,
  credentials: { login: string; password: string },
) {
  return withFreshBrowser(
    async page => {
      const message = await handlerResponse(page, 'github', async () => {
        await page.goto(startUrl(backend));
        await signInAtGithub(page, credentials);
      });
      const refresh = await refreshSession(page, 'github');
      return { message, refresh };
    },
    { hosts: { [GITHUB_NAME]: '127.0.0.1' } },
  );
}

/** Waits until the fake has answered a catalog-info.yaml read for each repository; returns them. */
async function waitForContentsReads(
  github: FakeGithub,
  repositories: string[],
  timeoutMs = 60_000,
): Promise<string[]> {
  const wasRead = (repo: string) =>
    github
      .requests()
      .some(
        r =>
          r.path ===
            `/api/v3/repos/${ORG}/${repo}/contents/catalog-info.yaml` &&
          [200, 304, 404].includes(r.status),
      );
  const deadline = Date.now() + timeoutMs;
  while (!repositories.every(wasRead)) {
    if (Date.now() > deadline) {
      throw new Error(
        `the catalog did not read ${repositories
          .filter(r => !wasRead(r))
          .join(', ')}`,
      );
    }
    await new Promise(r => setTimeout(r, 250));
  }
  return repositories;
}

/** The README's headline composition with the fake's variables (`env`); ready. */
async function startGithubBackend(
  port: number,
  env: Record<string, string>,
): Promise<BackendProcess> {
  const backend = await startBackendProcess({
    port,
    env: {
      VEECODE_PRESETS: 'recommended,github,github-auth',
      ...env,
      ...externalAccessEnv(),
    },
  });
  await backend.waitForReady(180_000);
  return backend;
}

/** Runs the org sync, then waits for at least that many users and groups in the catalog. */
async function syncOrg(backend: BackendProcess, users: number, groups: number) {
  await runProviderRefresh(
    backend,
    ORG_SYNC,
    /applied \d+ users and \d+ groups/,
  );
  return waitForCatalog(
    backend,
    (us, gs) => us.length >= users && gs.length >= groups,
  );
}

/** What the outage test compares before and after. */
const SNAPSHOT_KINDS = ['user', 'group', 'component'];

describe('github and github-auth presets', () => {
  let github: FakeGithub;
  let backend: BackendProcess;
  let anaNodeId: string;
  let proxy: FakeProxy;
  let githubHost: string;
  let radarHost: string;

  beforeAll(async () => {
    const port = await freePort();
    proxy = await startFakeProxy({
      credentials: { username: PROXY_USER, password: PROXY_PASSWORD },
      routes: { [GITHUB_NAME]: '127.0.0.1' },
    });
    github = await startFakeGithub({
      hostname: GITHUB_NAME,
      org: ORG,
      otherOrgs: [OTHER_ORG],
      pat: PAT,
      oauthApp: oauthAppOfBackend(port, {
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
      }),
      users: [
        {
          login: 'ana',
          name: 'Ana Lima',
          email: 'ana@acme.example',
          password: 'ana-pass-1',
        },
        { login: 'bruno', name: 'Bruno Costa', password: 'bruno-pass-1' },
        ...CREW.map(login => ({ login })),
        // On the instance, but not in the organization.
        { login: 'eve', name: 'Eve Doe', password: 'eve-pass-1' },
      ],
      members: ['ana', 'bruno', ...CREW],
      teams: [
        { slug: 'engineering', name: 'Engineering', members: [] },
        {
          slug: 'platform',
          name: 'Platform',
          description: 'Runs the portal',
          parent: 'engineering',
          members: ['ana'],
        },
        { slug: 'sales', name: 'Sales', members: ['bruno'] },
        // More members than the teams query's first page (50).
        { slug: 'everyone', members: ['ana', 'bruno', ...CREW] },
      ],
      repositories: [
        {
          name: 'payments',
          files: {
            'catalog-info.yaml': componentCatalogFile(
              'payments',
              'group:acme/platform',
            ),
          },
          topics: ['backend'],
        },
        {
          name: 'storefront',
          visibility: 'public',
          files: {
            'catalog-info.yaml': componentCatalogFile(
              'storefront',
              'group:acme/sales',
            ),
          },
        },
        { name: 'notes', files: { 'README.md': '# notes\n' } },
        {
          name: 'legacy',
          archived: true,
          files: {
            'catalog-info.yaml': componentCatalogFile(
              'legacy',
              'group:acme/sales',
            ),
          },
        },
        ...LIBRARIES.map(name => ({ name })),
      ],
    });
    anaNodeId = github.nodeIdOf('ana');
    githubHost = `${GITHUB_NAME}:${github.port}`;
    radarHost = `${INTRANET_NAME}:${github.port}`;
    backend = await startGithubBackend(port, {
      ...github.presetsEnv,
      HTTP_PROXY: proxy.urlWithCredentials,
      no_proxy: '.intranet.test,registry.internal',
      // A radar on a no_proxy host, for the NO_PROXY test.
      TECH_RADAR_URL: `http://${radarHost}/tech-radar.json`,
      APP_CONFIG_backend_reading_allow: JSON.stringify([{ host: radarHost }]),
    });
  });

  afterAll(async () => {
    await backend?.stop();
    await github?.stop();
    await proxy?.stop();
  });

  it('says which proxy it uses, by host only, and which hosts it reaches directly', () => {
    expect(backend.output()).toContain(
      `Outbound HTTP goes through HTTP_PROXY=http://127.0.0.1:${proxy.port}; directly to loopback and NO_PROXY (.intranet.test, registry.internal)`,
    );
    expect(backend.output()).not.toContain(PROXY_PASSWORD);
    expect(backend.output()).not.toContain(PROXY_USER);
  });

  it('syncs the organization members as users and its teams as groups in the org namespace', async () => {
    const { users, groups } = await syncOrg(backend, 55, 4);

    expect(entityNames(users)).toEqual(['ana', 'bruno', ...CREW].sort());
    const ana = users.find(u => u.metadata.name === 'ana')!;
    expect(ana.metadata.annotations).toMatchObject({
      'github.com/user-id': anaNodeId,
      'github.com/user-login': 'ana',
    });
    expect(ana.spec?.profile).toMatchObject({
      displayName: 'Ana Lima',
      email: 'ana@acme.example',
    });
    expect(relationRefs(ana, 'memberOf')).toEqual([
      'group:acme/everyone',
      'group:acme/platform',
    ]);

    expect(
      groups.map(g => `${g.metadata.namespace}/${g.metadata.name}`).sort(),
    ).toEqual([
      'acme/engineering',
      'acme/everyone',
      'acme/platform',
      'acme/sales',
    ]);
    const platform = groups.find(g => g.metadata.name === 'platform')!;
    expect(platform.spec?.profile).toMatchObject({ displayName: 'Platform' });
    expect(platform.relations).toEqual(
      expect.arrayContaining([
        { type: 'childOf', targetRef: 'group:acme/engineering' },
        { type: 'hasMember', targetRef: 'user:default/ana' },
      ]),
    );
    const everyone = groups.find(g => g.metadata.name === 'everyone')!;
    expect(relationRefs(everyone, 'hasMember')).toHaveLength(55);
  });

  it('registers the repositories holding /catalog-info.yaml and their components appear', async () => {
    await runProviderRefresh(backend, DISCOVERY, /applied \d+ entities/);
    const components = await waitForEntitiesOfKind(
      backend,
      'component',
      cs => cs.length >= 2,
    );
    expect(entityNames(components)).toEqual(['payments', 'storefront']);
    const payments = components.find(c => c.metadata.name === 'payments')!;
    // The catalog keeps the location as GitHub's tree URL of the file.
    expect(
      payments.metadata.annotations?.['backstage.io/managed-by-location'],
    ).toMatch(
      new RegExp(
        `^url:${github.baseUrl}/${ORG}/payments/(blob|tree)/main/catalog-info\\.yaml$`,
      ),
    );
    expect(payments.relations).toEqual(
      expect.arrayContaining([
        { type: 'ownedBy', targetRef: 'group:acme/platform' },
      ]),
    );

    // Every registered repository was read, through the contents API with
    // the PAT, and only the two files added components: a repository without
    // the file adds nothing, and discovery leaves the archived one out.
    const locations = (await catalogEntitiesOfKind(backend, 'location'))
      .map(l => String(l.spec?.target ?? ''))
      .filter(target => target.startsWith(`${github.baseUrl}/${ORG}/`));
    const repositoriesRead = await waitForContentsReads(
      github,
      locations.map(target => new URL(target).pathname.split('/')[2]),
    );
    expect(repositoriesRead).toEqual(
      expect.arrayContaining(['payments', 'storefront']),
    );
    expect(repositoriesRead).not.toContain('legacy');
    expect(
      entityNames(await catalogEntitiesOfKind(backend, 'component')),
    ).toEqual(['payments', 'storefront']);
  });

  it('syncs and discovers every organization of the comma list in GITHUB_ORG', async () => {
    expect(github.presetsEnv.GITHUB_ORG).toBe(`${ORG},${OTHER_ORG}`);
    await runProviderRefresh(backend, OTHER_DISCOVERY, /applied \d+ entities/);
    // What the GraphQL queries asked about: each organization by login,
    // members and teams for the org sync, repositories for discovery.
    const askedAbout = (field: string) =>
      github
        .requests()
        .filter(r => r.graphql && String(r.graphql.query).includes(field))
        .map(r => (r.graphql!.variables as { org?: string }).org);
    expect(new Set(askedAbout('membersWithRole'))).toEqual(
      new Set([ORG, OTHER_ORG]),
    );
    expect(new Set(askedAbout('teams('))).toEqual(new Set([ORG, OTHER_ORG]));
    expect(new Set(askedAbout('repositories('))).toEqual(
      new Set([ORG, OTHER_ORG]),
    );
  });

  it('signs an org member in on the GitHub form, to their catalog user and team groups', async () => {
    const { message, refresh } = await signIn(backend, {
      login: 'ana',
      password: 'ana-pass-1',
    });
    expect(message.error).toBeUndefined();
    const identity = message.response.backstageIdentity.identity;
    expect(identity.userEntityRef).toBe('user:default/ana');
    expect(identity.ownershipEntityRefs).toEqual(
      expect.arrayContaining([
        'user:default/ana',
        'group:acme/platform',
        'group:acme/everyone',
      ]),
    );
    expect(tokenClaims(message.response.backstageIdentity.token).sub).toBe(
      'user:default/ana',
    );
    expect(message.response.profile).toMatchObject({
      displayName: 'Ana Lima',
      email: 'ana@acme.example',
    });
    // The session lives on: the frontend refreshes it with the cookie, and
    // the refresh reads the profile again with the stored access token.
    expect(refresh.status).toBe(200);
    expect(refresh.body.backstageIdentity.identity.userEntityRef).toBe(
      'user:default/ana',
    );
  });

  it('resolves by GitHub user id: a renamed login keeps its user, a new account with the old login is refused', async () => {
    github.renameUser('ana', 'ana-lima');
    const renamed = await signIn(backend, {
      login: 'ana-lima',
      password: 'ana-pass-1',
    });
    expect(renamed.message.error).toBeUndefined();
    expect(
      renamed.message.response.backstageIdentity.identity.userEntityRef,
    ).toBe('user:default/ana');

    // Someone else registers the freed login: same name, another node id.
    github.addUser({ login: 'ana', name: 'Not Ana', password: 'impostor-1' });
    expect(github.nodeIdOf('ana')).not.toBe(anaNodeId);
    const impostor = await signIn(backend, {
      login: 'ana',
      password: 'impostor-1',
    });
    expect(impostor.message.response).toBeUndefined();
    expect(impostor.message.error.message).toMatch(
      /belongs to another GitHub account/,
    );
    expect(impostor.refresh.status).toBe(401);
  });

  it('refuses a GitHub user who is not in the organization', async () => {
    const { message, refresh } = await signIn(backend, {
      login: 'eve',
      password: 'eve-pass-1',
    });
    expect(message.response).toBeUndefined();
    expect(message.error.message).toMatch(
      /not found|unable to resolve|no catalog user/i,
    );
    expect(refresh.status).toBe(401);
  });

  it('keeps the catalog as it was when GitHub answers 500, then 429 with rate-limit headers', async () => {
    // Settle the catalog first: the last test renamed a user at the fake,
    // and a sync now would rename the catalog user too.
    const before = await catalogSnapshot(backend, SNAPSHOT_KINDS);
    expect(before.user).toHaveLength(55);
    expect(before.component).toHaveLength(2);

    github.failApi({ kind: 'serverError', status: 500 });
    for (const provider of [ORG_SYNC, DISCOVERY]) {
      await runProviderRefresh(backend, provider, SYNC_FAILED);
    }
    expect(await catalogSnapshot(backend, SNAPSHOT_KINDS)).toEqual(before);

    const resetAt = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3600_000);
    github.failApi({ kind: 'rateLimit', status: 429, resetAt });
    await runProviderRefresh(backend, ORG_SYNC, rateLimitedUntil(resetAt));
    expect(await catalogSnapshot(backend, SNAPSHOT_KINDS)).toEqual(before);
    github.failApi(undefined);
  });

  it('goes directly to a no_proxy host, never asking the proxy for it', async () => {
    const res = await fetch(`${backend.baseUrl}/api/tech-radar/data`, {
      headers: { Authorization: `Bearer ${E2E_TOKEN}` },
    });
    // The backend tried the host itself, where the name resolves nowhere;
    // had it used the proxy, the proxy would have been asked (and refused).
    expect(res.status).toBe(502);
    expect(backend.output()).toContain(
      `Unable to read http://${radarHost}/tech-radar.json, TypeError: fetch failed`,
    );
    expect(proxy.requests().map(r => r.host)).not.toContain(radarHost);
  });

  it('reached GitHub only through the proxy, with both HTTP stacks, and nothing else', () => {
    // undici (Octokit's GraphQL for org sync and discovery, the URL reader)
    // tunnels with CONNECT; passport-oauth2 posts the sign-in's code with
    // Node's http module, an absolute-URI request.
    const asked = proxy.requests();
    expect(asked).toContainEqual({
      method: 'CONNECT',
      host: githubHost,
      status: 200,
      forwarded: true,
    });
    expect(asked).toContainEqual({
      method: 'POST',
      host: githubHost,
      status: 200,
      forwarded: true,
    });
    expect(proxy.hostsServed()).toEqual([githubHost]);
    // Loopback (the backend's calls to itself) never went to the proxy,
    // nor did anything go without the proxy's credentials.
    expect(proxy.refused()).toEqual([]);
  });

  it('asked GitHub only what it serves, and leaked no secret', () => {
    expect(github.unhandledRequests()).toEqual([]);
    const secrets = [
      PAT,
      CLIENT_SECRET,
      PROXY_PASSWORD,
      ...github.issuedTokens(),
    ];
    expect(github.issuedTokens().length).toBeGreaterThanOrEqual(4);
    for (const secret of secrets) {
      expect(backend.output()).not.toContain(secret);
    }
  });
});

/** A scaffolder template publishing a new repository of the organization with publish:github. */
function publishTemplate(githubHost: string): string {
  return [
    'apiVersion: scaffolder.backstage.io/v1beta3',
    'kind: Template',
    'metadata:',
    '  name: new-service',
    'spec:',
    '  owner: group:acme/platform',
    '  type: service',
    '  parameters:',
    '    - required: [name]',
    '      properties:',
    '        name: { type: string }',
    '  steps:',
    '    - id: fetch',
    '      action: fetch:plain:file',
    '      input:',
    '        url: ./skeleton/README.md',
    '        targetPath: README.md',
    '    - id: publish',
    '      action: publish:github',
    '      input:',
    `        repoUrl: ${githubHost}?owner=acme&repo=\${{ parameters.name }}`,
    '        protectDefaultBranch: false',
    '',
  ].join('\n');
}

/** Runs a scaffolder task to its end; returns its status, and its log when it failed. */
async function runScaffolderTask(
  backend: BackendProcess,
  templateRef: string,
  values: Record<string, string>,
): Promise<{ status: string; log: string }> {
  const headers = {
    authorization: `Bearer ${E2E_TOKEN}`,
    'content-type': 'application/json',
  };
  const created = await fetch(`${backend.baseUrl}/api/scaffolder/v2/tasks`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ templateRef, values }),
  });
  expect(created.status).toBe(201);
  const { id } = await created.json();
  const deadline = Date.now() + 120_000;
  for (;;) {
    const task = await (
      await fetch(`${backend.baseUrl}/api/scaffolder/v2/tasks/${id}`, {
        headers,
      })
    ).json();
    if (['completed', 'failed', 'cancelled'].includes(task.status)) {
      const events = await (
        await fetch(`${backend.baseUrl}/api/scaffolder/v2/tasks/${id}/events`, {
          headers,
        })
      ).json();
      return {
        status: task.status,
        log: events
          .map((e: { body?: { message?: string } }) => e.body?.message ?? '')
          .join('\n'),
      };
    }
    if (Date.now() > deadline) {
      throw new Error(`scaffolder task ${id} still ${task.status}`);
    }
    await new Promise(r => setTimeout(r, 500));
  }
}

describe('github and github-auth presets with a GitHub App instead of the PAT', () => {
  const APP_ID = 91_234;
  const APP_CLIENT_SECRET = 'gh-app-client-secret-Zr8';
  // A key pair as GitHub hands out: the fake knows only the public key.
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKey = keys.privateKey
    .export({ type: 'pkcs1', format: 'pem' })
    .toString();
  let github: FakeGithub;
  let backend: BackendProcess;
  let keyDir: string;

  beforeAll(async () => {
    const port = await freePort();
    github = await startFakeGithub({
      org: ORG,
      app: {
        appId: APP_ID,
        clientId: 'Iv23liE2eGithubApp',
        clientSecret: APP_CLIENT_SECRET,
        publicKey: keys.publicKey
          .export({ type: 'spki', format: 'pem' })
          .toString(),
        privateKey,
      },
      oauthApp: oauthAppOfBackend(port, {
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
      }),
      users: [{ login: 'ana', name: 'Ana Lima' }, { login: 'bruno' }],
      members: ['ana', 'bruno'],
      teams: [{ slug: 'platform', members: ['ana'] }],
    });
    github.setRepositories([
      {
        name: 'payments',
        files: {
          'catalog-info.yaml': componentCatalogFile(
            'payments',
            'group:acme/platform',
          ),
        },
      },
      {
        name: 'templates',
        files: {
          'catalog-info.yaml': publishTemplate(new URL(github.baseUrl).host),
          'skeleton/README.md': '# a service of acme\n',
        },
      },
    ]);
    // The key as operators usually give it: a mounted secret file, named
    // by GITHUB_APP_PRIVATE_KEY_FILE instead of the variable itself.
    keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'github-app-key-'));
    const keyFile = path.join(keyDir, 'private-key.pem');
    fs.writeFileSync(keyFile, privateKey, { mode: 0o600 });
    const { GITHUB_APP_PRIVATE_KEY, ...appEnv } = github.presetsEnv;
    backend = await startGithubBackend(port, {
      ...appEnv,
      GITHUB_APP_PRIVATE_KEY_FILE: keyFile,
    });
  });

  afterAll(async () => {
    await backend?.stop();
    await github?.stop();
    if (keyDir) fs.rmSync(keyDir, { recursive: true, force: true });
  });

  /** The credentials the fake saw on requests to paths matching `pattern`. */
  const credentialsOn = (pattern: RegExp) => [
    ...new Set(
      github
        .requests()
        .filter(r => pattern.test(r.path))
        .map(r => r.credential),
    ),
  ];

  it('syncs the organization through an installation token of the App', async () => {
    const { users, groups } = await syncOrg(backend, 2, 1);
    expect(entityNames(users)).toEqual(['ana', 'bruno']);
    expect(
      groups.map(g => `${g.metadata.namespace}/${g.metadata.name}`),
    ).toEqual(['acme/platform']);
    // The App's JWT only fetched the installation and its token; GraphQL
    // ran on the installation token.
    expect(credentialsOn(/^\/api\/v3\/app\//)).toEqual(['app-jwt']);
    expect(credentialsOn(/^\/api\/graphql$/)).toEqual(['installation']);
  });

  it('discovers repositories and reads their files through the installation token', async () => {
    await runProviderRefresh(backend, DISCOVERY, /applied \d+ entities/);
    const components = await waitForEntitiesOfKind(
      backend,
      'component',
      cs => cs.length >= 1,
    );
    expect(entityNames(components)).toEqual(['payments']);
    const templates = await waitForEntitiesOfKind(
      backend,
      'template',
      ts => ts.length >= 1,
    );
    expect(entityNames(templates)).toEqual(['new-service']);
    expect(credentialsOn(/\/contents\//)).toEqual(['installation']);
  });

  it("publishes a new repository with the scaffolder's publish:github, pushed with an installation token", async () => {
    const { status, log } = await runScaffolderTask(
      backend,
      'template:default/new-service',
      { name: 'billing' },
    );
    expect({ status, log }).toMatchObject({ status: 'completed' });
    expect(credentialsOn(/^\/api\/v3\/orgs\/acme\/repos$/)).toEqual([
      'installation',
    ]);
    expect(
      github
        .requests()
        .filter(r => r.path === '/acme/billing.git/git-receive-pack')
        .map(r => `${r.status} ${r.credential}`),
    ).toEqual(['200 installation']);
    const gitDir = github.gitDirOf('billing')!;
    expect(
      execFileSync('git', ['--git-dir', gitDir, 'show', 'HEAD:README.md'], {
        encoding: 'utf8',
      }),
    ).toBe('# a service of acme\n');
  });

  it('used no PAT, asked only what the fake serves, and leaked no key, secret or token', () => {
    expect(github.presetsEnv).not.toHaveProperty('GITHUB_PAT');
    const used = new Set(github.requests().map(r => r.credential));
    expect(used).not.toContain('pat');
    expect(used).not.toContain('invalid');
    expect(github.unhandledRequests()).toEqual([]);
    const tokens = github.installationTokens().map(t => t.token);
    expect(tokens.length).toBeGreaterThanOrEqual(1);
    const keyBody = privateKey.split('\n')[1];
    for (const secret of [keyBody, APP_CLIENT_SECRET, ...tokens]) {
      expect(backend.output()).not.toContain(secret);
    }
  });
});
