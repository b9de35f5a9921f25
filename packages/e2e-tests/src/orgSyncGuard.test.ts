/*
 * The org-sync guard across restarts, end to end: the ldap preset against a
 * real slapd, the backend started with the README's command on SQLite files
 * on disk (an operator override), so the catalog and what the last applied
 * sync held outlive each process. People vanish from the directory while
 * the backend is down; the restarted backend must not apply the collapse
 * or the empty answer unless the operator's config says so.
 *
 * And the attack on a guard that compares only with the last run: a
 * directory walked down in halvings (4, 2, 1 people), each step within
 * the retained share of the step before.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BackendProcess,
  startBackendProcess,
} from '@devportal/test-utils/src/backend/backendProcess';
import { auditEvents } from '@devportal/test-utils/src/backend/auditEvents';
import {
  collapseRefusal,
  deleteDirectoryUsers,
  emptyRefusal,
  generatedDirectory,
  LDAP_ORG_SYNC,
  ldapPresetEnv,
  orgSyncGuardEnv,
  peakRefusal,
  sqliteOnDiskEnv,
} from '@devportal/test-utils/src/backend/orgSyncGuard';
import {
  E2E_TOKEN,
  entityNames,
  externalAccessEnv,
  runProviderRefresh,
  waitForCatalog,
} from '@devportal/test-utils/src/backend/catalogClient';
import {
  SlapdServer,
  startSlapd,
} from '@devportal/test-utils/src/daemons/slapd';

jest.setTimeout(300_000);

const directory = generatedDirectory({
  users: 13,
  groups: 2,
  rootPassword: 'guard-admin-secret-K9z',
});
/** One person leaves first: far less than half, an ordinary sync. */
const FIRST_LEAVER = directory.users[12];
const REMAINING = directory.users.slice(0, 12);
/** The two people who stay when most leave. */
const STAYING = REMAINING.slice(0, 2);
const LEAVING = REMAINING.slice(2);

/** What a run that applied logs after the provider's name, for this many users and `groups` groups. */
const appliedUsers = (users: number, groups = directory.groups.length) =>
  new RegExp(`applied ${users} users and ${groups} groups`);

describe('the org-sync guard across restarts, VEECODE_PRESETS=ldap on SQLite files', () => {
  let slapd: SlapdServer;
  let databaseDir: string;
  let backend: BackendProcess | undefined;

  /**
   * Starts a backend process on the shared database files, with these
   * guard settings, runs an org sync and checks that it ended with
   * `outcome`. The sync is triggered: the scheduler's own state is in the
   * database too, so only the very first process runs it at startup (a
   * trigger then waits for that run).
   */
  async function start(
    outcome: RegExp,
    guard: { allowEmpty?: boolean; minRetainedShare?: number } = {},
  ): Promise<BackendProcess> {
    backend = await startBackendProcess({
      env: {
        VEECODE_PRESETS: 'ldap',
        ...ldapPresetEnv(slapd, directory),
        ...sqliteOnDiskEnv(databaseDir),
        ...orgSyncGuardEnv(guard),
        ...externalAccessEnv(),
      },
    });
    await backend.waitForReady(120_000);
    expect(await runProviderRefresh(backend, LDAP_ORG_SYNC)).toMatch(outcome);
    return backend;
  }

  async function stop() {
    const running = backend;
    backend = undefined;
    await running?.stop();
    expect(running?.output()).not.toContain(directory.rootPassword);
  }

  async function lastRun(running: BackendProcess) {
    const res = await fetch(`${running.baseUrl}/api/presets/status`, {
      headers: { Authorization: `Bearer ${E2E_TOKEN}` },
    });
    expect(res.status).toBe(200);
    const { sync } = (await res.json()) as {
      sync: Array<{ provider: string; lastRun: unknown }>;
    };
    return sync.find(s => s.provider === LDAP_ORG_SYNC)?.lastRun;
  }

  beforeAll(async () => {
    databaseDir = mkdtempSync(join(tmpdir(), 'org-sync-guard-db-'));
    slapd = await startSlapd({
      suffix: directory.suffix,
      rootDn: directory.rootDn,
      rootPassword: directory.rootPassword,
      seedLdif: directory.ldif,
    });
  });

  afterAll(async () => {
    await backend?.stop();
    await slapd?.remove();
    if (databaseDir) {
      rmSync(databaseDir, { recursive: true, force: true });
    }
  });

  afterEach(stop);

  it('applies the first sync of the whole directory, then one that lost less than half', async () => {
    const running = await start(appliedUsers(directory.users.length));
    const { users, groups } = await waitForCatalog(
      running,
      us => us.length === directory.users.length,
    );
    expect(entityNames(users)).toEqual(directory.users);
    expect(entityNames(groups)).toEqual(directory.groups);

    await deleteDirectoryUsers(slapd, directory, [FIRST_LEAVER]);
    expect(await runProviderRefresh(running, LDAP_ORG_SYNC)).toMatch(
      appliedUsers(REMAINING.length),
    );
    expect(
      entityNames(
        (await waitForCatalog(running, us => us.length === REMAINING.length))
          .users,
      ),
    ).toEqual(REMAINING);
  });

  it('keeps every user when most people left while the backend was down, and logs both counts', async () => {
    await deleteDirectoryUsers(slapd, directory, LEAVING);
    const refusal = collapseRefusal({
      what: 'users',
      now: STAYING.length,
      last: REMAINING.length,
    });
    // The restarted process knows the last good sync from the database
    // alone: its first run is refused, and so is the next.
    const running = await start(refusal);
    expect(await runProviderRefresh(running, LDAP_ORG_SYNC)).toMatch(refusal);
    const { users } = await waitForCatalog(running, () => true);
    expect(entityNames(users)).toEqual(REMAINING);
    expect(await lastRun(running)).toEqual(
      expect.objectContaining({
        outcome: 'refused',
        counts: {
          users: STAYING.length,
          groups: directory.groups.length,
          entities: STAYING.length + directory.groups.length,
        },
      }),
    );
    // The operator's audit log has the refusal, with the counts it held back.
    expect(
      auditEvents(running.output()).filter(
        e => e.eventId === 'org-sync-refused' && e.status === 'succeeded',
      ),
    ).toContainEqual(
      expect.objectContaining({
        plugin: 'catalog',
        severityLevel: 'medium',
        meta: expect.objectContaining({
          provider: LDAP_ORG_SYNC,
          users: STAYING.length,
          groups: directory.groups.length,
        }),
      }),
    );
  });

  it('applies the shrink once the operator lowers minRetainedShare, and then refuses an empty directory', async () => {
    const running = await start(appliedUsers(STAYING.length), {
      minRetainedShare: 0.1,
    });
    const { users } = await waitForCatalog(
      running,
      us => us.length === STAYING.length,
    );
    expect(entityNames(users)).toEqual(STAYING);

    await deleteDirectoryUsers(slapd, directory, STAYING);
    expect(await runProviderRefresh(running, LDAP_ORG_SYNC)).toMatch(
      emptyRefusal({ what: 'users', last: STAYING.length }),
    );
    expect(
      entityNames((await waitForCatalog(running, () => true)).users),
    ).toEqual(STAYING);
  });

  it('refuses the empty directory after a restart too, and applies it with allowEmpty', async () => {
    await start(emptyRefusal({ what: 'users', last: STAYING.length }));
    await stop();

    const running = await start(appliedUsers(0), { allowEmpty: true });
    const { users, groups } = await waitForCatalog(
      running,
      us => us.length === 0,
    );
    expect(users).toEqual([]);
    expect(entityNames(groups)).toEqual(directory.groups);
  });
});

describe('the org-sync guard against a directory walked down in halvings, VEECODE_PRESETS=ldap', () => {
  const small = generatedDirectory({
    users: 4,
    groups: 1,
    rootPassword: 'halving-admin-secret-T4w',
  });
  const [first, second, third, fourth] = small.users;
  let slapd: SlapdServer;
  let backend: BackendProcess;

  beforeAll(async () => {
    slapd = await startSlapd({
      suffix: small.suffix,
      rootDn: small.rootDn,
      rootPassword: small.rootPassword,
      seedLdif: small.ldif,
    });
    // One process, the default guard settings and the default database:
    // the attack needs no restart, only syncs.
    backend = await startBackendProcess({
      env: {
        VEECODE_PRESETS: 'ldap',
        ...ldapPresetEnv(slapd, small),
        ...externalAccessEnv(),
      },
    });
    await backend.waitForReady(120_000);
  });

  afterAll(async () => {
    await backend?.stop();
    await slapd?.remove();
  });

  it('applies 4 people, then 2 (a halving, at the limit of the default share)', async () => {
    expect(await runProviderRefresh(backend, LDAP_ORG_SYNC)).toMatch(
      appliedUsers(4, 1),
    );
    await deleteDirectoryUsers(slapd, small, [third, fourth]);
    expect(await runProviderRefresh(backend, LDAP_ORG_SYNC)).toMatch(
      appliedUsers(2, 1),
    );
    expect(
      entityNames((await waitForCatalog(backend, us => us.length === 2)).users),
    ).toEqual([first, second]);
  });

  it('refuses 1 person, half of the last sync but a quarter of the peak of 4, and logs which sync it was measured against', async () => {
    await deleteDirectoryUsers(slapd, small, [second]);
    const refusal = peakRefusal({ what: 'users', now: 1, peak: 4, last: 2 });
    expect(await runProviderRefresh(backend, LDAP_ORG_SYNC)).toMatch(refusal);
    expect(
      entityNames((await waitForCatalog(backend, () => true)).users),
    ).toEqual([first, second]);
    expect(backend.output()).not.toContain(small.rootPassword);
  });
});
