/*
 * The ldap and ldap,ldap-ad presets end to end: a real slapd seeded with a
 * directory, the backend started with the README's command, people signing
 * in against the directory and the catalog kept in sync.
 */
import { ldapRefresh } from './harness/ldapSignIn';
import { BackendProcess, startBackendProcess } from './harness/backendProcess';
import {
  entityNames,
  externalAccessEnv,
  relationRefs,
  runProviderRefresh,
  SYNC_FAILED,
  tokenClaims,
  waitForCatalog,
} from './harness/portal';
import { SlapdServer, slapdFixture, startSlapd } from './harness/slapd';

jest.setTimeout(180_000);

const ORG_SYNC = 'LdapOrgEntityProvider:default';

function signIn(
  backend: BackendProcess,
  credentials: unknown,
  init: { raw?: string; cookie?: string } = {},
) {
  return ldapRefresh(backend, { credentials, ...init });
}

interface DirectoryCase {
  name: string;
  presets: string;
  seed: string;
  schemas?: string[];
  suffix: string;
  usersBaseDn: string;
  groupsBaseDn: string;
  /** [username, password, expected groups in the token] */
  member: [string, string, string[]];
  /** The user who is in no group. */
  loner: [string, string];
  expectedUsers: string[];
  expectedGroups: string[];
  /** The parent groups of each group, from nested group membership. */
  parents: Record<string, string[]>;
}

const cases: DirectoryCase[] = [
  {
    name: 'OpenLDAP',
    presets: 'ldap',
    seed: 'openldap.ldif',
    suffix: 'dc=example,dc=com',
    usersBaseDn: 'ou=people,dc=example,dc=com',
    groupsBaseDn: 'ou=groups,dc=example,dc=com',
    member: ['ana', 'ana-password', ['group:default/team-a']],
    loner: ['dora', 'dora-password'],
    expectedUsers: ['ana', 'bruno', 'carla', 'dora'],
    expectedGroups: ['engineering', 'team-a', 'team-b'],
    parents: {
      'team-a': ['group:default/engineering'],
      'team-b': [],
      engineering: [],
    },
  },
  {
    name: 'Active Directory',
    presets: 'ldap,ldap-ad',
    seed: 'ad.ldif',
    schemas: [slapdFixture('ad.schema')],
    suffix: 'dc=corp,dc=example,dc=com',
    usersBaseDn: 'ou=Staff,dc=corp,dc=example,dc=com',
    groupsBaseDn: 'ou=Groups,dc=corp,dc=example,dc=com',
    member: ['ana', 'ana-password', ['group:default/team-a']],
    loner: ['dora', 'dora-password'],
    expectedUsers: ['ana', 'bruno', 'dora'],
    expectedGroups: ['team-a', 'team-b'],
    parents: { 'team-a': [], 'team-b': [] },
  },
];

describe.each(cases)('$name directory with VEECODE_PRESETS=$presets', c => {
  let slapd: SlapdServer;
  let backend: BackendProcess;
  const adminPassword = 'admin-secret-Xq7';

  beforeAll(async () => {
    slapd = await startSlapd({
      suffix: c.suffix,
      rootDn: `cn=admin,${c.suffix}`,
      rootPassword: adminPassword,
      seedLdif: slapdFixture(c.seed),
      schemas: c.schemas,
    });
    backend = await startBackendProcess({
      env: {
        VEECODE_PRESETS: c.presets,
        LDAP_URL: slapd.url,
        LDAP_DN: `cn=admin,${c.suffix}`,
        LDAP_SECRET: adminPassword,
        LDAP_USERS_BASE_DN: c.usersBaseDn,
        LDAP_GROUPS_BASE_DN: c.groupsBaseDn,
        ...externalAccessEnv(),
      },
    });
    await backend.waitForReady();
  });

  afterAll(async () => {
    await backend?.stop();
    await slapd?.remove();
  });

  it('syncs users and groups, with memberships, into the catalog', async () => {
    const { users, groups } = await waitForCatalog(
      backend,
      us => us.length >= c.expectedUsers.length,
    );
    expect(entityNames(users)).toEqual(c.expectedUsers);
    expect(entityNames(groups)).toEqual(c.expectedGroups);
    const [member, , memberGroups] = c.member;
    const memberEntity = users.find(u => u.metadata.name === member)!;
    expect(relationRefs(memberEntity, 'memberOf')).toEqual(memberGroups);
    const loner = users.find(u => u.metadata.name === c.loner[0])!;
    expect(relationRefs(loner, 'memberOf')).toEqual([]);
    for (const [group, parents] of Object.entries(c.parents)) {
      const entity = groups.find(g => g.metadata.name === group)!;
      expect(relationRefs(entity, 'childOf')).toEqual(parents);
    }
  });

  it('signs a directory user in with a token that carries their groups', async () => {
    const [username, password, groupsOfUser] = c.member;
    const res = await signIn(backend, { username, password });
    expect(res.status).toBe(200);
    const identity = res.json.backstageIdentity;
    expect(identity.identity.userEntityRef).toBe(`user:default/${username}`);
    expect(identity.identity.ownershipEntityRefs).toEqual(
      expect.arrayContaining([`user:default/${username}`, ...groupsOfUser]),
    );
    expect(tokenClaims(identity.token).sub).toBe(`user:default/${username}`);
    expect(res.setCookie).toMatch(/HttpOnly/i);

    // The same endpoint without a body refreshes from the session cookie.
    const cookie = res.setCookie!.split(';')[0];
    const refreshed = await signIn(backend, undefined, { cookie });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json.backstageIdentity.identity.userEntityRef).toBe(
      `user:default/${username}`,
    );
  });

  it('signs in a user who is in no group, owning only themselves', async () => {
    const [username, password] = c.loner;
    const res = await signIn(backend, { username, password });
    expect(res.status).toBe(200);
    expect(res.json.backstageIdentity.identity.ownershipEntityRefs).toEqual([
      `user:default/${username}`,
    ]);
  });

  it('gives wrong passwords, empty passwords, unknown users and filter injections the same 401', async () => {
    const [username] = c.member;
    const attempts = [
      { username, password: 'wrong-password' },
      { username, password: '' },
      { username: 'nobody-here', password: 'whatever' },
      { username: '*', password: 'whatever' },
      { username: `${username})(uid=*`, password: 'whatever' },
      { username: '*)(objectClass=*', password: 'whatever' },
      { username: `${username})(sAMAccountName=*`, password: 'whatever' },
    ];
    const results = [];
    for (const attempt of attempts) {
      results.push(await signIn(backend, attempt));
    }
    for (const result of results) {
      expect(result.status).toBe(401);
      expect(result.text).not.toContain(adminPassword);
    }
    const messages = new Set(
      results.map(r => JSON.stringify(r.json?.error?.message)),
    );
    expect(messages.size).toBe(1);
  });

  it('answers bad requests with 400', async () => {
    expect(
      (await signIn(backend, undefined, { raw: '{not json' })).status,
    ).toBe(400);
    expect((await signIn(backend, { username: 'ana' })).status).toBe(400);
    expect((await signIn(backend, { username: 42, password: [] })).status).toBe(
      400,
    );
    const huge = await signIn(backend, undefined, {
      raw: JSON.stringify({
        username: 'ana',
        password: 'x'.repeat(10 * 1024 * 1024),
      }),
    });
    expect(huge.status).toBeGreaterThanOrEqual(400);
    expect(huge.status).toBeLessThan(500);
  });

  it('registers no other provider, and says which config it ignores', async () => {
    expect(backend.output()).toMatch(
      /Identity preset "ldap" signs people in with LDAP bind \(\/api\/auth\/ldap\)/,
    );
    expect(backend.output()).toMatch(
      /Ignoring auth\.providers\.guest: only the providers of the selected identity preset "ldap" are registered/,
    );
  });

  it('gives no guest session', async () => {
    const res = await fetch(`${backend.baseUrl}/api/auth/guest/refresh`, {
      headers: { 'X-Requested-With': 'XMLHttpRequest' },
    });
    expect(res.status).not.toBe(200);
    const text = await res.text();
    expect(text).not.toContain('backstageIdentity');
  });

  it('keeps every user when the directory goes away, and syncs again when it is back', async () => {
    await slapd.stop();
    await runProviderRefresh(backend, ORG_SYNC, SYNC_FAILED);
    const { users } = await waitForCatalog(backend, () => true);
    expect(entityNames(users)).toEqual(c.expectedUsers);

    await slapd.start();
    await runProviderRefresh(backend, ORG_SYNC, /applied/);
    expect(backend.output()).not.toContain(adminPassword);
  });
});
