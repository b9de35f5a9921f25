import { mockServices } from '@backstage/backend-test-utils';
import {
  EntityProviderConnection,
  EntityProviderMutation,
} from '@backstage/plugin-catalog-node';
import { GuardedConnection } from './GuardedConnection';

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

describe('GuardedConnection', () => {
  const logger = mockServices.logger.mock();

  function guardedOrg(allowEmpty = false) {
    const { applied, connection } = recordingConnection();
    const guarded = new GuardedConnection(connection, {
      name: 'Test:default',
      logger,
      allowEmpty,
      counts: 'users',
    });
    return { applied, guarded };
  }

  it('holds a full mutation until the run is committed, then reports what it applied', async () => {
    const { applied, guarded } = guardedOrg();
    await guarded.applyMutation(
      full(entity('User', 'ana'), entity('Group', 'team-a')),
    );
    expect(applied).toHaveLength(0);
    expect(await guarded.commitRun()).toEqual({
      applied: { users: 1, groups: 1, entities: 2 },
    });
    expect(applied).toHaveLength(1);
    expect(await guarded.commitRun()).toEqual({});
  });

  it('drops what a failed run produced', async () => {
    const { applied, guarded } = guardedOrg();
    await guarded.applyMutation(full(entity('User', 'ana')));
    guarded.discardRun();
    expect(await guarded.commitRun()).toEqual({});
    expect(applied).toHaveLength(0);
  });

  it('refuses a sync that suddenly has no users, keeping the last good one', async () => {
    const { applied, guarded } = guardedOrg();
    await guarded.applyMutation(full(entity('User', 'ana')));
    await guarded.commitRun();
    await guarded.applyMutation(full(entity('Group', 'team-a')));
    expect(await guarded.commitRun()).toEqual({
      refused: { users: 0, groups: 1, entities: 1 },
    });
    expect(applied).toHaveLength(1);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('returned no users where the last sync had 1'),
    );
  });

  it('refuses a discovery that suddenly finds nothing', async () => {
    const { applied, connection } = recordingConnection();
    const guarded = new GuardedConnection(connection, {
      name: 'Test:default',
      logger,
      allowEmpty: false,
      counts: 'entities',
    });
    await guarded.applyMutation(full(entity('Location', 'repo-a')));
    await guarded.commitRun();
    await guarded.applyMutation(full());
    expect(await guarded.commitRun()).toEqual({
      refused: { users: 0, groups: 0, entities: 0 },
    });
    expect(applied).toHaveLength(1);
  });

  it('applies an empty sync when the operator allows it', async () => {
    const { applied, guarded } = guardedOrg(true);
    await guarded.applyMutation(full(entity('User', 'ana')));
    await guarded.commitRun();
    await guarded.applyMutation(full());
    await guarded.commitRun();
    expect(applied).toHaveLength(2);
  });

  it('applies an empty first sync: there is nothing to lose yet', async () => {
    const { applied, guarded } = guardedOrg();
    await guarded.applyMutation(full());
    await guarded.commitRun();
    expect(applied).toHaveLength(1);
  });

  it('passes delta mutations through at once', async () => {
    const { applied, guarded } = guardedOrg();
    const delta = {
      type: 'delta' as const,
      added: [],
      removed: [entity('User', 'ana')],
    };
    await guarded.applyMutation(delta);
    expect(applied).toEqual([delta]);
  });
});
