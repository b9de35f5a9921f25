import http from 'http';
import { AddressInfo } from 'net';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader, JsonObject } from '@backstage/config';
import {
  EntityProviderConnection,
  EntityProviderMutation,
} from '@backstage/plugin-catalog-node';
import {
  FakeOkta,
  OktaGroupSeed,
  OktaUserSeed,
  startFakeOkta,
} from '@devportal/test-utils/src/fakes/okta';
import { findRateLimit } from '../../sync/rateLimit';
import { OktaOrgEntityProvider } from './OktaOrgEntityProvider';
import { OktaResponseError } from '@devportal/plugin-presets-sources-node';

const API_TOKEN = '00okta-unit-api-token-0123456789';

const user = (
  id: string,
  login: string,
  extra: Partial<OktaUserSeed> = {},
): OktaUserSeed => ({
  id,
  login,
  email: login,
  firstName: login.split('@')[0],
  lastName: 'Doe',
  password: 'unused',
  ...extra,
});

const ana = user('00u1ana', 'ana@acme.example', {
  firstName: 'Ana',
  lastName: 'Lima',
  profile: { department: 'Engineering' },
});
const bruno = user('00u2bruno', 'Bruno.Costa@acme.example', {
  firstName: 'Bruno',
  lastName: 'Costa',
  profile: { department: 'Sales', displayName: 'Bruno C.' },
});
const carla = user('00u3carla', 'carla@acme.example', {
  profile: { department: 'Engineering' },
});
/** Another domain, the same local part as Ana: the name is Ana's already. */
const anaElsewhere = user('00u4ana2', 'ana@subsidiary.example');
const gone = user('00u5gone', 'gone@acme.example', {
  status: 'DEPROVISIONED',
  profile: { department: 'Engineering' },
});

const groups: OktaGroupSeed[] = [
  {
    id: '00g1everyone',
    name: 'Everyone',
    type: 'BUILT_IN',
    members: [ana.id, bruno.id, carla.id],
  },
  {
    id: '00g2platform',
    name: 'Platform Team',
    description: 'Runs the portal',
    members: [ana.id, carla.id, gone.id],
  },
  { id: '00g3sales', name: 'Sales', members: [bruno.id] },
  {
    id: '00g4eng',
    name: 'eng-all',
    type: 'APP_GROUP',
    members: [ana.id, bruno.id, carla.id],
  },
];

function providerOf(orgUrl: string, extra: JsonObject = {}) {
  const logger = mockServices.logger.mock();
  const [provider] = OktaOrgEntityProvider.fromConfig(
    new ConfigReader({
      catalog: {
        providers: {
          oktaOrg: { default: { orgUrl, token: API_TOKEN, ...extra } },
        },
      },
    }),
    { logger },
  );
  const applied: EntityProviderMutation[] = [];
  const connection: EntityProviderConnection = {
    async applyMutation(mutation) {
      applied.push(mutation);
    },
    async refresh() {},
  };
  return { provider, connection, applied, logger };
}

/** The entities of the one full mutation, by `kind:name`. */
function entitiesOf(applied: EntityProviderMutation[]) {
  expect(applied).toHaveLength(1);
  const mutation = applied[0];
  if (mutation.type !== 'full') throw new Error('expected a full mutation');
  return new Map(
    mutation.entities.map(({ entity }) => [
      `${entity.kind}:${entity.metadata.name}`,
      entity,
    ]),
  );
}

describe('OktaOrgEntityProvider', () => {
  let okta: FakeOkta;

  beforeAll(async () => {
    okta = await startFakeOkta({
      app: { clientId: 'unused', clientSecret: 'unused', redirectUris: [] },
      apiToken: API_TOKEN,
      users: [ana, bruno, carla, anaElsewhere, gone],
      groups,
    });
  });
  afterAll(() => okta?.stop());
  beforeEach(() => {
    okta.setDirectory({
      users: [ana, bruno, carla, anaElsewhere, gone],
      groups,
    });
    okta.failApi(undefined);
  });

  it('syncs users and groups with memberships, reading every page of every list', async () => {
    const { provider, connection, applied, logger } = providerOf(okta.orgUrl);
    await provider.connect(connection);
    const before = okta.requests().length;
    await provider.read();

    const byRef = entitiesOf(applied);
    expect([...byRef.keys()].sort()).toEqual([
      'Group:eng-all',
      'Group:platform-team',
      'Group:sales',
      'User:ana',
      'User:bruno.costa',
      'User:carla',
    ]);
    expect(byRef.get('User:ana')).toEqual({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'User',
      metadata: {
        name: 'ana',
        annotations: {
          'backstage.io/managed-by-location': `url:${okta.orgUrl}/api/v1/users/00u1ana`,
          'backstage.io/managed-by-origin-location': `url:${okta.orgUrl}/api/v1/users/00u1ana`,
          'okta.com/user-id': '00u1ana',
          'okta.com/email': 'ana@acme.example',
        },
      },
      spec: {
        profile: { displayName: 'Ana Lima', email: 'ana@acme.example' },
        memberOf: ['group:default/platform-team', 'group:default/eng-all'],
      },
    });
    // Okta's displayName wins over first and last name.
    expect(byRef.get('User:bruno.costa')!.spec).toMatchObject({
      profile: { displayName: 'Bruno C.' },
      memberOf: ['group:default/sales', 'group:default/eng-all'],
    });
    expect(byRef.get('Group:platform-team')).toMatchObject({
      metadata: {
        description: 'Runs the portal',
        annotations: { 'okta.com/group-id': '00g2platform' },
      },
      spec: {
        type: 'team',
        profile: { displayName: 'Platform Team' },
        children: [],
      },
    });
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining(
        "skipping Okta user ana@subsidiary.example: the name 'ana' is already taken by ana@acme.example",
      ),
    );

    // Pages of two (the fake's most): users in two (Okta lists no
    // deprovisioned user without a search), groups in two, each group's
    // members in up to two; every request with the API token.
    const seen = okta.requests().slice(before);
    expect(seen.every(r => r.authScheme === 'SSWS' && r.status === 200)).toBe(
      true,
    );
    const paths = seen.map(r => `${r.path}${r.query.after ? ' after' : ''}`);
    expect(paths).toEqual([
      '/api/v1/users',
      '/api/v1/users after',
      '/api/v1/groups',
      '/api/v1/groups after',
      // Everyone is not read: it is all of the org, not a team.
      '/api/v1/groups/00g2platform/users',
      '/api/v1/groups/00g2platform/users after',
      '/api/v1/groups/00g3sales/users',
      '/api/v1/groups/00g4eng/users',
      '/api/v1/groups/00g4eng/users after',
    ]);
    expect(seen[0].query).toEqual({ limit: '200' });
    expect(okta.unexpected()).toEqual([]);
  });

  it('passes the user and group filters to Okta as `search`, and members the user filter left out stay out', async () => {
    const { provider, connection, applied } = providerOf(okta.orgUrl, {
      userFilter: 'profile.department eq "Engineering"',
      groupFilter: 'type eq "OKTA_GROUP"',
    });
    await provider.connect(connection);
    const before = okta.requests().length;
    await provider.read();

    const byRef = entitiesOf(applied);
    // A search lists deprovisioned users too; they are not synced.
    expect([...byRef.keys()].sort()).toEqual([
      'Group:platform-team',
      'Group:sales',
      'User:ana',
      'User:carla',
    ]);
    expect(byRef.get('User:ana')!.spec!.memberOf).toEqual([
      'group:default/platform-team',
    ]);
    const seen = okta.requests().slice(before);
    expect(seen.find(r => r.path === '/api/v1/users')!.query).toEqual({
      limit: '200',
      search: 'profile.department eq "Engineering"',
    });
    expect(
      seen.filter(r => r.path === '/api/v1/groups').map(r => r.query.search),
    ).toEqual(['type eq "OKTA_GROUP"']);
  });

  it('applies nothing when a page fails, and says what Okta answered', async () => {
    const { provider, connection, applied } = providerOf(okta.orgUrl);
    await provider.connect(connection);
    okta.failApi({ status: 500, path: /\/users$/, after: 3 });
    await expect(provider.read()).rejects.toThrow(
      new RegExp(
        `^Okta answered HTTP 500 to GET ${okta.orgUrl}/api/v1/groups/00g2platform/users: Internal Server Error$`,
      ),
    );
    expect(applied).toEqual([]);
  });

  it("reports Okta's rate limit with its reset time", async () => {
    const { provider, connection } = providerOf(okta.orgUrl);
    await provider.connect(connection);
    okta.failApi({
      status: 429,
      path: /^\/api\/v1\/groups$/,
      resetInSeconds: 120,
    });
    const error = await provider.read().catch(e => e);
    expect(error).toBeInstanceOf(OktaResponseError);
    expect(error.status).toBe(429);
    const limit = findRateLimit([], error);
    expect(limit?.status).toBe(429);
    expect(limit!.resetsAt!.getTime() - Date.now()).toBeGreaterThan(100_000);
  });

  it('refuses a wrong API token without printing it', async () => {
    const { provider, connection } = providerOf(okta.orgUrl, {
      token: 'not-the-token',
    });
    await provider.connect(connection);
    const error = await provider.read().catch(e => e);
    expect(error.message).toBe(
      `Okta answered HTTP 401 to GET ${okta.orgUrl}/api/v1/users: Invalid token provided`,
    );
    expect(error.message).not.toContain('not-the-token');
  });

  it('never sends the API token to another origin a next link names', async () => {
    const seen: Array<string | undefined> = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, {
        'content-type': 'application/json',
        link: '<http://127.0.0.1:9/api/v1/users?after=x>; rel="next"',
      });
      res.end('[]');
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const { provider, connection } = providerOf(`http://127.0.0.1:${port}`);
      await provider.connect(connection);
      await expect(provider.read()).rejects.toThrow(
        /leads to http:\/\/127\.0\.0\.1:9, not to the org .*; refusing to send the API token there/,
      );
      expect(seen).toEqual([`SSWS ${API_TOKEN}`]);
    } finally {
      server.close();
    }
  });

  it('refuses an org URL with a path, naming the key and the fix', () => {
    expect(() => providerOf('https://acme.okta.com/oauth2/default')).toThrow(
      "catalog.providers.oktaOrg.default.orgUrl must be the URL of the Okta org, such as https://acme.okta.com (no path), got 'https://acme.okta.com/oauth2/default'",
    );
  });
});
