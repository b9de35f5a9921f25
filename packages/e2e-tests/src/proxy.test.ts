/*
 * Corporate proxies end to end: `recommended,github,github-auth` against a
 * GitHub known only as `github.corp.test`, a name the backend cannot
 * resolve. Only the loopback proxy (test-utils src/fakes/proxy.ts), which
 * wants credentials, routes it to the fake, as a corporate proxy reaches
 * the internet for its clients. So org sync, discovery and the sign-in's
 * code exchange only work through the proxy, and the proxy records who
 * asked for what: undici's CONNECT tunnels (Octokit) and Node's
 * absolute-URI requests (passport's OAuth2 exchange). A NO_PROXY host is
 * never asked of the proxy: the backend resolves it itself.
 */
import {
  BackendProcess,
  freePort,
  startBackendProcess,
} from '@devportal/test-utils/src/backend/backendProcess';
import {
  E2E_TOKEN,
  componentCatalogFile,
  entityNames,
  externalAccessEnv,
  runProviderRefresh,
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
import { handlerResponse } from '@devportal/test-utils/src/backend/oauthHandler';

jest.setTimeout(240_000);

const ORG = 'acme';
const PAT = 'ghp_proxyFakePat0123456789abcdefABCDEF01';
const CLIENT_SECRET = 'gh-oauth-client-secret-proxy-9';
const PROXY_USER = 'svc-portal';
const PROXY_PASSWORD = 'proxy-pass-W7q';
/** Resolves nowhere but at the proxy. */
const GITHUB_NAME = 'github.corp.test';
/** In NO_PROXY: the backend must go there itself (and cannot resolve it either). */
const INTRANET_NAME = 'radar.intranet.test';

describe('behind a corporate proxy (HTTP_PROXY, no_proxy)', () => {
  let proxy: FakeProxy;
  let github: FakeGithub;
  let backend: BackendProcess;
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
      pat: PAT,
      oauthApp: oauthAppOfBackend(port, {
        clientId: 'Iv1.proxy0123456789',
        clientSecret: CLIENT_SECRET,
      }),
      users: [
        {
          login: 'ana',
          name: 'Ana Lima',
          email: 'ana@acme.example',
          password: 'ana-pass-1',
        },
      ],
      members: ['ana'],
      teams: [{ slug: 'platform', members: ['ana'] }],
      repositories: [
        {
          name: 'payments',
          files: {
            'catalog-info.yaml': componentCatalogFile(
              'payments',
              'group:acme/platform',
            ),
          },
        },
      ],
    });
    githubHost = `${GITHUB_NAME}:${github.port}`;
    radarHost = `${INTRANET_NAME}:${github.port}`;
    backend = await startBackendProcess({
      port,
      env: {
        VEECODE_PRESETS: 'recommended,github,github-auth',
        ...github.presetsEnv,
        ...externalAccessEnv(),
        HTTP_PROXY: proxy.urlWithCredentials,
        no_proxy: `.intranet.test,registry.internal`,
        TECH_RADAR_URL: `http://${radarHost}/tech-radar.json`,
        APP_CONFIG_backend_reading_allow: JSON.stringify([{ host: radarHost }]),
      },
    });
    await backend.waitForReady(180_000);
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

  it('syncs the organization and discovers its repositories through the proxy', async () => {
    await runProviderRefresh(
      backend,
      'GithubMultiOrgEntityProvider:production',
      /applied \d+ users and \d+ groups/,
    );
    const { users, groups } = await waitForCatalog(
      backend,
      (us, gs) => us.length >= 1 && gs.length >= 1,
    );
    expect(entityNames(users)).toEqual(['ana']);
    expect(entityNames(groups)).toEqual(['platform']);

    await runProviderRefresh(
      backend,
      'github-provider:default',
      /applied \d+ entities/,
    );
    const components = await waitForEntitiesOfKind(
      backend,
      'component',
      cs => cs.length >= 1,
    );
    expect(entityNames(components)).toEqual(['payments']);

    // undici (Octokit's GraphQL and the URL reader) tunnels with CONNECT.
    expect(proxy.requests()).toContainEqual({
      method: 'CONNECT',
      host: githubHost,
      status: 200,
      forwarded: true,
    });
  });

  it("signs in with GitHub, the code exchange going through the proxy (Node's https/http stack)", async () => {
    const message = await withFreshBrowser(
      page =>
        handlerResponse(page, 'github', async () => {
          await page.goto(
            `${backend.baseUrl}/api/auth/github/start?env=production&scope=read:user`,
          );
          await signInAtGithub(page, { login: 'ana', password: 'ana-pass-1' });
        }),
      // The browser is not behind the proxy: it finds the fake by itself.
      { hosts: { [GITHUB_NAME]: '127.0.0.1' } },
    );
    expect(message.error).toBeUndefined();
    expect(message.response.backstageIdentity.identity.userEntityRef).toBe(
      'user:default/ana',
    );
    expect(
      github
        .requests()
        .filter(r => r.path === '/login/oauth/access_token')
        .map(r => r.status),
    ).toEqual([200]);
    // passport-oauth2 posts the code with Node's http module: an
    // absolute-URI request at the proxy, not a tunnel.
    expect(proxy.requests()).toContainEqual({
      method: 'POST',
      host: githubHost,
      status: 200,
      forwarded: true,
    });
  });

  it('goes directly to a NO_PROXY host, never asking the proxy for it', async () => {
    const res = await fetch(`${backend.baseUrl}/api/tech-radar/data`, {
      headers: { Authorization: `Bearer ${E2E_TOKEN}` },
    });
    // Nothing answers there: the backend resolved the name itself and failed.
    expect(res.status).not.toBe(200);
    expect(backend.output()).toContain(`ENOTFOUND ${INTRANET_NAME}`);
    expect(proxy.requests().map(r => r.host)).not.toContain(radarHost);
  });

  it('asked the proxy for GitHub only, with credentials, and leaked no secret', () => {
    expect(proxy.hostsServed()).toEqual([githubHost]);
    // Loopback (the backend's calls to itself) never went to the proxy,
    // nor did anything go without the proxy's credentials.
    expect(proxy.refused()).toEqual([]);
    expect(github.unhandledRequests()).toEqual([]);
    for (const secret of [PAT, CLIENT_SECRET, ...github.issuedTokens()]) {
      expect(backend.output()).not.toContain(secret);
    }
  });
});
