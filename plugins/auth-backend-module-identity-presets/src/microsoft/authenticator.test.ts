import { createServer, IncomingMessage, Server, ServerResponse } from 'http';
import { AddressInfo } from 'net';
import type { Request } from 'express';
import { ConfigReader } from '@backstage/config';
import { microsoftAuthenticator } from './authenticator';

const TENANT = 'acme-tenant';
const CALLBACK = 'http://127.0.0.1:7007/api/auth/microsoft/handler/frame';
const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const PHOTO = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);

/** An access token shaped like Entra's: a JWT whose claims say which resource and scopes it is for. */
function accessToken(claims: Record<string, unknown>): string {
  const part = (o: object) =>
    Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ typ: 'JWT', alg: 'RS256' })}.${part(claims)}.c2ln`;
}

const GRAPH_TOKEN = accessToken({ aud: GRAPH_APP_ID, scp: 'User.Read email' });
const OTHER_RESOURCE_TOKEN = accessToken({
  aud: 'api://other',
  scp: 'things.read',
});

interface Recorded {
  method: string;
  path: string;
  authorization?: string;
  form?: URLSearchParams;
}

/**
 * One loopback server standing in for both the authority (under /login)
 * and Graph (under /graph/v1.0), so every URL the authenticator builds is
 * visible: a request the test did not expect answers 404.
 */
class FakeEntra {
  readonly requests: Recorded[] = [];
  /** The access token the next authorization_code grant returns. */
  codeGrantToken = GRAPH_TOKEN;
  #server: Server = createServer((req, res) => this.#handle(req, res));

  async listen(): Promise<string> {
    await new Promise<void>(r => this.#server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  close() {
    this.#server.closeAllConnections();
    return new Promise(r => this.#server.close(r));
  }

  async #handle(req: IncomingMessage, res: ServerResponse) {
    let body = '';
    for await (const chunk of req) body += chunk;
    const path = new URL(req.url!, 'http://x').pathname;
    const form = body ? new URLSearchParams(body) : undefined;
    this.requests.push({
      method: req.method!,
      path,
      authorization: req.headers.authorization,
      form,
    });
    const json = (status: number, value: object) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    if (path === `/login/${TENANT}/oauth2/v2.0/token` && form) {
      const grant = form.get('grant_type');
      const token =
        grant === 'authorization_code' ? this.codeGrantToken : GRAPH_TOKEN;
      json(200, {
        token_type: 'Bearer',
        scope: 'openid email User.Read',
        expires_in: 3599,
        access_token: token,
        refresh_token: `refresh-after-${grant}`,
        id_token: accessToken({ email: 'ana@acme.example' }),
      });
    } else if (
      path === '/graph/v1.0/me' &&
      req.headers.authorization === `Bearer ${GRAPH_TOKEN}`
    ) {
      json(200, {
        id: 'ana-object-id',
        displayName: 'Ana Lima',
        givenName: 'Ana',
        surname: 'Lima',
        mail: 'ana@acme.example',
        userPrincipalName: 'ana@acme.onmicrosoft.example',
      });
    } else if (path === '/graph/v1.0/me/photos/96x96/$value') {
      res.writeHead(200, { 'Content-Type': 'image/jpeg' });
      res.end(PHOTO);
    } else {
      json(404, { error: { code: 'NotFound', message: path } });
    }
  }
}

function initialize(config: Record<string, unknown>) {
  return microsoftAuthenticator.initialize({
    callbackUrl: CALLBACK,
    config: new ConfigReader({
      clientId: 'portal-client',
      clientSecret: 'portal-secret',
      tenantId: TENANT,
      ...config,
    } as any),
  });
}

function callbackRequest(code: string): Request {
  return { query: { code, state: 'state-1' }, url: '/handler/frame' } as any;
}

describe('microsoftAuthenticator', () => {
  const entra = new FakeEntra();
  let base: string;

  beforeAll(async () => {
    base = await entra.listen();
  });
  afterAll(() => entra.close());
  beforeEach(() => {
    entra.requests.length = 0;
    entra.codeGrantToken = GRAPH_TOKEN;
  });

  it('redirects to the authorize endpoint of the configured authority and tenant', async () => {
    const ctx = initialize({
      authority: 'https://login.microsoftonline.us/',
      domainHint: 'acme.example',
    });
    const { url } = await microsoftAuthenticator.start(
      {
        req: { query: {} } as Request,
        scope: 'openid email offline_access user.read',
        state: 'state-1',
      },
      ctx,
    );
    const redirect = new URL(url);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(
      `https://login.microsoftonline.us/${TENANT}/oauth2/v2.0/authorize`,
    );
    expect(Object.fromEntries(redirect.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: 'portal-client',
      redirect_uri: CALLBACK,
      scope: 'openid email offline_access user.read',
      state: 'state-1',
      domain_hint: 'acme.example',
    });
  });

  it('defaults to the public cloud authority', async () => {
    const { url } = await microsoftAuthenticator.start(
      { req: { query: {} } as Request, scope: 'openid', state: 's' },
      initialize({}),
    );
    expect(url).toMatch(
      new RegExp(
        `^https://login\\.microsoftonline\\.com/${TENANT}/oauth2/v2\\.0/authorize\\?`,
      ),
    );
  });

  it("exchanges the code at the authority's token endpoint and reads the profile from the configured Graph", async () => {
    const ctx = initialize({
      authority: `${base}/login`,
      graphBaseUrl: `${base}/graph/v1.0/`,
    });
    const result = await microsoftAuthenticator.authenticate(
      { req: callbackRequest('code-1') },
      ctx,
    );

    const [token, me, photo, ...rest] = entra.requests;
    expect(rest).toEqual([]);
    expect(token.path).toBe(`/login/${TENANT}/oauth2/v2.0/token`);
    expect(Object.fromEntries(token.form!)).toMatchObject({
      grant_type: 'authorization_code',
      code: 'code-1',
      redirect_uri: CALLBACK,
      client_id: 'portal-client',
      client_secret: 'portal-secret',
    });
    expect(me).toMatchObject({
      path: '/graph/v1.0/me',
      authorization: `Bearer ${GRAPH_TOKEN}`,
    });
    expect(photo.path).toBe('/graph/v1.0/me/photos/96x96/$value');

    // upstream's shape: the resolvers read fullProfile.id and the emails
    expect(result.fullProfile).toMatchObject({
      provider: 'microsoft',
      id: 'ana-object-id',
      displayName: 'Ana Lima',
      name: { givenName: 'Ana', familyName: 'Lima' },
      emails: [{ type: 'work', value: 'ana@acme.example' }],
      photos: [{ value: `data:image/jpeg;base64,${PHOTO.toString('base64')}` }],
    });
    expect(result.session).toMatchObject({
      accessToken: GRAPH_TOKEN,
      refreshToken: 'refresh-after-authorization_code',
      expiresInSeconds: 3599,
    });
    const { profile } = await microsoftAuthenticator.defaultProfileTransform(
      result,
      {} as any,
    );
    expect(profile).toEqual({
      email: 'ana@acme.example',
      displayName: 'Ana Lima',
      picture: `data:image/jpeg;base64,${PHOTO.toString('base64')}`,
    });
  });

  it("gets the profile with a Graph token when sign-in was for another resource's scopes", async () => {
    entra.codeGrantToken = OTHER_RESOURCE_TOKEN;
    const ctx = initialize({
      authority: `${base}/login`,
      graphBaseUrl: `${base}/graph/v1.0`,
    });
    const result = await microsoftAuthenticator.authenticate(
      { req: callbackRequest('code-2') },
      ctx,
    );
    const paths = entra.requests.map(r => r.path);
    expect(paths).toEqual([
      `/login/${TENANT}/oauth2/v2.0/token`,
      `/login/${TENANT}/oauth2/v2.0/token`,
      '/graph/v1.0/me',
      '/graph/v1.0/me/photos/96x96/$value',
    ]);
    expect(Object.fromEntries(entra.requests[1].form!)).toMatchObject({
      grant_type: 'refresh_token',
      refresh_token: 'refresh-after-authorization_code',
      scope: 'openid email User.Read offline_access',
    });
    expect(result.fullProfile.id).toBe('ana-object-id');
    expect(result.session.accessToken).toBe(OTHER_RESOURCE_TOKEN);
    expect(result.session.refreshToken).toBe('refresh-after-refresh_token');
  });

  it('reads no profile with skipUserProfile', async () => {
    const ctx = initialize({
      authority: `${base}/login`,
      graphBaseUrl: `${base}/graph/v1.0`,
      skipUserProfile: true,
    });
    const result = await microsoftAuthenticator.authenticate(
      { req: callbackRequest('code-3') },
      ctx,
    );
    expect(entra.requests.map(r => r.path)).toEqual([
      `/login/${TENANT}/oauth2/v2.0/token`,
    ]);
    expect(result.fullProfile).toBeUndefined();
  });

  it('refuses an authority that is not a URL, naming the key', () => {
    expect(() => initialize({ authority: 'login.microsoftonline.us' })).toThrow(
      /'authority' must be an absolute URL/,
    );
  });
});
