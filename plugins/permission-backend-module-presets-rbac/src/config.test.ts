import { mockServices } from '@backstage/backend-test-utils';
import { resolve } from 'path';
import { Preset, configKeyVariables } from '@devportal/plugin-presets-common';
import { readRbacConfig } from './config';

/** A preset that sets the module's keys from variables, as the rbac preset does. */
const rbacPreset: Preset = {
  name: 'rbac',
  description: 'rbac',
  version: '1.0.0',
  requires: { presets: [], groups: {}, oneOf: [], variables: {} },
  derived: {},
  plugins: [],
  appConfig: {
    permission: {
      rbac: {
        admin: { users: [{ name: '${RBAC_ADMINS}' }] },
        'policies-csv-file': '${RBAC_POLICIES_FILE:-}',
        maxDepth: '${RBAC_MAX_DEPTH:-}',
      },
    },
  },
  source: '/presets/rbac.yaml',
};

/** Reads `permission.rbac` with that preset selected. */
const read = (rbac: object, presets = [rbacPreset]) =>
  readRbacConfig(
    mockServices.rootConfig({ data: { permission: { rbac } } }),
    key => configKeyVariables(presets, key),
  );

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

  it('names the key alone when no selected preset sets it', () => {
    const { problems } = read(
      { admin: { users: [{ name: ' , ' }] }, maxDepth: 'deep' },
      [],
    );
    expect(problems).toEqual([
      {
        kind: 'invalid-config',
        message: 'permission.rbac.admin.users names no admin',
        hint: 'set permission.rbac.admin.users to at least one user or group ref, e.g. group:default/platform',
      },
      {
        kind: 'invalid-config',
        message: 'permission.rbac.maxDepth must be a whole number, 0 or more',
        hint: 'set permission.rbac.maxDepth to e.g. 3, or unset it to follow every level of parent groups',
      },
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
