import {
  TestDatabaseId,
  TestDatabases,
  mockServices,
} from '@backstage/backend-test-utils';
import {
  RegistrationRateLimiter,
  readCodeBinding,
  recordPublicClient,
} from './stores';
import {
  AUTH_MIGRATIONS,
  insertApprovedCode,
  insertClient,
} from './authTables.testUtils';

jest.setTimeout(60_000);

/** The guard's table, as its tests name it (a rename is a migration). */
const COUNTS_TABLE = 'presets_oauth_registration_counts';

describe('readCodeBinding, on the auth plugin tables', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

  async function authDatabase() {
    const db = await databases.init('SQLITE_3');
    await db.migrate.latest({ directory: AUTH_MIGRATIONS });
    const expiresAt = new Date(Date.now() + 600_000);
    await insertClient(db, {
      clientId: 'dcr-client',
      secret: 'dcr-secret',
      name: 'DCR client',
    });
    await insertClient(db, {
      clientId: 'public-client',
      secret: 'unused-secret',
      name: 'Public DCR client',
    });
    await recordPublicClient(db, 'public-client');
    const sessions: [string, string, string | null, string | null][] = [
      ['s-public', 'public-client', 'challenge-0', 'S256'],
      ['s-dcr', 'dcr-client', 'challenge-1', 'S256'],
      [
        's-cimd',
        'https://client.example.com/oauth.json',
        'challenge-2',
        'S256',
      ],
      ['s-gone', 'removed-client', null, null],
    ];
    for (const [id, clientId, challenge, method] of sessions) {
      await insertApprovedCode(db, {
        sessionId: id,
        clientId,
        code: `code-${id}`,
        challenge,
        method,
        expiresAt,
      });
    }
    return db;
  }

  it('reads the client, its secret (and whether it registered as public) and the PKCE challenge a code was issued for', async () => {
    const db = await authDatabase();
    expect(await readCodeBinding(db, 'code-s-dcr')).toEqual({
      clientId: 'dcr-client',
      codeChallenge: 'challenge-1',
      codeChallengeMethod: 'S256',
      client: { kind: 'registered', secret: 'dcr-secret', public: false },
    });
    expect(await readCodeBinding(db, 'code-s-public')).toMatchObject({
      clientId: 'public-client',
      client: { kind: 'registered', secret: 'unused-secret', public: true },
    });
    expect(await readCodeBinding(db, 'code-s-cimd')).toEqual({
      clientId: 'https://client.example.com/oauth.json',
      codeChallenge: 'challenge-2',
      codeChallengeMethod: 'S256',
      client: { kind: 'metadata-document' },
    });
    expect(await readCodeBinding(db, 'code-s-gone')).toEqual({
      clientId: 'removed-client',
      codeChallenge: undefined,
      codeChallengeMethod: undefined,
      client: { kind: 'unknown' },
    });
    expect(await readCodeBinding(db, 'no-such-code')).toBeUndefined();
  });
});

/**
 * SQLite always; PostgreSQL 15 too when
 * `BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING` names a server
 * (Backstage's own switch). Never Docker: none runs here.
 */
const limiterDatabases = TestDatabases.create({
  ids: ['SQLITE_3', 'POSTGRES_15'],
  disableDocker: true,
});

describe.each(limiterDatabases.eachSupportedId())(
  'RegistrationRateLimiter on %s',
  (id: TestDatabaseId) => {
    const windowMs = 60_000;
    const start = 1_800_000_000_000; // the start of a window

    /** A limiter on the auth plugin's database `db`, as the module makes one. */
    const limiterOn = (
      db: Awaited<ReturnType<TestDatabases['init']>>,
      limit: number,
      migrations?: { skip?: boolean },
    ) =>
      RegistrationRateLimiter.create({
        database: mockServices.database({ knex: db, migrations }),
        limit,
        windowMs,
      });

    it('lets `limit` attempts per address and window through, then says when to retry', async () => {
      const db = await limiterDatabases.init(id);
      const limiter = await limiterOn(db, 3);
      const decisions = [];
      for (let i = 0; i < 5; i++) {
        decisions.push(await limiter.take('10.0.0.1', start + 15_000));
      }
      expect(decisions).toEqual([
        { allowed: true },
        { allowed: true },
        { allowed: true },
        { allowed: false, retryAfterSeconds: 45 },
        { allowed: false, retryAfterSeconds: 45 },
      ]);
      // another address has its own count
      expect(await limiter.take('10.0.0.2', start + 15_000)).toEqual({
        allowed: true,
      });
      // the next window starts afresh
      expect(await limiter.take('10.0.0.1', start + windowMs)).toEqual({
        allowed: true,
      });
    });

    it('shares the count between limiters on the same database, as replicas do, and lets no concurrent attempt past the limit', async () => {
      const db = await limiterDatabases.init(id);
      const [one, two] = await Promise.all([
        limiterOn(db, 4),
        limiterOn(db, 4),
      ]);
      const decisions = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? one : two).take('10.0.0.1', start + 1_000),
        ),
      );
      expect(decisions.filter(d => d.allowed)).toHaveLength(4);
    });

    it('forgets windows that are over', async () => {
      const db = await limiterDatabases.init(id);
      const limiter = await limiterOn(db, 1);
      await limiter.take('10.0.0.1', start);
      await limiter.take('10.0.0.2', start);
      await limiter.take('10.0.0.3', start + 2 * windowMs);
      expect(await db(COUNTS_TABLE).select('address')).toEqual([
        { address: '10.0.0.3' },
      ]);
    });

    it('keeps the counts table of a database made before the migrations folder, with its counts', async () => {
      const db = await limiterDatabases.init(id);
      // The table as the release before the migrations folder made it, with
      // no record of any migration.
      await db.schema.createTable(COUNTS_TABLE, table => {
        table.string('address', 64).notNullable();
        table.bigInteger('window_start').notNullable();
        table.integer('count').notNullable();
        table.primary(['address', 'window_start']);
      });
      await db(COUNTS_TABLE).insert({
        address: '10.0.0.1',
        window_start: start,
        count: 2,
      });
      const limiter = await limiterOn(db, 3);
      expect(await limiter.take('10.0.0.1', start + 1_000)).toEqual({
        allowed: true,
      });
      expect(await limiter.take('10.0.0.1', start + 1_000)).toEqual({
        allowed: false,
        retryAfterSeconds: 59,
      });
    });

    it('leaves the schema alone when the database says migrations are skipped', async () => {
      const db = await limiterDatabases.init(id);
      const limiter = await limiterOn(db, 1, { skip: true });
      // The driver's error may come from another realm than Jest's Error,
      // so its message is checked, not its class.
      await expect(limiter.take('10.0.0.1', start)).rejects.toMatchObject({
        message: expect.stringMatching(
          `no such table: ${COUNTS_TABLE}|relation "${COUNTS_TABLE}" does not exist`,
        ),
      });
      expect(await db.schema.hasTable(COUNTS_TABLE)).toBe(false);
    });
  },
);
