/*
 * The ldap and ldap,ldap-ad presets end to end: a real slapd seeded with a
 * directory, the backend started with the README's command, people signing
 * in against the directory and the catalog kept in sync.
 */
import { auditEvents } from '@devportal/test-utils/src/backend/auditEvents';
import { ldapRefresh } from '@devportal/test-utils/src/backend/ldapSignIn';
import {
  BackendProcess,
  freePort,
  startBackendProcess,
} from '@devportal/test-utils/src/backend/backendProcess';
import {
  sampleValue,
  scrapeMetrics,
} from '@devportal/test-utils/src/backend/metrics';
import {
  entityNames,
  externalAccessEnv,
  relationRefs,
  runProviderRefresh,
  SYNC_FAILED,
  tokenClaims,
  waitForCatalog,
} from '@devportal/test-utils/src/backend/catalogClient';
import {
  readSlapdFixture,
  SlapdServer,
  slapdFixture,
  startSlapd,
} from '@devportal/test-utils/src/daemons/slapd';

jest.setTimeout(180_000);

const ORG_SYNC = 'LdapOrgEntityProvider:default';

/**
 * Sign-in throttling with short waits, so the honest path after a wait
 * stays quick; the free failures per address leave room for the 401
 * checks below, which all come from 127.0.0.1.
 */
const THROTTLE = {
  perUsername: { freeFailures: 3, firstDelay: '3s', maxDelay: '3s' },
  perAddress: { freeFailures: 12, firstDelay: '3s', maxDelay: '3s' },
};

/** Waits out a 429's Retry-After. */
function waitRetryAfter(retryAfter: string | null): Promise<void> {
  const seconds = Number(retryAfter);
  if (!(seconds > 0)) {
    throw new Error(`expected a Retry-After in seconds, got ${retryAfter}`);
  }
  return new Promise(r => setTimeout(r, seconds * 1000));
}

function signIn(
  backend: BackendProcess,
  credentials: unknown,
  init: { raw?: string; cookie?: string; forwardedFor?: string } = {},
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
  /**
   * Scoped sync: entries added to the seed that LDAP_USERS_FILTER and
   * LDAP_GROUPS_FILTER leave out, so the expected users and groups hold
   * only if slapd was searched with the filters.
   */
  scope?: { env: Record<string, string>; ldif: string; leftOut: string[] };
}

/** A service account and a mailing list, outside the OpenLDAP case's filters. */
const OPENLDAP_LEFT_OUT = `
dn: uid=svc-backup,ou=people,dc=example,dc=com
objectClass: inetOrgPerson
uid: svc-backup
cn: Backup service
sn: Backup
employeeType: service
userPassword: svc-backup-password

dn: cn=announce,ou=groups,dc=example,dc=com
objectClass: groupOfNames
cn: announce
businessCategory: mailing-list
member: uid=svc-backup,ou=people,dc=example,dc=com
`;

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
    scope: {
      env: {
        LDAP_USERS_FILTER:
          '(&(objectClass=inetOrgPerson)(!(employeeType=service)))',
        LDAP_GROUPS_FILTER:
          '(&(objectClass=groupOfNames)(!(businessCategory=mailing-list)))',
      },
      ldif: OPENLDAP_LEFT_OUT,
      leftOut: [
        'uid=svc-backup,ou=people,dc=example,dc=com',
        'cn=announce,ou=groups,dc=example,dc=com',
      ],
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
  let metricsPort: number;
  const adminPassword = 'admin-secret-Xq7';

  beforeAll(async () => {
    slapd = await startSlapd({
      suffix: c.suffix,
      rootDn: `cn=admin,${c.suffix}`,
      rootPassword: adminPassword,
      seedLdif: c.scope
        ? `${readSlapdFixture(c.seed)}\n${c.scope.ldif}`
        : slapdFixture(c.seed),
      schemas: c.schemas,
    });
    metricsPort = await freePort();
    backend = await startBackendProcess({
      env: {
        DEVPORTAL_METRICS_PORT: String(metricsPort),
        VEECODE_PRESETS: c.presets,
        LDAP_URL: slapd.url,
        LDAP_DN: `cn=admin,${c.suffix}`,
        LDAP_SECRET: adminPassword,
        LDAP_USERS_BASE_DN: c.usersBaseDn,
        LDAP_GROUPS_BASE_DN: c.groupsBaseDn,
        ...c.scope?.env,
        ...externalAccessEnv(),
        APP_CONFIG_auth_providers_ldap_production_signInThrottle:
          JSON.stringify(THROTTLE),
        // As behind an operator's reverse proxy on this host: the client
        // address is the one X-Forwarded-For names, so the tests can act
        // as several clients.
        APP_CONFIG_backend_trustProxy: 'loopback',
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

  if (c.scope) {
    const { leftOut } = c.scope;
    it('syncs only the entries LDAP_USERS_FILTER and LDAP_GROUPS_FILTER select', async () => {
      const { users, groups } = await waitForCatalog(
        backend,
        us => us.length >= c.expectedUsers.length,
      );
      const dns = [...users, ...groups].map(
        e => e.metadata.annotations?.['backstage.io/ldap-dn'],
      );
      expect(dns).toHaveLength(
        c.expectedUsers.length + c.expectedGroups.length,
      );
      for (const dn of leftOut) {
        expect(dns).not.toContain(dn);
      }
    });
  }

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

  it('throttles a run of wrong passwords for one username with 429 and Retry-After, leaves others alone, and lets the right password in after the wait', async () => {
    const client = '198.51.100.10';
    const guess = (i: number) =>
      signIn(
        backend,
        { username: 'bruno', password: `guess-${i}` },
        { forwardedFor: client },
      );
    const statuses = [];
    let throttled;
    for (let i = 0; i < 12; i++) {
      const res = await guess(i);
      statuses.push(res.status);
      if (res.status === 429) {
        throttled = res;
      }
    }
    expect(statuses).toEqual([401, 401, 401, ...Array(9).fill(429)]);
    expect(throttled!.retryAfter).toMatch(/^[1-3]$/);
    expect(throttled!.json.error.message).toMatch(
      /^Too many failed sign-in attempts; try again in [1-3] seconds?$/,
    );

    // Another person, from the same address, signs in meanwhile.
    const [loner, lonerPassword] = c.loner;
    const other = await signIn(
      backend,
      { username: loner, password: lonerPassword },
      { forwardedFor: client },
    );
    expect(other.status).toBe(200);

    // Bruno himself, once the wait is over.
    await waitRetryAfter(throttled!.retryAfter);
    const honest = await signIn(
      backend,
      { username: 'bruno', password: 'bruno-password' },
      { forwardedFor: client },
    );
    expect(honest.status).toBe(200);
    expect(honest.json.backstageIdentity.identity.userEntityRef).toBe(
      'user:default/bruno',
    );

    expect(backend.output()).toMatch(
      /LDAP sign-in throttled: 3 failed attempts for username #[0-9a-f]{12} \([^)]*bruno[^)]*\)/i,
    );
    for (let i = 0; i < 12; i++) {
      expect(backend.output()).not.toContain(`guess-${i}`);
    }
  });

  it('answers an unknown user exactly as a wrong password, before and after the throttle starts', async () => {
    const [loner] = c.loner;
    const answers = async (username: string, client: string) => {
      const list = [];
      for (let i = 0; i < 4; i++) {
        list.push(
          await signIn(
            backend,
            { username, password: 'not-the-password' },
            { forwardedFor: client },
          ),
        );
      }
      return list;
    };
    const wrong = await answers(loner, '198.51.100.20');
    const unknown = await answers('nobody-else', '198.51.100.21');
    const shape = (r: (typeof wrong)[number]) => ({
      status: r.status,
      // The seconds left depend on when the answer was computed.
      body: r.text.replace(/\d+ seconds?/, 'N seconds'),
      retryAfter: r.retryAfter === null ? null : 'set',
      cookie: r.setCookie,
    });
    expect(unknown.map(shape)).toEqual(wrong.map(shape));
    expect(wrong.map(r => r.status)).toEqual([401, 401, 401, 429]);
  });

  it('stops one client address spraying many usernames, and no other address', async () => {
    const sprayer = '198.51.100.30';
    const statuses = [];
    for (let i = 0; i < 14; i++) {
      statuses.push(
        (
          await signIn(
            backend,
            { username: `sprayed-${i}`, password: 'Winter2026!' },
            { forwardedFor: sprayer },
          )
        ).status,
      );
    }
    expect(statuses).toEqual([...Array(12).fill(401), 429, 429]);
    const [member, memberPassword] = c.member;
    // Even a right password waits from that address ...
    expect(
      (
        await signIn(
          backend,
          { username: member, password: memberPassword },
          { forwardedFor: sprayer },
        )
      ).status,
    ).toBe(429);
    // ... and signs in from any other.
    expect(
      (
        await signIn(
          backend,
          { username: member, password: memberPassword },
          { forwardedFor: '198.51.100.31' },
        )
      ).status,
    ).toBe(200);
    expect(backend.output()).toMatch(
      /LDAP sign-in throttled: 12 failed attempts for client address 198\.51\.100\.30/,
    );
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

  // Last: by now the org sync has applied and failed, and people have
  // signed in and been refused.
  it('counts syncs and sign-ins on the metrics port, with no username, email or secret in them', async () => {
    const { text, samples } = await scrapeMetrics(metricsPort);
    const sync = { provider: ORG_SYNC };
    expect(
      sampleValue(samples, 'devportal_org_sync_runs_total', {
        ...sync,
        outcome: 'applied',
      }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      sampleValue(samples, 'devportal_org_sync_runs_total', {
        ...sync,
        outcome: 'failed',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sampleValue(samples, 'devportal_org_sync_entities', {
        ...sync,
        kind: 'users',
      }),
    ).toBe(c.expectedUsers.length);
    expect(
      sampleValue(samples, 'devportal_org_sync_entities', {
        ...sync,
        kind: 'groups',
      }),
    ).toBe(c.expectedGroups.length);
    expect(
      sampleValue(samples, 'devportal_org_sync_duration_seconds_count', sync),
    ).toBeGreaterThanOrEqual(3);
    expect(sampleValue(samples, 'devportal_sync_pending', sync)).toBe(0);
    expect(
      sampleValue(samples, 'devportal_sign_in_total', {
        provider: 'ldap',
        outcome: 'success',
      }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      sampleValue(samples, 'devportal_sign_in_total', {
        provider: 'ldap',
        outcome: 'failure',
      }),
    ).toBeGreaterThanOrEqual(4);
    // Backstage's own metrics come through the same exporter.
    expect(samples.some(s => s.name === 'catalog_entities_count')).toBe(true);

    const labelValues = samples.flatMap(s => Object.values(s.labels));
    for (const name of c.expectedUsers) {
      expect(labelValues).not.toContain(name);
    }
    expect(labelValues.filter(v => v.includes('@'))).toEqual([]);
    expect(text).not.toContain(adminPassword);
    expect(text).not.toContain('-password');
  });

  it('audits each refused sign-in with the username typed, never the password', async () => {
    const events = auditEvents(backend.output()).filter(
      e => e.eventId === 'sign-in-failed',
    );
    // Backstage's auditor logs an event when it starts, then how it ended.
    const failed = events.filter(e => e.status === 'failed');
    expect(failed.length).toBeGreaterThanOrEqual(4);
    for (const event of failed) {
      expect(event).toMatchObject({
        plugin: 'auth',
        severityLevel: 'medium',
        meta: { provider: 'ldap' },
      });
    }
    const usernames = failed.map(e => e.meta?.username);
    expect(usernames).toContain(c.member[0]);
    expect(usernames).toContain('nobody-here');
    expect(JSON.stringify(events)).not.toContain('wrong-password');
    expect(JSON.stringify(events)).not.toContain(adminPassword);
  });
});
