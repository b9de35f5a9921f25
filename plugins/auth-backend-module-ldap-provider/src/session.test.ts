import { ConfigReader } from '@backstage/config';
import {
  LdapSessionSealer,
  isSharedDatabase,
  perProcessKeyWarning,
} from './session';

const user = { dn: 'uid=ana,ou=people,dc=example,dc=com', username: 'ana' };
const HOUR = 60 * 60 * 1000;

describe('LdapSessionSealer', () => {
  afterEach(() => jest.useRealTimers());

  it('seals a session that only it can open, without readable content', async () => {
    const sealer = LdapSessionSealer.create({
      providerId: 'ldap',
      durationMs: HOUR,
    });
    const { value, session } = await sealer.seal(user);

    expect(value).not.toContain('ana');
    expect(value).toMatch(/^[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/); // compact JWE, dir
    expect(await sealer.open(value)).toEqual(session);
    expect(session).toEqual({
      id: expect.any(String),
      ...user,
      expiresAt: expect.any(Date),
    });

    const other = LdapSessionSealer.create({
      providerId: 'ldap',
      durationMs: HOUR,
    });
    expect(await other.open(value)).toBeUndefined();
  });

  it('opens sessions sealed by another instance with the same secret and provider', async () => {
    const secret = 'a-shared-secret-of-at-least-32-characters';
    const a = LdapSessionSealer.create({
      secret,
      providerId: 'ldap',
      durationMs: HOUR,
    });
    const b = LdapSessionSealer.create({
      secret,
      providerId: 'ldap',
      durationMs: HOUR,
    });
    const foreign = LdapSessionSealer.create({
      secret,
      providerId: 'corp-ldap',
      durationMs: HOUR,
    });
    const { value } = await a.seal(user);
    expect(await b.open(value)).toMatchObject(user);
    expect(await foreign.open(value)).toBeUndefined();
  });

  it('refuses damaged, oversized, missing and expired values', async () => {
    jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const sealer = LdapSessionSealer.create({
      providerId: 'ldap',
      durationMs: HOUR,
    });
    const { value, session } = await sealer.seal(user);
    expect(session.expiresAt.toISOString()).toBe('2030-01-01T01:00:00.000Z');

    const parts = value.split('.');
    parts[3] = parts[3].startsWith('A')
      ? `B${parts[3].slice(1)}`
      : `A${parts[3].slice(1)}`;
    expect(await sealer.open(parts.join('.'))).toBeUndefined();
    expect(await sealer.open(undefined)).toBeUndefined();
    expect(await sealer.open('')).toBeUndefined();
    expect(await sealer.open(`${value}${'x'.repeat(5000)}`)).toBeUndefined();

    jest.setSystemTime(new Date('2030-01-01T00:59:00Z'));
    expect(await sealer.open(value)).toBeDefined();
    jest.setSystemTime(new Date('2030-01-01T01:00:01Z'));
    expect(await sealer.open(value)).toBeUndefined();
  });
});

const pg = { client: 'pg', connection: { host: 'db.example.com' } };

function rootConfig(database: object | undefined) {
  return new ConfigReader(database ? { backend: { database } } : {});
}

describe('isSharedDatabase', () => {
  it.each([
    ['SQLite in memory (the embedded default)', undefined, false],
    [
      'SQLite in memory, spelled out',
      { client: 'better-sqlite3', connection: ':memory:' },
      false,
    ],
    [
      'SQLite in memory as an object',
      { client: 'better-sqlite3', connection: { filename: ':memory:' } },
      false,
    ],
    [
      'SQLite files in a directory',
      { client: 'better-sqlite3', connection: { directory: '/data' } },
      true,
    ],
    [
      'a SQLite file',
      { client: 'better-sqlite3', connection: '/data/db.sqlite' },
      true,
    ],
    ['PostgreSQL', pg, true],
  ])('%s', (_, database, shared) => {
    expect(isSharedDatabase(rootConfig(database))).toBe(shared);
  });
});

describe('perProcessKeyWarning', () => {
  it('names the config key and AUTH_SESSION_SECRET', () => {
    expect(
      perProcessKeyWarning('auth.providers.ldap.production.cookies.secret', [
        'AUTH_SESSION_SECRET',
      ]),
    ).toMatch(
      /^auth\.providers\.ldap\.production\.cookies\.secret is not set while the database is shared: .* Set AUTH_SESSION_SECRET /,
    );
  });

  it('names the config key alone when no preset sets it', () => {
    expect(
      perProcessKeyWarning('auth.providers.ldap.production.cookies.secret'),
    ).toMatch(
      /^auth\.providers\.ldap\.production\.cookies\.secret is not set while the database is shared: .* Set auth\.providers\.ldap\.production\.cookies\.secret to the same random value /,
    );
  });
});
