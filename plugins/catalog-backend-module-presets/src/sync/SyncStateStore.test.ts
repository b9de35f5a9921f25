import { TestDatabaseId } from '@backstage/backend-test-utils';
import { SYNC_STATE_TABLE, SyncStateStore } from './SyncStateStore';
import {
  pluginDatabase,
  syncTestDatabases,
} from './__testUtils__/testDatabases';

jest.setTimeout(60_000);

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
    });

    it('gives a new store on the same database (a restart, another replica) the last applied counts and time, per provider', async () => {
      const knex = await databases.init(id);
      const first = SyncStateStore.create({ database: pluginDatabase(knex) });
      const at = new Date('2026-11-29T10:00:00.000Z');
      await first.recordApplied(
        'LdapOrgEntityProvider:default',
        { users: 120, groups: 12, entities: 132 },
        new Date('2026-11-29T09:00:00.000Z'),
      );
      await first.recordApplied(
        'LdapOrgEntityProvider:default',
        { users: 121, groups: 12, entities: 133 },
        at,
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

    it('creates its table once when several replicas start at the same moment', async () => {
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
    });
  });
});
