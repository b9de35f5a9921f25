import {
  orgSyncRunOutcome,
  orgSyncRunPoints,
  pendingPoints,
} from './syncMetrics';

describe('orgSyncRunOutcome', () => {
  it('keeps applied and refused, and counts every other ending as failed', () => {
    expect(orgSyncRunOutcome('applied')).toBe('applied');
    expect(orgSyncRunOutcome('refused')).toBe('refused');
    expect(orgSyncRunOutcome('failed')).toBe('failed');
    expect(orgSyncRunOutcome('rate-limited')).toBe('failed');
    expect(orgSyncRunOutcome('nothing-applied')).toBe('failed');
  });
});

describe('orgSyncRunPoints', () => {
  const provider = 'LdapOrg:default';
  const counts = { users: 12, groups: 3, entities: 15 };

  it('labels an applied run with the provider and sets the users and groups it applied', () => {
    expect(
      orgSyncRunPoints({
        provider,
        outcome: 'applied',
        durationMs: 1500,
        counts,
      }),
    ).toEqual({
      run: { value: 1, attributes: { provider, outcome: 'applied' } },
      duration: { value: 1.5, attributes: { provider } },
      entities: [
        { value: 12, attributes: { provider, kind: 'users' } },
        { value: 3, attributes: { provider, kind: 'groups' } },
      ],
    });
  });

  it('leaves the entity gauge at the last applied run when a run is refused', () => {
    const points = orgSyncRunPoints({
      provider,
      outcome: 'refused',
      durationMs: 20,
      counts: { users: 0, groups: 3, entities: 3 },
    });
    expect(points.run.attributes).toEqual({ provider, outcome: 'refused' });
    expect(points.entities).toEqual([]);
  });

  it('labels a rate-limited run as failed, with its duration', () => {
    const points = orgSyncRunPoints({
      provider,
      outcome: 'rate-limited',
      durationMs: 250,
    });
    expect(points.run.attributes).toEqual({ provider, outcome: 'failed' });
    expect(points.duration).toEqual({ value: 0.25, attributes: { provider } });
    expect(points.entities).toEqual([]);
  });
});

describe('pendingPoints', () => {
  it('reads 1 for each provider with a held run and 0 for the others', () => {
    expect(
      pendingPoints(
        ['LdapOrg:default', 'KeycloakOrg:default'],
        new Set(['KeycloakOrg:default', 'Gone:default']),
      ),
    ).toEqual([
      { value: 0, attributes: { provider: 'LdapOrg:default' } },
      { value: 1, attributes: { provider: 'KeycloakOrg:default' } },
    ]);
  });
});
