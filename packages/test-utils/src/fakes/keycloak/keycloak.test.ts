/*
 * Proves the fake Keycloak against the clients that will talk to it in the
 * process-level tests: Chromium at the login form, openid-client 5 configured
 * the way Backstage's OIDC authenticator configures it, keycloak-admin-client
 * at the version the keycloak catalog module pins, and the module's
 * KeycloakOrgEntityProvider itself.
 */
import crypto from 'crypto';
import http from 'http';
import { Issuer, generators } from 'openid-client';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { KeycloakOrgEntityProvider } from '@backstage-community/plugin-catalog-backend-module-keycloak';
import { ConfigReader } from '@backstage/config';
import { FakeKeycloak, FakeKeycloakUser, startFakeKeycloak } from './index';
import {
  ChromiumSession,
  launchChromium,
  signInAtLoginForm,
} from '../../browser/chromium';
import { closeServer, listenOnLoopback } from '../http';

jest.setTimeout(90_000);

const CLIENT_ID = 'backstage';
const CLIENT_SECRET = 'very-secret-value';
const REALM = 'devportal';

const ids = {
  engineering: '0b0c6c0e-0000-4000-8000-000000000001',
  platform: '0b0c6c0e-0000-4000-8000-000000000002',
  sre: '0b0c6c0e-0000-4000-8000-000000000003',
  sales: '0b0c6c0e-0000-4000-8000-000000000004',
  crowd: '0b0c6c0e-0000-4000-8000-000000000005',
};

const alice: FakeKeycloakUser = {
  id: '9a8b7c6d-1111-4111-8111-111111111111',
  username: 'alice',
  email: 'alice@example.com',
  firstName: 'Alice',
  lastName: 'Liddell',
  password: 'wonderland',
  groups: ['engineering', 'platform'],
};
const bob: FakeKeycloakUser = {
  id: '9a8b7c6d-2222-4222-8222-222222222222',
  username: 'bob',
  email: 'bob@example.com',
  firstName: 'Bob',
  lastName: 'Builder',
  password: 'can-we-fix-it',
  groups: ['/engineering/platform'],
};
const carol: FakeKeycloakUser = {
  id: '9a8b7c6d-3333-4333-8333-333333333333',
  username: 'carol',
  email: 'carol@example.com',
  firstName: 'Carol',
  lastName: 'Danvers',
  groups: ['sales', 'sre'],
};
// More users than one page (100) of users and of group members.
const crowd: FakeKeycloakUser[] = Array.from({ length: 150 }, (_, i) => ({
  id: crypto.randomUUID(),
  username: `user-${String(i).padStart(3, '0')}`,
  email: `user-${i}@example.com`,
  groups: ['crowd'],
}));
const allUsers = [alice, bob, carol, ...crowd];

const groups = [
  {
    id: ids.engineering,
    name: 'engineering',
    subGroups: [
      {
        id: ids.platform,
        name: 'platform',
        subGroups: [{ id: ids.sre, name: 'sre' }],
      },
    ],
  },
  { id: ids.sales, name: 'sales' },
  { id: ids.crowd, name: 'crowd' },
];

/** A stand-in for the Backstage backend's redirect URI: records what arrives. */
async function startCallbackServer() {
  const hits: URL[] = [];
  const path = '/api/auth/oidc/handler/frame';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== path) {
      // Chromium asks for /favicon.ico too.
      res.writeHead(404).end();
      return;
    }
    hits.push(url);
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!DOCTYPE html><title>callback</title><p id="done">signed in</p>');
  });
  const port = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}${path}`,
    hits,
    close: () => closeServer(server),
  };
}

function decodeJwt(jwt: string) {
  const [header, payload, signature] = jwt.split('.');
  return {
    header: JSON.parse(Buffer.from(header, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')),
    signed: Buffer.from(`${header}.${payload}`),
    signature: Buffer.from(signature, 'base64url'),
  };
}

let kc: FakeKeycloak;
let callback: Awaited<ReturnType<typeof startCallbackServer>>;
let browser: ChromiumSession;

/**
 * The authorization endpoint's URL for our client, built by hand (no
 * openid-client, so no PKCE), with the callback server as redirect URI and
 * `params` (`state`, and `nonce` where a test checks it) added.
 */
function authorizeUrl(params: Record<string, string>): string {
  const url = new URL(`${kc.issuer}/protocol/openid-connect/auth`);
  url.search = new URLSearchParams({
    client_id: CLIENT_ID,
    redirect_uri: callback.url,
    response_type: 'code',
    scope: 'openid profile email',
    ...params,
  }).toString();
  return url.toString();
}

beforeAll(async () => {
  callback = await startCallbackServer();
  kc = await startFakeKeycloak({
    realm: REALM,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    redirectUris: [callback.url],
    users: allUsers,
    groups,
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await kc?.stop();
  await callback?.close();
});

describe('OIDC', () => {
  it('serves a discovery document with Keycloak paths under the realm issuer', async () => {
    const response = await fetch(kc.metadataUrl);
    expect(response.status).toBe(200);
    const doc = await response.json();
    const oidc = `${kc.baseUrl}/realms/${REALM}/protocol/openid-connect`;
    expect(kc.issuer).toBe(`${kc.baseUrl}/realms/${REALM}`);
    expect(kc.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(doc).toMatchObject({
      issuer: kc.issuer,
      authorization_endpoint: `${oidc}/auth`,
      token_endpoint: `${oidc}/token`,
      userinfo_endpoint: `${oidc}/userinfo`,
      jwks_uri: `${oidc}/certs`,
      end_session_endpoint: `${oidc}/logout`,
      revocation_endpoint: `${oidc}/revoke`,
    });
    expect(doc.grant_types_supported).toEqual(
      expect.arrayContaining([
        'authorization_code',
        'refresh_token',
        'client_credentials',
      ]),
    );
    expect(doc.token_endpoint_auth_methods_supported).toEqual(
      expect.arrayContaining(['client_secret_basic', 'client_secret_post']),
    );
    expect(doc.scopes_supported).toEqual(
      expect.arrayContaining(['openid', 'profile', 'email']),
    );
    expect(doc.id_token_signing_alg_values_supported).toContain('RS256');

    const jwks = await (await fetch(doc.jwks_uri)).json();
    expect(jwks.keys).toEqual([
      expect.objectContaining({ kty: 'RSA', use: 'sig' }),
    ]);
    expect(jwks.keys[0].d).toBeUndefined();
  });

  it("signs a user in through the login form, as Backstage's OIDC authenticator would", async () => {
    // The client exactly as @backstage/plugin-auth-backend-module-oidc-provider builds it.
    const issuer = await Issuer.discover(kc.metadataUrl);
    const client = new issuer.Client({
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      redirect_uris: [callback.url],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    });
    // Its passport strategy sends S256 PKCE because discovery offers it.
    const codeVerifier = generators.codeVerifier();
    const state = generators.state();
    const nonce = generators.nonce();
    const authorizationUrl = client.authorizationUrl({
      scope: 'openid profile email',
      state,
      nonce,
      code_challenge: generators.codeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });

    const page = await browser.newPage();
    await page.goto(authorizationUrl);
    expect(new URL(page.url()).pathname).toMatch(
      new RegExp(`^/realms/${REALM}/login-actions/authenticate/`),
    );
    await expect(page.locator('#kc-login').count()).resolves.toBe(1);

    const result = await signInAtLoginForm(page, {
      username: 'alice',
      password: 'wonderland',
    });
    expect(result.error).toBeUndefined();
    expect(result.url.startsWith(`${callback.url}?`)).toBe(true);
    await page.close();

    const params = client.callbackParams(result.url);
    expect(params.state).toBe(state);
    expect(params.iss).toBe(kc.issuer);
    const tokenSet = await client.callback(callback.url, params, {
      state,
      nonce,
      code_verifier: codeVerifier,
    });
    const claims = tokenSet.claims();
    expect(claims.sub).toBe(alice.id);
    expect(claims.iss).toBe(kc.issuer);
    expect(claims.aud).toBe(CLIENT_ID);
    expect(claims).toMatchObject({
      email: 'alice@example.com',
      preferred_username: 'alice',
    });
    expect(tokenSet.refresh_token).toEqual(expect.any(String));

    const userinfo = await client.userinfo(tokenSet.access_token!);
    expect(userinfo).toEqual({
      sub: alice.id,
      email: 'alice@example.com',
      email_verified: true,
      preferred_username: 'alice',
      name: 'Alice Liddell',
      given_name: 'Alice',
      family_name: 'Liddell',
    });

    // Backstage refreshes sessions with the refresh token.
    const refreshed = await client.refresh(tokenSet.refresh_token!);
    expect(refreshed.claims().sub).toBe(alice.id);
    await expect(
      client.userinfo(refreshed.access_token!),
    ).resolves.toMatchObject({ sub: alice.id });

    // Backstage's logout revokes the refresh token.
    await client.revoke(refreshed.refresh_token!);
    await expect(client.refresh(refreshed.refresh_token!)).rejects.toThrow(
      /invalid_grant/,
    );
  });

  it('reuses the browser session, and exchanges codes without PKCE with client_secret_post', async () => {
    // The previous test left alice signed in to this browser.
    const state = crypto.randomUUID();
    const page = await browser.newPage();
    await page.goto(authorizeUrl({ state, nonce: 'n-0S6_WzA2Mj' }));
    expect(page.url().startsWith(`${callback.url}?`)).toBe(true);
    const returned = new URL(page.url()).searchParams;
    await page.close();
    expect(returned.get('state')).toBe(state);
    const code = returned.get('code');
    expect(code).toEqual(expect.any(String));
    expect(callback.hits.at(-1)?.searchParams.get('code')).toBe(code);

    const response = await fetch(`${kc.issuer}/protocol/openid-connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: code!,
        redirect_uri: callback.url,
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
      }),
    });
    expect(response.status).toBe(200);
    const tokens = await response.json();
    expect(tokens).toMatchObject({
      token_type: 'Bearer',
      scope: expect.stringContaining('openid'),
    });

    const idToken = decodeJwt(tokens.id_token);
    expect(idToken.header.alg).toBe('RS256');
    expect(idToken.payload).toMatchObject({
      iss: kc.issuer,
      aud: CLIENT_ID,
      sub: alice.id,
      nonce: 'n-0S6_WzA2Mj',
      email: 'alice@example.com',
      name: 'Alice Liddell',
    });
    const jwks = await (
      await fetch(`${kc.issuer}/protocol/openid-connect/certs`)
    ).json();
    const jwk = jwks.keys.find(
      (k: { kid: string }) => k.kid === idToken.header.kid,
    );
    const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
    expect(
      crypto.verify('sha256', idToken.signed, key, idToken.signature),
    ).toBe(true);

    const userinfo = await fetch(
      `${kc.issuer}/protocol/openid-connect/userinfo`,
      {
        headers: { authorization: `Bearer ${tokens.access_token}` },
      },
    );
    expect(await userinfo.json()).toMatchObject({
      sub: alice.id,
      email: 'alice@example.com',
    });

    // The wrong secret is refused.
    const refused = await fetch(`${kc.issuer}/protocol/openid-connect/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${CLIENT_ID}:nope`).toString(
          'base64',
        )}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials' }),
    });
    expect(refused.status).toBe(401);
  });

  it('keeps a wrong password on the form, then accepts the right one', async () => {
    // A fresh browser: no session from the previous tests.
    const fresh = await launchChromium();
    try {
      const hitsBefore = callback.hits.length;
      const page = await fresh.newPage();
      await page.goto(authorizeUrl({ state: 'abc' }));

      const wrong = await signInAtLoginForm(page, {
        username: 'bob',
        password: 'wrong',
      });
      expect(wrong.error).toBe('Invalid username or password.');
      expect(new URL(wrong.url).pathname).toContain(
        '/login-actions/authenticate/',
      );
      await expect(
        page.locator('input[name="username"]').inputValue(),
      ).resolves.toBe('bob');

      // carol has no password: she is synced but cannot sign in.
      const noPassword = await signInAtLoginForm(page, {
        username: 'carol',
        password: '',
      });
      expect(noPassword.error).toBe('Invalid username or password.');
      expect(callback.hits.length).toBe(hitsBefore);

      // Keycloak also accepts the email address as the username.
      const right = await signInAtLoginForm(page, {
        username: 'BOB@example.com',
        password: 'can-we-fix-it',
      });
      expect(right.error).toBeUndefined();
      expect(right.url.startsWith(`${callback.url}?`)).toBe(true);
      expect(callback.hits.length).toBe(hitsBefore + 1);
    } finally {
      await fresh.close();
    }
  });
});

describe('admin API', () => {
  afterEach(async () => {
    await kc.control({ fail: false, users: allUsers, groups });
  });

  async function adminClient() {
    const client = new KcAdminClient({
      baseUrl: kc.baseUrl,
      realmName: kc.loginRealm,
    });
    await client.auth({
      grantType: 'client_credentials',
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
    });
    return client;
  }

  it('answers keycloak-admin-client with Keycloak 26 shapes and paging', async () => {
    const client = await adminClient();
    expect(client.accessToken).toEqual(expect.any(String));

    expect(await client.users.count({ realm: REALM })).toBe(153);
    const page1 = await client.users.find({
      realm: REALM,
      first: 0,
      max: 100,
      briefRepresentation: true,
    });
    const page2 = await client.users.find({
      realm: REALM,
      first: 100,
      max: 100,
      briefRepresentation: true,
    });
    const page3 = await client.users.find({
      realm: REALM,
      first: 200,
      max: 100,
      briefRepresentation: true,
    });
    expect([page1.length, page2.length, page3.length]).toEqual([100, 53, 0]);
    expect(new Set([...page1, ...page2].map(u => u.id)).size).toBe(153);
    expect(page1.find(u => u.username === 'alice')).toEqual({
      id: alice.id,
      username: 'alice',
      firstName: 'Alice',
      lastName: 'Liddell',
      email: 'alice@example.com',
      emailVerified: true,
      createdTimestamp: expect.any(Number),
      enabled: true,
    });

    // groups/count counts subgroups too (top=false), the list is top level only.
    expect(await client.groups.count({ realm: REALM })).toEqual({ count: 5 });
    const top = await client.groups.find({
      realm: REALM,
      first: 0,
      max: 100,
      briefRepresentation: true,
    });
    expect(top.map(g => [g.name, g.subGroupCount, g.path])).toEqual([
      ['crowd', 0, '/crowd'],
      ['engineering', 1, '/engineering'],
      ['sales', 0, '/sales'],
    ]);
    expect(top[1].subGroups).toEqual([]);

    const children = await client.groups.listSubGroups({
      parentId: ids.engineering,
      first: 0,
      max: 1,
      briefRepresentation: true,
      realm: REALM,
    });
    expect(children).toEqual([
      expect.objectContaining({
        id: ids.platform,
        name: 'platform',
        path: '/engineering/platform',
        parentId: ids.engineering,
        subGroupCount: 1,
      }),
    ]);
    const platform = await client.groups.findOne({
      id: ids.platform,
      realm: REALM,
    });
    expect(platform).toMatchObject({
      name: 'platform',
      parentId: ids.engineering,
    });
    expect(
      await client.groups.findOne({ id: crypto.randomUUID(), realm: REALM }),
    ).toBeNull();

    const members = await client.groups.listMembers({
      id: ids.platform,
      realm: REALM,
      first: 0,
      max: 100,
    });
    expect(members.map(m => m.username)).toEqual(['alice', 'bob']);
    const crowd1 = await client.groups.listMembers({
      id: ids.crowd,
      realm: REALM,
      first: 0,
      max: 100,
    });
    const crowd2 = await client.groups.listMembers({
      id: ids.crowd,
      realm: REALM,
      first: 100,
      max: 100,
    });
    const crowd3 = await client.groups.listMembers({
      id: ids.crowd,
      realm: REALM,
      first: 200,
      max: 100,
    });
    expect([crowd1.length, crowd2.length, crowd3.length]).toEqual([100, 50, 0]);

    const carolGroups = await client.users.listGroups({
      id: carol.id,
      realm: REALM,
    });
    expect(carolGroups.map(g => g.path)).toEqual([
      '/engineering/platform/sre',
      '/sales',
    ]);

    const info = await client.serverInfo.find();
    expect(info.systemInfo?.version).toMatch(/^26\./);
  });

  it('refuses admin calls without a token from the client_credentials grant', async () => {
    const noToken = await fetch(
      `${kc.baseUrl}/admin/realms/${REALM}/users/count`,
    );
    expect(noToken.status).toBe(401);
    const bogus = await fetch(
      `${kc.baseUrl}/admin/realms/${REALM}/users/count`,
      {
        headers: { authorization: 'Bearer not-a-token' },
      },
    );
    expect(bogus.status).toBe(401);
    const client = new KcAdminClient({
      baseUrl: kc.baseUrl,
      realmName: kc.loginRealm,
    });
    await expect(
      client.auth({
        grantType: 'client_credentials',
        clientId: CLIENT_ID,
        clientSecret: 'wrong',
      }),
    ).rejects.toThrow();
  });

  it('fails admin calls on request and replaces users at run time', async () => {
    const client = await adminClient();
    await kc.control({ fail: true });
    await expect(client.users.count({ realm: REALM })).rejects.toMatchObject({
      response: { status: 500 },
    });
    // Tokens are still issued while the admin API fails.
    await expect(adminClient()).resolves.toBeDefined();

    await kc.control({ fail: false, users: [] });
    expect(await client.users.count({ realm: REALM })).toBe(0);
    expect(
      await client.groups.listMembers({ id: ids.platform, realm: REALM }),
    ).toEqual([]);

    await kc.control({ users: [alice] });
    expect(await client.users.find({ realm: REALM })).toEqual([
      expect.objectContaining({ id: alice.id }),
    ]);

    await expect(
      kc.control({ users: [{ ...alice, groups: ['no-such-group'] }] }),
    ).rejects.toThrow(/no-such-group, which is not a group/);
  });

  it('reports the most admin calls in flight at once', async () => {
    const client = await adminClient();
    await kc.control({ resetRequests: true });
    expect(await kc.adminPeakInFlight()).toBe(0);
    for (let i = 0; i < 3; i++) {
      await client.users.count({ realm: REALM });
    }
    expect(await kc.adminPeakInFlight()).toBe(1);
    await Promise.all(
      [0, 1, 2].map(() => client.users.count({ realm: REALM })),
    );
    expect(await kc.adminPeakInFlight()).toBe(3);
  });
});

describe('KeycloakOrgEntityProvider against the fake', () => {
  type ProviderDeps = Parameters<
    typeof KeycloakOrgEntityProvider.fromConfig
  >[0];
  type Connection = Parameters<KeycloakOrgEntityProvider['connect']>[0];
  type Mutation = Parameters<Connection['applyMutation']>[0];

  const logs: string[] = [];
  const logger: ProviderDeps['logger'] = {
    error: (message: string) => void logs.push(`error: ${message}`),
    warn: (message: string) => void logs.push(`warn: ${message}`),
    info: (message: string) => void logs.push(`info: ${message}`),
    debug: () => {},
    child: () => logger,
  };

  afterEach(async () => {
    await kc.control({ fail: false, users: allUsers, groups });
  });

  async function connectProvider() {
    const tasks: Array<() => Promise<void>> = [];
    const [provider] = KeycloakOrgEntityProvider.fromConfig(
      {
        config: new ConfigReader({
          catalog: {
            providers: {
              keycloakOrg: {
                default: {
                  baseUrl: kc.baseUrl,
                  loginRealm: kc.loginRealm,
                  realm: kc.realm,
                  clientId: CLIENT_ID,
                  clientSecret: CLIENT_SECRET,
                },
              },
            },
          },
        }),
        logger,
      },
      {
        // A manual task runner: the test decides when the sync runs.
        schedule: {
          run: async ({ fn }) => {
            tasks.push(async () => {
              await fn(new AbortController().signal);
            });
          },
        },
      },
    );
    const mutations: Mutation[] = [];
    await provider.connect({
      applyMutation: async mutation => {
        mutations.push(mutation);
      },
      refresh: async () => {},
    });
    expect(tasks).toHaveLength(1);
    return { provider, mutations, runTask: tasks[0] };
  }

  it('syncs users with keycloak.org/id and groups with members and sub-groups', async () => {
    const { provider, mutations, runTask } = await connectProvider();
    expect(provider.getProviderName()).toBe(
      'KeycloakOrgEntityProvider:default',
    );
    await kc.control({ resetRequests: true });
    await runTask();

    expect(mutations).toHaveLength(1);
    const mutation = mutations[0];
    if (mutation.type !== 'full') throw new Error('expected a full mutation');
    const entities = mutation.entities.map(e => e.entity);
    const users = entities.filter(e => e.kind === 'User');
    const groupEntities = entities.filter(e => e.kind === 'Group');
    expect(users).toHaveLength(153);
    expect(groupEntities).toHaveLength(5);

    const byName = (name: string) =>
      entities.find(e => e.metadata.name === name)!;
    expect(byName('alice')).toMatchObject({
      kind: 'User',
      metadata: {
        annotations: {
          'keycloak.org/id': alice.id,
          'keycloak.org/realm': REALM,
          'backstage.io/managed-by-location': `url:${kc.baseUrl}/admin/realms/${REALM}/users/${alice.id}`,
        },
      },
      spec: {
        profile: { email: 'alice@example.com', displayName: 'Alice Liddell' },
        memberOf: expect.arrayContaining(['engineering', 'platform']),
      },
    });
    expect(byName('carol').spec).toMatchObject({
      memberOf: expect.arrayContaining(['sales', 'sre']),
    });

    expect(byName('engineering')).toMatchObject({
      kind: 'Group',
      metadata: { annotations: { 'keycloak.org/id': ids.engineering } },
      spec: { children: ['platform'], members: ['alice'] },
    });
    expect(byName('engineering').spec!.parent).toBeUndefined();
    expect(byName('platform').spec).toMatchObject({
      parent: 'engineering',
      children: ['sre'],
      members: ['alice', 'bob'],
    });
    expect(byName('sre').spec).toMatchObject({
      parent: 'platform',
      children: [],
      members: ['carol'],
    });
    expect((byName('crowd').spec!.members as string[]).length).toBe(150);

    // What the module asked for, for the record of the harness.
    const calls = (await kc.requests()).map(
      r => `${r.method} ${r.path.replace(/\/$/, '')}`,
    );
    expect(calls).toEqual(
      expect.arrayContaining([
        `POST /realms/${REALM}/protocol/openid-connect/token`,
        `GET /admin/realms/${REALM}/users/count`,
        `GET /admin/realms/${REALM}/users`,
        `GET /admin/realms/${REALM}/groups/count`,
        `GET /admin/realms/${REALM}/groups`,
        `GET /admin/serverinfo`,
        `GET /admin/realms/${REALM}/groups/${ids.engineering}/children`,
        `GET /admin/realms/${REALM}/groups/${ids.platform}/members`,
        `GET /admin/realms/${REALM}/groups/${ids.platform}`,
      ]),
    );
  });

  it('applies nothing when the admin API fails, and reads zero users when there are none', async () => {
    const { provider, mutations, runTask } = await connectProvider();
    await kc.control({ fail: true });
    logs.length = 0;
    // The scheduled task logs the failure and applies no mutation, so the
    // catalog keeps what it had.
    await runTask();
    expect(mutations).toHaveLength(0);
    expect(
      logs.some(l =>
        l.startsWith('error: Error while syncing Keycloak users and groups'),
      ),
    ).toBe(true);
    await expect(provider.read({ taskInstanceId: 'manual' })).rejects.toThrow();

    await kc.control({ fail: false, users: [] });
    await runTask();
    expect(mutations).toHaveLength(1);
    const entities = mutations[0].type === 'full' ? mutations[0].entities : [];
    expect(entities.filter(e => e.entity.kind === 'User')).toHaveLength(0);
    expect(entities.filter(e => e.entity.kind === 'Group')).toHaveLength(5);
  });
});
