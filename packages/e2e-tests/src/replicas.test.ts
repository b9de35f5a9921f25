/*
 * Two replicas behind one URL, as operators run the portal: two backends
 * started with the README's command on different ports, one PostgreSQL
 * (`postgres` preset), one directory (`ldap` preset, a real slapd), RBAC
 * (`rbac` preset). A sync triggered on both runs once; a person who signs
 * in through one replica keeps their session on the other; when most
 * people vanish from the directory while a replica restarts, whichever
 * replica runs the next sync refuses it from what the database remembers
 * of the last good one; and an RBAC admin approves the refused run on the
 * other replica.
 */
import { auditEvents } from '@devportal/test-utils/src/backend/auditEvents';
import {
  BackendProcess,
  freePort,
  startBackendProcess,
} from '@devportal/test-utils/src/backend/backendProcess';
import {
  ldapRefresh,
  ldapToken,
} from '@devportal/test-utils/src/backend/ldapSignIn';
import {
  sampleValue,
  scrapeMetrics,
} from '@devportal/test-utils/src/backend/metrics';
import {
  E2E_TOKEN,
  entityNames,
  externalAccessEnv,
  triggerTask,
  waitForCatalog,
} from '@devportal/test-utils/src/backend/catalogClient';
import {
  collapseRefusal,
  deleteDirectoryUsers,
  emptyRefusal,
  generatedDirectory,
} from '@devportal/test-utils/src/backend/orgSyncGuard';
import { pendingSyncCli } from '@devportal/test-utils/src/backend/pendingSyncCli';
import {
  PostgresServer,
  startPostgres,
} from '@devportal/test-utils/src/daemons/postgres';
import {
  SlapdServer,
  slapdFixture,
  startSlapd,
} from '@devportal/test-utils/src/daemons/slapd';

jest.setTimeout(420_000);

const ORG_SYNC = 'LdapOrgEntityProvider:default';
const SUFFIX = 'dc=example,dc=com';
const ADMIN_PASSWORD = 'admin-secret-Rp4';
// Shared by both replicas, as an operator's secret store would hand it out.
const SESSION_SECRET = 'replica-session-secret-0123456789abcdefghij';
const SYNC_APPLIED = new RegExp(`${ORG_SYNC}: applied`, 'g');
/** Longer than the scheduler's work check (5 s): a second run would have started. */
const QUIET_PERIOD_MS = 15_000;

/**
 * The seed fixture's layout as the guard helpers describe a directory
 * (`uid=<name>,ou=people,<suffix>`, admin `cn=admin,<suffix>`), so that
 * `deleteDirectoryUsers` can remove its people; no generated entries.
 */
const fixtureLayout = generatedDirectory({
  users: 0,
  groups: 0,
  rootPassword: ADMIN_PASSWORD,
  suffix: SUFFIX,
});
const FIXTURE_USERS = ['ana', 'bruno', 'carla', 'dora'];
/** The RBAC admin (RBAC_ADMINS); bruno is signed in but no admin. */
const ADMIN = 'user:default/ana';
const PENDING = '/api/presets/sync/pending';

/** `POST` to a pending run's approve or reject route, with a token or none. */
function decide(
  backend: BackendProcess,
  action: 'approve' | 'reject',
  token?: string,
) {
  return fetch(
    `${backend.baseUrl}${PENDING}/${encodeURIComponent(ORG_SYNC)}/${action}`,
    {
      method: 'POST',
      headers: token ? { Authorization: `Bearer ${token}` } : {},
    },
  );
}

/** The pending runs, as a signed-in person lists them. */
async function pendingOn(backend: BackendProcess, token: string) {
  const res = await fetch(`${backend.baseUrl}${PENDING}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  return res.json();
}

/**
 * Waits until one of the replicas logged a line matching `pattern` after
 * its `since` offset (the task runs on whichever replica claims it) and
 * returns that line.
 */
async function waitForLineOnEither(
  replicas: Array<{ backend: BackendProcess; since: number }>,
  pattern: RegExp,
  timeoutMs = 120_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const { backend, since } of replicas) {
      const match = pattern.exec(backend.output().slice(since));
      if (match) {
        return match[0];
      }
    }
    if (Date.now() > deadline) {
      throw new Error(
        `no replica logged ${pattern}; outputs:\n${replicas
          .map(({ backend, since }) => backend.output().slice(since))
          .join('\n---\n')}`,
      );
    }
    await new Promise(r => setTimeout(r, 250));
  }
}

function appliedRuns(backend: BackendProcess, since: number): number {
  return backend.output().slice(since).match(SYNC_APPLIED)?.length ?? 0;
}

describe('two replicas on one PostgreSQL (VEECODE_PRESETS=ldap,postgres,rbac)', () => {
  let pg: PostgresServer;
  let slapd: SlapdServer;
  let a: BackendProcess;
  let b: BackendProcess;
  /** Both replicas' environment, as the operator's deployment sets it. */
  let replicaEnv: Record<string, string>;
  /** Replica A's: its Prometheus metrics on a port of its own. */
  let replicaAEnv: Record<string, string>;
  let metricsPort: number;
  /** Tokens of the admin and of a person who is none, from before anyone left the directory. */
  let adminToken: string;
  let userToken: string;

  /**
   * What a replica needs to run against the shared database and directory,
   * before any session secret.
   */
  const sharedEnv = () => ({
    VEECODE_PRESETS: 'ldap,postgres,rbac',
    RBAC_ADMINS: ADMIN,
    ...pg.presetEnv(),
    POSTGRES_DB_PREFIX: 'replicas_',
    LDAP_URL: slapd.url,
    LDAP_DN: `cn=admin,${SUFFIX}`,
    LDAP_SECRET: ADMIN_PASSWORD,
    LDAP_USERS_BASE_DN: `ou=people,${SUFFIX}`,
    LDAP_GROUPS_BASE_DN: `ou=groups,${SUFFIX}`,
    // A wait long enough that the throttle test below cannot outrun it.
    APP_CONFIG_auth_providers_ldap_production_signInThrottle: JSON.stringify({
      perUsername: { freeFailures: 3, firstDelay: '1m', maxDelay: '1m' },
    }),
  });

  beforeAll(async () => {
    [pg, slapd] = await Promise.all([
      startPostgres(),
      startSlapd({
        suffix: SUFFIX,
        rootDn: `cn=admin,${SUFFIX}`,
        rootPassword: ADMIN_PASSWORD,
        seedLdif: slapdFixture('openldap.ldif'),
      }),
    ]);
    replicaEnv = {
      ...sharedEnv(),
      AUTH_SESSION_SECRET: SESSION_SECRET,
      ...externalAccessEnv(),
    };
    metricsPort = await freePort();
    replicaAEnv = {
      ...replicaEnv,
      DEVPORTAL_METRICS_PORT: String(metricsPort),
    };
    // One after the other: the first creates the databases and runs the
    // migrations, as a rolling deployment would.
    a = await startBackendProcess({ env: replicaAEnv });
    await a.waitForReady(240_000);
    b = await startBackendProcess({ env: replicaEnv });
    await b.waitForReady(240_000);
    // The boot sync (on whichever replica the scheduler picked) is done.
    await waitForCatalog(a, users => users.length >= 4, 120_000);
    [adminToken, userToken] = await Promise.all([
      ldapToken(a, 'ana', 'ana-password'),
      ldapToken(a, 'bruno', 'bruno-password'),
    ]);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([pg?.remove(), slapd?.remove()]);
  });

  it('runs an org sync triggered on both replicas once', async () => {
    const sinceA = a.output().length;
    const sinceB = b.output().length;
    await Promise.all([
      triggerTask(a, 'catalog', `${ORG_SYNC}:refresh`),
      triggerTask(b, 'catalog', `${ORG_SYNC}:refresh`),
    ]);
    const deadline = Date.now() + 120_000;
    while (appliedRuns(a, sinceA) + appliedRuns(b, sinceB) === 0) {
      if (Date.now() > deadline) {
        throw new Error(
          `no replica applied the triggered sync; outputs:\n${a
            .output()
            .slice(sinceA)}\n---\n${b.output().slice(sinceB)}`,
        );
      }
      await new Promise(r => setTimeout(r, 250));
    }
    await new Promise(r => setTimeout(r, QUIET_PERIOD_MS));
    expect(appliedRuns(a, sinceA) + appliedRuns(b, sinceB)).toBe(1);

    // Both serve the one catalog it wrote.
    const [fromA, fromB] = await Promise.all([
      waitForCatalog(a, () => true),
      waitForCatalog(b, () => true),
    ]);
    expect(entityNames(fromB.users)).toEqual(entityNames(fromA.users));
    expect(entityNames(fromA.users)).toEqual(['ana', 'bruno', 'carla', 'dora']);
  });

  it('accepts on replica B the session and the token of a sign-in through replica A', async () => {
    const signIn = await ldapRefresh(a, {
      credentials: { username: 'ana', password: 'ana-password' },
    });
    expect(signIn.status).toBe(200);
    expect(signIn.cookie).toBeDefined();

    // The session cookie A set refreshes on B.
    const refreshed = await ldapRefresh(b, { cookie: signIn.cookie });
    expect(refreshed.status).toBe(200);
    expect(refreshed.json.backstageIdentity.identity.userEntityRef).toBe(
      'user:default/ana',
    );

    // The Backstage token A issued is good on B (signing keys in the database).
    const res = await fetch(
      `${b.baseUrl}/api/catalog/entities/by-name/user/default/ana`,
      {
        headers: {
          Authorization: `Bearer ${signIn.json.backstageIdentity.token}`,
        },
      },
    );
    expect(res.status).toBe(200);

    // A cookie B cannot open is still refused: B checks, it does not wave through.
    const forged = await ldapRefresh(b, {
      cookie: `${signIn.cookie!.split('=')[0]}=not-a-session`,
    });
    expect(forged.status).toBe(401);
  });

  it('counts failed sign-ins on replica A when the same username tries on replica B', async () => {
    const guesses = ['guess-on-a-1', 'guess-on-b-2', 'guess-on-a-3'];
    for (const [i, password] of guesses.entries()) {
      const res = await ldapRefresh(i % 2 === 0 ? a : b, {
        credentials: { username: 'carla', password },
      });
      expect(res.status).toBe(401);
    }
    // B saw one failure itself; the database holds all three.
    const onB = await ldapRefresh(b, {
      credentials: { username: 'carla', password: 'Carla-pässwort 1' },
    });
    expect(onB.status).toBe(429);
    expect(Number(onB.retryAfter)).toBeGreaterThan(0);
    // Nobody else waits.
    const ana = await ldapRefresh(b, {
      credentials: { username: 'ana', password: 'ana-password' },
    });
    expect(ana.status).toBe(200);
    for (const backend of [a, b]) {
      for (const password of guesses) {
        expect(backend.output()).not.toContain(password);
      }
    }
  });

  it('never prints the session secret or the passwords', () => {
    for (const backend of [a, b]) {
      const output = backend.output();
      expect(output).not.toContain(SESSION_SECRET);
      expect(output).not.toContain(pg.password);
      expect(output).not.toContain(ADMIN_PASSWORD);
      expect(output).not.toMatch(/cookies\.secret is not set/);
    }
  });

  it('warns, naming AUTH_SESSION_SECRET, on a replica started without it', async () => {
    // A third replica, misconfigured: it boots, and says what to set.
    const c = await startBackendProcess({ env: sharedEnv() });
    try {
      await c.waitForReady(240_000);
      expect(c.output()).toMatch(
        /cookies\.secret is not set while the database is shared: .*Set AUTH_SESSION_SECRET/,
      );
      // And indeed it cannot open A's sessions.
      const signIn = await ldapRefresh(a, {
        credentials: { username: 'ana', password: 'ana-password' },
      });
      expect((await ldapRefresh(c, { cookie: signIn.cookie })).status).toBe(
        401,
      );
    } finally {
      await c.stop();
    }
  });

  it('keeps every user when the directory collapses with replica B restarted, then empties with both restarted', async () => {
    // The last applied sync (the triggered one above) held all four people.
    await deleteDirectoryUsers(
      slapd,
      fixtureLayout,
      FIXTURE_USERS.filter(name => name !== 'ana'),
    );
    await b.stop();
    const sinceA = a.output().length;
    b = await startBackendProcess({ env: replicaEnv });
    await b.waitForReady(240_000);

    // The restarted replica knows the last good sync from the database
    // alone; whichever replica claims the task refuses the collapse.
    await triggerTask(b, 'catalog', `${ORG_SYNC}:refresh`);
    const collapse = await waitForLineOnEither(
      [
        { backend: a, since: sinceA },
        { backend: b, since: 0 },
      ],
      new RegExp(
        `${ORG_SYNC}: ${
          collapseRefusal({ what: 'users', now: 1, last: 4 }).source
        }`,
      ),
    );
    expect(collapse).toContain('returned 1 users where the last sync had 4');

    const appliedBeforeRestartOfA = appliedRuns(a, sinceA);

    // Now A restarts too: no process alive saw the last applied sync, so
    // only the database can say it held four people. An empty directory is
    // refused against that, not against the refused run's one.
    await deleteDirectoryUsers(slapd, fixtureLayout, ['ana']);
    await a.stop();
    a = await startBackendProcess({ env: replicaAEnv });
    await a.waitForReady(240_000);
    const sinceEmptyB = b.output().length;
    await triggerTask(a, 'catalog', `${ORG_SYNC}:refresh`);
    await waitForLineOnEither(
      [
        { backend: a, since: 0 },
        { backend: b, since: sinceEmptyB },
      ],
      new RegExp(
        `${ORG_SYNC}: ${emptyRefusal({ what: 'users', last: 4 }).source}`,
      ),
    );
    expect(
      appliedBeforeRestartOfA + appliedRuns(a, 0) + appliedRuns(b, 0),
    ).toBe(0);

    const [fromA, fromB] = await Promise.all([
      waitForCatalog(a, () => true),
      waitForCatalog(b, () => true),
    ]);
    expect(entityNames(fromA.users)).toEqual(FIXTURE_USERS);
    expect(entityNames(fromB.users)).toEqual(FIXTURE_USERS);
    for (const backend of [a, b]) {
      expect(backend.output()).not.toContain(ADMIN_PASSWORD);
      expect(backend.output()).not.toContain(pg.password);
    }
  });

  it('lists the refused run on replica B, refuses it to a non-admin, and applies it once an RBAC admin approves it', async () => {
    // The run the last test left: the empty directory, refused and held.
    const pending = sampleValue(
      (await scrapeMetrics(metricsPort)).samples,
      'devportal_sync_pending',
      { provider: ORG_SYNC },
    );
    expect(pending).toBe(1);
    expect(await pendingOn(b, userToken)).toEqual({
      items: [
        {
          provider: ORG_SYNC,
          refusedAt: expect.any(String),
          reason: expect.stringContaining(
            'the source returned no users where the last sync had 4',
          ),
          users: { last: 4, now: 0 },
          groups: expect.objectContaining({ last: expect.any(Number) }),
          removed: FIXTURE_USERS.map(name => `user:default/${name}`),
          added: [],
        },
      ],
    });

    // The same list from a terminal: `presets sync pending` on replica A,
    // with the operator's static token, which it never prints.
    const listed = await pendingSyncCli(a.baseUrl, E2E_TOKEN, [
      'pending',
      '--json',
    ]);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual(await pendingOn(b, userToken));
    const described = await pendingSyncCli(a.baseUrl, E2E_TOKEN, ['pending']);
    expect(described.code).toBe(0);
    expect(described.stdout).toContain(ORG_SYNC);
    expect(described.stdout).toContain('approving removes 4 entities');
    expect(described.stdout).toContain('user:default/bruno');
    expect(described.stdout + described.stderr).not.toContain(E2E_TOKEN);
    const noToken = await pendingSyncCli(a.baseUrl, undefined, ['pending']);
    expect(noToken.code).toBe(78);
    const refusedToUser = await pendingSyncCli(b.baseUrl, userToken, [
      'approve',
      ORG_SYNC,
    ]);
    expect(refusedToUser.code).toBe(1);
    expect(refusedToUser.stderr).toContain('403');
    expect(refusedToUser.stderr).toContain('presets.sync.approve');
    expect(refusedToUser.stderr).not.toContain(userToken);

    expect((await decide(b, 'approve')).status).toBe(401);
    const denied = await decide(b, 'approve', userToken);
    expect(denied.status).toBe(403);
    expect((await denied.json()).error.message).toContain(
      'presets.sync.approve',
    );

    const approved = await decide(b, 'approve', adminToken);
    expect(approved.status).toBe(200);
    expect(await approved.json()).toEqual(
      expect.objectContaining({
        provider: ORG_SYNC,
        outcome: 'approved',
        users: { last: 4, now: 0 },
      }),
    );
    const { users } = await waitForCatalog(a, us => us.length === 0);
    expect(users).toEqual([]);
    expect(await pendingOn(a, userToken)).toEqual({ items: [] });
    expect(
      sampleValue(
        (await scrapeMetrics(metricsPort)).samples,
        'devportal_sync_pending',
        { provider: ORG_SYNC },
      ),
    ).toBe(0);
    expect(
      auditEvents(b.output()).filter(
        e => e.eventId === 'org-sync-approved' && e.status === 'succeeded',
      ),
    ).toEqual([
      expect.objectContaining({
        plugin: 'presets',
        meta: expect.objectContaining({
          provider: ORG_SYNC,
          approver: ADMIN,
          users: { last: 4, now: 0 },
        }),
      }),
    ]);
    expect((await decide(a, 'approve', adminToken)).status).toBe(404);
    const nothingLeft = await pendingSyncCli(a.baseUrl, E2E_TOKEN, [
      'reject',
      ORG_SYNC,
    ]);
    expect(nothingLeft.code).toBe(1);
    expect(nothingLeft.stderr).toContain('404');
  });
});
