import type { DatabaseService } from '@backstage/backend-plugin-api';
import {
  mockServices,
  TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import {
  DatabaseSignInThrottleStore,
  SIGN_IN_THROTTLE_TABLE,
} from './DatabaseSignInThrottleStore';
import {
  addressKey,
  MemorySignInThrottleStore,
  SignInThrottle,
  SignInThrottleConfig,
  SignInThrottledError,
  SignInThrottleStore,
  usernameKey,
} from './throttle';

jest.setTimeout(60_000);

const CONFIG: SignInThrottleConfig = {
  perUsername: { freeFailures: 3, firstDelayMs: 1_000, maxDelayMs: 4_000 },
  perAddress: { freeFailures: 10, firstDelayMs: 1_000, maxDelayMs: 60_000 },
  forgetAfterMs: 600_000,
};

/** A clock the test moves by hand. */
function manualClock(start = Date.parse('2026-12-07T10:00:00Z')) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

type Outcome = 'failed' | 'succeeded' | 'released';

/** One sign-in attempt: the throttle's answer, then the directory's. */
async function attempt(
  throttle: SignInThrottle,
  username: string,
  address: string,
  outcome: Outcome = 'failed',
): Promise<'counted' | number> {
  try {
    const ticket = await throttle.acquire(username, address);
    await ticket[outcome]();
    return 'counted';
  } catch (error) {
    if (error instanceof SignInThrottledError) {
      return error.retryAfterSeconds;
    }
    throw error;
  }
}

async function repeat(
  n: number,
  fn: () => Promise<'counted' | number>,
): Promise<Array<'counted' | number>> {
  const answers: Array<'counted' | number> = [];
  for (let i = 0; i < n; i++) {
    answers.push(await fn());
  }
  return answers;
}

/**
 * SQLite always; PostgreSQL 15 too when
 * `BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING` names a server
 * (Backstage's own switch). Never Docker: none runs here.
 */
const databases = TestDatabases.create({
  ids: ['SQLITE_3', 'POSTGRES_15'],
  disableDocker: true,
});

function pluginDatabase(
  knex: Awaited<ReturnType<DatabaseService['getClient']>>,
  migrations?: DatabaseService['migrations'],
): DatabaseService {
  return { getClient: async () => knex, migrations };
}

const stores: Array<[string, () => Promise<() => SignInThrottleStore>]> = [
  [
    'in memory',
    async () => {
      const store = new MemorySignInThrottleStore();
      return () => store;
    },
  ],
  ...databases.eachSupportedId().map(
    ([id]: [TestDatabaseId]) =>
      [
        `in the database (${id})`,
        async () => {
          const knex = await databases.init(id);
          // A new store per call: another replica on the same database.
          return () =>
            DatabaseSignInThrottleStore.create({
              database: pluginDatabase(knex),
            });
        },
      ] as [string, () => Promise<() => SignInThrottleStore>],
  ),
];

describe.each(stores)('SignInThrottle with its state %s', (_, makeStore) => {
  let newStore: () => SignInThrottleStore;
  let clock: ReturnType<typeof manualClock>;
  const logger = mockServices.logger.mock();
  const throttle = (config = CONFIG) =>
    new SignInThrottle({
      store: newStore(),
      config,
      providerId: 'ldap',
      logger,
      now: clock.now,
    });

  beforeEach(async () => {
    newStore = await makeStore();
    clock = manualClock();
    logger.warn.mockClear();
  });

  it('lets the free failures through, then answers with a wait that doubles up to the cap', async () => {
    const t = throttle();
    const guess = () => attempt(t, 'ana', '198.51.100.7');
    expect(await repeat(5, guess)).toEqual([
      'counted',
      'counted',
      'counted',
      1,
      1,
    ]);
    clock.advance(1_000);
    expect(await repeat(2, guess)).toEqual(['counted', 2]);
    clock.advance(2_000);
    expect(await repeat(2, guess)).toEqual(['counted', 4]);
    clock.advance(4_000);
    // Capped at maxDelay.
    expect(await repeat(2, guess)).toEqual(['counted', 4]);
    clock.advance(3_500);
    expect(await guess()).toBe(1);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /^LDAP sign-in throttled: 3 failed attempts for username #[0-9a-f]{12} \(matches no directory entry\); its attempts in the next 1 s are answered 429$/,
      ),
    );
  });

  it('lets the right password in once the wait is over, and a success clears the count', async () => {
    const t = throttle();
    await repeat(3, () => attempt(t, 'ana', '198.51.100.7'));
    // During the wait even the right password waits: it is not checked.
    expect(await attempt(t, 'ana', '198.51.100.7', 'succeeded')).toBe(1);
    clock.advance(1_000);
    expect(await attempt(t, 'ana', '198.51.100.7', 'succeeded')).toBe(
      'counted',
    );
    // Counting starts over: three free failures again.
    expect(await repeat(4, () => attempt(t, 'ana', '198.51.100.7'))).toEqual([
      'counted',
      'counted',
      'counted',
      1,
    ]);
  });

  it('leaves other usernames alone while one waits, from the same address too', async () => {
    const t = throttle();
    await repeat(3, () => attempt(t, 'ana', '198.51.100.7'));
    expect(await attempt(t, 'ana', '198.51.100.7')).toBe(1);
    expect(await attempt(t, 'carla', '198.51.100.7', 'succeeded')).toBe(
      'counted',
    );
    expect(await attempt(t, 'carla', '203.0.113.9', 'succeeded')).toBe(
      'counted',
    );
  });

  it('counts a username however it is spelled, and from every address', async () => {
    const t = throttle();
    expect(await attempt(t, 'ana', '198.51.100.1')).toBe('counted');
    expect(await attempt(t, ' ANA', '198.51.100.2')).toBe('counted');
    expect(await attempt(t, 'Ana  ', '2001:db8::1')).toBe('counted');
    expect(await attempt(t, 'aNa', '203.0.113.4')).toBe(1);
  });

  it('stops one address spraying many usernames, and only that address', async () => {
    const t = throttle();
    const sprayed = await repeat(12, async () =>
      attempt(t, `user-${Math.random()}`, '198.51.100.7'),
    );
    expect(sprayed).toEqual([...Array(10).fill('counted'), 1, 1]);
    expect(await attempt(t, 'fresh-name', '198.51.100.7')).toBe(1);
    expect(await attempt(t, 'fresh-name', '198.51.100.8', 'succeeded')).toBe(
      'counted',
    );
    // Another address in the same IPv6 /64 is the same client.
    for (let i = 0; i < 10; i++) {
      await attempt(t, `v6-${i}`, `2001:db8:1:2::${i.toString(16)}`);
    }
    expect(await attempt(t, 'v6-x', '2001:db8:1:2:ffff::1')).toBe(1);
    expect(await attempt(t, 'v6-x', '2001:db8:1:3::1')).toBe('counted');
  });

  it('does not count successes or unanswered attempts against an address', async () => {
    const t = throttle();
    for (let i = 0; i < 30; i++) {
      expect(await attempt(t, `person-${i}`, '198.51.100.7', 'succeeded')).toBe(
        'counted',
      );
      expect(await attempt(t, 'ana', '198.51.100.7', 'released')).toBe(
        'counted',
      );
    }
  });

  it('forgets a count after the quiet period', async () => {
    const t = throttle();
    await repeat(2, () => attempt(t, 'ana', '198.51.100.7'));
    clock.advance(CONFIG.forgetAfterMs + 1);
    expect(await repeat(3, () => attempt(t, 'ana', '198.51.100.7'))).toEqual([
      'counted',
      'counted',
      'counted',
    ]);
  });

  it('counts a burst of parallel guesses as it arrives', async () => {
    const t = throttle();
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => attempt(t, 'ana', '198.51.100.7')),
    );
    expect(answers.filter(a => a === 'counted')).toHaveLength(3);
  });

  it('shares counts between throttles on the same state (replicas)', async () => {
    const a = throttle();
    const b = throttle();
    await attempt(a, 'ana', '198.51.100.7');
    await attempt(b, 'ana', '198.51.100.8');
    await attempt(a, 'ana', '198.51.100.9');
    expect(await attempt(b, 'ana', '198.51.100.10')).toBe(1);
  });
});

describe('DatabaseSignInThrottleStore', () => {
  it('keeps no username, only hashes, and drops forgotten keys', async () => {
    const knex = await databases.init('SQLITE_3');
    const clock = manualClock();
    const t = new SignInThrottle({
      store: DatabaseSignInThrottleStore.create({
        database: pluginDatabase(knex),
      }),
      config: CONFIG,
      providerId: 'ldap',
      logger: mockServices.logger.mock(),
      now: clock.now,
    });
    await attempt(t, 'Password-Typed-As-Name', '198.51.100.7');
    const rows = await knex(SIGN_IN_THROTTLE_TABLE).select('key');
    expect(rows.map(r => r.key).sort()).toEqual([
      expect.stringMatching(/^ldap:address:[0-9a-f]{64}$/),
      expect.stringMatching(/^ldap:username:[0-9a-f]{64}$/),
    ]);
    clock.advance(CONFIG.forgetAfterMs + 1);
    await attempt(t, 'someone-else', '198.51.100.8', 'succeeded');
    expect(
      Number((await knex(SIGN_IN_THROTTLE_TABLE).count({ n: '*' }))[0].n),
    ).toBe(0);
  });
});

describe.each(databases.eachSupportedId())(
  'DatabaseSignInThrottleStore on %s',
  (id: TestDatabaseId) => {
    const state = {
      failures: 4,
      blockedUntil: 1_800_000_060_000,
      lastAttemptAt: 1_800_000_000_000,
      revision: 4,
    };

    it('keeps the table of a database made before the migrations folder, with its counts, across restarts', async () => {
      const knex = await databases.init(id);
      // The table as the release before the migrations folder made it,
      // with no record of any migration.
      await knex.schema.createTable(SIGN_IN_THROTTLE_TABLE, table => {
        table.string('key', 255).primary().notNullable();
        table.integer('failures').notNullable();
        table.bigInteger('blocked_until').notNullable();
        table.bigInteger('last_attempt_at').notNullable().index();
        table.bigInteger('revision').notNullable();
      });
      await knex(SIGN_IN_THROTTLE_TABLE).insert({
        key: 'ldap:username:kept',
        failures: state.failures,
        blocked_until: state.blockedUntil,
        last_attempt_at: state.lastAttemptAt,
        revision: state.revision,
      });
      const store = DatabaseSignInThrottleStore.create({
        database: pluginDatabase(knex),
      });
      expect(await store.read('ldap:username:kept')).toEqual(state);
      // A restart finds the migration done and changes nothing.
      const restarted = DatabaseSignInThrottleStore.create({
        database: pluginDatabase(knex),
      });
      expect(await restarted.read('ldap:username:kept')).toEqual(state);
    });

    it('creates its table once when several replicas start at the same moment', async () => {
      const knex = await databases.init(id);
      const replicas = Array.from({ length: 4 }, () =>
        DatabaseSignInThrottleStore.create({ database: pluginDatabase(knex) }),
      );
      expect(
        await Promise.all(
          replicas.map((store, i) =>
            store.swap(`ldap:username:${i}`, undefined, state),
          ),
        ),
      ).toEqual([true, true, true, true]);
      for (const [i, store] of replicas.entries()) {
        expect(await store.read(`ldap:username:${(i + 1) % 4}`)).toEqual(state);
      }
    });

    it('leaves the schema alone when the database says migrations are skipped', async () => {
      const knex = await databases.init(id);
      const store = DatabaseSignInThrottleStore.create({
        database: pluginDatabase(knex, { skip: true }),
      });
      // The driver's error may come from another realm than Jest's Error,
      // so its message is checked, not its class.
      await expect(store.read('ldap:username:x')).rejects.toMatchObject({
        message: expect.stringMatching(
          `no such table: ${SIGN_IN_THROTTLE_TABLE}|relation "${SIGN_IN_THROTTLE_TABLE}" does not exist`,
        ),
      });
      expect(await knex.schema.hasTable(SIGN_IN_THROTTLE_TABLE)).toBe(false);
    });
  },
);

describe('addressKey', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
    ['2001:db8:a:b:c:d:e:f', '2001:db8:a:b::/64'],
    ['2001:DB8:0A::1', '2001:db8:a:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    [undefined, 'unknown'],
  ])('%s → %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });
});

describe('usernameKey', () => {
  it('folds case, surrounding and repeated spaces, and compatibility forms', () => {
    expect(usernameKey('  Ana\tLima ')).toBe('ana lima');
    expect(usernameKey('ａｎａ')).toBe('ana');
  });
});
