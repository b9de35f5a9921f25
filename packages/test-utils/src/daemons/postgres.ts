/*
 * A throwaway PostgreSQL 15 cluster for tests.
 *
 * Each call to `startPostgres` gets its own temp folder: `initdb` with a
 * password (scram-sha-256, no trust), then `postgres` in the foreground on
 * 127.0.0.1 and a free port, with no Unix socket. Nothing of the system
 * cluster (its data, port 5432) is used or touched.
 *
 * PostgreSQL refuses to run as root. Under root the cluster runs as the
 * `postgres` system user that Debian's package creates (its binaries are
 * started through `setpriv`, which execs them, so the server is our own
 * child and a signal reaches it directly); under any other user it runs as
 * that user.
 */
import { execFile } from 'node:child_process';
import {
  chownSync,
  existsSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { runCommand, startDaemon } from './daemon';
import { LoopbackCertificate } from './tls';

const BIN_DIR = '/usr/lib/postgresql/15/bin';
const SYSTEM_USER = 'postgres';
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** Options of {@link startPostgres}. */
export interface StartPostgresOptions {
  /** The superuser's name; `devportal` by default. */
  user?: string;
  /**
   * Serve TLS (`ssl = on`) with this server certificate; clients then may
   * verify it against `certificate.caPem`. Plain connections stay allowed.
   */
  tls?: LoopbackCertificate;
}

/** A running (or stopped) test cluster. */
export interface PostgresServer {
  host: '127.0.0.1';
  port: number;
  /** A superuser (it may create the databases Backstage's plugins ask for). */
  user: string;
  password: string;
  /** The temp folder holding the cluster. */
  dir: string;
  /** The variables of the `postgres` preset that reach this cluster. */
  presetEnv(): Record<string, string>;
  /**
   * Runs one SQL statement with psql as the superuser (in database
   * `postgres` unless named) and returns the rows, fields split on `|`.
   */
  query(sql: string, database?: string): Promise<string[][]>;
  /** Starts the server again on the same port and data after `stop()`. */
  start(): Promise<void>;
  /** Stops the server (fast shutdown, then SIGKILL); the data stays for `start()`. */
  stop(): Promise<void>;
  /** Stops the server and deletes its temp folder; the handle is unusable afterwards. */
  remove(): Promise<void>;
}

function runningAsRoot(): boolean {
  return process.getuid?.() === 0;
}

/** The command line of a PostgreSQL binary, as the cluster's user. */
function asClusterUser(binary: string, args: string[]): [string, string[]] {
  const path = join(BIN_DIR, binary);
  return runningAsRoot()
    ? [
        '/usr/bin/setpriv',
        [
          `--reuid=${SYSTEM_USER}`,
          `--regid=${SYSTEM_USER}`,
          '--init-groups',
          '--',
          path,
          ...args,
        ],
      ]
    : [path, args];
}

async function run(binary: string, args: string[]): Promise<void> {
  const [file, argv] = asClusterUser(binary, args);
  await runCommand(file, argv, binary);
}

function psql(
  port: number,
  user: string,
  password: string,
  database: string,
  sql: string,
): Promise<string[][]> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      join(BIN_DIR, 'psql'),
      [
        ...['-h', '127.0.0.1', '-p', String(port), '-U', user, '-d', database],
        ...['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql],
      ],
      // The password through the environment, not the command line.
      { env: { ...process.env, PGPASSWORD: password } },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`psql failed: ${error.message}\n${stderr}`));
        } else {
          resolvePromise(
            stdout
              .split('\n')
              .filter(Boolean)
              .map(line => line.split('|')),
          );
        }
      },
    ).stdin?.end();
  });
}

/** Writes a file the cluster's user owns and alone may read. */
function writePrivateFile(path: string, content: string) {
  writeFileSync(path, content, { mode: 0o600 });
  if (runningAsRoot()) {
    const { uid, gid } = systemUser();
    chownSync(path, uid, gid);
  }
}

function systemUser(): { uid: number; gid: number } {
  // Node can look up the current user only; the others are in /etc/passwd.
  const entry = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map(line => line.split(':'))
    .find(fields => fields[0] === SYSTEM_USER);
  if (!entry) {
    throw new Error(
      `startPostgres runs as root and needs the '${SYSTEM_USER}' system user, which Debian's postgresql package creates ('apt-get install -y postgresql')`,
    );
  }
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}

/**
 * Starts a private PostgreSQL 15 cluster for a test.
 *
 * Throws when PostgreSQL 15 is not installed; the harness never installs it.
 */
export async function startPostgres(
  options: StartPostgresOptions = {},
): Promise<PostgresServer> {
  if (!existsSync(join(BIN_DIR, 'postgres'))) {
    throw new Error(
      `PostgreSQL 15 is not installed (${BIN_DIR}/postgres is missing). Install it with 'DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql'.`,
    );
  }
  const user = options.user ?? 'devportal';
  const password = randomBytes(18).toString('base64url');
  const daemon = await startDaemon(
    {
      name: 'postgres',
      tempPrefix: 'devportal-postgres-',
      portCount: 1,
      // SIGINT is PostgreSQL's fast shutdown: open sessions are ended.
      stopSignal: 'SIGINT',
      stopTimeoutMs: STOP_TIMEOUT_MS,
      // SIGQUIT is its immediate shutdown: the server and its backends go
      // at once, without the sync an exit handler cannot wait for.
      exitSignal: 'SIGQUIT',
      readyTimeoutMs: READY_TIMEOUT_MS,
      // The port takes connections before startup ends; PostgreSQL refuses
      // sessions until it logs this.
      readyOutput: /ready to accept connections/,
    },
    async dir => {
      const dataDir = await initCluster(dir, user, password);
      const settings = serverSettings(dataDir, options.tls);
      return {
        command: ([port]) =>
          asClusterUser('postgres', [
            ...['-D', dataDir, '-p', String(port)],
            ...settings.flatMap(s => ['-c', s]),
          ]),
      };
    },
  );

  const port = () => daemon.ports[0];
  return {
    host: '127.0.0.1',
    get port() {
      return port();
    },
    user,
    password,
    dir: daemon.dir,
    presetEnv: () => ({
      POSTGRES_HOST: '127.0.0.1',
      POSTGRES_PORT: String(port()),
      POSTGRES_USER: user,
      POSTGRES_PASSWORD: password,
    }),
    query: (sql, database = 'postgres') =>
      psql(port(), user, password, database, sql),
    start: daemon.start,
    stop: daemon.stop,
    remove: daemon.remove,
  };
}

/** `initdb` into `<dir>/data` with a password-only superuser; returns the data folder. */
async function initCluster(
  dir: string,
  user: string,
  password: string,
): Promise<string> {
  if (runningAsRoot()) {
    const { uid, gid } = systemUser();
    chownSync(dir, uid, gid);
  }
  const dataDir = join(dir, 'data');
  const pwFile = join(dir, 'pwfile');
  writePrivateFile(pwFile, `${password}\n`);
  await run('initdb', [
    '--pgdata',
    dataDir,
    '--username',
    user,
    '--pwfile',
    pwFile,
    '--auth',
    'scram-sha-256',
    '--encoding',
    'UTF8',
    '--no-sync',
  ]);
  rmSync(pwFile);
  return dataDir;
}

/** The server's `-c` settings: loopback TCP only, no fsync, TLS when asked. */
function serverSettings(
  dataDir: string,
  tls: LoopbackCertificate | undefined,
): string[] {
  const settings = [
    'listen_addresses=127.0.0.1',
    'unix_socket_directories=',
    'fsync=off',
    'max_connections=200',
  ];
  if (tls) {
    writePrivateFile(join(dataDir, 'server.crt'), tls.certPem);
    writePrivateFile(join(dataDir, 'server.key'), tls.keyPem);
    settings.push(
      'ssl=on',
      'ssl_cert_file=server.crt',
      'ssl_key_file=server.key',
    );
  }
  return settings;
}
