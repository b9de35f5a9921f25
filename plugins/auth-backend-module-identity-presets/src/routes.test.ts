/*
 * The auth routes of the selected identity preset, driven through the real
 * auth plugin with supertest, as upstream's provider modules test theirs.
 */
import path from 'path';
import request from 'supertest';
import { BackendFeature } from '@backstage/backend-plugin-api';
import {
  createMockDirectory,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import authPlugin from '@backstage/plugin-auth-backend';
import { resolvePresetsOrThrow } from '@devportal/plugin-presets-common';
import {
  presetsRootConfigServiceFactory,
  presetsServiceFactory,
} from '@devportal/plugin-presets-node';
import identityPresetsAuthFeatures from './index';

const repoRoot = path.resolve(__dirname, '../../..');

async function authBackend(
  env: Record<string, string>,
  extra: BackendFeature[] = [],
) {
  const resolution = resolvePresetsOrThrow({ env, rootDir: repoRoot });
  return startTestBackend({
    features: [
      ...extra,
      authPlugin,
      identityPresetsAuthFeatures,
      presetsServiceFactory({ resolution }),
      presetsRootConfigServiceFactory({
        resolution,
        env,
        argv: [],
        rootDir: repoRoot,
        watch: false,
      }),
      mockServices.database.factory(),
    ],
  });
}

/** The redirect of `/start`, split into the authorize URL and its parameters. */
async function startRedirect(
  server: Parameters<typeof request>[0],
  providerId: string,
) {
  const res = await request(server).get(
    `/api/auth/${providerId}/start?env=production`,
  );
  expect(res.status).toBe(302);
  const location = new URL(res.header.location);
  return {
    authorizeUrl: `${location.origin}${location.pathname}`,
    params: location.searchParams,
  };
}

const GITHUB_AUTH = {
  VEECODE_PRESETS: 'github-auth',
  GITHUB_PAT: 'ghp_test',
  GITHUB_ORG: 'acme',
  GITHUB_AUTH_CLIENT_ID: 'gh-client',
  GITHUB_AUTH_CLIENT_SECRET: 'gh-secret',
};

describe('identity preset auth routes', () => {
  it.each([
    [
      'github-auth, on GitHub Enterprise Server',
      { ...GITHUB_AUTH, GITHUB_BASE_URL: 'https://ghe.example.com' },
      'github',
      'https://ghe.example.com/login/oauth/authorize',
      'gh-client',
    ],
    [
      'github-auth, on github.com by default',
      GITHUB_AUTH,
      'github',
      'https://github.com/login/oauth/authorize',
      'gh-client',
    ],
    [
      'gitlab, self-hosted on another port',
      {
        VEECODE_PRESETS: 'gitlab',
        GITLAB_HOST: 'gitlab.example.com',
        GITLAB_BASE_URL: 'https://gitlab.example.com:8443',
        GITLAB_AUTH_CLIENT_ID: 'gl-client',
        GITLAB_AUTH_CLIENT_SECRET: 'gl-secret',
        GITLAB_TOKEN: 'glpat-test',
        GITLAB_GROUP: 'acme',
      },
      'gitlab',
      'https://gitlab.example.com:8443/oauth/authorize',
      'gl-client',
    ],
    [
      'azure-auth, in a national cloud',
      {
        VEECODE_PRESETS: 'azure-auth',
        AZURE_AUTH_TENANT_ID: 'contoso-tenant',
        AZURE_AUTH_CLIENT_ID: 'entra-client',
        AZURE_AUTH_CLIENT_SECRET: 'entra-secret',
        AZURE_AUTH_AUTHORITY: 'https://login.microsoftonline.us',
      },
      'microsoft',
      'https://login.microsoftonline.us/contoso-tenant/oauth2/v2.0/authorize',
      'entra-client',
    ],
  ])(
    '%s: /start sends people to the provider the variables name, and back to its handler',
    async (_label, env, providerId, expectedAuthorizeUrl, clientId) => {
      const backend = await authBackend(env);
      try {
        const { authorizeUrl, params } = await startRedirect(
          backend.server,
          providerId,
        );
        expect(authorizeUrl).toBe(expectedAuthorizeUrl);
        expect(params.get('client_id')).toBe(clientId);
        expect(params.get('redirect_uri')).toMatch(
          new RegExp(`/api/auth/${providerId}/handler/frame$`),
        );
        // guest sign-in is not registered next to a real identity provider
        const guest = await request(backend.server)
          .post('/api/auth/guest/refresh')
          .set('X-Requested-With', 'XMLHttpRequest');
        expect(guest.status).toBe(404);
      } finally {
        await backend.stop();
      }
    },
  );

  // Moved from the LDAP module's own test, which has no presets: the key
  // alone is what it can name there.
  it('warns at boot, naming AUTH_SESSION_SECRET, when replicas would not share LDAP sessions', async () => {
    const dbDir = createMockDirectory();
    const logger = mockServices.logger.mock();
    logger.child.mockReturnValue(logger);
    const backend = await authBackend(
      {
        VEECODE_PRESETS: 'ldap',
        LDAP_URL: 'ldap://127.0.0.1:1',
        LDAP_DN: 'cn=admin,dc=example,dc=com',
        LDAP_SECRET: 'secret',
        LDAP_USERS_BASE_DN: 'ou=people,dc=example,dc=com',
        LDAP_GROUPS_BASE_DN: 'ou=groups,dc=example,dc=com',
        // SQLite files on disk: a database that outlives the process
        DEVPORTAL_DB_PATH: dbDir.path,
      },
      [logger.factory],
    );
    await backend.stop();
    expect(
      logger.warn.mock.calls
        .map(([message]) => message)
        .filter(message => /cookies\.secret/.test(message)),
    ).toEqual([
      expect.stringMatching(
        /^auth\.providers\.ldap\.production\.cookies\.secret is not set while the database is shared: .*Set AUTH_SESSION_SECRET /,
      ),
    ]);
  });
});
