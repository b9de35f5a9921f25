import { mockServices } from '@backstage/backend-test-utils';
import { resolve } from 'path';
import { readRbacConfig } from './config';

const read = (rbac: object) =>
  readRbacConfig(mockServices.rootConfig({ data: { permission: { rbac } } }));

describe('readRbacConfig', () => {
  it('splits admin names on commas and keeps RHDH entries of one ref each', () => {
    const { config, problems } = read({
      admin: {
        users: [
          { name: 'group:default/platform, User:default/Ana' },
          { name: 'user:default/bruno' },
        ],
      },
      'policies-csv-file': 'rbac.csv',
      maxDepth: '2',
      ownersEditOwned: true,
    });
    expect(problems).toEqual([]);
    expect(config).toEqual({
      admins: [
        'group:default/platform',
        'user:default/ana',
        'user:default/bruno',
      ],
      policiesFile: resolve(process.env.INIT_CWD ?? process.cwd(), 'rbac.csv'),
      maxDepth: 2,
      ownersEditOwned: true,
    });
  });

  it('reports every bad admin ref and a bad depth, naming key and variable', () => {
    const { problems } = read({
      admin: { users: [{ name: 'platform, component:default/x' }] },
      maxDepth: -1,
    });
    expect(problems.map(p => p.message)).toEqual([
      'permission.rbac.admin.users[0].name (RBAC_ADMINS) holds "platform", which is not a user or group ref',
      'permission.rbac.admin.users[0].name (RBAC_ADMINS) holds "component:default/x", which is not a user or group ref',
      'permission.rbac.maxDepth (RBAC_MAX_DEPTH) must be a whole number, 0 or more',
    ]);
  });

  it('follows every level of parents when maxDepth is unset, and owners edit nothing by default', () => {
    const { config } = read({
      admin: { users: [{ name: 'user:default/ana' }] },
    });
    expect(config.maxDepth).toBeUndefined();
    expect(config.ownersEditOwned).toBe(false);
    expect(config.policiesFile).toBeUndefined();
  });
});
