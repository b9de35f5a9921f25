/*
 * What the org-sync guard tests share: a generated LDAP directory of any
 * size, deleting people from it while slapd runs (as an admin would), the
 * env of the ldap preset against it, and the operator overrides that put
 * the catalog's database somewhere that outlives a backend process and
 * set the guard's keys. A test with other databases (PostgreSQL, several
 * replicas) passes its own database env next to these.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SlapdServer } from '../daemons/slapd';

/** The ldap preset's org sync, as the catalog module names it (and its task, plus `:refresh`). */
export const LDAP_ORG_SYNC = 'LdapOrgEntityProvider:default';

/** A directory made up for a test: its LDIF, its people and where they live. */
export interface GeneratedDirectory {
  suffix: string;
  rootDn: string;
  rootPassword: string;
  usersBaseDn: string;
  groupsBaseDn: string;
  /** The seed for `startSlapd({ seedLdif })`. */
  ldif: string;
  /** The user names (uid, and the catalog's metadata.name), sorted. */
  users: string[];
  /** The group names, sorted. */
  groups: string[];
  /** The DN of a user of this directory. */
  userDn(name: string): string;
}

/**
 * A directory of `users` people (`person-01`, ...) and `groups` groups
 * (`group-1`, ...), people spread over the groups in turn. No memberOf
 * values: the guard tests count entities, they do not look at relations.
 */
export function generatedDirectory(options: {
  users: number;
  groups: number;
  rootPassword: string;
  suffix?: string;
}): GeneratedDirectory {
  const suffix = options.suffix ?? 'dc=example,dc=com';
  const usersBaseDn = `ou=people,${suffix}`;
  const groupsBaseDn = `ou=groups,${suffix}`;
  const width = String(options.users).length;
  const users = Array.from(
    { length: options.users },
    (_, i) => `person-${String(i + 1).padStart(Math.max(2, width), '0')}`,
  );
  const groups = Array.from(
    { length: options.groups },
    (_, i) => `group-${i + 1}`,
  );
  const userDn = (name: string) => `uid=${name},${usersBaseDn}`;
  const entries = [
    [
      `dn: ${suffix}`,
      'objectClass: dcObject',
      'objectClass: organization',
      `dc: ${suffix.split(',')[0].split('=')[1]}`,
      'o: Generated test directory',
    ],
    [`dn: ${usersBaseDn}`, 'objectClass: organizationalUnit', 'ou: people'],
    [`dn: ${groupsBaseDn}`, 'objectClass: organizationalUnit', 'ou: groups'],
    ...users.map(name => [
      `dn: ${userDn(name)}`,
      'objectClass: inetOrgPerson',
      `uid: ${name}`,
      `cn: ${name}`,
      `sn: ${name}`,
      `mail: ${name}@example.com`,
    ]),
    ...groups.map((group, g) => [
      `dn: cn=${group},${groupsBaseDn}`,
      'objectClass: groupOfNames',
      `cn: ${group}`,
      // groupOfNames needs a member; without people, the group itself.
      ...(users.length > 0
        ? users
            .filter((_, u) => u % groups.length === g)
            .map(name => `member: ${userDn(name)}`)
        : [`member: cn=${group},${groupsBaseDn}`]),
    ]),
  ];
  return {
    suffix,
    rootDn: `cn=admin,${suffix}`,
    rootPassword: options.rootPassword,
    usersBaseDn,
    groupsBaseDn,
    ldif: `${entries.map(lines => lines.join('\n')).join('\n\n')}\n`,
    users: [...users].sort(),
    groups: [...groups].sort(),
    userDn,
  };
}

/**
 * Deletes these people from the running directory over LDAP, as the
 * directory's admin (ldap-utils' `ldapdelete`, the password in a file of
 * slapd's temp folder, never on a command line).
 */
export async function deleteDirectoryUsers(
  slapd: SlapdServer,
  directory: GeneratedDirectory,
  names: string[],
): Promise<void> {
  if (names.length === 0) {
    return;
  }
  const passwordFile = join(slapd.dir, 'admin-password');
  await writeFile(passwordFile, directory.rootPassword, { mode: 0o600 });
  await new Promise<void>((resolve, reject) =>
    execFile(
      '/usr/bin/ldapdelete',
      [
        '-x',
        '-H',
        slapd.url,
        '-D',
        directory.rootDn,
        '-y',
        passwordFile,
        ...names.map(directory.userDn),
      ],
      (error, _stdout, stderr) =>
        error ? reject(new Error(`ldapdelete failed: ${stderr}`)) : resolve(),
    ),
  );
}

/** The ldap preset's variables for this directory on this slapd. */
export function ldapPresetEnv(
  slapd: SlapdServer,
  directory: GeneratedDirectory,
): Record<string, string> {
  return {
    LDAP_URL: slapd.url,
    LDAP_DN: directory.rootDn,
    LDAP_SECRET: directory.rootPassword,
    LDAP_USERS_BASE_DN: directory.usersBaseDn,
    LDAP_GROUPS_BASE_DN: directory.groupsBaseDn,
  };
}

/**
 * The operator override (`APP_CONFIG_*`) that puts every plugin's database
 * in SQLite files in `directory` (`catalog.sqlite`, ...), so the catalog,
 * and what the last applied sync held, outlive the process.
 */
export function sqliteOnDiskEnv(directory: string): Record<string, string> {
  return {
    APP_CONFIG_backend_database: JSON.stringify({
      client: 'better-sqlite3',
      connection: { directory },
    }),
  };
}

/** The operator overrides of the guard's keys (`identityPresets.orgSync.*`). */
export function orgSyncGuardEnv(options: {
  allowEmpty?: boolean;
  minRetainedShare?: number;
}): Record<string, string> {
  return Object.fromEntries(
    Object.entries(options)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => [
        `APP_CONFIG_identityPresets_orgSync_${key}`,
        String(value),
      ]),
  );
}

/**
 * What a refusal of an org sync says first: the run is held, and a person
 * may approve it (the provider's name is the one of the log line's start).
 */
const APPROVE_FIRST =
  'approve this run \\(yarn presets sync approve \\S+, or on the presets page\\); to let such runs through without a person, ';

/** The refusal line of a result that collapsed below the retained share. */
export function collapseRefusal(options: {
  what: 'users' | 'groups';
  now: number;
  last: number;
  share?: number;
}): RegExp {
  const share = options.share ?? 0.5;
  return new RegExp(
    `the source returned ${options.now} ${
      options.what
    } where the last sync had ${options.last} \\(below ${
      share * 100
    }%\\); not applied, the catalog keeps the last good entities\\. If the directory really shrank, ${APPROVE_FIRST}set identityPresets\\.orgSync\\.minRetainedShare \\(now ${String(
      share,
    ).replace('.', '\\.')}\\) lower`,
  );
}

/**
 * The refusal line of a result that the last applied sync would let
 * through but that fell below the retained share of the largest sync
 * applied within the default window of 7 days (a step of a stepwise
 * collapse).
 */
export function peakRefusal(options: {
  what: 'users' | 'groups';
  now: number;
  peak: number;
  last: number;
}): RegExp {
  return new RegExp(
    `the source returned ${options.now} ${options.what} where the largest sync of the last 7 days had ${options.peak} \\(applied [0-9T:.Z-]+; below 50% of that peak, though the last sync had ${options.last}\\); not applied, the catalog keeps the last good entities\\. If the directory really shrank, ${APPROVE_FIRST}the peak stops counting once it is older than identityPresets\\.orgSync\\.peakWindow \\(now 7 days\\); or set identityPresets\\.orgSync\\.minRetainedShare \\(now 0\\.5\\) lower`,
  );
}

/** The refusal line of a result that is empty where the last applied sync was not. */
export function emptyRefusal(options: {
  what: 'users' | 'groups';
  last: number;
}): RegExp {
  return new RegExp(
    `the source returned no ${options.what} where the last sync had ${options.last}; not applied, the catalog keeps the last good entities\\. If the source really is empty now, ${APPROVE_FIRST}set identityPresets\\.orgSync\\.allowEmpty: true`,
  );
}
