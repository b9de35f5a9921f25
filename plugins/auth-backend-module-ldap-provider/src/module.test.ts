import {
  TestDatabases,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  AuthProviderRegistrationOptions,
  authProvidersExtensionPoint,
} from '@backstage/plugin-auth-node';
import request from 'supertest';
import { authModuleLdapProvider } from './module';
import { SIGN_IN_THROTTLE_TABLE } from './DatabaseSignInThrottleStore';
import { startLdapAuthBackend } from './__testUtils__/authBackend';
import {
  ROOT_DN,
  ROOT_PASSWORD,
  startOpenLdap,
} from './__testUtils__/directory';

const ldapBlock = (url: string) => ({
  cookies: { secure: true, field: 'backstage-token' },
  ldapAuthenticationOptions: {
    userSearchBase: 'ou=people,dc=example,dc=com',
    usernameAttribute: 'uid',
    adminDn: 'cn=admin,dc=example,dc=com',
    adminPassword: 'secret',
    ldapOpts: { url, tlsOptions: { rejectUnauthorized: true } },
  },
});

/** The auth plugin with this module, a catalog and the given `auth.providers.ldap`. */
function startAuthBackend(ldap: object) {
  return startLdapAuthBackend({ ldap });
}

describe('authModuleLdapProvider', () => {
  // The warning test names a PostgreSQL server in the config; the auth
  // plugin's own tables go to SQLite in memory regardless.
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

  it('registers the ldap provider with the auth plugin', async () => {
    const registered: AuthProviderRegistrationOptions[] = [];
    const backend = await startTestBackend({
      extensionPoints: [
        [
          authProvidersExtensionPoint,
          {
            registerProvider: (p: AuthProviderRegistrationOptions) =>
              void registered.push(p),
          },
        ],
      ],
      features: [authModuleLdapProvider],
    });
    await backend.stop();

    expect(registered).toEqual([
      { providerId: 'ldap', factory: expect.any(Function) },
    ]);
  });

  it('mounts /refresh and /logout for the environment auth.environment selects', async () => {
    const backend = await startAuthBackend({
      // nothing listens on port 1: only production is used
      development: ldapBlock('ldap://127.0.0.1:1'),
      production: ldapBlock('ldap://127.0.0.1:1'),
    });
    try {
      const refresh = await request(backend.server)
        .post('/api/auth/ldap/refresh')
        .set('X-Requested-With', 'XMLHttpRequest');
      expect(refresh.status).toBe(401);
      expect(refresh.body.error.message).toMatch(/No valid LDAP session/);

      const logout = await request(backend.server)
        .post('/api/auth/ldap/logout')
        .set('X-Requested-With', 'XMLHttpRequest');
      expect(logout.status).toBe(200);
    } finally {
      await backend.stop();
    }
  });

  // Without presets the module knows no variable: it names the key (the
  // identity module's routes test checks the ldap preset's variable).
  it('warns at boot, naming the key, when replicas would not share sessions', async () => {
    const startWith = async (database: object, cookies: object) => {
      const logger = mockServices.logger.mock();
      logger.child.mockReturnValue(logger);
      const knex = await databases.init('SQLITE_3');
      const backend = await startLdapAuthBackend({
        ldap: {
          production: { ...ldapBlock('ldap://127.0.0.1:1'), cookies },
        },
        backend: { database },
        features: [mockServices.database.factory({ knex }), logger.factory],
      });
      await backend.stop();
      return logger.warn.mock.calls
        .map(([message]) => message)
        .filter(message => /cookies\.secret/.test(message));
    };
    const pg = { client: 'pg', connection: { host: 'db.example.com' } };

    expect(await startWith(pg, { secure: true })).toEqual([
      expect.stringMatching(
        /^auth\.providers\.ldap\.production\.cookies\.secret is not set while the database is shared: .*Set auth\.providers\.ldap\.production\.cookies\.secret to /,
      ),
    ]);
    expect(
      await startWith(pg, { secure: true, secret: 's'.repeat(48) }),
    ).toEqual([]);
    expect(
      await startWith(
        { client: 'better-sqlite3', connection: ':memory:' },
        { secure: true },
      ),
    ).toEqual([]);
  });

  it("counts failed sign-ins in the auth plugin's database, where every replica sees them", async () => {
    const slapd = await startOpenLdap();
    const knex = await databases.init('SQLITE_3');
    const backend = await startLdapAuthBackend({
      ldap: {
        production: {
          ...ldapBlock(slapd.url),
          ldapAuthenticationOptions: {
            ...ldapBlock(slapd.url).ldapAuthenticationOptions,
            adminDn: ROOT_DN,
            adminPassword: ROOT_PASSWORD,
          },
        },
      },
      features: [mockServices.database.factory({ knex })],
    });
    try {
      const res = await request(backend.server)
        .post('/api/auth/ldap/refresh')
        .set('X-Requested-With', 'XMLHttpRequest')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ username: 'ana', password: 'wrong' }));
      expect(res.status).toBe(401);
      const rows = await knex(SIGN_IN_THROTTLE_TABLE).select('key', 'failures');
      expect(rows).toEqual(
        expect.arrayContaining([
          { key: expect.stringMatching(/^ldap:username:/), failures: 1 },
          { key: expect.stringMatching(/^ldap:address:/), failures: 1 },
        ]),
      );
      expect(rows).toHaveLength(2);
    } finally {
      await backend.stop();
      await slapd.remove();
    }
  });

  it('refuses to start with a broken configuration, naming every problem', async () => {
    const result = startAuthBackend({
      production: {
        ldapAuthenticationOptions: {
          usernameAttribute: 'uid)(x',
          ldapOpts: { url: 'http://ldap.example.com' },
        },
      },
    });
    await expect(result).rejects.toThrow(
      /Failed to initialize ldap auth provider, Invalid LDAP sign-in configuration at auth\.providers\.ldap\.production: .*userSearchBase.*usernameAttribute.*adminDn.*adminPassword.*ldap:\/\/ or ldaps:\/\//,
    );
  });
});
