/*
 * A throwaway OpenLDAP server for tests.
 *
 * Each call to `startSlapd` gets its own temp folder with a generated
 * slapd.conf, an mdb database seeded offline with `slapadd`, and a slapd
 * process in the foreground on 127.0.0.1 only. Nothing of the system slapd
 * (its cn=config, its data, port 389) is used or touched.
 *
 * memberOf: the memberof overlay is loaded when Debian ships it (it does in
 * /usr/lib/ldap). slapadd does not run overlays, so seeds state `memberOf`
 * explicitly; the overlay's schema is what lets those values load, and once
 * the server runs the overlay keeps memberOf in step with later changes made
 * over LDAP. Without the overlay, memberOf lines are dropped from the seed
 * and `memberOf` on the handle is false.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { issueLoopbackCertificate } from './tls';

const SLAPD = '/usr/sbin/slapd';
const SLAPADD = '/usr/sbin/slapadd';
const MODULE_DIR = '/usr/lib/ldap';
const SCHEMA_DIR = '/etc/ldap/schema';
const STANDARD_SCHEMAS = ['core', 'cosine', 'inetorgperson', 'nis'];
const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

/** Folder holding the seed LDIF files and extra schemas that ship with the harness. */
// The harness runs from source, in tests only; there is no build to move it.
// eslint-disable-next-line no-restricted-syntax
export const SLAPD_FIXTURES_DIR = resolve(__dirname, 'fixtures');

/** Absolute path of a harness fixture, e.g. `slapdFixture('openldap.ldif')`. */
export function slapdFixture(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw new Error(`Invalid slapd fixture name '${name}'`);
  }
  return join(SLAPD_FIXTURES_DIR, name);
}

/** Options of {@link startSlapd}. */
export interface StartSlapdOptions {
  /** Naming context of the database, e.g. `dc=example,dc=com`. */
  suffix: string;
  /** DN of the database's root user (not subject to access control). */
  rootDn: string;
  /** Password of `rootDn`. */
  rootPassword: string;
  /**
   * The seed: a path to an LDIF file, or the LDIF text itself (any value
   * that contains a line break is taken as LDIF text).
   */
  seedLdif: string;
  /** Extra schema files (slapd.conf syntax), loaded after core, cosine, inetorgperson and nis. */
  schemas?: string[];
  /**
   * Also listen on ldaps:// and accept StartTLS on ldap://, with a server
   * certificate for 127.0.0.1 and localhost issued by a throwaway CA
   * (returned as `caCertificate`). Needs /usr/bin/openssl.
   */
  tls?: boolean;
}

/** A running (or stopped) test slapd. */
export interface SlapdServer {
  /** `ldap://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** `ldaps://127.0.0.1:<tlsPort>`, when started with `tls: true`. */
  ldapsUrl?: string;
  tlsPort?: number;
  /** PEM of the CA that issued the server certificate, when started with `tls: true`. */
  caCertificate?: string;
  /** Whether the memberof overlay is active (and memberOf values were seeded). */
  memberOf: boolean;
  /** The temp folder holding slapd.conf, the seed and the database. */
  dir: string;
  /** Starts slapd again on the same port(s) and data after `stop()`. */
  start(): Promise<void>;
  /** Stops slapd (SIGTERM, then SIGKILL after 5 s); the data stays for `start()`. */
  stop(): Promise<void>;
  /** Stops slapd and deletes its temp folder; the handle is unusable afterwards. */
  remove(): Promise<void>;
}

type Running = { child: ChildProcess; watchdog: ChildProcess };

// Every server of this process, so that an exit without stop() (a crashed
// or interrupted test) does not leave slapd or its temp folder behind.
const live = new Map<string, { running?: Running }>();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) {
    return;
  }
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [dir, state] of live) {
      killQuietly(state.running?.child, 'SIGKILL');
      killQuietly(state.running?.watchdog, 'SIGKILL');
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // best effort on the way out
      }
    }
  });
  // No signal handlers: they would override the host's own. A process
  // killed by a signal leaves its slapd to the watchdog (see launch).
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

function run(
  file: string,
  args: string[],
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      file,
      args,
      { maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(
              `${file} ${args.join(' ')} failed: ${
                error.message
              }\n${stderr}${stdout}`,
            ),
          );
        } else {
          resolvePromise({ stdout, stderr });
        }
      },
    );
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') {
          resolvePromise(address.port);
        } else {
          reject(new Error('Could not allocate a free port'));
        }
      });
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

/** A value for slapd.conf, double-quoted; line breaks can't be represented. */
function confValue(name: string, value: string): string {
  if (/[\r\n\0]/.test(value)) {
    throw new Error(`startSlapd: ${name} must not contain line breaks`);
  }
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Joins LDIF continuation lines so attribute lines can be filtered. */
function unfoldLdif(ldif: string): string {
  return ldif.replace(/\r?\n /g, '');
}

/**
 * Starts a private OpenLDAP server for a test, seeded from an LDIF file.
 *
 * Throws when slapd is not installed; the harness never installs it.
 */
export async function startSlapd(
  options: StartSlapdOptions,
): Promise<SlapdServer> {
  if (!existsSync(SLAPD) || !existsSync(SLAPADD)) {
    throw new Error(
      `OpenLDAP's slapd is not installed (${SLAPD} is missing). Install it with ` +
        `'DEBIAN_FRONTEND=noninteractive apt-get install -y slapd ldap-utils' ` +
        `and stop the system daemon it starts with 'service slapd stop'.`,
    );
  }
  for (const schema of options.schemas ?? []) {
    if (!existsSync(schema)) {
      throw new Error(`startSlapd: schema file ${schema} does not exist`);
    }
  }

  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), 'devportal-slapd-'));
  const state: { running?: Running } = {};
  live.set(dir, state);

  try {
    const dataDir = join(dir, 'data');
    await mkdir(dataDir);
    const memberOf =
      existsSync(join(MODULE_DIR, 'memberof.la')) ||
      existsSync(join(MODULE_DIR, 'memberof.so'));
    const tls = options.tls ? await issueLoopbackCertificate() : undefined;

    const conf = [
      ...STANDARD_SCHEMAS.map(
        s => `include ${join(SCHEMA_DIR, `${s}.schema`)}`,
      ),
      ...(options.schemas ?? []).map(
        s => `include ${confValue('schema', resolve(s))}`,
      ),
      `pidfile ${confValue('pidfile', join(dir, 'slapd.pid'))}`,
      `argsfile ${confValue('argsfile', join(dir, 'slapd.args'))}`,
      `modulepath ${MODULE_DIR}`,
      'moduleload back_mdb',
      ...(memberOf ? ['moduleload memberof'] : []),
      ...(tls
        ? [
            `TLSCACertificateFile ${confValue('ca', tls.caFile)}`,
            `TLSCertificateFile ${confValue('cert', tls.certFile)}`,
            `TLSCertificateKeyFile ${confValue('key', tls.keyFile)}`,
          ]
        : []),
      'database mdb',
      'maxsize 67108864',
      `suffix ${confValue('suffix', options.suffix)}`,
      `rootdn ${confValue('rootDn', options.rootDn)}`,
      `rootpw ${confValue('rootPassword', options.rootPassword)}`,
      `directory ${confValue('directory', dataDir)}`,
      'index objectClass eq',
      // Passwords are only usable for binding; everything else is readable
      // by bound users, nothing by anonymous ones (as in most directories).
      'access to attrs=userPassword by self write by anonymous auth by * none',
      'access to * by users read by * none',
      ...(memberOf ? ['overlay memberof'] : []),
      '',
    ].join('\n');
    const confFile = join(dir, 'slapd.conf');
    await writeFile(confFile, conf, { mode: 0o600 });

    let seed = options.seedLdif.includes('\n')
      ? options.seedLdif
      : await readFile(options.seedLdif, 'utf8');
    if (!memberOf) {
      seed = unfoldLdif(seed)
        .split(/\r?\n/)
        .filter(line => !/^memberOf:/i.test(line))
        .join('\n');
    }
    const seedFile = join(dir, 'seed.ldif');
    await writeFile(seedFile, seed);
    await run(SLAPADD, ['-f', confFile, '-l', seedFile]);

    let port = 0;
    let tlsPort: number | undefined;
    let portsFixed = false;

    const stopRunning = async (): Promise<void> => {
      const running = state.running;
      if (!running) {
        return;
      }
      const { child, watchdog } = running;
      killQuietly(watchdog, 'SIGKILL');
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>(r => child.once('exit', () => r()));
        child.kill('SIGTERM');
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
      const urls = [`ldap://127.0.0.1:${port}/`];
      if (tlsPort) {
        urls.push(`ldaps://127.0.0.1:${tlsPort}/`);
      }
      const child = spawn(
        SLAPD,
        ['-f', confFile, '-h', urls.join(' '), '-d', '0'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
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

      // Kills slapd if this process dies without running its exit hooks
      // (SIGKILL, OOM). perl-base is essential on Debian, and its sleep is
      // a builtin, so killing the watchdog leaves no orphaned child behind.
      const watchdog = spawn(
        '/usr/bin/perl',
        [
          '-e',
          '($p, $c) = @ARGV; sleep 1 while kill(0, $p) && kill(0, $c); kill(9, $c) unless kill(0, $p);',
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
            `slapd exited (code ${child.exitCode}, signal ${child.signalCode}) before accepting connections:\n${output}`,
          );
        }
        const ready =
          (await canConnect(port)) && (!tlsPort || (await canConnect(tlsPort)));
        if (ready) {
          return;
        }
        if (Date.now() > deadline) {
          await stopRunning();
          throw new Error(
            `slapd did not accept connections on 127.0.0.1:${port} within ${READY_TIMEOUT_MS} ms:\n${output}`,
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
      if (portsFixed) {
        await launch();
        return;
      }
      // A port found free can be taken before slapd binds it; try a few.
      let lastError: unknown;
      for (let attempt = 0; attempt < 3; attempt++) {
        port = await freePort();
        tlsPort = tls ? await freePort() : undefined;
        try {
          await launch();
          portsFixed = true;
          return;
        } catch (error) {
          lastError = error;
        }
      }
      throw lastError;
    };

    await start();

    return {
      get url() {
        return `ldap://127.0.0.1:${port}`;
      },
      get port() {
        return port;
      },
      get ldapsUrl() {
        return tlsPort ? `ldaps://127.0.0.1:${tlsPort}` : undefined;
      },
      get tlsPort() {
        return tlsPort;
      },
      caCertificate: tls?.caPem,
      memberOf,
      dir,
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

/** Reads a fixture as text (handy for seeding from a modified copy). */
export function readSlapdFixture(name: string): string {
  return readFileSync(slapdFixture(name), 'utf8');
}
