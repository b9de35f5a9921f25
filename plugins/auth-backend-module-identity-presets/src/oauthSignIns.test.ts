/*
 * OAuth sign-ins recorded through the real auth plugin: the github-auth
 * fixture preset signs people in at the fake GitHub (its OAuth wire
 * protocol), driven over HTTP as a browser would, and so does a provider
 * another backend module adds through identityAuthProvidersExtensionPoint
 * (upstream's GitHub authenticator under a provider id of its own). The
 * audit events are read from the backend's root logger, where Backstage's
 * auditor writes them.
 */
import request from 'supertest';
import { createMockDirectory } from '@backstage/backend-test-utils';
import {
  githubAuthenticator,
  githubSignInResolvers,
} from '@backstage/plugin-auth-backend-module-github-provider';
import { createOAuthProviderFactory } from '@backstage/plugin-auth-node';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { FIXTURE_CATALOG_ROOT } from '@devportal/test-utils/src/fixtures/presetCatalog';
import {
  FakeGithub,
  startFakeGithub,
} from '@devportal/test-utils/src/fakes/github';
import { frameMessage } from '@devportal/test-utils/src/backend/oauthHandler';
import { captureLogs } from '@devportal/test-utils/src/backend/logCapture';
import { acmeProviderModule } from './__testUtils__/acmeProvider';
import { authBackend } from './__testUtils__/authBackend';
import { queriedIdentity } from './oauthSignIns';

/** Where GitHub sends people back; the test carries the code there itself. */
const CALLBACK_PORT = 7007;
const OAUTH_APP = {
  clientId: 'Iv1.signins0123456',
  clientSecret: 'gh-signins-secret-Zr4',
  // Every provider's frame handler of the backend is below it.
  callbackUrl: `http://127.0.0.1:${CALLBACK_PORT}/api/auth/`,
};
const callbackOf = (providerId: string) =>
  `${OAUTH_APP.callbackUrl}${providerId}/handler/frame`;

/** The catalog the sign-in resolvers ask: Ana is in it, Eve is not. */
const catalog = () =>
  catalogServiceMock.factory({
    entities: [
      {
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'User',
        metadata: { name: 'ana', namespace: 'default' },
        spec: { memberOf: [] },
      },
    ],
  });

let github: FakeGithub;
const logs = captureLogs();

beforeAll(async () => {
  github = await startFakeGithub({
    org: 'acme',
    pat: 'ghp_signinsPat0123456789abcdefABCDEF0123',
    oauthApp: OAUTH_APP,
    users: [
      { login: 'ana', email: 'ana@acme.example', password: 'ana-pass-1' },
      {
        login: 'eve',
        email: 'eve@elsewhere.example',
        password: 'eve-pass-1',
      },
    ],
    members: ['ana'],
  });
});

afterAll(async () => {
  await github?.stop();
});

const signInEvents = () =>
  logs.auditEvents().filter(e => e.eventId === 'sign-in-failed');

/** A person's way through `/api/auth/<providerId>` and the fake GitHub. */
function oauthFlow(server: Parameters<typeof request>[0], providerId: string) {
  /** `/start`: the provider's authorize URL and the nonce cookie the frame handler checks. */
  async function start() {
    const res = await request(server).get(
      `/api/auth/${providerId}/start?env=production`,
    );
    expect(res.status).toBe(302);
    // The first Set-Cookie clears an older nonce on another path.
    const cookies = ([] as string[])
      .concat(res.headers['set-cookie'] ?? [])
      .map(c => c.split(';')[0])
      .filter(c => !c.endsWith('='))
      .join('; ');
    return { authorize: new URL(res.headers.location), cookies };
  }

  /** Back at the frame handler with what the provider put on the callback URL. */
  async function frame(cookies: string, search: string) {
    const res = await request(server)
      .get(`/api/auth/${providerId}/handler/frame${search}`)
      .set('Cookie', cookies);
    return frameMessage(res.text, res.status);
  }

  /** A person signs in at GitHub and is sent back to the backend. */
  async function signIn(login: string, password: string) {
    const { authorize, cookies } = await start();
    const session = await fetch(`${github.baseUrl}/session`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        login,
        password,
        return_to: `${authorize.pathname}${authorize.search}`,
      }).toString(),
    });
    const userSession = session.headers.get('set-cookie')!.split(';')[0];
    const back = await fetch(authorize, {
      redirect: 'manual',
      headers: { cookie: userSession },
    });
    return frame(cookies, new URL(back.headers.get('location')!).search);
  }

  return { start, frame, signIn };
}

describe('OAuth sign-ins (github-auth at the fake GitHub)', () => {
  let server: Parameters<typeof request>[0];
  let stop: () => Promise<void>;
  let flow: ReturnType<typeof oauthFlow>;

  beforeAll(async () => {
    const backend = await authBackend(
      FIXTURE_CATALOG_ROOT,
      {
        VEECODE_PRESETS: 'github-auth',
        ...github.presetsEnv,
        APP_CONFIG_auth_providers_github_production_callbackUrl:
          callbackOf('github'),
      },
      [logs.factory, catalog()],
    );
    server = backend.server;
    stop = () => backend.stop();
    flow = oauthFlow(server, 'github');
  });

  afterAll(async () => {
    await stop?.();
  });

  it('audits a person the catalog does not know, with what GitHub reported, and not one who signs in', async () => {
    expect((await flow.signIn('ana', 'ana-pass-1')).response).toMatchObject({
      backstageIdentity: { identity: { userEntityRef: 'user:default/ana' } },
    });
    expect(signInEvents()).toEqual([]);

    const refused = await flow.signIn('eve', 'eve-pass-1');
    expect(refused.error?.message).toMatch(/unable to resolve user identity/);
    const events = signInEvents();
    expect(events.map(e => e.status)).toEqual(['initiated', 'failed']);
    expect(events[1]).toMatchObject({
      plugin: 'auth',
      severityLevel: 'medium',
      meta: {
        provider: 'github',
        username: 'eve',
        email: 'eve@elsewhere.example',
      },
    });
    const logged = JSON.stringify(logs.entries());
    expect(logged).not.toContain('gh-signins-secret-Zr4');
    expect(logged).not.toContain('eve-pass-1');
  });

  it('records nothing when the person cancels at GitHub: no sign-in was attempted', async () => {
    const before = signInEvents().length;
    const { authorize, cookies } = await flow.start();
    const cancelled = await flow.frame(
      cookies,
      `?${new URLSearchParams({
        error: 'access_denied',
        error_description: 'The user has denied your application access.',
        state: authorize.searchParams.get('state')!,
      })}`,
    );
    expect(cancelled.error?.message).toMatch(/denied your application/);
    expect(signInEvents()).toHaveLength(before);
  });
});

describe("sign-ins through a provider another module adds (acme: upstream's GitHub authenticator at the fake GitHub)", () => {
  const presets = createMockDirectory();
  let server: Parameters<typeof request>[0];
  let stop: () => Promise<void>;
  let flow: ReturnType<typeof oauthFlow>;

  /** A preset author's module: their own provider id, upstream's authenticator and resolver. */
  const acmeModule = acmeProviderModule(
    'acme-sso-provider',
    createOAuthProviderFactory({
      authenticator: githubAuthenticator,
      signInResolverFactories: {
        usernameMatchingUserEntityName:
          githubSignInResolvers.usernameMatchingUserEntityName,
      },
    }),
  );

  beforeAll(async () => {
    presets.setContent({
      'acme-sso.yaml': [
        'name: acme-sso',
        'description: Acme single sign-on',
        'version: 1.0.0',
        'exclusive_group: identity',
        'appConfig:',
        '  auth:',
        '    environment: production',
        '    providers:',
        '      acme:',
        '        production:',
        `          clientId: ${OAUTH_APP.clientId}`,
        `          clientSecret: ${OAUTH_APP.clientSecret}`,
        `          enterpriseInstanceUrl: ${github.baseUrl}`,
        `          callbackUrl: ${callbackOf('acme')}`,
        '          signIn:',
        '            resolvers:',
        '              - resolver: usernameMatchingUserEntityName',
        '',
      ].join('\n'),
    });
    const backend = await authBackend(
      FIXTURE_CATALOG_ROOT,
      { VEECODE_PRESETS: 'acme-sso', VEECODE_PRESETS_PATH: presets.path },
      [acmeModule, logs.factory, catalog()],
    );
    server = backend.server;
    stop = () => backend.stop();
    flow = oauthFlow(server, 'acme');
  });

  afterAll(async () => {
    await stop?.();
  });

  it('audits a person the catalog does not know, with whom the resolver asked the catalog for, and not one who signs in', async () => {
    const before = signInEvents().length;
    expect((await flow.signIn('ana', 'ana-pass-1')).response).toMatchObject({
      backstageIdentity: { identity: { userEntityRef: 'user:default/ana' } },
    });
    expect(signInEvents()).toHaveLength(before);

    const refused = await flow.signIn('eve', 'eve-pass-1');
    expect(refused.error).toBeDefined();
    const events = signInEvents().slice(before);
    expect(events.map(e => e.status)).toEqual(['initiated', 'failed']);
    expect(events[1]).toMatchObject({
      plugin: 'auth',
      meta: { provider: 'acme', username: 'eve' },
    });
    expect(JSON.stringify(logs.entries())).not.toContain('eve-pass-1');
  });

  it('records nothing when the person cancels at the provider', async () => {
    const before = signInEvents().length;
    const { authorize, cookies } = await flow.start();
    const cancelled = await flow.frame(
      cookies,
      `?${new URLSearchParams({
        error: 'access_denied',
        state: authorize.searchParams.get('state')!,
      })}`,
    );
    expect(cancelled.error).toBeDefined();
    expect(signInEvents()).toHaveLength(before);
  });
});

describe('queriedIdentity', () => {
  it('names whom a resolver asked the catalog for: an entity ref, or annotation values (an email under an email key), never a filter', () => {
    expect(queriedIdentity({ entityRef: 'user:default/eve' })).toEqual({
      username: 'eve',
    });
    expect(queriedIdentity({ entityRef: { name: 'eve' } })).toEqual({
      username: 'eve',
    });
    expect(
      queriedIdentity({
        annotations: {
          'acme.com/email': 'eve@acme.example',
          'acme.com/login': 'eve',
        },
      }),
    ).toEqual({ username: 'eve', email: 'eve@acme.example' });
    expect(queriedIdentity({ filter: { 'spec.profile.email': 'x' } })).toEqual(
      {},
    );
  });
});
