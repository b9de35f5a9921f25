/*
 * Graceful stop, the way a process manager does it: SIGTERM to the
 * process it started (`npm start`) and nothing else. The backend behind
 * npm must finish what it is answering, stop, free its port and leave no
 * process behind; an org sync caught by the stop is applied whole or not
 * at all, which a restart on the same (on-disk SQLite) database shows.
 *
 * The slow work is real and slowed the way it is slowed in the field: the
 * directory stops answering for a while (slapd gets SIGSTOP, then
 * SIGCONT). An LDAP sign-in is the in-flight request: it waits on the
 * directory, then calls the catalog over HTTP on the backend's own port to
 * find the User, so it also shows that the listener stays open until the
 * requests in flight are answered.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ldapRefresh } from '@devportal/test-utils/src/backend/ldapSignIn';
import {
  LaunchedBackendProcess,
  startBackendProcess,
} from '@devportal/test-utils/src/backend/backendProcess';
import {
  entityNames,
  externalAccessEnv,
  waitForCatalog,
} from '@devportal/test-utils/src/backend/catalogClient';
import {
  SlapdServer,
  startSlapd,
} from '@devportal/test-utils/src/daemons/slapd';

jest.setTimeout(300_000);

const SUFFIX = 'dc=example,dc=com';
const ADMIN_DN = `cn=admin,${SUFFIX}`;
const ADMIN_PASSWORD = 'admin-secret-Gs4';
const USERS_BASE_DN = `ou=people,${SUFFIX}`;
const GROUPS_BASE_DN = `ou=groups,${SUFFIX}`;

/** `user0000` ... : a directory big enough that its sync takes a while. */
function userNames(from: number, to: number): string[] {
  return Array.from(
    { length: to - from },
    (_, i) => `user${String(from + i).padStart(4, '0')}`,
  );
}

/** Users 0-399 before, 100-499 after: neither set holds the other. */
const BEFORE = userNames(0, 400);
const AFTER = userNames(100, 500);
/** A third state, 200-599, for a second sync. */
const LATER = userNames(200, 600);

function passwordOf(uid: string): string {
  return `${uid}-password`;
}

/** An OpenLDAP directory with these users, all in the group `staff`. */
function directoryLdif(uids: string[]): string {
  const entry = (lines: string[]) => `${lines.join('\n')}\n`;
  return [
    entry([
      `dn: ${SUFFIX}`,
      'objectClass: dcObject',
      'objectClass: organization',
      'dc: example',
      'o: Example Inc.',
    ]),
    entry([
      `dn: ${USERS_BASE_DN}`,
      'objectClass: organizationalUnit',
      'ou: people',
    ]),
    entry([
      `dn: ${GROUPS_BASE_DN}`,
      'objectClass: organizationalUnit',
      'ou: groups',
    ]),
    ...uids.map(uid =>
      entry([
        `dn: uid=${uid},${USERS_BASE_DN}`,
        'objectClass: inetOrgPerson',
        `uid: ${uid}`,
        `cn: User ${uid}`,
        `sn: ${uid}`,
        `mail: ${uid}@example.com`,
        `userPassword: ${passwordOf(uid)}`,
      ]),
    ),
    entry([
      `dn: cn=staff,${GROUPS_BASE_DN}`,
      'objectClass: groupOfNames',
      'cn: staff',
      ...uids.map(uid => `member: uid=${uid},${USERS_BASE_DN}`),
    ]),
  ].join('\n');
}

function startDirectory(uids: string[]): Promise<SlapdServer> {
  return startSlapd({
    suffix: SUFFIX,
    rootDn: ADMIN_DN,
    rootPassword: ADMIN_PASSWORD,
    seedLdif: directoryLdif(uids),
  });
}

/** The pid of a running slapd, from the pidfile it writes in its folder. */
function slapdPid(slapd: SlapdServer): number {
  return Number(
    fs.readFileSync(path.join(slapd.dir, 'slapd.pid'), 'utf8').trim(),
  );
}

const frozen = new Set<SlapdServer>();

/** Makes the directory stop answering (connections queue, nothing is lost). */
function freeze(slapd: SlapdServer): void {
  process.kill(slapdPid(slapd), 'SIGSTOP');
  frozen.add(slapd);
}

function thaw(slapd: SlapdServer): void {
  if (frozen.delete(slapd)) {
    process.kill(slapdPid(slapd), 'SIGCONT');
  }
}

/**
 * The live processes of a process group: the start command ran in a group
 * of its own (the harness starts it detached), so this is npm, its shell,
 * portal.mjs and the backend. Zombies are dead and hold nothing.
 */
function processGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // ended while we looked
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') {
      members.push(Number(entry));
    }
  }
  return members;
}

/** Whether the process exists and is not a zombie (dead, not yet reaped). */
function isRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Whether the port can be bound on 127.0.0.1, i.e. nothing holds it. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `npm start` installs first when a manifest changed: give it time. */
const READY_TIMEOUT_MS = 180_000;

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function signIn(backend: LaunchedBackendProcess, uid: string) {
  return ldapRefresh(backend, {
    credentials: { username: uid, password: passwordOf(uid) },
  });
}

/**
 * Sends SIGTERM to npm alone, as a process manager does, and waits until
 * every process that held npm's output has ended.
 */
async function stopLikeAProcessManager(
  backend: LaunchedBackendProcess,
): Promise<void> {
  process.kill(backend.pid, 'SIGTERM');
  await backend.exited;
}

const BACKEND_EXIT = /\[portal\] the backend exited with code (\d+)/;

function backendExitCode(backend: LaunchedBackendProcess): number | undefined {
  const match = BACKEND_EXIT.exec(backend.output());
  return match ? Number(match[1]) : undefined;
}

describe('SIGTERM to npm start', () => {
  let dbDir: string;
  let before: SlapdServer;
  const directories: SlapdServer[] = [];
  const backends: LaunchedBackendProcess[] = [];

  /** The ldap preset on an on-disk SQLite database, against this directory. */
  async function startPortal(directory: SlapdServer) {
    const backend = await startBackendProcess({
      env: {
        VEECODE_PRESETS: 'ldap',
        LDAP_URL: directory.url,
        LDAP_DN: ADMIN_DN,
        LDAP_SECRET: ADMIN_PASSWORD,
        LDAP_USERS_BASE_DN: USERS_BASE_DN,
        LDAP_GROUPS_BASE_DN: GROUPS_BASE_DN,
        // The operator's override layer: a database that outlives the process.
        APP_CONFIG_backend_database: JSON.stringify({
          client: 'better-sqlite3',
          connection: { directory: dbDir },
        }),
        ...externalAccessEnv(),
      },
    });
    backends.push(backend);
    return backend;
  }

  beforeAll(async () => {
    dbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-stop-db-'));
    before = await startDirectory(BEFORE);
    directories.push(before);
  });

  afterAll(async () => {
    for (const backend of backends) {
      await backend.stop();
    }
    for (const slapd of directories) {
      thaw(slapd);
      await slapd.remove();
    }
    fs.rmSync(dbDir, { recursive: true, force: true });
  });

  it('answers the request in flight, then stops the backend: port freed, no process left, exit code 0', async () => {
    const backend = await startPortal(before);
    await backend.waitForReady(READY_TIMEOUT_MS);
    await waitForCatalog(
      backend,
      users => users.length === BEFORE.length,
      120_000,
    );
    const members = processGroupMembers(backend.pid);
    // npm, sh, portal.mjs and the backend itself.
    expect(members.length).toBeGreaterThanOrEqual(3);

    freeze(before);
    const inFlight = signIn(backend, 'user0042');
    // Let the request reach the backend and block on the directory.
    await sleep(1_000);
    process.kill(backend.pid, 'SIGTERM');
    // npm is gone at once; the backend notices within a poll and starts
    // stopping, with the sign-in still waiting on the directory.
    await backend.waitForOutput(/has exited; stopping the backend/, 10_000);
    await sleep(1_500);
    expect(members.filter(isRunning).length).toBeGreaterThan(0);
    thaw(before);

    const answer = await inFlight;
    expect(answer).toMatchObject({ status: 200 });
    expect(JSON.parse(answer.text).backstageIdentity.identity).toMatchObject({
      userEntityRef: 'user:default/user0042',
    });

    await backend.exited;
    expect(backendExitCode(backend)).toBe(0);
    expect(members.filter(isRunning)).toEqual([]);
    expect(processGroupMembers(backend.pid)).toEqual([]);
    expect(await portIsFree(backend.port)).toBe(true);
  });

  /**
   * The directory changes (some people leave, some join) and is slow: the
   * sync the backend starts at boot is still reading it. `stop` ends that
   * backend with SIGTERM to npm; a restart on the same database, with the
   * directory unreachable so that no new sync changes anything, shows what
   * the stop left. Says which users the catalog held before and which it
   * settled on.
   */
  async function stopDuringSync(
    next: string[],
    stop: (
      backend: LaunchedBackendProcess,
      directory: SlapdServer,
    ) => Promise<void>,
  ): Promise<{ previous: string[]; settled: string[] }> {
    const directory = await startDirectory(next);
    directories.push(directory);
    freeze(directory);
    const backend = await startPortal(directory);
    await backend.waitForReady(READY_TIMEOUT_MS);
    const previous = entityNames(
      (await waitForCatalog(backend, () => true)).users,
    );
    expect(previous).not.toEqual(next);
    expect(backend.output()).not.toMatch(/applied \d+ users/);

    await stop(backend, directory);
    await backend.exited;
    expect(backendExitCode(backend)).toBe(0);
    expect(processGroupMembers(backend.pid)).toEqual([]);

    thaw(directory);
    await directory.stop();
    const restarted = await startPortal(directory);
    await restarted.waitForReady(READY_TIMEOUT_MS);
    const same = (a: string[], b: string[]) =>
      JSON.stringify(a) === JSON.stringify(b);
    // The sync's full mutation removes the people who left, then adds the
    // ones who joined. Half applied, it leaves a set that is not the
    // previous one and that, however long the catalog processes, never
    // becomes the new one.
    const { users } = await waitForCatalog(
      restarted,
      current =>
        same(entityNames(current), previous) ||
        same(entityNames(current), next),
      120_000,
    );
    await stopLikeAProcessManager(restarted);
    expect(backendExitCode(restarted)).toBe(0);
    return { previous, settled: entityNames(users) };
  }

  it('leaves an org sync stopped while reading the directory as it was, or applied whole', async () => {
    const { previous, settled } = await stopDuringSync(
      AFTER,
      async (backend, directory) => {
        process.kill(backend.pid, 'SIGTERM');
        await backend.waitForOutput(/has exited; stopping the backend/, 10_000);
        // The directory answers while the backend is stopping.
        thaw(directory);
      },
    );
    expect(previous).toEqual(BEFORE);
    expect([BEFORE, AFTER]).toContainEqual(settled);
  });

  it('leaves an org sync stopped as the directory answers applied whole or not at all', async () => {
    // The read completes while the stop proceeds: the run may reach its
    // apply, and the stop may come in the middle of it.
    const { previous, settled } = await stopDuringSync(
      LATER,
      async (backend, directory) => {
        thaw(directory);
        process.kill(backend.pid, 'SIGTERM');
      },
    );
    expect([previous, LATER]).toContainEqual(settled);
    const applied = JSON.stringify(settled) === JSON.stringify(LATER);
    process.stdout.write(
      `stopped as the directory answered: the sync was ${
        applied ? 'applied whole' : 'not applied'
      }\n`,
    );
  });
});
