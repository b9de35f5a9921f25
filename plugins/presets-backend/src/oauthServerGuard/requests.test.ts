import { createHash, randomBytes } from 'node:crypto';
import {
  CodeBinding,
  OAuthRequestError,
  REGISTRATION_LIMITS,
  checkAuthorizationRequest,
  checkCodeRedemption,
  checkRegistrationRequest,
  rateLimitKey,
  readClientCredentials,
  registeredAuthMethod,
  s256Challenge,
} from './requests';

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return {
    verifier,
    challenge: createHash('sha256').update(verifier).digest('base64url'),
  };
}

function basic(id: string, secret: string) {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

describe('checkAuthorizationRequest', () => {
  const { verifier, challenge } = pkce();

  it('lets an S256 challenge through', () => {
    expect(
      checkAuthorizationRequest({
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }),
    ).toBeUndefined();
  });

  it.each([
    ['no challenge', {}, /code_challenge is required/],
    [
      'an empty challenge',
      { code_challenge: '', code_challenge_method: 'S256' },
      /code_challenge is required/,
    ],
    [
      'plain',
      { code_challenge: verifier, code_challenge_method: 'plain' },
      /must be S256: .*plain/,
    ],
    [
      'no method (plain by default)',
      { code_challenge: challenge },
      /must be S256 \(it defaults to plain/,
    ],
    [
      'a lower-case method',
      { code_challenge: challenge, code_challenge_method: 's256' },
      /must be S256/,
    ],
    [
      'a challenge that is no SHA-256 digest',
      { code_challenge: 'short', code_challenge_method: 'S256' },
      /base64url SHA-256 digest/,
    ],
  ])('refuses %s with invalid_request', (_name, query, description) => {
    const refusal = checkAuthorizationRequest(query);
    expect(refusal).toBeInstanceOf(OAuthRequestError);
    expect(refusal!.status).toBe(400);
    expect(refusal!.body()).toEqual({
      error: 'invalid_request',
      error_description: expect.stringMatching(description),
    });
  });

  it('reads the first value of a repeated parameter', () => {
    expect(
      checkAuthorizationRequest({
        code_challenge: [challenge, 'other'],
        code_challenge_method: ['plain', 'S256'],
      })?.description,
    ).toMatch(/must be S256/);
  });
});

describe('readClientCredentials', () => {
  it('reads HTTP Basic, form-decoded', () => {
    expect(readClientCredentials(basic('a%3Ab', 's+%25'), {})).toEqual({
      clientId: 'a:b',
      clientSecret: 's %',
      basic: true,
    });
  });

  it('takes a literal percent sign as it is', () => {
    expect(readClientCredentials(basic('id', '100%'), {})).toMatchObject({
      clientSecret: '100%',
    });
  });

  it('reads the body when there is no Basic header', () => {
    expect(
      readClientCredentials('Bearer x', {
        client_id: 'id',
        client_secret: 's',
      }),
    ).toEqual({ clientId: 'id', clientSecret: 's', basic: false });
  });

  it('takes an empty Basic secret as no secret (a public client)', () => {
    expect(readClientCredentials(basic('id', ''), {})).toEqual({
      clientId: 'id',
      clientSecret: undefined,
      basic: true,
    });
  });

  it('refuses a header and a body that name different clients', () => {
    const refusal = readClientCredentials(basic('a', 's'), { client_id: 'b' });
    expect(refusal).toBeInstanceOf(OAuthRequestError);
    expect((refusal as OAuthRequestError).body().error).toBe('invalid_request');
  });

  it('refuses a Basic header without a client id', () => {
    const refusal = readClientCredentials(basic('', 's'), {});
    expect((refusal as OAuthRequestError).status).toBe(401);
    expect((refusal as OAuthRequestError).headers).toEqual({
      'WWW-Authenticate': 'Basic',
    });
  });
});

describe('checkCodeRedemption', () => {
  const { verifier, challenge } = pkce();
  const registered: CodeBinding = {
    clientId: 'client-a',
    codeChallenge: challenge,
    codeChallengeMethod: 'S256',
    client: { kind: 'registered', secret: 'secret-a', public: false },
  };
  const registeredPublic: CodeBinding = {
    ...registered,
    client: { kind: 'registered', secret: 'secret-a', public: true },
  };
  const cimd: CodeBinding = {
    clientId: 'https://client.example.com/oauth.json',
    codeChallenge: challenge,
    codeChallengeMethod: 'S256',
    client: { kind: 'metadata-document' },
  };

  function check(
    binding: CodeBinding,
    credentials: { clientId?: string; clientSecret?: string; basic?: boolean },
    // A verifier given as undefined stands for a request without one.
    ...codeVerifier: [unknown?]
  ) {
    const refusal = checkCodeRedemption({
      binding,
      credentials: { basic: false, ...credentials },
      codeVerifier: codeVerifier.length ? codeVerifier[0] : verifier,
    });
    return refusal && { status: refusal.status, ...refusal.body() };
  }

  it('lets the client the code was issued to redeem it with its verifier', () => {
    expect(
      check(registered, { clientId: 'client-a', clientSecret: 'secret-a' }),
    ).toBeUndefined();
    expect(check(cimd, { clientId: cimd.clientId })).toBeUndefined();
  });

  it("refuses another client's id, authenticated or not, without saying more", () => {
    for (const credentials of [
      { clientId: 'client-b', clientSecret: 'secret-b' },
      { clientId: 'client-b' },
      { clientId: 'https://other.example.com/oauth.json' },
    ]) {
      expect(check(registered, credentials)).toEqual({
        status: 400,
        error: 'invalid_grant',
        error_description:
          'The authorization code was not issued to this client',
      });
      expect(check(cimd, credentials)?.error).toBe('invalid_grant');
    }
  });

  it('requires a registered client to authenticate with its own secret', () => {
    expect(check(registered, {})).toMatchObject({
      status: 401,
      error: 'invalid_client',
    });
    expect(check(registered, { clientId: 'client-a' })).toMatchObject({
      status: 401,
      error: 'invalid_client',
      error_description: expect.stringMatching(/authentication required/),
    });
    expect(
      check(registered, {
        clientId: 'client-a',
        clientSecret: 'secret-b',
        basic: true,
      }),
    ).toMatchObject({
      status: 401,
      error: 'invalid_client',
      error_description: 'Invalid client credentials',
    });
  });

  it('lets a client registered as public redeem with its client_id and verifier alone, and still checks a secret it sends', () => {
    expect(check(registeredPublic, { clientId: 'client-a' })).toBeUndefined();
    expect(
      check(registeredPublic, {
        clientId: 'client-a',
        clientSecret: 'secret-a',
      }),
    ).toBeUndefined();
    expect(
      check(registeredPublic, { clientId: 'client-a', clientSecret: 'wrong' }),
    ).toMatchObject({ status: 401, error: 'invalid_client' });
    expect(check(registeredPublic, { clientId: 'client-b' })).toMatchObject({
      error: 'invalid_grant',
    });
    expect(check(registeredPublic, {})).toMatchObject({
      status: 400,
      error: 'invalid_request',
    });
    expect(
      check(registeredPublic, { clientId: 'client-a' }, undefined),
    ).toMatchObject({ error: 'invalid_request' });
    expect(
      check(registeredPublic, { clientId: 'client-a' }, pkce().verifier),
    ).toMatchObject({ error: 'invalid_grant' });
  });

  it('answers Basic authentication failures with WWW-Authenticate', () => {
    const refusal = checkCodeRedemption({
      binding: registered,
      credentials: { clientId: 'client-a', clientSecret: 'x', basic: true },
      codeVerifier: verifier,
    });
    expect(refusal?.headers).toEqual({ 'WWW-Authenticate': 'Basic' });
  });

  it('requires a public client to name itself, and refuses it a secret', () => {
    expect(check(cimd, {})).toMatchObject({
      status: 400,
      error: 'invalid_request',
      error_description: expect.stringMatching(/client_id is required/),
    });
    expect(
      check(cimd, { clientId: cimd.clientId, clientSecret: 'made-up' }),
    ).toMatchObject({ status: 401, error: 'invalid_client' });
  });

  it('refuses a client that is no longer registered', () => {
    expect(
      check(
        { ...registered, client: { kind: 'unknown' } },
        { clientId: 'client-a', clientSecret: 'secret-a' },
      ),
    ).toMatchObject({
      status: 401,
      error: 'invalid_client',
      error_description: expect.stringMatching(/no longer registered/),
    });
  });

  it('requires the S256 verifier', () => {
    const asA = { clientId: 'client-a', clientSecret: 'secret-a' };
    expect(check(registered, asA, undefined)).toMatchObject({
      status: 400,
      error: 'invalid_request',
      error_description: expect.stringMatching(/code_verifier is required/),
    });
    expect(check(registered, asA, pkce().verifier)).toMatchObject({
      status: 400,
      error: 'invalid_grant',
      error_description: expect.stringMatching(/does not match/),
    });
    // the challenge itself is no verifier (what `plain` would accept)
    expect(check(registered, asA, challenge)).toMatchObject({
      error: 'invalid_grant',
    });
    expect(check(registered, asA, 'short')).toMatchObject({
      error: 'invalid_request',
      error_description: expect.stringMatching(/43 to 128 characters/),
    });
  });

  it('refuses a code whose authorization had no S256 challenge', () => {
    const asA = { clientId: 'client-a', clientSecret: 'secret-a' };
    for (const session of [
      { codeChallenge: undefined, codeChallengeMethod: undefined },
      { codeChallenge: verifier, codeChallengeMethod: 'plain' },
    ]) {
      expect(check({ ...registered, ...session }, asA)).toMatchObject({
        status: 400,
        error: 'invalid_grant',
        error_description: expect.stringMatching(/without an S256/),
      });
    }
  });

  it('computes the RFC 7636 example challenge', () => {
    expect(s256Challenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });
});

describe('checkRegistrationRequest', () => {
  const honest = {
    client_name: 'Claude Code (devportal)',
    redirect_uris: ['http://localhost:33418/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: 'openid offline_access',
    token_endpoint_auth_method: 'none',
  };

  it('lets an ordinary registration through', () => {
    expect(checkRegistrationRequest(honest)).toBeUndefined();
    expect(
      checkRegistrationRequest({
        ...honest,
        client_name: 'n'.repeat(REGISTRATION_LIMITS.clientNameLength),
        redirect_uris: Array(REGISTRATION_LIMITS.redirectUris).fill(
          'http://127.0.0.1:8080/cb',
        ),
      }),
    ).toBeUndefined();
  });

  it.each([
    ['not an object', [honest], 'invalid_client_metadata', /JSON object/],
    [
      'a long client_name',
      { ...honest, client_name: 'n'.repeat(129) },
      'invalid_client_metadata',
      /client_name is 129 characters long; at most 128/,
    ],
    [
      'a client_name with control characters',
      { ...honest, client_name: 'a\nb' },
      'invalid_client_metadata',
      /control characters/,
    ],
    [
      'a client_name that is no string',
      { ...honest, client_name: { en: 'x' } },
      'invalid_client_metadata',
      /must be a string/,
    ],
    [
      'too many redirect URIs',
      { ...honest, redirect_uris: Array(11).fill('http://localhost/cb') },
      'invalid_redirect_uri',
      /redirect_uris has 11 entries; at most 10/,
    ],
    [
      'a long redirect URI',
      {
        ...honest,
        redirect_uris: [
          'http://localhost/ok',
          `http://localhost/${'p'.repeat(2100)}`,
        ],
      },
      'invalid_redirect_uri',
      /redirect_uris\[1\] is longer than 2048/,
    ],
    [
      'a long scope',
      { ...honest, scope: 's '.repeat(600) },
      'invalid_client_metadata',
      /scope is longer/,
    ],
    [
      'many grant types',
      { ...honest, grant_types: Array(6).fill('authorization_code') },
      'invalid_client_metadata',
      /grant_types has 6 entries/,
    ],
    [
      'a long response type',
      { ...honest, response_types: ['c'.repeat(65)] },
      'invalid_client_metadata',
      /response_types must be at most 64/,
    ],
  ])('refuses %s with 400', (_name, body, error, description) => {
    const refusal = checkRegistrationRequest(body);
    expect(refusal?.status).toBe(400);
    expect(refusal?.body()).toEqual({
      error,
      error_description: expect.stringMatching(description),
    });
  });
});

describe('registeredAuthMethod', () => {
  it.each([
    [{ token_endpoint_auth_method: 'none' }, 'none'],
    [
      { token_endpoint_auth_method: 'client_secret_post' },
      'client_secret_post',
    ],
    [{ token_endpoint_auth_method: 'private_key_jwt' }, 'client_secret_basic'],
    [{}, 'client_secret_basic'],
    [undefined, 'client_secret_basic'],
  ])('gives %j %s', (body, method) => {
    expect(registeredAuthMethod(body)).toBe(method);
  });
});

describe('rateLimitKey', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8:1:2::9', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:ffff::1', '2001:db8:1:2::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    [undefined, 'unknown'],
  ])('keys %s as %s', (address, key) => {
    expect(rateLimitKey(address)).toBe(key);
  });
});
