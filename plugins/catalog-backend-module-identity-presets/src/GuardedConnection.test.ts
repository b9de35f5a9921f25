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

describe('GuardedConnection', () => {
  const logger = mockServices.logger.mock();
  const full = (...entities: ReturnType<typeof entity>[]) => ({
    type: 'full' as const,
    entities,
  });

  it('passes full mutations on and reports what it applied', async () => {
    const { applied, connection } = recordingConnection();
    const guarded = new GuardedConnection(connection, {
      name: 'Test:default',
      logger,
      allowEmpty: false,
    });
    await guarded.applyMutation(
      full(entity('User', 'ana'), entity('Group', 'team-a')),
    );
    expect(applied).toHaveLength(1);
    expect(guarded.takeRunOutcome()).toEqual({
      applied: { users: 1, groups: 1 },
    });
    expect(guarded.takeRunOutcome()).toEqual({});
  });

  it('refuses a sync that suddenly has no users, keeping the last good one', async () => {
    const { applied, connection } = recordingConnection();
    const guarded = new GuardedConnection(connection, {
      name: 'Test:default',
      logger,
      allowEmpty: false,
    });
    await guarded.applyMutation(full(entity('User', 'ana')));
    guarded.takeRunOutcome();
    await guarded.applyMutation(full(entity('Group', 'team-a')));
    expect(applied).toHaveLength(1);
    expect(guarded.takeRunOutcome()).toEqual({
      refused: { users: 0, groups: 1 },
    });
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('returned no users where the last sync had 1'),
    );
  });

  it('applies an empty sync when the operator allows it', async () => {
    const { applied, connection } = recordingConnection();
    const guarded = new GuardedConnection(connection, {
      name: 'Test:default',
      logger,
      allowEmpty: true,
    });
    await guarded.applyMutation(full(entity('User', 'ana')));
    await guarded.applyMutation(full());
    expect(applied).toHaveLength(2);
  });

  it('applies an empty first sync: there is nothing to lose yet', async () => {
    const { applied, connection } = recordingConnection();
    const guarded = new GuardedConnection(connection, {
      name: 'Test:default',
      logger,
      allowEmpty: false,
    });
    await guarded.applyMutation(full());
    expect(applied).toHaveLength(1);
  });

  it('passes delta mutations through untouched', async () => {
    const { applied, connection } = recordingConnection();
    const guarded = new GuardedConnection(connection, {
      name: 'Test:default',
      logger,
      allowEmpty: false,
    });
    const delta = {
      type: 'delta' as const,
      added: [],
      removed: [entity('User', 'ana')],
    };
    await guarded.applyMutation(delta);
    expect(applied).toEqual([delta]);
  });
});
