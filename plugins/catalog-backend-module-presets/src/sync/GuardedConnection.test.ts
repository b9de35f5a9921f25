import { mockServices, TestDatabaseId } from '@backstage/backend-test-utils';
import {
  EntityProviderConnection,
  EntityProviderMutation,
} from '@backstage/plugin-catalog-node';
import { GuardedConnection } from './GuardedConnection';
import { SyncGuardConfig } from './readSyncGuardConfig';
import { SyncStateStore } from './SyncStateStore';
import {
  pluginDatabase,
  syncTestDatabases,
} from './__testUtils__/testDatabases';

jest.setTimeout(60_000);

function entity(kind: string, name: string) {
  return {
    locationKey: 'test',
    entity: {
      apiVersion: 'backstage.io/v1alpha1',
      kind,
      metadata: { name },
      spec: {},
    },
  };
}

function recordingConnection() {
  const applied: EntityProviderMutation[] = [];
  const connection: EntityProviderConnection = {
    applyMutation: async m => void applied.push(m),
    refresh: async () => {},
  };
  return { applied, connection };
}

const full = (...entities: ReturnType<typeof entity>[]) => ({
  type: 'full' as const,
  entities,
});

/** A directory of `users` users and `groups` groups. */
function directory(users: number, groups: number) {
  return full(
    ...Array.from({ length: users }, (_, i) => entity('User', `u${i}`)),
    ...Array.from({ length: groups }, (_, i) => entity('Group', `g${i}`)),
  );
}

const DAY_MS = 24 * 60 * 60 * 1000;

const DEFAULT_GUARD: SyncGuardConfig = {
  allowEmpty: false,
  minRetainedShare: 0.5,
  peakWindowMs: 7 * DAY_MS,
};

/** The time `days` days before now. */
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS);

describe('GuardedConnection', () => {
  const databases = syncTestDatabases();

  describe.each(databases.eachSupportedId())('on %s', (id: TestDatabaseId) => {
    let store: SyncStateStore;
    let database: ReturnType<typeof pluginDatabase>;
    const logger = mockServices.logger.mock();

    beforeEach(async () => {
      database = pluginDatabase(await databases.init(id));
      store = SyncStateStore.create({ database });
      jest.clearAllMocks();
    });

    /**
     * A guarded connection as one process holds it. Calling it again with
     * the same database is a restarted process or another replica: nothing
     * is shared with the earlier one but the database.
     */
    function guarded(
      guard: Partial<SyncGuardConfig> = {},
      kind: 'org' | 'discovery' = 'org',
    ) {
      const { applied, connection } = recordingConnection();
      const guardedConnection = new GuardedConnection(connection, {
        name: 'Test:default',
        logger,
        guard: { ...DEFAULT_GUARD, ...guard },
        kind,
        store: SyncStateStore.create({ database }),
      });
      return { applied, guarded: guardedConnection };
    }

    async function run(
      connection: GuardedConnection,
      mutation: EntityProviderMutation,
    ) {
      await connection.applyMutation(mutation);
      return connection.commitRun();
    }

    const warnings = () => logger.warn.mock.calls.map(([m]) => m);

    it('holds a full mutation until the run is committed, then reports and records what it applied', async () => {
      const { applied, guarded: g } = guarded();
      await g.applyMutation(
        full(entity('User', 'ana'), entity('Group', 'team-a')),
      );
      expect(applied).toHaveLength(0);
      expect(await g.commitRun()).toEqual({
        applied: { users: 1, groups: 1, entities: 2 },
      });
      expect(applied).toHaveLength(1);
      expect(await g.commitRun()).toEqual({});
      expect(await store.lastApplied('Test:default')).toEqual({
        users: 1,
        groups: 1,
        entities: 2,
        appliedAt: expect.any(Date),
      });
    });

    it('drops what a failed run produced', async () => {
      const { applied, guarded: g } = guarded();
      await g.applyMutation(full(entity('User', 'ana')));
      g.discardRun();
      expect(await g.commitRun()).toEqual({});
      expect(applied).toHaveLength(0);
      expect(await store.lastApplied('Test:default')).toBeUndefined();
    });

    it('refuses, after a restart, a sync that suddenly has no users, and logs both counts', async () => {
      const before = guarded();
      await run(before.guarded, directory(120, 4));

      const after = guarded();
      expect(await run(after.guarded, directory(0, 4))).toEqual({
        refused: { users: 0, groups: 4, entities: 4 },
      });
      expect(after.applied).toHaveLength(0);
      expect(warnings()).toEqual([
        'Test:default: the source returned no users where the last sync had 120; not applied, the catalog keeps the last good entities. If the source really is empty now, approve this run (yarn presets sync approve Test:default, or on the presets page); to let such runs through without a person, set identityPresets.orgSync.allowEmpty: true',
      ]);
      expect((await store.lastApplied('Test:default'))?.users).toBe(120);
    });

    it('refuses, on another replica, a sync that collapsed below half of the last applied one', async () => {
      const replicaA = guarded();
      const replicaB = guarded();
      await run(replicaA.guarded, directory(120, 4));

      expect(await run(replicaB.guarded, directory(3, 4))).toEqual({
        refused: { users: 3, groups: 4, entities: 7 },
      });
      expect(replicaB.applied).toHaveLength(0);
      expect(warnings()).toEqual([
        'Test:default: the source returned 3 users where the last sync had 120 (below 50%); not applied, the catalog keeps the last good entities. If the directory really shrank, approve this run (yarn presets sync approve Test:default, or on the presets page); to let such runs through without a person, set identityPresets.orgSync.minRetainedShare (now 0.5) lower, or 0 to turn this check off',
      ]);
    });

    it('refuses a stepwise collapse, on another replica: 4 users, then 2 (a halving), then 1 is below half of the peak of 4', async () => {
      const replicaA = guarded();
      const replicaB = guarded();
      await run(replicaA.guarded, directory(4, 2));
      expect(await run(replicaB.guarded, directory(2, 2))).toEqual({
        applied: { users: 2, groups: 2, entities: 4 },
      });
      // Half of the last sync's 2, which a last-run comparison lets through.
      expect(await run(replicaA.guarded, directory(1, 2))).toEqual({
        refused: { users: 1, groups: 2, entities: 3 },
      });
      expect(replicaA.applied).toHaveLength(1);
      expect(warnings()).toEqual([
        expect.stringMatching(
          /^Test:default: the source returned 1 users where the largest sync of the last 7 days had 4 \(applied \d{4}-\d\d-\d\dT[\d:.]+Z; below 50% of that peak, though the last sync had 2\); not applied, the catalog keeps the last good entities\. If the directory really shrank, approve this run \(yarn presets sync approve Test:default, or on the presets page\); to let such runs through without a person, the peak stops counting once it is older than identityPresets\.orgSync\.peakWindow \(now 7 days\); or set identityPresets\.orgSync\.minRetainedShare \(now 0\.5\) lower, or 0 to turn this check off$/,
        ),
      ]);
      expect(await store.lastApplied('Test:default')).toEqual(
        expect.objectContaining({ users: 2 }),
      );
    });

    it('keeps applying a directory that loses less than half of both the last sync and the peak, and names the peak when it refuses', async () => {
      const { applied, guarded: g } = guarded();
      for (const users of [100, 80, 65, 50]) {
        expect(await run(g, directory(users, 4))).toEqual({
          applied: { users, groups: 4, entities: users + 4 },
        });
      }
      expect(await run(g, directory(49, 4))).toEqual({
        refused: { users: 49, groups: 4, entities: 53 },
      });
      expect(applied).toHaveLength(4);
      expect(warnings()).toEqual([
        expect.stringContaining(
          'returned 49 users where the largest sync of the last 7 days had 100',
        ),
      ]);
    });

    it('measures groups against their own peak', async () => {
      const { guarded: g } = guarded();
      await run(g, directory(10, 8));
      await run(g, directory(10, 4));
      expect(await run(g, directory(10, 3))).toEqual({
        refused: { users: 10, groups: 3, entities: 13 },
      });
      expect(warnings()).toEqual([
        expect.stringContaining(
          'returned 3 groups where the largest sync of the last 7 days had 8',
        ),
      ]);
    });

    it('lets a peak older than the window go, so a real shrink over time is accepted', async () => {
      // Applied by earlier processes, 8 and 1 days ago.
      await store.recordApplied(
        'Test:default',
        { users: 100, groups: 4, entities: 104 },
        { appliedAt: daysAgo(8) },
      );
      await store.recordApplied(
        'Test:default',
        { users: 60, groups: 4, entities: 64 },
        { appliedAt: daysAgo(1) },
      );
      const { applied, guarded: g } = guarded();
      expect(await run(g, directory(40, 4))).toEqual({
        applied: { users: 40, groups: 4, entities: 44 },
      });
      // The peak now is the 60 of a day ago.
      expect(await run(g, directory(29, 4))).toEqual({
        refused: { users: 29, groups: 4, entities: 33 },
      });
      expect(applied).toHaveLength(1);
      expect(warnings()).toEqual([
        expect.stringContaining(
          'returned 29 users where the largest sync of the last 7 days had 60',
        ),
      ]);
    });

    it('still counts a peak inside the window; a shorter window lets it go', async () => {
      await store.recordApplied(
        'Test:default',
        { users: 100, groups: 4, entities: 104 },
        { appliedAt: daysAgo(6) },
      );
      await store.recordApplied(
        'Test:default',
        { users: 60, groups: 4, entities: 64 },
        { appliedAt: daysAgo(1) },
      );
      expect(await run(guarded().guarded, directory(40, 4))).toEqual({
        refused: { users: 40, groups: 4, entities: 44 },
      });
      expect(
        await run(
          guarded({ peakWindowMs: 5 * DAY_MS }).guarded,
          directory(40, 4),
        ),
      ).toEqual({ applied: { users: 40, groups: 4, entities: 44 } });
      expect(warnings()).toEqual([
        expect.stringContaining(
          'returned 40 users where the largest sync of the last 7 days had 100',
        ),
      ]);
    });

    it('compares with the last applied sync alone when the window is 0', async () => {
      const { guarded: g } = guarded({ peakWindowMs: 0 });
      for (const users of [4, 2, 1]) {
        expect(await run(g, directory(users, 2))).toEqual({
          applied: { users, groups: 2, entities: users + 2 },
        });
      }
    });

    it('guards groups as it guards users', async () => {
      await run(guarded().guarded, directory(10, 8));
      const { applied, guarded: g } = guarded();
      expect(await run(g, directory(10, 3))).toEqual({
        refused: { users: 10, groups: 3, entities: 13 },
      });
      expect(await run(g, directory(10, 0))).toEqual({
        refused: { users: 10, groups: 0, entities: 10 },
      });
      expect(applied).toHaveLength(0);
      expect(warnings()).toEqual([
        expect.stringContaining(
          'the source returned 3 groups where the last sync had 8 (below 50%)',
        ),
        expect.stringContaining(
          'the source returned no groups where the last sync had 8',
        ),
      ]);
    });

    it('applies a shrink down to the retained share, and compares the next run with it', async () => {
      await run(guarded().guarded, directory(120, 4));
      const { applied, guarded: g } = guarded();
      expect(await run(g, directory(60, 2))).toEqual({
        applied: { users: 60, groups: 2, entities: 62 },
      });
      expect(await run(g, directory(29, 2))).toEqual({
        refused: { users: 29, groups: 2, entities: 31 },
      });
      expect(applied).toHaveLength(1);
      expect(warnings()).toEqual([
        expect.stringContaining('returned 29 users where the last sync had 60'),
      ]);
    });

    it('measures against the last applied sync, not the last refused one', async () => {
      await run(guarded().guarded, directory(100, 4));
      const { guarded: g } = guarded();
      await run(g, directory(10, 4));
      expect(await run(g, directory(45, 4))).toEqual({
        refused: { users: 45, groups: 4, entities: 49 },
      });
      expect(await run(g, directory(50, 4))).toEqual({
        applied: { users: 50, groups: 4, entities: 54 },
      });
    });

    it('applies a collapse when the operator lowers the share, and any shrink with 0', async () => {
      await run(guarded().guarded, directory(120, 4));
      expect(
        await run(guarded({ minRetainedShare: 0.02 }).guarded, directory(3, 4)),
      ).toEqual({ applied: { users: 3, groups: 4, entities: 7 } });
      await run(guarded().guarded, directory(120, 4));
      expect(
        await run(guarded({ minRetainedShare: 0 }).guarded, directory(1, 1)),
      ).toEqual({ applied: { users: 1, groups: 1, entities: 2 } });
      expect(warnings()).toEqual([]);
    });

    it('takes a shrink the operator let through with a lower share as the new baseline once the share is set back', async () => {
      await run(guarded().guarded, directory(120, 4));
      await run(guarded().guarded, directory(100, 4));
      expect(
        await run(guarded({ minRetainedShare: 0.02 }).guarded, directory(3, 4)),
      ).toEqual({ applied: { users: 3, groups: 4, entities: 7 } });
      // The share set back: the 120 and 100 of earlier syncs are no peak
      // for the directory the operator accepted.
      const { guarded: g } = guarded();
      expect(await run(g, directory(3, 4))).toEqual({
        applied: { users: 3, groups: 4, entities: 7 },
      });
      expect(await run(g, directory(2, 4))).toEqual({
        applied: { users: 2, groups: 4, entities: 6 },
      });
      expect(await run(g, directory(1, 4))).toEqual({
        refused: { users: 1, groups: 4, entities: 5 },
      });
      expect(warnings()).toEqual([
        expect.stringContaining(
          'returned 1 users where the largest sync of the last 7 days had 3',
        ),
      ]);
    });

    it('takes an empty sync the operator allowed as the new baseline', async () => {
      await run(guarded().guarded, directory(120, 4));
      await run(guarded({ allowEmpty: true }).guarded, directory(0, 0));
      const { guarded: g } = guarded();
      expect(await run(g, directory(4, 1))).toEqual({
        applied: { users: 4, groups: 1, entities: 5 },
      });
      expect(await run(g, directory(2, 1))).toEqual({
        applied: { users: 2, groups: 1, entities: 3 },
      });
    });

    it('applies an empty sync when the operator allows it, whatever the share', async () => {
      await run(guarded().guarded, directory(120, 4));
      const { applied, guarded: g } = guarded({ allowEmpty: true });
      expect(await run(g, directory(0, 0))).toEqual({
        applied: { users: 0, groups: 0, entities: 0 },
      });
      expect(applied).toHaveLength(1);
      expect(await store.lastApplied('Test:default')).toEqual(
        expect.objectContaining({ users: 0, groups: 0 }),
      );
    });

    it('still refuses a collapse that is not empty when only allowEmpty is set', async () => {
      await run(guarded().guarded, directory(120, 4));
      expect(
        await run(guarded({ allowEmpty: true }).guarded, directory(3, 4)),
      ).toEqual({ refused: { users: 3, groups: 4, entities: 7 } });
    });

    it('applies any first sync, empty or not: there is nothing to lose yet', async () => {
      const { applied, guarded: g } = guarded();
      expect(await run(g, full())).toEqual({
        applied: { users: 0, groups: 0, entities: 0 },
      });
      expect(await run(g, directory(5, 1))).toEqual({
        applied: { users: 5, groups: 1, entities: 6 },
      });
      expect(applied).toHaveLength(2);
    });

    it('refuses a discovery that suddenly finds nothing, without offering an approval (only org sync runs are held), but lets it shrink', async () => {
      await run(
        guarded({}, 'discovery').guarded,
        full(entity('Location', 'repo-a'), entity('Location', 'repo-b')),
      );
      const { applied, guarded: g } = guarded({}, 'discovery');
      expect(await run(g, full())).toEqual({
        refused: { users: 0, groups: 0, entities: 0 },
      });
      expect(warnings()).toEqual([
        'Test:default: the source returned no entities where the last sync had 2; not applied, the catalog keeps the last good entities. If the source really is empty now, set identityPresets.orgSync.allowEmpty: true',
      ]);
      expect(await run(g, full(entity('Location', 'repo-a')))).toEqual({
        applied: { users: 0, groups: 0, entities: 1 },
      });
      expect(applied).toHaveLength(1);
    });

    it('keeps providers apart', async () => {
      await run(guarded().guarded, directory(120, 4));
      const { connection } = recordingConnection();
      const other = new GuardedConnection(connection, {
        name: 'Other:default',
        logger,
        guard: DEFAULT_GUARD,
        kind: 'org',
        store,
      });
      expect(await run(other, directory(1, 1))).toEqual({
        applied: { users: 1, groups: 1, entities: 2 },
      });
    });

    it('applies nothing, and says so by rejecting, when the last applied sync cannot be read', async () => {
      await run(guarded().guarded, directory(120, 4));
      const { applied, connection } = recordingConnection();
      const unreadable = new GuardedConnection(connection, {
        name: 'Test:default',
        logger,
        guard: DEFAULT_GUARD,
        kind: 'org',
        store: SyncStateStore.create({
          database: {
            getClient: async () => {
              throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
            },
          },
        }),
      });
      await unreadable.applyMutation(directory(0, 0));
      await expect(unreadable.commitRun()).rejects.toThrow(/ECONNREFUSED/);
      expect(applied).toHaveLength(0);
    });

    it('passes delta mutations through at once', async () => {
      const { applied, guarded: g } = guarded();
      const delta = {
        type: 'delta' as const,
        added: [],
        removed: [entity('User', 'ana')],
      };
      await g.applyMutation(delta);
      expect(applied).toEqual([delta]);
    });
  });
});
