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
import { ChildProcess, execFile, spawn } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

type Running = { child: ChildProcess; watchdog: ChildProcess };

// Every cluster of this process, so that an exit without remove() (a
// crashed or interrupted test) leaves no server or temp folder behind.
const live = new Map<string, { running?: Running }>();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) {
    return;
  }
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [dir, state] of live) {
      // SIGQUIT is PostgreSQL's immediate shutdown: the server and its
      // backends go at once, without the sync an exit handler cannot wait for.
      killQuietly(state.running?.child, 'SIGQUIT');
      killQuietly(state.running?.watchdog, 'SIGKILL');
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // best effort on the way out
      }
    }
  });
}

function killQuietly(child: ChildProcess | undefined, signal: NodeJS.Signals) {
  if (child?.pid && child.exitCode === null && child.signalCode === null) {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
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

function run(binary: string, args: string[]): Promise<void> {
  const [file, argv] = asClusterUser(binary, args);
  return new Promise((resolvePromise, reject) => {
    execFile(file, argv, { maxBuffer: 4 * 1024 * 1024 }, (error, out, err) => {
      if (error) {
        reject(new Error(`${binary} failed: ${error.message}\n${err}${out}`));
      } else {
        resolvePromise();
      }
    });
  });
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

async function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object'
          ? resolvePromise(address.port)
          : reject(new Error('Could not allocate a free port')),
      );
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise(resolvePromise => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolvePromise(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolvePromise(false);
    });
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
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), 'devportal-postgres-'));
  const state: { running?: Running } = {};
  live.set(dir, state);

  try {
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

    const settings = [
      'listen_addresses=127.0.0.1',
      'unix_socket_directories=',
      'fsync=off',
      'max_connections=200',
    ];
    if (options.tls) {
      writePrivateFile(join(dataDir, 'server.crt'), options.tls.certPem);
      writePrivateFile(join(dataDir, 'server.key'), options.tls.keyPem);
      settings.push(
        'ssl=on',
        'ssl_cert_file=server.crt',
        'ssl_key_file=server.key',
      );
    }

    let port = 0;
    let portFixed = false;

    const stopRunning = async (): Promise<void> => {
      const running = state.running;
      if (!running) {
        return;
      }
      const { child, watchdog } = running;
      killQuietly(watchdog, 'SIGKILL');
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>(r => child.once('exit', () => r()));
        // SIGINT: fast shutdown, open sessions are ended.
        child.kill('SIGINT');
        const timer = setTimeout(
          () => killQuietly(child, 'SIGKILL'),
          STOP_TIMEOUT_MS,
        );
        await exited;
        clearTimeout(timer);
      }
      state.running = undefined;
    };

    const launch = async (): Promise<void> => {
      const [file, argv] = asClusterUser('postgres', [
        '-D',
        dataDir,
        '-p',
        String(port),
        ...settings.flatMap(s => ['-c', s]),
      ]);
      const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      const collect = (chunk: Buffer) => {
        if (output.length < 64 * 1024) {
          output += chunk.toString('utf8');
        }
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      const exited = new Promise<void>(r => child.once('exit', () => r()));
      child.once('error', () => {});

      // Stops the server if this process dies without running its exit
      // hooks (SIGKILL, OOM); perl-base is essential on Debian.
      const watchdog = spawn(
        '/usr/bin/perl',
        [
          '-e',
          '($p, $c) = @ARGV; sleep 1 while kill(0, $p) && kill(0, $c); kill(3, $c) unless kill(0, $p);',
          String(process.pid),
          String(child.pid),
        ],
        { stdio: 'ignore' },
      );
      watchdog.once('error', () => {});
      watchdog.unref();
      state.running = { child, watchdog };

      const deadline = Date.now() + READY_TIMEOUT_MS;
      for (;;) {
        if (child.exitCode !== null || child.signalCode !== null) {
          await exited;
          state.running = undefined;
          killQuietly(watchdog, 'SIGKILL');
          throw new Error(
            `postgres exited (code ${child.exitCode}, signal ${child.signalCode}) before accepting connections:\n${output}`,
          );
        }
        if (
          (await canConnect(port)) &&
          /ready to accept connections/.test(output)
        ) {
          return;
        }
        if (Date.now() > deadline) {
          await stopRunning();
          throw new Error(
            `postgres did not accept connections on 127.0.0.1:${port} within ${READY_TIMEOUT_MS} ms:\n${output}`,
          );
        }
        await new Promise(r => setTimeout(r, 50));
      }
    };

    const start = async (): Promise<void> => {
      const current = state.running?.child;
      if (current && current.exitCode === null && current.signalCode === null) {
        return;
      }
      state.running = undefined;
      if (portFixed) {
        await launch();
        return;
      }
      // A port found free can be taken before postgres binds it; try a few.
      let lastError: unknown;
      for (let attempt = 0; attempt < 3; attempt++) {
        port = await freePort();
        try {
          await launch();
          portFixed = true;
          return;
        } catch (error) {
          lastError = error;
        }
      }
      throw lastError;
    };

    await start();

    return {
      host: '127.0.0.1',
      get port() {
        return port;
      },
      user,
      password,
      dir,
      presetEnv: () => ({
        POSTGRES_HOST: '127.0.0.1',
        POSTGRES_PORT: String(port),
        POSTGRES_USER: user,
        POSTGRES_PASSWORD: password,
      }),
      query: (sql, database = 'postgres') =>
        psql(port, user, password, database, sql),
      start,
      stop: stopRunning,
      async remove() {
        await stopRunning();
        live.delete(dir);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    killQuietly(state.running?.child, 'SIGKILL');
    killQuietly(state.running?.watchdog, 'SIGKILL');
    live.delete(dir);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
