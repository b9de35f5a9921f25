import { mockServices } from '@backstage/backend-test-utils';
import type { SlapdServer } from '@devportal/test-utils/src/daemons/slapd';
import { Client } from 'ldapts';
import request from 'supertest';
import { startLdapAuthBackend } from './__testUtils__/authBackend';
import {
  catalogEntities,
  ROOT_DN,
  ROOT_PASSWORD,
  startOpenLdap,
} from './__testUtils__/directory';

type Server = Parameters<typeof request>[0];

const XHR = { 'X-Requested-With': 'XMLHttpRequest' };
const COOKIE = 'backstage-token';

function providerConfig(url: string, extra: object = {}) {
  return {
    cookies: { secure: true, field: COOKIE },
    ldapAuthenticationOptions: {
      userSearchBase: 'ou=people,dc=example,dc=com',
      usernameAttribute: 'uid',
      adminDn: ROOT_DN,
      adminPassword: ROOT_PASSWORD,
      ldapOpts: { url, tlsOptions: { rejectUnauthorized: true } },
    },
    ...extra,
  };
}

async function startBackend(slapd: SlapdServer, extra: object = {}) {
  const backend = await startLdapAuthBackend({
    ldap: { production: providerConfig(slapd.url, extra) },
    entities: catalogEntities,
    features: [mockServices.rootLogger.factory({ level: 'debug' })],
  });
  return { server: backend.server as Server, stop: () => backend.stop() };
}

function signIn(server: Server, body: unknown) {
  return request(server)
    .post('/api/auth/ldap/refresh')
    .set(XHR)
    .set('Content-Type', 'application/json')
    .send(JSON.stringify(body));
}

function sessionCookie(res: request.Response): string {
  const cookies = ([] as string[]).concat(res.get('Set-Cookie') ?? []);
  const cookie = cookies.find(c => c.startsWith(`${COOKIE}=`));
  if (!cookie) {
    throw new Error(`no ${COOKIE} cookie in ${JSON.stringify(cookies)}`);
  }
  return cookie;
}

function cookieValue(setCookie: string): string {
  return setCookie.split(';')[0].slice(COOKIE.length + 1);
}

function decodeJwtPayload(token: string) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

// Everything the backend logs (at debug level), to check what it says and
// that no password ever shows up in it.
const logged: string[] = [];
beforeAll(() => {
  for (const level of ['debug', 'info', 'warn', 'error'] as const) {
    jest.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logged.push(
        args
          .map(a => (typeof a === 'string' ? a : JSON.stringify(a)))
          .join(' '),
      );
    });
  }
});
afterAll(() => {
  jest.restoreAllMocks();
});

describe('LDAP sign-in through the auth backend', () => {
  let slapd: SlapdServer;
  let server: Server;
  let stopBackend: () => Promise<void>;

  beforeAll(async () => {
    slapd = await startOpenLdap();
    ({ server, stop: stopBackend } = await startBackend(slapd));
  }, 60_000);

  afterAll(async () => {
    await stopBackend?.();
    await slapd?.remove();
  });

  it('signs in with username and password: Backstage identity with group ownership, profile, session cookie', async () => {
    const res = await signIn(server, {
      username: 'ana',
      password: 'ana-password',
    });

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      profile: { email: 'ana@example.com', displayName: 'Ana Lima' },
      providerInfo: {},
      backstageIdentity: {
        token: expect.any(String),
        expiresInSeconds: expect.any(Number),
        identity: {
          type: 'user',
          userEntityRef: 'user:default/ana',
          ownershipEntityRefs: ['user:default/ana', 'group:default/team-a'],
        },
      },
    });
    expect(decodeJwtPayload(res.body.backstageIdentity.token)).toMatchObject({
      sub: 'user:default/ana',
      aud: 'backstage',
    });

    const cookie = sessionCookie(res);
    expect(cookie).toMatch(/; Path=\/api\/auth\/ldap(;|$)/);
    expect(cookie).toMatch(/; HttpOnly(;|$)/);
    expect(cookie).toMatch(/; Secure(;|$)/);
    expect(cookie).toMatch(/; SameSite=Lax(;|$)/);
    expect(cookie).toMatch(/; Expires=/);
    expect(cookie).not.toContain('ana-password');
    // The session is sealed: neither the username nor the password is in
    // the cookie, as text or base64url-encoded in any of its parts. (Its
    // ciphertext is random base64url, which may spell "ana" by chance, so
    // the text check looks for the name standing on its own.)
    const value = cookie.split(';')[0].slice(cookie.indexOf('=') + 1);
    expect(cookie).not.toMatch(/(^|[^A-Za-z0-9_-])ana([^A-Za-z0-9_-]|$)/);
    for (const part of value.split('.')) {
      const decoded = Buffer.from(part, 'base64url').toString('latin1');
      expect(decoded).not.toContain('"ana"');
      expect(decoded).not.toContain('ana-password');
    }
  });

  it('resolves nested-group members and non-ASCII passwords', async () => {
    const res = await signIn(server, {
      username: 'carla',
      password: 'Carla-pässwort 1',
    });
    expect(res.status).toBe(200);
    expect(res.body.backstageIdentity.identity.ownershipEntityRefs).toEqual([
      'user:default/carla',
      'group:default/engineering',
    ]);
  });

  it("maps the username in the directory's spelling to the User entity", async () => {
    const res = await signIn(server, {
      username: 'ANA',
      password: 'ana-password',
    });
    expect(res.status).toBe(200);
    expect(res.body.backstageIdentity.identity.userEntityRef).toBe(
      'user:default/ana',
    );
  });

  it('refuses every bad credential with the same 401, and binds nobody for them', async () => {
    const bind = jest.spyOn(Client.prototype, 'bind');
    const attempts = [
      { username: 'ana', password: 'wrong' },
      { username: 'ana', password: '' },
      { username: 'zoe', password: 'ana-password' },
      { username: '', password: 'ana-password' },
      { username: 'frank', password: 'frank-password' },
      { username: '*', password: 'ana-password' },
      { username: '*', password: '*' },
      { username: 'ana)(uid=*', password: 'ana-password' },
      { username: '*)(objectClass=*', password: 'ana-password' },
      { username: 'ana*', password: 'ana-password' },
    ];
    const responses = [];
    for (const attempt of attempts) {
      const res = await signIn(server, attempt);
      responses.push({
        status: res.status,
        body: res.body,
        cookie: res.get('Set-Cookie'),
      });
    }
    const bindCalls = [...bind.mock.calls];
    bind.mockRestore();

    for (const res of responses) {
      expect(res).toEqual(responses[0]);
    }
    expect(responses[0]).toEqual({
      status: 401,
      cookie: undefined,
      body: {
        error: {
          name: 'AuthenticationError',
          message: 'Invalid username or password',
        },
        request: { method: 'POST', url: '/ldap/refresh' },
        response: { statusCode: 401 },
      },
    });
    // Only the service account, ana (for the wrong password) and, for the
    // names that match no single entry, a DN that cannot exist ever bound:
    // never a DN built from input.
    const userBinds = bindCalls.map(c => c[0]).filter(dn => dn !== ROOT_DN);
    const decoy =
      /^cn=devportal-sign-in-decoy-[0-9a-f]{24},ou=people,dc=example,dc=com$/;
    expect(userBinds).toEqual([
      'uid=ana,ou=people,dc=example,dc=com',
      ...Array(userBinds.length - 1).fill(expect.stringMatching(decoy)),
    ]);
    // Every attempt with a name and a password cost one bind as a user, so
    // an unknown name is not answered faster than a wrong password.
    expect(userBinds).toHaveLength(
      attempts.filter(a => a.username !== '' && a.password !== '').length,
    );
    expect(bindCalls.filter(c => c[1] === '')).toEqual([]);
  });

  it('refuses a directory user without a User entity in the catalog', async () => {
    const res = await signIn(server, {
      username: 'dora',
      password: 'dora-password',
    });
    expect(res.status).toBe(403);
    expect(res.body.error.name).toBe('NotAllowedError');
    expect(res.body.error.message).toMatch(
      /no User entity in the catalog matches/,
    );
    expect(res.get('Set-Cookie')).toBeUndefined();
  });

  it('refreshes from the session cookie alone, and logout ends the session', async () => {
    const login = await signIn(server, {
      username: 'bruno',
      password: 'bruno-password',
    });
    expect(login.status).toBe(200);
    const cookie = `${COOKIE}=${cookieValue(sessionCookie(login))}`;

    const refreshed = await request(server)
      .post('/api/auth/ldap/refresh')
      .set(XHR)
      .set('Cookie', cookie);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.profile).toEqual({
      email: 'bruno@example.com',
      displayName: 'Bruno Costa',
    });
    expect(refreshed.body.backstageIdentity.identity).toEqual({
      type: 'user',
      userEntityRef: 'user:default/bruno',
      ownershipEntityRefs: ['user:default/bruno', 'group:default/team-b'],
    });
    expect(refreshed.body.backstageIdentity.token).not.toBe(
      login.body.backstageIdentity.token,
    );

    // the GET form the core auth connectors use works as well
    const viaGet = await request(server)
      .get('/api/auth/ldap/refresh')
      .set(XHR)
      .set('Cookie', cookie);
    expect(viaGet.status).toBe(200);

    // the sign-in page's logout: JSON body, no X-Requested-With
    const logout = await request(server)
      .post('/api/auth/ldap/logout')
      .set('Content-Type', 'application/json')
      .set('Cookie', cookie)
      .send(JSON.stringify({ token: refreshed.body.backstageIdentity.token }));
    expect(logout.status).toBe(200);
    const cleared = sessionCookie(logout);
    expect(cleared).toMatch(new RegExp(`^${COOKIE}=;`));
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect(cleared).toMatch(/; Path=\/api\/auth\/ldap(;|$)/);

    // a copy of the cookie kept after logout no longer works
    const afterLogout = await request(server)
      .post('/api/auth/ldap/refresh')
      .set(XHR)
      .set('Cookie', cookie);
    expect(afterLogout.status).toBe(401);
  });

  it('refuses a refresh without a session, or with a forged or foreign one', async () => {
    const none = await request(server).post('/api/auth/ldap/refresh').set(XHR);
    expect(none.status).toBe(401);
    expect(none.get('Set-Cookie')).toBeUndefined();

    const login = await signIn(server, {
      username: 'ana',
      password: 'ana-password',
    });
    const value = cookieValue(sessionCookie(login));
    const tampered =
      value.slice(0, -4) + (value.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const bad of [
      tampered,
      'garbage',
      login.body.backstageIdentity.token,
    ]) {
      const res = await request(server)
        .post('/api/auth/ldap/refresh')
        .set(XHR)
        .set('Cookie', `${COOKIE}=${bad}`);
      expect(res.status).toBe(401);
      expect(sessionCookie(res)).toMatch(/Expires=Thu, 01 Jan 1970/);
    }
  });

  it('requires X-Requested-With on refresh, and a non-simple request on logout', async () => {
    const res = await request(server)
      .post('/api/auth/ldap/refresh')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ username: 'ana', password: 'ana-password' }));
    expect(res.status).toBe(401);
    expect(res.body.error.message).toBe('Invalid X-Requested-With header');

    const form = await request(server)
      .post('/api/auth/ldap/logout')
      .type('form')
      .send('a=b');
    expect(form.status).toBe(401);
  });

  it('refuses a disallowed Origin', async () => {
    const res = await signIn(server, {
      username: 'ana',
      password: 'ana-password',
    }).set('Origin', 'https://evil.example.net');
    expect(res.status).toBe(403);
  });

  describe('malformed requests get 4xx, never 500', () => {
    const post = () => request(server).post('/api/auth/ldap/refresh').set(XHR);

    it.each([
      ['not JSON', 'application/json', '{"username": "ana", '],
      ['plain text', 'text/plain', 'username=ana&password=ana-password'],
      [
        'a form',
        'application/x-www-form-urlencoded',
        'username=ana&password=ana-password',
      ],
      ['a JSON array', 'application/json', '["ana", "ana-password"]'],
      ['a JSON string', 'application/json', '"ana"'],
      ['JSON null', 'application/json', 'null'],
      ['an empty JSON object', 'application/json', '{}'],
      ['no password', 'application/json', '{"username": "ana"}'],
      ['no username', 'application/json', '{"password": "ana-password"}'],
      [
        'a numeric password',
        'application/json',
        '{"username": "ana", "password": 123}',
      ],
      [
        'an array username',
        'application/json',
        '{"username": ["ana"], "password": "x"}',
      ],
      [
        'an object password',
        'application/json',
        '{"username": "ana", "password": {"$ne": ""}}',
      ],
      [
        'a null password',
        'application/json',
        '{"username": "ana", "password": null}',
      ],
      [
        'a huge username',
        'application/json',
        JSON.stringify({ username: 'a'.repeat(5000), password: 'x' }),
      ],
    ])('%s → 400', async (_, type, body) => {
      const res = await post().set('Content-Type', type).send(body);
      expect(res.status).toBe(400);
      expect(res.get('Set-Cookie')).toBeUndefined();
    });

    it('a 10 MB JSON body → 413', async () => {
      const res = await post()
        .set('Content-Type', 'application/json')
        .send(
          JSON.stringify({
            username: 'ana',
            password: 'x'.repeat(10 * 1024 * 1024),
          }),
        );
      expect(res.status).toBe(413);
    });

    it('a 10 MB non-JSON body → 4xx', async () => {
      const res = await post()
        .set('Content-Type', 'application/octet-stream')
        .send(Buffer.alloc(10 * 1024 * 1024, 0x61));
      expect(res.status).toBe(400);
    });
  });

  it('answers 503, not 401, while the directory is down', async () => {
    await slapd.stop();
    try {
      const res = await signIn(server, {
        username: 'ana',
        password: 'ana-password',
      });
      expect(res.status).toBe(503);
      expect(res.body.error.name).toBe('ServiceUnavailableError');
    } finally {
      await slapd.start();
    }
    const again = await signIn(server, {
      username: 'ana',
      password: 'ana-password',
    });
    expect(again.status).toBe(200);
  });

  it('has the redirect-flow routes answer 501', async () => {
    const res = await request(server).get(
      '/api/auth/ldap/start?env=production',
    );
    expect(res.status).toBe(501);
  });

  it('never logs a password', () => {
    const all = logged.join('\n');
    expect(all).toContain('LDAP sign-in refused');
    for (const secret of [
      ROOT_PASSWORD,
      'ana-password',
      'bruno-password',
      'Carla-pässwort 1',
      'dora-password',
      'frank-password',
    ]) {
      expect(all).not.toContain(secret);
    }
  });
});

/** An OpenLDAP server for the describe block this is called in. */
function useOpenLdap(): () => SlapdServer {
  let slapd: SlapdServer;
  beforeAll(async () => {
    slapd = await startOpenLdap();
  }, 60_000);
  afterAll(async () => {
    await slapd?.remove();
  });
  return () => slapd;
}

describe('LDAP sign-in throttling through the auth backend', () => {
  const slapd = useOpenLdap();

  const signInThrottle = {
    perUsername: { freeFailures: 3, firstDelay: '2s', maxDelay: '4s' },
    perAddress: { freeFailures: 8, firstDelay: '2s', maxDelay: '4s' },
  };

  async function withBackend(fn: (server: Server) => Promise<void>) {
    const backend = await startBackend(slapd(), { signInThrottle });
    try {
      await fn(backend.server);
    } finally {
      await backend.stop();
    }
  }

  it('answers 429 with Retry-After after the free failures, alike for unknown users, without asking the directory', async () => {
    await withBackend(async server => {
      const wrong = { username: 'ana', password: 'wrong' };
      const unknown = { username: 'nobody', password: 'wrong' };
      for (const credentials of [wrong, unknown]) {
        for (let i = 0; i < 3; i++) {
          expect((await signIn(server, credentials)).status).toBe(401);
        }
      }

      const bind = jest.spyOn(Client.prototype, 'bind');
      const throttled = [];
      for (const credentials of [
        wrong,
        unknown,
        { username: 'ana', password: 'ana-password' },
      ]) {
        throttled.push(await signIn(server, credentials));
      }
      const binds = bind.mock.calls.length;
      bind.mockRestore();

      const answers = throttled.map(res => ({
        status: res.status,
        retryAfter: res.get('Retry-After'),
        body: res.body,
      }));
      for (const answer of answers) {
        expect(answer).toEqual(answers[0]);
      }
      expect(answers[0]).toEqual({
        status: 429,
        retryAfter: '2',
        body: {
          error: {
            name: 'SignInThrottledError',
            message: 'Too many failed sign-in attempts; try again in 2 seconds',
            retryAfterSeconds: 2,
            statusCode: 429,
          },
          request: { method: 'POST', url: '/ldap/refresh' },
          response: { statusCode: 429 },
        },
      });
      expect(binds).toBe(0);

      // Someone else signs in meanwhile, from the same address.
      expect(
        (
          await signIn(server, {
            username: 'carla',
            password: 'Carla-pässwort 1',
          })
        ).status,
      ).toBe(200);
    });
  });

  it('lets the right password in once the wait is over', async () => {
    await withBackend(async server => {
      let last;
      for (let i = 0; i < 4; i++) {
        last = await signIn(server, { username: 'bruno', password: 'nope' });
      }
      expect(last!.status).toBe(429);
      const wait = Number(last!.get('Retry-After'));
      await new Promise(r => setTimeout(r, wait * 1000));
      const res = await signIn(server, {
        username: 'bruno',
        password: 'bruno-password',
      });
      expect(res.status).toBe(200);
      // The success cleared bruno's count: a typo costs nothing.
      expect(
        (await signIn(server, { username: 'bruno', password: 'typo' })).status,
      ).toBe(401);
    });
  });

  it('stops one address spraying usernames, whatever X-Forwarded-For says without backend.trustProxy', async () => {
    await withBackend(async server => {
      const statuses = [];
      for (let i = 0; i < 10; i++) {
        const res = await request(server)
          .post('/api/auth/ldap/refresh')
          .set(XHR)
          .set('X-Forwarded-For', `203.0.113.${i}`)
          .set('Content-Type', 'application/json')
          .send(JSON.stringify({ username: `sprayed-${i}`, password: 'x' }));
        statuses.push(res.status);
      }
      expect(statuses).toEqual([...Array(8).fill(401), 429, 429]);
      expect(logged.join('\n')).toMatch(
        /LDAP sign-in throttled: 8 failed attempts for client address (::ffff:)?127\.0\.0\.1; its attempts in the next 2 s are answered 429/,
      );
    });
  });
});

describe('LDAP sign-in with configured sign-in resolvers', () => {
  const slapd = useOpenLdap();

  it.each([
    ['emailMatchingUserEntityProfileEmail'],
    ['emailLocalPartMatchingUserEntityName'],
    ['ldapDnMatchingUserEntityAnnotation'],
    ['ldapUsernameMatchingUserEntityName'],
  ])(
    'signs in with %s',
    async resolver => {
      const { server, stop } = await startBackend(slapd(), {
        signIn: { resolvers: [{ resolver }] },
      });
      try {
        const res = await signIn(server, {
          username: 'bruno',
          password: 'bruno-password',
        });
        expect(res.status).toBe(200);
        expect(res.body.backstageIdentity.identity.userEntityRef).toBe(
          'user:default/bruno',
        );

        // dora has no mail and no entity: refused with 403 whichever resolver
        const dora = await signIn(server, {
          username: 'dora',
          password: 'dora-password',
        });
        expect(dora.status).toBe(403);
      } finally {
        await stop();
      }
    },
    30_000,
  );

  it('refuses to start with an unknown resolver', async () => {
    await expect(
      startBackend(slapd(), {
        signIn: { resolvers: [{ resolver: 'noSuchResolver' }] },
      }),
    ).rejects.toThrow(/Sign-in resolver 'noSuchResolver' is not available/);
  }, 30_000);
});
