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
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { runCommand, startDaemon } from './daemon';
import { issueLoopbackCertificate, LoopbackCertificate } from './tls';

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
export const SLAPD_FIXTURES_DIR = resolve(__dirname, '../fixtures');

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

  const memberOf =
    existsSync(join(MODULE_DIR, 'memberof.la')) ||
    existsSync(join(MODULE_DIR, 'memberof.so'));
  const tls = options.tls ? await issueLoopbackCertificate() : undefined;

  const daemon = await startDaemon(
    {
      name: 'slapd',
      tempPrefix: 'devportal-slapd-',
      portCount: tls ? 2 : 1,
      stopSignal: 'SIGTERM',
      stopTimeoutMs: STOP_TIMEOUT_MS,
      // Its folder is deleted right after, so nothing needs a clean shutdown.
      exitSignal: 'SIGKILL',
      readyTimeoutMs: READY_TIMEOUT_MS,
    },
    async dir => {
      const confFile = await writeSlapdConf(dir, options, memberOf, tls);
      await seedDatabase(dir, confFile, options.seedLdif, memberOf);
      return {
        command: ([port, tlsPort]) => [
          SLAPD,
          ['-f', confFile, '-h', listenUrls(port, tlsPort), '-d', '0'],
        ],
      };
    },
  );

  return {
    get url() {
      return `ldap://127.0.0.1:${daemon.ports[0]}`;
    },
    get port() {
      return daemon.ports[0];
    },
    get ldapsUrl() {
      return tls ? `ldaps://127.0.0.1:${daemon.ports[1]}` : undefined;
    },
    get tlsPort() {
      return tls ? daemon.ports[1] : undefined;
    },
    caCertificate: tls?.caPem,
    memberOf,
    dir: daemon.dir,
    start: daemon.start,
    stop: daemon.stop,
    remove: daemon.remove,
  };
}

/** The `-h` argument: plain LDAP, and LDAPS when there is a TLS port. */
function listenUrls(port: number, tlsPort: number | undefined): string {
  const urls = [`ldap://127.0.0.1:${port}/`];
  if (tlsPort) {
    urls.push(`ldaps://127.0.0.1:${tlsPort}/`);
  }
  return urls.join(' ');
}

/** Writes `<dir>/slapd.conf` for one mdb database in `<dir>/data`; returns its path. */
async function writeSlapdConf(
  dir: string,
  options: StartSlapdOptions,
  memberOf: boolean,
  tls: LoopbackCertificate | undefined,
): Promise<string> {
  const dataDir = join(dir, 'data');
  await mkdir(dataDir);
  const conf = [
    ...STANDARD_SCHEMAS.map(s => `include ${join(SCHEMA_DIR, `${s}.schema`)}`),
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
  return confFile;
}

/** Loads the seed offline with slapadd (memberOf lines dropped without the overlay). */
async function seedDatabase(
  dir: string,
  confFile: string,
  seedLdif: string,
  memberOf: boolean,
): Promise<void> {
  let seed = seedLdif.includes('\n')
    ? seedLdif
    : await readFile(seedLdif, 'utf8');
  if (!memberOf) {
    seed = unfoldLdif(seed)
      .split(/\r?\n/)
      .filter(line => !/^memberOf:/i.test(line))
      .join('\n');
  }
  const seedFile = join(dir, 'seed.ldif');
  await writeFile(seedFile, seed);
  await runCommand(SLAPADD, ['-f', confFile, '-l', seedFile]);
}

/** Reads a fixture as text (handy for seeding from a modified copy). */
export function readSlapdFixture(name: string): string {
  return readFileSync(slapdFixture(name), 'utf8');
}

/**
 * The `ldap` preset's variables for a slapd seeded with the usual layout
 * (people in `ou=people`, groups in `ou=groups`, bound as `cn=admin`).
 */
export function ldapPresetEnv(
  slapd: SlapdServer,
  options: { suffix: string; adminPassword: string },
): Record<string, string> {
  const { suffix, adminPassword } = options;
  return {
    LDAP_URL: slapd.url,
    LDAP_DN: `cn=admin,${suffix}`,
    LDAP_SECRET: adminPassword,
    LDAP_USERS_BASE_DN: `ou=people,${suffix}`,
    LDAP_GROUPS_BASE_DN: `ou=groups,${suffix}`,
  };
}
