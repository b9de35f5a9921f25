import { mockServices, TestDatabaseId } from '@backstage/backend-test-utils';
import {
  EntityProviderConnection,
  EntityProviderMutation,
} from '@backstage/plugin-catalog-node';
import { GuardedConnection } from './GuardedConnection';
import { PendingSyncs } from './PendingSyncs';
import { SyncStateStore } from './SyncStateStore';
import {
  pluginDatabase,
  syncTestDatabases,
} from './__testUtils__/testDatabases';

jest.setTimeout(60_000);

const PROVIDER = 'Test:default';

function entity(kind: string, name: string) {
  return {
    locationKey: `test:${name}`,
    entity: {
      apiVersion: 'backstage.io/v1alpha1',
      kind,
      metadata: { name },
      spec: {},
    },
  };
}

/** A directory of the named users and groups `g0`..`g<groups-1>`. */
function directory(users: string[], groups = 1) {
  return {
    type: 'full' as const,
    entities: [
      ...users.map(name => entity('User', name)),
      ...Array.from({ length: groups }, (_, i) => entity('Group', `g${i}`)),
    ],
  };
}

const EIGHT = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

describe('PendingSyncs', () => {
  const databases = syncTestDatabases();

  describe.each(databases.eachSupportedId())('on %s', (id: TestDatabaseId) => {
    let database: ReturnType<typeof pluginDatabase>;
    const logger = mockServices.logger.mock();

    beforeEach(async () => {
      database = pluginDatabase(await databases.init(id));
    });

    /**
     * One replica: its own store, connection and pending list on the
     * shared database, as the catalog module wires them.
     */
    function replica() {
      const applied: EntityProviderMutation[] = [];
      const connection: EntityProviderConnection = {
        applyMutation: async m => void applied.push(m),
        refresh: async () => {},
      };
      const store = SyncStateStore.create({ database });
      const guarded = new GuardedConnection(connection, {
        name: PROVIDER,
        logger,
        guard: {
          allowEmpty: false,
          minRetainedShare: 0.5,
          peakWindowMs: 7 * 24 * 60 * 60 * 1000,
        },
        kind: 'org',
        store,
      });
      const pending = new PendingSyncs(store);
      pending.connected(PROVIDER, guarded);
      const run = async (mutation: EntityProviderMutation) => {
        await guarded.applyMutation(mutation);
        return guarded.commitRun();
      };
      return { applied, pending, run, store };
    }

    it('holds a refused run with its counts, the refs it would remove and add, and the reason logged', async () => {
      const a = replica();
      await a.run(directory(EIGHT, 2));
      expect(await a.run(directory(['a', 'z'], 2))).toHaveProperty('refused');

      // Another replica lists it from the database.
      const [held] = await replica().pending.list();
      expect(held).toEqual({
        provider: PROVIDER,
        refusedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
        reason: expect.stringContaining(
          `${PROVIDER}: the source returned 2 users where the last sync had 8`,
        ),
        users: { last: 8, now: 2 },
        groups: { last: 2, now: 2 },
        removed: EIGHT.filter(n => n !== 'a').map(n => `user:default/${n}`),
        added: ['user:default/z'],
      });
    });

    it('replaces an older held run with a newer one, and drops it when a run is applied', async () => {
      const a = replica();
      await a.run(directory(EIGHT));
      await a.run(directory(['a']));
      await a.run(directory([], 1));
      const list = await a.pending.list();
      expect(list).toHaveLength(1);
      expect(list[0].users).toEqual({ last: 8, now: 0 });
      expect(list[0].reason).toContain('returned no users');

      expect(await a.run(directory(EIGHT.slice(0, 6)))).toHaveProperty(
        'applied',
      );
      expect(await a.pending.list()).toEqual([]);
    });

    it('applies exactly the held entities on approval, on another replica, and the next run of the same directory passes', async () => {
      const a = replica();
      await a.run(directory(EIGHT, 2));
      const shrunk = directory(['a', 'b'], 2);
      await a.run(shrunk);

      const b = replica();
      const decision = await b.pending.approve(PROVIDER);
      expect(decision.pending.users).toEqual({ last: 8, now: 2 });
      expect(b.applied).toEqual([shrunk]);
      expect(await a.pending.list()).toEqual([]);
      expect(await b.store.lastApplied(PROVIDER)).toMatchObject({
        users: 2,
        groups: 2,
      });
      expect(await b.store.appliedRefs(PROVIDER)).toEqual([
        'group:default/g0',
        'group:default/g1',
        'user:default/a',
        'user:default/b',
      ]);

      // The peak of 8 within the window no longer counts: a person
      // accepted the shrink.
      expect(await a.run(directory(['a', 'b'], 2))).toHaveProperty('applied');
      // A collapse from the approved sync is still refused.
      expect(await a.run(directory([], 2))).toHaveProperty('refused');
    });

    it('drops the held run on rejection; the next run of the same directory is refused and held again', async () => {
      const a = replica();
      await a.run(directory(EIGHT));
      await a.run(directory(['a']));
      const { pending } = await replica().pending.reject(PROVIDER);
      expect(pending.removed).toHaveLength(7);
      expect(await a.pending.list()).toEqual([]);
      expect(a.applied).toHaveLength(1);

      expect(await a.run(directory(['a']))).toHaveProperty('refused');
      expect(await a.pending.list()).toHaveLength(1);
    });

    it('applies two concurrent approvals on two replicas once; the other gets a conflict or nothing pending', async () => {
      const a = replica();
      await a.run(directory(EIGHT));
      await a.run(directory(['a']));
      const b = replica();
      const c = replica();
      const outcomes = await Promise.allSettled([
        b.pending.approve(PROVIDER),
        c.pending.approve(PROVIDER),
      ]);
      expect(outcomes.filter(o => o.status === 'fulfilled')).toHaveLength(1);
      const [failure] = outcomes.filter(
        (o): o is PromiseRejectedResult => o.status === 'rejected',
      );
      expect(['ConflictError', 'NotFoundError']).toContain(failure.reason.name);
      expect(b.applied.length + c.applied.length).toBe(1);
      await expect(a.pending.reject(PROVIDER)).rejects.toMatchObject({
        name: 'NotFoundError',
      });
    });

    it('says which provider is unknown, and that nothing is pending for a known one', async () => {
      const a = replica();
      await expect(a.pending.approve('Other:default')).rejects.toMatchObject({
        name: 'NotFoundError',
        message: `No org sync named Other:default runs in this backend (org syncs: ${PROVIDER})`,
      });
      await expect(a.pending.approve(PROVIDER)).rejects.toMatchObject({
        name: 'NotFoundError',
        message: expect.stringContaining(
          `${PROVIDER}: no refused run is pending`,
        ),
      });
      await expect(a.pending.reject(PROVIDER)).rejects.toMatchObject({
        name: 'NotFoundError',
      });
    });

    it('lists no removed or added refs, and says why, when an earlier release applied the last sync', async () => {
      const a = replica();
      // What an earlier release recorded: counts, no refs.
      await a.store.recordApplied(PROVIDER, {
        users: 8,
        groups: 1,
        entities: 9,
      });
      await a.run(directory(['a']));
      const [held] = await a.pending.list();
      expect(held).toMatchObject({
        users: { last: 8, now: 1 },
        removed: [],
        added: [],
        reason: expect.stringContaining(
          'Which entities approving would remove is not known: an earlier release applied the last sync without recording them.',
        ),
      });
    });

    it('lists nothing, without reading the database, when no org sync runs here', async () => {
      const none = new PendingSyncs(SyncStateStore.create({ database }));
      expect(await none.list()).toEqual([]);
      expect(
        await (
          await database.getClient()
        ).schema.hasTable('presets_sync_pending'),
      ).toBe(false);
    });
  });
});
