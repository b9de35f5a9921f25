import { TestDatabaseId, TestDatabases } from '@backstage/backend-test-utils';
import {
  SYNC_HISTORY_TABLE,
  SYNC_PENDING_TABLE,
  SYNC_STATE_TABLE,
  SyncStateStore,
} from './SyncStateStore';
import {
  pluginDatabase,
  syncTestDatabases,
} from './__testUtils__/testDatabases';

jest.setTimeout(60_000);

type Knex = Awaited<ReturnType<TestDatabases['init']>>;

/**
 * The tables exactly as a release before the migrations folder created
 * them, with no record of any migration: the first release had the state
 * table only, the one before the migrations folder both.
 */
async function createTablesOfRelease(
  knex: Knex,
  release: 'first' | 'before migrations',
): Promise<void> {
  await knex.schema.createTable(SYNC_STATE_TABLE, table => {
    table.string('provider', 255).primary().notNullable();
    table.integer('user_count').notNullable();
    table.integer('group_count').notNullable();
    table.integer('entity_count').notNullable();
    table.timestamp('applied_at', { useTz: true }).notNullable();
  });
  if (release === 'first') {
    return;
  }
  await knex.schema.createTable(SYNC_HISTORY_TABLE, table => {
    table.string('provider', 255).notNullable();
    table.integer('user_count').notNullable();
    table.integer('group_count').notNullable();
    table.integer('entity_count').notNullable();
    table.timestamp('applied_at', { useTz: true }).notNullable();
    table.double('min_retained_share').nullable();
    table.index(['provider', 'applied_at'], `${SYNC_HISTORY_TABLE}_idx`);
  });
}

describe('SyncStateStore', () => {
  const databases = syncTestDatabases();

  describe.each(databases.eachSupportedId())('on %s', (id: TestDatabaseId) => {
    it('knows nothing of a provider that never applied a sync, without failing on a fresh database', async () => {
      const knex = await databases.init(id);
      const store = SyncStateStore.create({ database: pluginDatabase(knex) });
      expect(await store.lastApplied('LdapOrgEntityProvider:default')).toBe(
        undefined,
      );
      expect(await knex.schema.hasTable(SYNC_STATE_TABLE)).toBe(true);
      expect(
        await store.appliedSince('LdapOrgEntityProvider:default', new Date(0)),
      ).toEqual([]);
      expect(await knex.schema.hasTable(SYNC_HISTORY_TABLE)).toBe(true);
    });

    it('gives a new store on the same database (a restart, another replica) the last applied counts and time, per provider', async () => {
      const knex = await databases.init(id);
      const first = SyncStateStore.create({ database: pluginDatabase(knex) });
      const at = new Date('2026-11-29T10:00:00.000Z');
      await first.recordApplied(
        'LdapOrgEntityProvider:default',
        { users: 120, groups: 12, entities: 132 },
        { appliedAt: new Date('2026-11-29T09:00:00.000Z') },
      );
      await first.recordApplied(
        'LdapOrgEntityProvider:default',
        { users: 121, groups: 12, entities: 133 },
        { appliedAt: at },
      );
      await first.recordApplied('github-provider:default', {
        users: 0,
        groups: 0,
        entities: 7,
      });

      const second = SyncStateStore.create({ database: pluginDatabase(knex) });
      expect(await second.lastApplied('LdapOrgEntityProvider:default')).toEqual(
        { users: 121, groups: 12, entities: 133, appliedAt: at },
      );
      expect(await second.lastApplied('github-provider:default')).toEqual(
        expect.objectContaining({ users: 0, groups: 0, entities: 7 }),
      );
      expect(
        Number((await knex(SYNC_STATE_TABLE).count({ n: '*' }))[0].n),
      ).toBe(2);
    });

    it('gives a new store the syncs applied since a time, oldest first, per provider', async () => {
      const knex = await databases.init(id);
      const first = SyncStateStore.create({ database: pluginDatabase(knex) });
      const day = (d: number) => new Date(Date.UTC(2026, 10, d, 10));
      await first.recordApplied(
        'P:org',
        { users: 4, groups: 2, entities: 6 },
        { appliedAt: day(1) },
      );
      await first.recordApplied(
        'P:org',
        { users: 2, groups: 2, entities: 4 },
        { appliedAt: day(3) },
      );
      await first.recordApplied(
        'P:other',
        { users: 9, groups: 9, entities: 18 },
        { appliedAt: day(3) },
      );

      const second = SyncStateStore.create({ database: pluginDatabase(knex) });
      expect(await second.appliedSince('P:org', day(1))).toEqual([
        { users: 4, groups: 2, entities: 6, appliedAt: day(1) },
        { users: 2, groups: 2, entities: 4, appliedAt: day(3) },
      ]);
      expect(await second.appliedSince('P:org', day(2))).toEqual([
        { users: 2, groups: 2, entities: 4, appliedAt: day(3) },
      ]);
      expect(await second.appliedSince('P:org', day(4))).toEqual([]);
    });

    it('forgets syncs before the window, and earlier syncs a later one matches in every count, but never the last applied one', async () => {
      const knex = await databases.init(id);
      const store = SyncStateStore.create({ database: pluginDatabase(knex) });
      const day = (d: number) => new Date(Date.UTC(2026, 10, d, 10));
      const record = (
        users: number,
        groups: number,
        d: number,
        forgetBefore?: number,
      ) =>
        store.recordApplied(
          'P:org',
          { users, groups, entities: users + groups },
          {
            appliedAt: day(d),
            forgetBefore: forgetBefore ? day(forgetBefore) : undefined,
          },
        );
      await record(10, 2, 1);
      await record(10, 2, 2); // matches day 1 in every count
      await record(8, 3, 3); // more groups than day 2: both stay
      await record(8, 3, 4);
      expect(
        (await store.appliedSince('P:org', day(1))).map(s => s.appliedAt),
      ).toEqual([day(2), day(4)]);

      await record(5, 1, 20, 13);
      expect(await store.appliedSince('P:org', day(1))).toEqual([
        { users: 5, groups: 1, entities: 6, appliedAt: day(20) },
      ]);
      // Long after the window, the last applied sync is still known.
      expect(await store.lastApplied('P:org')).toEqual({
        users: 5,
        groups: 1,
        entities: 6,
        appliedAt: day(20),
      });
      expect(
        Number((await knex(SYNC_HISTORY_TABLE).count({ n: '*' }))[0].n),
      ).toBe(1);
    });

    it('forgets an earlier sync that a later one was let through below, under the share the earlier one was applied with', async () => {
      const knex = await databases.init(id);
      const store = SyncStateStore.create({ database: pluginDatabase(knex) });
      const day = (d: number) => new Date(Date.UTC(2026, 10, d, 10));
      const record = (users: number, d: number, minRetainedShare: number) =>
        store.recordApplied(
          'P:org',
          { users, groups: 1, entities: users + 1 },
          { appliedAt: day(d), minRetainedShare },
        );
      await record(120, 1, 0.5);
      await record(60, 2, 0.5); // half of 120: not below it
      expect(
        (await store.appliedSince('P:org', day(1))).map(s => s.users),
      ).toEqual([120, 60]);
      await record(29, 3, 0.2); // below half of 120 and of 60
      await record(7, 4, 0); // not below a fifth of 29
      expect(
        (await store.appliedSince('P:org', day(1))).map(s => s.users),
      ).toEqual([29, 7]);
      await record(5, 5, 0.5); // below a fifth of 29; share 0 guarded nothing
      expect(
        (await store.appliedSince('P:org', day(1))).map(s => s.users),
      ).toEqual([7, 5]);
    });

    it('upgrades a database of the first release: the history starts with each last applied sync', async () => {
      const knex = await databases.init(id);
      // The schema and a row exactly as the first release wrote them.
      await createTablesOfRelease(knex, 'first');
      const before = new Date('2026-11-29T10:00:00.000Z');
      await knex(SYNC_STATE_TABLE).insert({
        provider: 'LdapOrgEntityProvider:default',
        user_count: 4,
        group_count: 2,
        entity_count: 6,
        applied_at: before.toISOString(),
      });

      const store = SyncStateStore.create({ database: pluginDatabase(knex) });
      const synced = { users: 4, groups: 2, entities: 6, appliedAt: before };
      expect(await store.lastApplied('LdapOrgEntityProvider:default')).toEqual(
        synced,
      );
      expect(
        await store.appliedSince('LdapOrgEntityProvider:default', before),
      ).toEqual([synced]);
      const after = new Date('2026-11-29T11:00:00.000Z');
      await store.recordApplied(
        'LdapOrgEntityProvider:default',
        { users: 2, groups: 2, entities: 4 },
        { appliedAt: after },
      );
      expect(
        await store.appliedSince('LdapOrgEntityProvider:default', before),
      ).toEqual([
        synced,
        { users: 2, groups: 2, entities: 4, appliedAt: after },
      ]);
    });

    it('keeps both tables of a database made before the migrations folder as they are, across restarts', async () => {
      const knex = await databases.init(id);
      // The schema and rows as the release before the migrations folder
      // left them: both tables, no record of any migration.
      await createTablesOfRelease(knex, 'before migrations');
      const peak = new Date('2026-12-01T10:00:00.000Z');
      const last = new Date('2026-12-02T10:00:00.000Z');
      const row = (users: number, at: Date) => ({
        provider: 'P:org',
        user_count: users,
        group_count: 1,
        entity_count: users + 1,
        applied_at: at.toISOString(),
      });
      await knex(SYNC_STATE_TABLE).insert(row(6, last));
      await knex(SYNC_HISTORY_TABLE).insert([
        { ...row(8, peak), min_retained_share: 0.5 },
        { ...row(6, last), min_retained_share: 0.5 },
      ]);

      const store = SyncStateStore.create({ database: pluginDatabase(knex) });
      expect(await store.appliedSince('P:org', peak)).toEqual([
        { users: 8, groups: 1, entities: 9, appliedAt: peak },
        { users: 6, groups: 1, entities: 7, appliedAt: last },
      ]);
      // A restart finds the migrations done and changes nothing.
      const restarted = SyncStateStore.create({
        database: pluginDatabase(knex),
      });
      expect(
        (await restarted.appliedSince('P:org', peak)).map(s => s.users),
      ).toEqual([8, 6]);
      expect(await restarted.lastApplied('P:org')).toEqual({
        users: 6,
        groups: 1,
        entities: 7,
        appliedAt: last,
      });
    });

    it('upgrades a database of the release before pending runs: no refs known, nothing pending, refs recorded from the next applied sync', async () => {
      const knex = await databases.init(id);
      await createTablesOfRelease(knex, 'before migrations');
      const last = new Date('2026-12-02T10:00:00.000Z');
      await knex(SYNC_STATE_TABLE).insert({
        provider: 'P:org',
        user_count: 6,
        group_count: 1,
        entity_count: 7,
        applied_at: last.toISOString(),
      });

      const store = SyncStateStore.create({ database: pluginDatabase(knex) });
      expect(await store.appliedRefs('P:org')).toBeUndefined();
      expect(await store.listPending()).toEqual([]);
      expect(await knex.schema.hasTable(SYNC_PENDING_TABLE)).toBe(true);
      expect(await store.lastApplied('P:org')).toEqual({
        users: 6,
        groups: 1,
        entities: 7,
        appliedAt: last,
      });
      await store.recordApplied(
        'P:org',
        { users: 1, groups: 0, entities: 1 },
        { entityRefs: ['user:default/ana'] },
      );
      expect(await store.appliedRefs('P:org')).toEqual(['user:default/ana']);
    });

    it('creates its tables once when several replicas start at the same moment', async () => {
      const knex = await databases.init(id);
      const stores = Array.from({ length: 4 }, () =>
        SyncStateStore.create({ database: pluginDatabase(knex) }),
      );
      await Promise.all(
        stores.map((store, i) =>
          store.recordApplied(`P:${i}`, { users: i, groups: 0, entities: i }),
        ),
      );
      for (const [i, store] of stores.entries()) {
        expect((await store.lastApplied(`P:${(i + 1) % 4}`))?.users).toBe(
          (i + 1) % 4,
        );
      }
    });

    it('leaves the schema alone when the database says migrations are skipped', async () => {
      const knex = await databases.init(id);
      const store = SyncStateStore.create({
        database: pluginDatabase(knex, { skip: true }),
      });
      // The driver's error may come from another realm than Jest's Error,
      // so its message is checked, not its class.
      const failure = await store.lastApplied('P:x').then(
        () => 'resolved: the table was there or was created',
        (error: unknown) => String((error as Error)?.message ?? error),
      );
      expect(failure).toMatch(
        new RegExp(
          `no such table: ${SYNC_STATE_TABLE}|relation "${SYNC_STATE_TABLE}" does not exist`,
        ),
      );
      expect(await knex.schema.hasTable(SYNC_STATE_TABLE)).toBe(false);
      expect(await knex.schema.hasTable(SYNC_HISTORY_TABLE)).toBe(false);
    });
  });
});
