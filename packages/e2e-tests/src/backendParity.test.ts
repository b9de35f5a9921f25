/*
 * What every Backstage 1.55 app's backend has, in ours: one backend started
 * with the README's command and `recommended,ldap` against a real slapd,
 * then search, TechDocs built on this machine, user settings,
 * notifications pushed through signals, and a proxy endpoint, each called
 * the way the frontend calls it, as a person who signed in with the form;
 * and the TechDocs page in Chromium, after signing in with the LDAP form.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BackendProcess,
  startBackendProcess,
} from '@devportal/test-utils/src/backend/backendProcess';
import {
  closeServer,
  listenOnLoopback,
} from '@devportal/test-utils/src/fakes/http';
import { withFreshBrowser } from '@devportal/test-utils/src/browser/chromium';
import { ldapRefresh } from '@devportal/test-utils/src/backend/ldapSignIn';
import { withPortalPage } from '@devportal/test-utils/src/browser/portalBrowser';
import {
  E2E_TOKEN,
  externalAccessEnv,
  triggerTask,
  waitForCatalog,
  waitForEntitiesOfKind,
} from '@devportal/test-utils/src/backend/catalogClient';
import {
  ldapPresetEnv,
  slapdFixture,
  SlapdServer,
  startSlapd,
} from '@devportal/test-utils/src/daemons/slapd';

jest.setTimeout(240_000);

const SUFFIX = 'dc=example,dc=com';
const ADMIN_PASSWORD = 'admin-secret-Pq4';
/** A person of the seeded directory (openldap.ldif): `cn: Ana Lima`. */
const PERSON = { username: 'ana', password: 'ana-password', surname: 'Lima' };

/** A word only the component's documentation page holds. */
const DOCS_WORD = 'quokkaharbour';
const DOCS_SENTENCE = `Every release is announced at ${DOCS_WORD} first.`;

/** What create-app 0.9.2's backend adds that no preset brings: the backend always runs these. */
const CREATE_APP_FEATURES = [
  '@backstage/plugin-app-backend',
  '@backstage/plugin-proxy-backend',
  '@backstage/plugin-techdocs-backend',
  '@backstage/plugin-auth-backend',
  '@backstage/plugin-catalog-backend',
  '@backstage/plugin-catalog-backend-module-scaffolder-entity-model',
  '@backstage/plugin-search-backend',
  '@backstage/plugin-search-backend-module-catalog',
  '@backstage/plugin-search-backend-module-techdocs',
  '@backstage/plugin-user-settings-backend',
  '@backstage/plugin-notifications-backend',
  '@backstage/plugin-signals-backend',
];

/** One search result, as far as the tests look at it. */
interface SearchResult {
  type: string;
  document: { title: string; text: string; location: string; kind?: string };
}

/** A component with TechDocs next to its catalog file (`dir:.`), as a repository holds them. */
function writeDocumentedComponent(dir: string): string {
  mkdirSync(join(dir, 'docs'));
  const catalogFile = join(dir, 'catalog-info.yaml');
  writeFileSync(
    catalogFile,
    [
      'apiVersion: backstage.io/v1alpha1',
      'kind: Component',
      'metadata:',
      '  name: parity-service',
      '  annotations:',
      '    backstage.io/techdocs-ref: dir:.',
      'spec:',
      '  type: service',
      '  lifecycle: production',
      '  owner: team-a',
      '',
    ].join('\n'),
  );
  // A plain mkdocs.yml, without techdocs-core, theme or plugins.
  writeFileSync(
    join(dir, 'mkdocs.yml'),
    'site_name: Parity service\nnav:\n  - Home: index.md\n',
  );
  writeFileSync(
    join(dir, 'docs', 'index.md'),
    `# Parity service handbook\n\n${DOCS_SENTENCE}\n`,
  );
  return catalogFile;
}

/** A stand-in for a service behind the proxy: answers with what it received. */
async function startUpstream(): Promise<{
  server: Server;
  url: string;
  received: Array<{ url?: string; headers: IncomingHttpHeaders }>;
}> {
  const received: Array<{ url?: string; headers: IncomingHttpHeaders }> = [];
  const server = createServer((req, res) => {
    received.push({ url: req.url, headers: req.headers });
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ upstream: 'parity', path: req.url }));
  });
  const port = await listenOnLoopback(server);
  return { server, url: `http://127.0.0.1:${port}`, received };
}

describe('a backend with what every Backstage 1.55 app has (VEECODE_PRESETS=recommended,ldap)', () => {
  let slapd: SlapdServer;
  let backend: BackendProcess;
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let componentDir: string;
  let publishDir: string;
  /** The signed-in person's Backstage token. */
  let userToken: string;

  const get = (route: string, token?: string) =>
    fetch(`${backend.baseUrl}${route}`, {
      headers: token ? { Authorization: `Bearer ${token}` } : {},
    });

  /** Searches as the signed-in person, as the search page does. */
  async function search(term: string, types?: string): Promise<SearchResult[]> {
    const query = new URLSearchParams({ term, ...(types && { types }) });
    const res = await get(`/api/search/query?${query}`, userToken);
    expect(res.status).toBe(200);
    return ((await res.json()) as { results: SearchResult[] }).results;
  }

  /** Runs a collator's task until the search finds what `found` looks for. */
  async function searchAfterIndexing(
    taskId: string,
    term: string,
    found: (results: SearchResult[]) => boolean,
  ): Promise<SearchResult[]> {
    const deadline = Date.now() + 90_000;
    for (;;) {
      await triggerTask(backend, 'search', taskId);
      await new Promise(r => setTimeout(r, 1500));
      const results = await search(term);
      if (found(results) || Date.now() > deadline) {
        return results;
      }
    }
  }

  beforeAll(async () => {
    componentDir = mkdtempSync(join(tmpdir(), 'devportal-parity-component-'));
    publishDir = mkdtempSync(join(tmpdir(), 'devportal-parity-techdocs-'));
    const catalogFile = writeDocumentedComponent(componentDir);
    upstream = await startUpstream();
    slapd = await startSlapd({
      suffix: SUFFIX,
      rootDn: `cn=admin,${SUFFIX}`,
      rootPassword: ADMIN_PASSWORD,
      seedLdif: slapdFixture('openldap.ldif'),
    });
    backend = await startBackendProcess({
      env: {
        VEECODE_PRESETS: 'recommended,ldap',
        ...ldapPresetEnv(slapd, {
          suffix: SUFFIX,
          adminPassword: ADMIN_PASSWORD,
        }),
        ...externalAccessEnv(),
        APP_CONFIG_catalog_locations: JSON.stringify([
          { type: 'file', target: catalogFile },
        ]),
        // Published docs go to a folder of this test rather than into
        // node_modules (the local publisher's default).
        APP_CONFIG_techdocs_publisher_local_publishDirectory: publishDir,
        APP_CONFIG_proxy_endpoints: JSON.stringify({
          '/parity-upstream': { target: `${upstream.url}/base` },
        }),
      },
    });
    await backend.waitForReady(180_000);
    await waitForCatalog(backend, users =>
      users.some(u => u.metadata.name === PERSON.username),
    );
    const signIn = await ldapRefresh(backend, {
      credentials: { username: PERSON.username, password: PERSON.password },
    });
    if (signIn.status !== 200) {
      throw new Error(`sign-in answered ${signIn.status}: ${signIn.text}`);
    }
    userToken = signIn.json.backstageIdentity.token;
  });

  afterAll(async () => {
    await backend?.stop();
    await slapd?.remove();
    if (upstream) {
      await closeServer(upstream.server);
    }
    for (const dir of [componentDir, publishDir]) {
      if (dir) {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it("lists create-app's backend plugins as always loaded, and the pg search engine only with postgres", async () => {
    const res = await get('/api/presets/plugins', E2E_TOKEN);
    expect(res.status).toBe(200);
    const plugins = (await res.json()) as Array<{
      package: string;
      preset?: string;
    }>;
    for (const name of CREATE_APP_FEATURES) {
      expect(plugins).toContainEqual(
        expect.objectContaining({ package: name }),
      );
      expect(plugins.find(p => p.package === name)!.preset).toBeUndefined();
    }
    expect(plugins).toContainEqual(
      expect.objectContaining({
        package: '@backstage/plugin-scaffolder-backend-module-notifications',
        preset: 'recommended',
      }),
    );
    expect(plugins.map(p => p.package)).not.toContain(
      '@backstage/plugin-search-backend-module-pg',
    );
    // Each package once: nothing a preset names is added a second time.
    const names = plugins.map(p => p.package);
    expect(new Set(names).size).toBe(names.length);
  });

  it('finds a person synced from the directory by their name', async () => {
    expect((await get(`/api/search/query?term=${PERSON.surname}`)).status).toBe(
      401,
    );
    const isPerson = (r: SearchResult) =>
      r.type === 'software-catalog' &&
      r.document.kind === 'User' &&
      r.document.title === PERSON.username;
    const results = await searchAfterIndexing(
      'search_index_software_catalog',
      PERSON.surname,
      rs => rs.some(isPerson),
    );
    const person = results.find(isPerson);
    expect(person?.document).toEqual(
      expect.objectContaining({
        text: expect.stringContaining('Ana Lima'),
        location: `/catalog/default/user/${PERSON.username}`,
      }),
    );
  });

  it("builds a component's TechDocs on this machine with mkdocs, serves them, and search finds their text", async () => {
    await waitForEntitiesOfKind(backend, 'component', es =>
      es.some(e => e.metadata.name === 'parity-service'),
    );
    const docs = '/api/techdocs/static/docs/default/component/parity-service';
    expect((await get(`${docs}/index.html`)).status).toBe(401);

    // What the TechDocs reader does first: sync, a build on this machine
    // reported as an event stream that ends with `finish`.
    const sync = await get(
      '/api/techdocs/sync/default/component/parity-service',
      userToken,
    );
    expect(sync.status).toBe(200);
    const events = await sync.text();
    expect(events).not.toContain('event: error');
    expect(events).toMatch(/event: finish\ndata: \{"updated":true\}/);

    const page = await get(`${docs}/index.html`, userToken);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(DOCS_SENTENCE);
    // The Material theme (the HTML the TechDocs reader expects), although
    // the mkdocs.yml names none and techdocs-core is not installed.
    expect(html).toContain('md-content');
    const metadata = await get(
      '/api/techdocs/metadata/techdocs/default/component/parity-service',
      userToken,
    );
    expect(metadata.status).toBe(200);
    expect(((await metadata.json()) as { files: string[] }).files).toEqual(
      expect.arrayContaining(['index.html', 'search/search_index.json']),
    );

    // The TechDocs collator indexes the built pages.
    const isPage = (r: SearchResult) =>
      r.type === 'techdocs' && r.document.text.includes(DOCS_WORD);
    const results = await searchAfterIndexing(
      'search_index_techdocs',
      DOCS_WORD,
      rs => rs.some(isPage),
    );
    expect(results.find(isPage)?.document.location).toMatch(
      /^\/docs\/default\/component\/parity-service\//,
    );
  });

  it("shows the component's TechDocs in the portal to a person who signed in with the LDAP form", async () => {
    await waitForEntitiesOfKind(backend, 'component', es =>
      es.some(e => e.metadata.name === 'parity-service'),
    );
    await withPortalPage(backend, async page => {
      // The docs page asked for before signing in: the form first.
      await page.goto(
        `${backend.baseUrl}/docs/default/component/parity-service`,
      );
      await page.getByLabel('Username').fill(PERSON.username);
      await page.getByLabel('Password').fill(PERSON.password);
      await page.getByRole('button', { name: 'Sign in' }).click();

      // The TechDocs reader syncs (builds when out of date) and shows the
      // generated page in its shadow DOM; text locators pierce it. A
      // failed build or missing docs show the reader's own alerts instead.
      const sentence = page.getByText(DOCS_SENTENCE);
      const failure = page.getByText(
        /Documentation not found|documentation failed|ERROR \d+/,
      );
      await sentence.or(failure).first().waitFor({ timeout: 120_000 });
      expect(await failure.allTextContents()).toEqual([]);
      await sentence.waitFor();
      await page
        .getByRole('heading', { name: 'Parity service handbook' })
        .first()
        .waitFor();
      expect(await page.getByLabel('Password').count()).toBe(0);
    });
  });

  it("keeps the signed-in person's settings, and only for them", async () => {
    const key = '/api/user-settings/buckets/parity/keys/theme';
    expect((await get(key)).status).toBe(401);
    expect((await get(key, userToken)).status).toBe(404);
    const put = await fetch(`${backend.baseUrl}${key}`, {
      method: 'PUT',
      headers: {
        Authorization: `Bearer ${userToken}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ value: 'dark' }),
    });
    expect(put.status).toBe(200);
    const read = await get(key, userToken);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual(
      expect.objectContaining({
        bucket: 'parity',
        key: 'theme',
        value: 'dark',
      }),
    );
  });

  it('sends a notification to the person, pushed to their browser through signals and listed for them', async () => {
    expect((await get('/api/notifications')).status).toBe(401);
    const signalsUrl = `${backend.baseUrl.replace(/^http/, 'ws')}/api/signals`;

    await withFreshBrowser(async page => {
      await page.goto(`${backend.baseUrl}/healthcheck`);
      // As the signals frontend client connects: the token as the
      // WebSocket subprotocol, then a subscription to a channel. Like that
      // client, an attempt that has not opened within a while is closed
      // and made again: the signals plugin starts listening for WebSocket
      // upgrades on the first one it sees, and leaves that one unanswered.
      await page.evaluate(
        ({ url, token }) =>
          new Promise<void>((resolve, reject) => {
            const w = window as unknown as { signals: unknown[] };
            w.signals = [];
            const attempt = (left: number) => {
              const ws = new WebSocket(url, token);
              const timer = setTimeout(() => {
                // Closing a socket that is still connecting fires `error`.
                ws.onerror = null;
                ws.close();
                if (left > 0) {
                  attempt(left - 1);
                } else {
                  reject(new Error('signals never opened the WebSocket'));
                }
              }, 2000);
              ws.onerror = () => {
                clearTimeout(timer);
                reject(new Error('signals refused the token'));
              };
              ws.onmessage = e => w.signals.push(JSON.parse(e.data));
              ws.onopen = () => {
                clearTimeout(timer);
                ws.send(
                  JSON.stringify({
                    action: 'subscribe',
                    channel: 'notifications',
                  }),
                );
                resolve();
              };
            };
            attempt(5);
          }),
        { url: signalsUrl, token: userToken },
      );
      const refused = await page.evaluate(
        url =>
          new Promise<string>(resolve => {
            const ws = new WebSocket(url, 'not-a-valid-token');
            ws.onopen = () => resolve('opened');
            ws.onerror = () => resolve('refused');
            setTimeout(() => resolve('no answer'), 10_000);
          }),
        signalsUrl,
      );
      expect(refused).toBe('refused');

      // A service (the static token) notifies the person.
      const title = `Parity release ${Date.now()}`;
      const sent = await fetch(`${backend.baseUrl}/api/notifications`, {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${E2E_TOKEN}`,
          'Content-Type': 'application/json',
        },
        body: JSON.stringify({
          recipients: {
            type: 'entity',
            entityRef: `user:default/${PERSON.username}`,
          },
          payload: { title, description: 'Backend parity' },
        }),
      });
      expect(sent.status).toBe(200);

      await page.waitForFunction(
        () =>
          (
            window as unknown as {
              signals: Array<{ channel: string; message: { action: string } }>;
            }
          ).signals.some(
            s =>
              s.channel === 'notifications' &&
              s.message.action === 'new_notification',
          ),
        undefined,
        { timeout: 30_000 },
      );

      const listed = await get('/api/notifications', userToken);
      expect(listed.status).toBe(200);
      const body = (await listed.json()) as {
        notifications: Array<{ payload: { title: string } }>;
      };
      expect(body.notifications.map(n => n.payload.title)).toContain(title);
    });
  });

  it('proxies an endpoint configured in proxy.endpoints for signed-in callers, without their token', async () => {
    const route = '/api/proxy/parity-upstream/status';
    expect((await get(route)).status).toBe(401);
    expect(upstream.received).toEqual([]);

    const res = await get(route, userToken);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      upstream: 'parity',
      path: '/base/status',
    });
    expect(upstream.received).toHaveLength(1);
    expect(upstream.received[0].headers.authorization).toBeUndefined();
  });
});
