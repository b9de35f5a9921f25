/*
 * The shipped identity presets' auth routes, driven through the real auth
 * plugin with supertest: each one sends people to the provider its
 * variables name, and back to its handler.
 */
import path from 'path';
import request from 'supertest';
import { authBackend, startRedirect } from './__testUtils__/authBackend';

/** The repository root, whose presets/ is the shipped catalog. */
const repoRoot = path.resolve(__dirname, '../../..');

const GITHUB_AUTH = {
  VEECODE_PRESETS: 'github-auth',
  GITHUB_PAT: 'ghp_test',
  GITHUB_ORG: 'acme',
  GITHUB_AUTH_CLIENT_ID: 'gh-client',
  GITHUB_AUTH_CLIENT_SECRET: 'gh-secret',
};

const OKTA = {
  VEECODE_PRESETS: 'okta',
  OKTA_ORG_URL: 'https://acme.okta.com',
  OKTA_CLIENT_ID: 'okta-client',
  OKTA_CLIENT_SECRET: 'okta-secret',
  OKTA_API_TOKEN: 'okta-api-token',
};

describe('shipped identity preset auth routes', () => {
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
    [
      'okta, on the org authorization server (an org URL with a trailing slash)',
      { ...OKTA, OKTA_ORG_URL: 'https://acme.okta.com/' },
      'okta',
      'https://acme.okta.com/oauth2/v1/authorize',
      'okta-client',
    ],
    [
      'okta, on a custom authorization server',
      { ...OKTA, OKTA_AUTH_SERVER_ID: 'default' },
      'okta',
      'https://acme.okta.com/oauth2/default/v1/authorize',
      'okta-client',
    ],
  ])(
    '%s: /start sends people to the provider the variables name, and back to its handler',
    async (_label, env, providerId, expectedAuthorizeUrl, clientId) => {
      const backend = await authBackend(repoRoot, env);
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
});
