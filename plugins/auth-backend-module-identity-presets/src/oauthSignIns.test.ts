/*
 * OAuth sign-ins recorded through the real auth plugin: the github-auth
 * fixture preset signs people in at the fake GitHub (its OAuth wire
 * protocol), driven over HTTP as a browser would; the audit events are read
 * from the backend's root logger, where Backstage's auditor writes them.
 */
import request from 'supertest';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { FIXTURE_CATALOG_ROOT } from '@devportal/test-utils/src/fixtures/presetCatalog';
import {
  FakeGithub,
  oauthAppOfBackend,
  startFakeGithub,
} from '@devportal/test-utils/src/fakes/github';
import { frameMessage } from '@devportal/test-utils/src/backend/oauthHandler';
import { captureLogs } from '@devportal/test-utils/src/backend/logCapture';
import { authBackend } from './__testUtils__/authBackend';

/** Where GitHub sends people back; the test carries the code there itself. */
const CALLBACK_PORT = 7007;

describe('OAuth sign-ins (github-auth at the fake GitHub)', () => {
  let github: FakeGithub;
  let server: Parameters<typeof request>[0];
  let stop: () => Promise<void>;
  const logs = captureLogs();

  beforeAll(async () => {
    const oauthApp = oauthAppOfBackend(CALLBACK_PORT, {
      clientId: 'Iv1.signins0123456',
      clientSecret: 'gh-signins-secret-Zr4',
    });
    github = await startFakeGithub({
      org: 'acme',
      pat: 'ghp_signinsPat0123456789abcdefABCDEF0123',
      oauthApp,
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
    const backend = await authBackend(
      FIXTURE_CATALOG_ROOT,
      {
        VEECODE_PRESETS: 'github-auth',
        ...github.presetsEnv,
        APP_CONFIG_auth_providers_github_production_callbackUrl:
          oauthApp.callbackUrl,
      },
      [
        logs.factory,
        catalogServiceMock.factory({
          entities: [
            {
              apiVersion: 'backstage.io/v1alpha1',
              kind: 'User',
              metadata: { name: 'ana', namespace: 'default' },
              spec: { memberOf: [] },
            },
          ],
        }),
      ],
    );
    server = backend.server;
    stop = () => backend.stop();
  });

  afterAll(async () => {
    await stop?.();
    await github?.stop();
  });

  /** `/start`: the provider's authorize URL and the nonce cookie the frame handler checks. */
  async function start() {
    const res = await request(server).get(
      '/api/auth/github/start?env=production',
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
      .get(`/api/auth/github/handler/frame${search}`)
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

  const signInEvents = () =>
    logs.auditEvents().filter(e => e.eventId === 'sign-in-failed');

  it('audits a person the catalog does not know, with what GitHub reported, and not one who signs in', async () => {
    expect((await signIn('ana', 'ana-pass-1')).response).toMatchObject({
      backstageIdentity: { identity: { userEntityRef: 'user:default/ana' } },
    });
    expect(signInEvents()).toEqual([]);

    const refused = await signIn('eve', 'eve-pass-1');
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
    const { authorize, cookies } = await start();
    const cancelled = await frame(
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
