import { createServiceFactory } from '@backstage/backend-plugin-api';
import {
  createMockDirectory,
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { ANNOTATION_ORIGIN_LOCATION, Entity } from '@backstage/catalog-model';
import {
  catalogEntityDeletePermission,
  catalogEntityReadPermission,
  catalogEntityRefreshPermission,
  catalogLocationCreatePermission,
} from '@backstage/plugin-catalog-common/alpha';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  AuthorizeResult,
  Permission,
} from '@backstage/plugin-permission-common';
import { PermissionPolicy } from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { findPresetProblems } from '@devportal/plugin-presets-common';
import request from 'supertest';
import { captureLogs } from '@devportal/test-utils/src/backend/logCapture';
import { permissionModulePresetsRbac } from './module';

/** Config as the test backend takes it. */
type ConfigData = NonNullable<
  NonNullable<Parameters<typeof mockServices.rootConfig>[0]>['data']
>;

/** A group with its parent as the catalog stitches it (a childOf relation). */
function group(name: string, parent?: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name, namespace: 'default' },
    spec: { type: 'team', children: [], ...(parent ? { parent } : {}) },
    relations: parent
      ? [{ type: 'childOf', targetRef: `group:default/${parent}` }]
      : [],
  };
}

function user(name: string, groups: string[]): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: { name, namespace: 'default' },
    spec: { memberOf: groups },
    relations: groups.map(g => ({
      type: 'memberOf',
      targetRef: `group:default/${g}`,
    })),
  };
}

/** A location a developer registered through the catalog API. */
const REGISTERED = {
  id: 'l1',
  type: 'url',
  target: 'https://git.example.com/dev/catalog-info.yaml',
};

/** An entity as the catalog holds it when it came from {@link REGISTERED}. */
function fromRegisteredLocation(entity: Entity): Entity {
  const origin = `${REGISTERED.type}:${REGISTERED.target}`;
  return {
    ...entity,
    metadata: {
      ...entity.metadata,
      annotations: { [ANNOTATION_ORIGIN_LOCATION]: origin },
    },
  };
}

// engineering > platform > sre-oncall; admins; dora is in no group.
// A developer registered "sneaky" under admins with carla as a member
// (the catalog then puts a memberOf relation on carla), and a User
// "mallory" who claims to be in admins.
const entities = [
  group('engineering'),
  group('platform', 'engineering'),
  group('sre-oncall', 'platform'),
  group('admins'),
  fromRegisteredLocation(group('sneaky', 'admins')),
  user('ana', ['platform']),
  user('olga', ['sre-oncall']),
  user('carla', ['engineering', 'sneaky']),
  user('root', ['admins']),
  user('dora', []),
  fromRegisteredLocation(user('mallory', ['admins'])),
];

/** The catalog with {@link entities}, which lists {@link REGISTERED}. */
const catalogFactory = createServiceFactory({
  service: catalogServiceRef,
  deps: {},
  factory: () =>
    Object.assign(catalogServiceMock({ entities }), {
      getLocations: async () => ({ items: [REGISTERED] }),
    }),
});

const POLICY = [
  '# readers read the catalog; engineering may not unregister',
  'p, role:default/reader, catalog-entity, read, allow',
  'p, role:default/dev, catalog.location.create, create, allow',
  'p, role:default/dev, catalog-entity, delete, deny',
  'g, group:default/engineering, role:default/reader',
  'g, group:default/engineering, role:default/dev',
  '',
].join('\n');

describe('permissionModulePresetsRbac', () => {
  const dir = createMockDirectory();
  // Backstage's auditor writes to the root logger: the audit log as shipped.
  const logs = captureLogs();

  async function start(rbac: ConfigData) {
    let policy: PermissionPolicy | undefined;
    const backend = await startTestBackend({
      extensionPoints: [
        [
          policyExtensionPoint,
          { setPolicy: (p: PermissionPolicy) => (policy = p) },
        ],
      ],
      features: [
        permissionModulePresetsRbac,
        catalogFactory,
        logs.factory,
        // A request without a token is anonymous, as in a real backend.
        mockServices.httpAuth.factory({
          defaultCredentials: mockCredentials.none(),
        }),
        mockServices.rootConfig.factory({
          data: { permission: { enabled: true, rbac } },
        }),
      ],
    });
    return { backend, policy: policy! };
  }

  async function decide(
    policy: PermissionPolicy,
    name: string,
    permission: Permission,
  ) {
    const userEntityRef = `user:default/${name}`;
    return policy.handle(
      { permission },
      {
        info: { userEntityRef, ownershipEntityRefs: [userEntityRef] },
        credentials: mockCredentials.user(userEntityRef),
      },
    );
  }

  describe('with a policy file and group admins', () => {
    let policy: PermissionPolicy;
    let server: Parameters<typeof request>[0];

    beforeAll(async () => {
      dir.setContent({ 'rbac.csv': POLICY });
      const started = await start({
        admin: { users: [{ name: 'group:default/admins,user:default/dora' }] },
        'policies-csv-file': dir.resolve('rbac.csv'),
        ownersEditOwned: true,
      });
      policy = started.policy;
      server = started.backend.server;
    });

    it('allows admins everything, through their group or by name', async () => {
      for (const name of ['root', 'dora']) {
        const decision = await decide(
          policy,
          name,
          catalogEntityDeletePermission,
        );
        expect(decision).toEqual({ result: AuthorizeResult.ALLOW });
      }
    });

    it('grants a role given to a group to its members and to members of its child groups', async () => {
      for (const name of ['carla', 'ana', 'olga']) {
        expect(await decide(policy, name, catalogEntityReadPermission)).toEqual(
          {
            result: AuthorizeResult.ALLOW,
          },
        );
        expect(
          await decide(policy, name, catalogLocationCreatePermission),
        ).toEqual({
          result: AuthorizeResult.ALLOW,
        });
      }
    });

    it('ignores users and groups from a location registered through the catalog API', async () => {
      // carla's membership of sneaky (under admins) does not make her an admin.
      expect(
        await decide(policy, 'carla', catalogEntityDeletePermission),
      ).toEqual({ result: AuthorizeResult.DENY });
      expect(
        await policy.handle(
          { permission: catalogEntityReadPermission },
          {
            info: {
              userEntityRef: 'user:default/mallory',
              ownershipEntityRefs: [],
            },
            credentials: mockCredentials.user('user:default/mallory'),
          },
        ),
      ).toEqual({ result: AuthorizeResult.DENY });
      const asCarla = await request(server)
        .get('/api/permission/policies')
        .set(
          'Authorization',
          mockCredentials.user.header('user:default/carla'),
        );
      expect(asCarla.status).toBe(403);
    });

    it('lets a deny line win over owner rights', async () => {
      expect(
        await decide(policy, 'ana', catalogEntityDeletePermission),
      ).toEqual({
        result: AuthorizeResult.DENY,
      });
    });

    it('gives owners a conditional decision on what they own, by user and groups', async () => {
      const decision = await decide(
        policy,
        'ana',
        catalogEntityRefreshPermission,
      );
      expect(decision).toEqual({
        result: AuthorizeResult.CONDITIONAL,
        pluginId: 'catalog',
        resourceType: 'catalog-entity',
        conditions: {
          rule: 'IS_ENTITY_OWNER',
          resourceType: 'catalog-entity',
          params: {
            claims: [
              'user:default/ana',
              'group:default/engineering',
              'group:default/platform',
            ],
          },
        },
      });
    });

    it('denies someone who holds no role, and an anonymous request', async () => {
      expect(
        await decide(policy, 'ghost', catalogEntityReadPermission),
      ).toEqual({
        result: AuthorizeResult.DENY,
      });
      expect(
        await policy.handle({ permission: catalogEntityReadPermission }),
      ).toEqual({
        result: AuthorizeResult.DENY,
      });
    });

    it('serves the effective policies and roles to admins only', async () => {
      const asAdmin = await request(server)
        .get('/api/permission/policies')
        .set('Authorization', mockCredentials.user.header('user:default/root'));
      expect(asAdmin.status).toBe(200);
      expect(asAdmin.body).toEqual([
        {
          entityReference: 'role:default/rbac_admin',
          permission: '*',
          policy: '*',
          effect: 'allow',
          metadata: { source: 'configuration' },
        },
        {
          entityReference: 'role:default/reader',
          permission: 'catalog-entity',
          policy: 'read',
          effect: 'allow',
          metadata: { source: 'csv-file' },
        },
        {
          entityReference: 'role:default/dev',
          permission: 'catalog.location.create',
          policy: 'create',
          effect: 'allow',
          metadata: { source: 'csv-file' },
        },
        {
          entityReference: 'role:default/dev',
          permission: 'catalog-entity',
          policy: 'delete',
          effect: 'deny',
          metadata: { source: 'csv-file' },
        },
      ]);
      const roles = await request(server)
        .get('/api/permission/roles')
        .set('Authorization', mockCredentials.user.header('user:default/root'));
      expect(roles.body).toEqual([
        {
          name: 'role:default/rbac_admin',
          memberReferences: ['group:default/admins', 'user:default/dora'],
          metadata: { source: 'configuration' },
        },
        {
          name: 'role:default/reader',
          memberReferences: ['group:default/engineering'],
          metadata: { source: 'csv-file' },
        },
        {
          name: 'role:default/dev',
          memberReferences: ['group:default/engineering'],
          metadata: { source: 'csv-file' },
        },
      ]);

      const asMember = await request(server)
        .get('/api/permission/policies')
        .set('Authorization', mockCredentials.user.header('user:default/ana'));
      expect(asMember.status).toBe(403);
      const asService = await request(server)
        .get('/api/permission/policies')
        .set('Authorization', mockCredentials.service.header());
      expect(asService.status).toBe(403);
      const anonymous = await request(server).get('/api/permission/policies');
      expect(anonymous.status).toBe(401);
    });

    it('audits each read of the policies with its reader, and a refused one as failed', async () => {
      const reads = () =>
        logs
          .auditEvents()
          .filter(e => e.eventId === 'rbac-policies-read')
          .filter(e => e.status !== 'initiated');
      const before = reads().length;
      const read = (ref: string, path = '/api/permission/policies') =>
        request(server)
          .get(path)
          .set('Authorization', mockCredentials.user.header(ref));
      expect((await read('user:default/root')).status).toBe(200);
      expect(
        (await read('user:default/dora', '/api/permission/roles')).status,
      ).toBe(200);
      expect((await read('user:default/ana')).status).toBe(403);
      expect(reads().slice(before)).toEqual([
        expect.objectContaining({
          plugin: 'permission',
          severityLevel: 'medium',
          status: 'succeeded',
          actor: expect.objectContaining({ actorId: 'user:default/root' }),
          request: { method: 'GET', url: '/api/permission/policies' },
          meta: { read: 'policies' },
        }),
        expect.objectContaining({
          status: 'succeeded',
          actor: expect.objectContaining({ actorId: 'user:default/dora' }),
          meta: { read: 'roles' },
        }),
        expect.objectContaining({
          status: 'failed',
          actor: expect.objectContaining({ actorId: 'user:default/ana' }),
          message: expect.stringMatching(/Only RBAC admins/),
        }),
      ]);
    });
  });

  it('stops following parents at maxDepth', async () => {
    dir.setContent({ 'rbac.csv': POLICY });
    const { policy } = await start({
      admin: { users: [{ name: 'group:default/admins' }] },
      'policies-csv-file': dir.resolve('rbac.csv'),
      maxDepth: 1,
    });
    // ana: platform (0) > engineering (1); olga: sre-oncall (0) > platform (1) > engineering (2)
    expect(await decide(policy, 'ana', catalogEntityReadPermission)).toEqual({
      result: AuthorizeResult.ALLOW,
    });
    expect(await decide(policy, 'olga', catalogEntityReadPermission)).toEqual({
      result: AuthorizeResult.DENY,
    });
    // Without ownersEditOwned there is no owner condition.
    expect(
      await decide(policy, 'dora', catalogEntityRefreshPermission),
    ).toEqual({
      result: AuthorizeResult.DENY,
    });
  });

  it('grants the signed-in role to everyone signed in, but not to anonymous requests', async () => {
    dir.setContent({
      'everyone.csv':
        'p, role:default/signed-in, catalog-entity, read, allow\n',
    });
    const { policy } = await start({
      admin: { users: [{ name: 'group:default/admins' }] },
      'policies-csv-file': dir.resolve('everyone.csv'),
    });
    expect(await decide(policy, 'dora', catalogEntityReadPermission)).toEqual({
      result: AuthorizeResult.ALLOW,
    });
    expect(await decide(policy, 'dora', catalogEntityDeletePermission)).toEqual(
      {
        result: AuthorizeResult.DENY,
      },
    );
    expect(
      await policy.handle({ permission: catalogEntityReadPermission }),
    ).toEqual({ result: AuthorizeResult.DENY });
  });

  it('refuses startup with exit-78 problems naming file and line for a broken policy file', async () => {
    dir.setContent({
      'broken.csv':
        'p, role:default/a, catalog-entity, read, allow\ng, sre, role:default/a\n',
    });
    const error = await start({
      admin: { users: [{ name: 'group:default/admins' }] },
      'policies-csv-file': dir.resolve('broken.csv'),
    }).then(
      () => undefined,
      e => e,
    );
    expect(findPresetProblems(error)?.map(p => p.message)).toEqual([
      `${dir.resolve(
        'broken.csv',
      )}:2: "sre" is not a user or group ref (user:<namespace>/<name> or group:<namespace>/<name>)`,
    ]);
  });
});
