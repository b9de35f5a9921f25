/*
 * The `mcp` preset end to end: the official MCP TypeScript SDK client
 * connects to /api/mcp-actions/v1 on a real backend started with
 * `npm start`, discovers Backstage's OAuth 2.1 authorization server,
 * registers (by dynamic client registration, and by a Client ID Metadata
 * Document served over loopback HTTPS), is approved by a signed-in user,
 * and calls a catalog tool. Refusals, the redirect URI variable and the
 * boot warnings are checked on the same backend.
 */
import { generateKeyPairSync, sign } from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { ConfigReader } from '@backstage/config';
import { auditEvents } from '@devportal/test-utils/src/backend/auditEvents';
import { loadPresetCatalog } from '@devportal/plugin-presets-common';
import { createPresetConfigSource } from '@devportal/plugin-presets-node';
import {
  BackendProcess,
  freePort,
  repoRoot,
  runToExit,
  startBackendProcess,
} from '@devportal/test-utils/src/backend/backendProcess';
import {
  E2E_TOKEN,
  externalAccessEnv,
  tokenClaims,
  waitForEntitiesOfKind,
} from '@devportal/test-utils/src/backend/catalogClient';
import {
  ClientMetadataServer,
  TestOAuthClient,
  approveAuthorization,
  authorizationUrl,
  connectWithAuthorization,
  connectWithToken,
  pkcePair,
  redeemCode,
  registerClient,
  signInAsGuest,
  startAuthorization,
  startClientMetadataServer,
} from '@devportal/test-utils/src/mcp';

jest.setTimeout(240_000);

const MCP_PATH = '/api/mcp-actions/v1';
const PATTERN_VARIABLE = 'MCP_ALLOWED_REDIRECT_URI_PATTERN';
/** The one extra redirect URI pattern the operator admits through the variable. */
const EXTRA_PATTERN = 'https://mcp-client.example.test/oauth/*';
const EXTRA_REDIRECT = 'https://mcp-client.example.test/oauth/callback';
const OUTSIDE_REDIRECT = 'https://elsewhere.example.test/oauth/callback';
const LOOPBACK_PATTERNS = [
  'http://localhost:*/*',
  'http://127.0.0.1:*/*',
  'http://[::1]:*/*',
];
/** A static token the operator restricted to the catalog plugin. */
const CATALOG_ONLY_TOKEN = 'e2e-catalog-only-token-0123456789abcdef';

const ENTITY = {
  name: 'payments-api',
  description: 'Takes payments for the e2e tests',
};

describe('the mcp preset: redirect URI patterns', () => {
  /**
   * The two lists of redirect URI patterns the mcp preset gives Backstage,
   * read through the same config loading the backend uses (the preset file
   * through Backstage's FileConfigSource and its `${VAR}` substitution).
   */
  async function redirectPatterns(env: Record<string, string>) {
    const catalog = loadPresetCatalog({
      shippedDir: path.join(repoRoot, 'presets'),
    });
    const source = createPresetConfigSource({
      presets: [catalog.presets.get('mcp')!],
      env,
      rootDir: repoRoot,
      argv: [],
      watch: false,
    });
    for await (const { configs } of source.readConfigData()) {
      const config = ConfigReader.fromConfigs(configs);
      return {
        cimd: config.getStringArray(
          'auth.clientIdMetadataDocuments.allowedRedirectUriPatterns',
        ),
        dcr: config.getStringArray(
          'auth.experimentalDynamicClientRegistration.allowedRedirectUriPatterns',
        ),
      };
    }
    throw new Error('the config source read nothing');
  }

  it.each([
    ['unset', {}],
    ['empty', { [PATTERN_VARIABLE]: '' }],
    ['blank', { [PATTERN_VARIABLE]: '   ' }],
  ])(
    'are loopback only when the variable is %s: the entry is dropped, not left empty',
    async (_name, env) => {
      expect(await redirectPatterns(env)).toEqual({
        cimd: LOOPBACK_PATTERNS,
        dcr: LOOPBACK_PATTERNS,
      });
    },
  );

  it('add the variable to both lists', async () => {
    expect(
      await redirectPatterns({ [PATTERN_VARIABLE]: EXTRA_PATTERN }),
    ).toEqual({
      cimd: [...LOOPBACK_PATTERNS, EXTRA_PATTERN],
      dcr: [...LOOPBACK_PATTERNS, EXTRA_PATTERN],
    });
  });

  it('refuse to boot (exit 78) on a value that is not an http(s) URL, naming preset and variable', async () => {
    const result = await runToExit({
      env: { VEECODE_PRESETS: 'mcp', [PATTERN_VARIABLE]: 'cursor://*' },
      // npm start installs first; other engineers' backends share 2 cores
      timeoutMs: 180_000,
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(
      `variable ${PATTERN_VARIABLE} (declared by mcp) is not an absolute http(s) URL`,
    );
    expect(result.stderr).not.toContain('cursor://');
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});

/** A `catalog-info.yaml` with the one Component the tools should find. */
function writeCatalogFile(dir: string): string {
  const file = path.join(dir, 'catalog-info.yaml');
  fs.writeFileSync(
    file,
    [
      'apiVersion: backstage.io/v1alpha1',
      'kind: Component',
      'metadata:',
      `  name: ${ENTITY.name}`,
      `  description: ${ENTITY.description}`,
      'spec:',
      '  type: service',
      '  lifecycle: production',
      '  owner: payments-team',
      '',
    ].join('\n'),
  );
  return file;
}

/** The static tokens of the test: the usual one, plus one restricted to the catalog. */
function staticTokensEnv(): Record<string, string> {
  const key = 'APP_CONFIG_backend_auth_externalAccess';
  const access = JSON.parse(externalAccessEnv()[key]);
  access.push({
    type: 'static',
    options: { token: CATALOG_ONLY_TOKEN, subject: 'catalog-only' },
    accessRestrictions: [{ plugin: 'catalog' }],
  });
  return { [key]: JSON.stringify(access) };
}

/**
 * A JWT that another authorization server signed for this very MCP server
 * (`aud` is its resource URL), with a key Backstage has never seen.
 */
function foreignToken(audience: string): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const part = (value: object) =>
    Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = `${part({ alg: 'ES256', typ: 'JWT', kid: 'elsewhere' })}.${part(
    {
      iss: 'https://auth.elsewhere.example.test',
      sub: 'user:default/guest',
      aud: audience,
      iat: now,
      exp: now + 600,
    },
  )}`;
  const signature = sign('sha256', Buffer.from(input), {
    key: privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${input}.${signature.toString('base64url')}`;
}

/** The guest's limited token, the one Backstage sets as a cookie for pages that load assets. */
async function limitedUserToken(
  backend: BackendProcess,
  userToken: string,
): Promise<string> {
  const res = await fetch(
    `${backend.baseUrl}/api/catalog/.backstage/auth/v1/cookie`,
    { headers: { Authorization: `Bearer ${userToken}` } },
  );
  const cookie = /backstage-auth=([^;]+)/.exec(
    res.headers.get('set-cookie') ?? '',
  )?.[1];
  if (res.status !== 200 || !cookie) {
    throw new Error(`cookie route answered ${res.status} without a cookie`);
  }
  return cookie;
}

/** The HTTP status the SDK client's connection was refused with. */
async function refusalStatus(
  connecting: Promise<{ close(): Promise<void> }>,
): Promise<number | undefined> {
  try {
    const client = await connecting;
    await client.close();
    return undefined;
  } catch (error) {
    return (error as { code?: number }).code;
  }
}

describe('recommended,mcp with the official MCP client', () => {
  let backend: BackendProcess;
  let metadata: ClientMetadataServer;
  let tmp: string;
  let callback: string;
  let guestToken: string;
  /** Every secret value the backend saw; none may appear in its output. */
  const secrets = new Set<string>([E2E_TOKEN, CATALOG_ONLY_TOKEN]);
  const serverUrl = () => `${backend.baseUrl}${MCP_PATH}`;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcp-e2e-'));
    // Nothing listens there: the test reads the redirect instead of a browser.
    callback = `http://127.0.0.1:${await freePort()}/callback`;
    metadata = await startClientMetadataServer({
      loopback: { clientName: 'E2E CIMD client', redirectUris: [callback] },
      extra: { clientName: 'E2E web client', redirectUris: [EXTRA_REDIRECT] },
      outside: {
        clientName: 'E2E stray client',
        redirectUris: [OUTSIDE_REDIRECT],
      },
    });
    backend = await startBackendProcess({
      env: {
        VEECODE_PRESETS: 'recommended,mcp',
        [PATTERN_VARIABLE]: EXTRA_PATTERN,
        ...staticTokensEnv(),
        APP_CONFIG_catalog_locations: JSON.stringify([
          { type: 'file', target: writeCatalogFile(tmp) },
        ]),
        // The metadata URLs exactly: an exact pattern is the only way
        // Backstage fetches a document from a loopback address.
        APP_CONFIG_auth_clientIdMetadataDocuments_allowedClientIdPatterns:
          JSON.stringify(
            ['loopback', 'extra', 'outside'].map(metadata.clientId),
          ),
        NODE_EXTRA_CA_CERTS: metadata.certificate.caFile,
      },
    });
    await backend.waitForReady(120_000);
    await waitForEntitiesOfKind(backend, 'component', entities =>
      entities.some(e => e.metadata.name === ENTITY.name),
    );
    guestToken = await signInAsGuest(backend);
    secrets.add(guestToken);
  });

  afterAll(async () => {
    await backend?.stop();
    await metadata?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** The guest approves, as on Backstage's consent page; returns the code for the client. */
  function guestApproves(
    oauth: TestOAuthClient,
    seen: { clientName?: string; clientId?: string },
  ) {
    return async (url: URL) => {
      const approval = await approveAuthorization(backend, url, guestToken);
      seen.clientName = approval.session.clientName;
      seen.clientId = approval.session.clientId;
      expect(approval.session.redirectUri).toBe(oauth.redirectUrl);
      expect(
        `${approval.redirectUrl.origin}${approval.redirectUrl.pathname}`,
      ).toBe(oauth.redirectUrl);
      expect(oauth.sentState(approval.state)).toBe(true);
      secrets.add(approval.code);
      return approval.code;
    };
  }

  /** Lists the tools and calls the catalog's get-entity tool for the entity in the catalog. */
  async function readEntityThroughTools(oauth: TestOAuthClient) {
    const seen: { clientName?: string; clientId?: string } = {};
    const client = await connectWithAuthorization(
      serverUrl(),
      oauth,
      guestApproves(oauth, seen),
    );
    oauth.secrets().forEach(s => secrets.add(s));
    try {
      const { tools } = await client.listTools();
      const result = await client.callTool({
        name: 'catalog.get-catalog-entity',
        arguments: { kind: 'Component', name: ENTITY.name },
      });
      return { seen, tools: tools.map(t => t.name), result };
    } finally {
      await client.close();
    }
  }

  function expectEntity(result: Record<string, unknown>) {
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({
      kind: 'Component',
      metadata: {
        name: ENTITY.name,
        namespace: 'default',
        description: ENTITY.description,
      },
    });
  }

  it('registers by DCR, is approved by the signed-in user, lists the tools and reads the entity with a catalog tool', async () => {
    const oauth = new TestOAuthClient({
      redirectUrl: callback,
      clientName: 'E2E DCR client',
    });
    const { seen, tools, result } = await readEntityThroughTools(oauth);

    // registered dynamically: a generated client id with a secret
    expect(oauth.registration?.client_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(
      (oauth.registration as { client_secret?: string }).client_secret,
    ).toBeTruthy();
    expect(seen).toEqual({
      clientName: 'E2E DCR client',
      clientId: oauth.registration!.client_id,
    });
    // the catalog's tools, and the scaffolder's since recommended loads it
    expect(tools).toEqual(
      expect.arrayContaining([
        'catalog.get-catalog-entity',
        'catalog.query-catalog-entities',
        'scaffolder.list-scaffolder-actions',
      ]),
    );
    expectEntity(result);
    // the tools ran as the user who approved
    expect(tokenClaims(oauth.issued!.access_token).sub).toBe(
      'user:development/guest',
    );
  });

  it('registers by Client ID Metadata Document, fetched over loopback HTTPS, and reads the entity the same way', async () => {
    const clientId = metadata.clientId('loopback');
    const oauth = new TestOAuthClient({
      redirectUrl: callback,
      clientName: 'E2E CIMD client',
      clientMetadataUrl: clientId,
    });
    const { seen, result } = await readEntityThroughTools(oauth);

    // no registration: the document's URL is the client id, and the
    // consent page shows the name the document gives
    expect(oauth.registration?.client_id).toBe(clientId);
    expect(seen).toEqual({ clientName: 'E2E CIMD client', clientId });
    expect(metadata.fetches('loopback')).toBeGreaterThan(0);
    expectEntity(result);
  });

  it('refuses a client without a token (401)', async () => {
    expect(await refusalStatus(connectWithToken(serverUrl()))).toBe(401);
  });

  it('refuses tokens meant for something else', async () => {
    // the operator's unrestricted static token is let in (the control) ...
    const control = await connectWithToken(serverUrl(), E2E_TOKEN);
    expect((await control.listTools()).tools.length).toBeGreaterThan(0);
    await control.close();
    // ... the same kind of token restricted to the catalog: valid there, not here
    const catalog = await fetch(`${backend.baseUrl}/api/catalog/entities`, {
      headers: { Authorization: `Bearer ${CATALOG_ONLY_TOKEN}` },
    });
    expect(catalog.status).toBe(200);
    expect(
      await refusalStatus(connectWithToken(serverUrl(), CATALOG_ONLY_TOKEN)),
    ).toBe(403);

    // the guest's limited token, only good as a cookie for loading assets
    const limited = await limitedUserToken(backend, guestToken);
    secrets.add(limited);
    expect(await refusalStatus(connectWithToken(serverUrl(), limited))).toBe(
      401,
    );

    // a token another authorization server minted for this MCP server
    const foreign = foreignToken(serverUrl());
    secrets.add(foreign);
    expect(await refusalStatus(connectWithToken(serverUrl(), foreign))).toBe(
      401,
    );
  });

  /** Starts an authorization as a client would, with PKCE (S256), for `redirectUri`. */
  function cimdAuthorization(clientId: string, redirectUri: string) {
    return startAuthorization(
      authorizationUrl(backend, {
        clientId,
        redirectUri,
        codeChallenge: pkcePair().challenge,
        codeChallengeMethod: 'S256',
      }),
    );
  }

  /** Registers a client by DCR (from `localAddress` when given); its secret joins `secrets`. */
  async function registerByDcr(
    redirectUri: string | string[],
    options: { clientName?: string; localAddress?: string } = {},
  ) {
    const answer = await registerClient(
      backend,
      {
        client_name: options.clientName ?? 'E2E pattern probe',
        redirect_uris: Array.isArray(redirectUri) ? redirectUri : [redirectUri],
      },
      { localAddress: options.localAddress },
    );
    if (answer.body?.client_secret) {
      secrets.add(answer.body.client_secret);
    }
    return answer;
  }

  it('refuses a redirect URI outside the allowed patterns, at registration (DCR) and at authorization (CIMD)', async () => {
    const dcr = new TestOAuthClient({
      redirectUrl: OUTSIDE_REDIRECT,
      clientName: 'E2E stray DCR client',
    });
    await expect(
      connectWithAuthorization(serverUrl(), dcr, () => {
        throw new Error(
          'a refused registration must not reach the consent page',
        );
      }),
    ).rejects.toThrow(`Invalid redirect_uri '${OUTSIDE_REDIRECT}'`);
    expect(dcr.registration).toBeUndefined();

    const cimd = new TestOAuthClient({
      redirectUrl: OUTSIDE_REDIRECT,
      clientName: 'E2E stray client',
      clientMetadataUrl: metadata.clientId('outside'),
    });
    await expect(
      connectWithAuthorization(serverUrl(), cimd, url =>
        approveAuthorization(backend, url, guestToken).then(a => a.code),
      ),
    ).rejects.toThrow(
      new RegExp(
        `authorization refused \\(400\\).*Invalid redirect_uri '${OUTSIDE_REDIRECT}'`,
      ),
    );
    // refused outright: no redirect that would carry anything to that URI
    const refused = await cimdAuthorization(
      metadata.clientId('outside'),
      OUTSIDE_REDIRECT,
    );
    expect(refused).toEqual({
      kind: 'refused',
      status: 400,
      body: expect.stringContaining('Invalid redirect_uri'),
      location: undefined,
    });
  });

  it(`admits the redirect URIs of ${PATTERN_VARIABLE} for both DCR and CIMD, and nothing beside it`, async () => {
    expect((await registerByDcr(EXTRA_REDIRECT)).status).toBe(201);
    expect(
      (await registerByDcr('https://mcp-client.example.test/elsewhere')).status,
    ).toBe(400);
    expect(
      await cimdAuthorization(metadata.clientId('extra'), EXTRA_REDIRECT),
    ).toMatchObject({ kind: 'consent' });
  });

  /**
   * Takes `clientId` through an S256 authorization approved by the guest
   * and returns the code and its verifier: what an honest client holds,
   * and what an attacker who intercepted the redirect would hold (the
   * verifier too, in the worst case).
   */
  async function approvedCode(clientId: string) {
    const pkce = pkcePair();
    const approval = await approveAuthorization(
      backend,
      authorizationUrl(backend, {
        clientId,
        redirectUri: callback,
        codeChallenge: pkce.challenge,
        codeChallengeMethod: 'S256',
      }),
      guestToken,
    );
    secrets.add(approval.code);
    secrets.add(pkce.verifier);
    return { code: approval.code, verifier: pkce.verifier };
  }

  async function registeredClient(name: string) {
    const { status, body } = await registerByDcr(callback, {
      clientName: name,
    });
    expect(status).toBe(201);
    return {
      id: body.client_id as string,
      secret: body.client_secret as string,
    };
  }

  /** A refusal in OAuth's error format, and no token in it. */
  function oauthError(status: number, error: string, description: RegExp) {
    return {
      status,
      body: { error, error_description: expect.stringMatching(description) },
    };
  }

  it("refuses to redeem one client's code for another client, or without the client's secret and PKCE verifier; the client it was issued to still can", async () => {
    const a = await registeredClient('E2E client A');
    const b = await registeredClient('E2E client B');
    const { code, verifier } = await approvedCode(a.id);
    const redeem = (client: {
      clientId?: string;
      clientSecret?: string;
      basic?: boolean;
      codeVerifier?: string;
    }) =>
      redeemCode(backend, {
        code,
        redirectUri: callback,
        codeVerifier: verifier,
        ...client,
      });

    // B, authenticated as itself, with A's code and even A's verifier
    const asB = await redeem({
      clientId: b.id,
      clientSecret: b.secret,
      basic: true,
    });
    expect(asB).toMatchObject(
      oauthError(400, 'invalid_grant', /not issued to this client/),
    );
    expect(asB.body.access_token).toBeUndefined();
    // B naming itself in the body, as a public client would
    expect(await redeem({ clientId: b.id })).toMatchObject(
      oauthError(400, 'invalid_grant', /not issued to this client/),
    );
    // A's id without A's secret, or with B's
    expect(await redeem({ clientId: a.id })).toMatchObject(
      oauthError(401, 'invalid_client', /Client authentication required/),
    );
    expect(
      await redeem({ clientId: a.id, clientSecret: b.secret, basic: true }),
    ).toMatchObject(
      oauthError(401, 'invalid_client', /Invalid client credentials/),
    );
    // no client at all
    expect(await redeem({})).toMatchObject(
      oauthError(401, 'invalid_client', /Client authentication required/),
    );
    // A itself, without the verifier or with another one
    const asA = { clientId: a.id, clientSecret: a.secret, basic: true };
    expect(await redeem({ ...asA, codeVerifier: undefined })).toMatchObject(
      oauthError(400, 'invalid_request', /code_verifier is required/),
    );
    expect(
      await redeem({ ...asA, codeVerifier: pkcePair().verifier }),
    ).toMatchObject(oauthError(400, 'invalid_grant', /does not match/));

    // the refusals did not use the code up: A redeems it, once
    const honest = await redeem(asA);
    expect(honest.status).toBe(200);
    secrets.add(honest.body.access_token);
    expect(tokenClaims(honest.body.access_token).sub).toBe(
      'user:development/guest',
    );
    expect((await redeem(asA)).status).toBe(400);
  });

  it('lets a client registered as public (token_endpoint_auth_method none) redeem its code with client_id and verifier, and nobody else', async () => {
    const registration = await registerClient(backend, {
      client_name: 'E2E public client',
      redirect_uris: [callback],
      token_endpoint_auth_method: 'none',
    });
    expect(registration.status).toBe(201);
    expect(registration.body.token_endpoint_auth_method).toBe('none');
    secrets.add(registration.body.client_secret);
    const clientId = registration.body.client_id as string;
    const other = await registeredClient('E2E client C');
    const { code, verifier } = await approvedCode(clientId);
    const redeem = (options: { clientId: string; codeVerifier?: string }) =>
      redeemCode(backend, { code, redirectUri: callback, ...options });

    expect(
      await redeem({ clientId: other.id, codeVerifier: verifier }),
    ).toMatchObject(
      oauthError(400, 'invalid_grant', /not issued to this client/),
    );
    expect(await redeem({ clientId })).toMatchObject(
      oauthError(400, 'invalid_request', /code_verifier is required/),
    );
    const honest = await redeem({ clientId, codeVerifier: verifier });
    expect(honest.status).toBe(200);
    secrets.add(honest.body.access_token);
  });

  it("refuses to redeem a Client ID Metadata Document client's code for another client", async () => {
    const owner = metadata.clientId('loopback');
    const { code, verifier } = await approvedCode(owner);
    const other = metadata.clientId('extra');
    for (const clientId of [other, owner.replace('loopback', 'stranger')]) {
      expect(
        await redeemCode(backend, {
          code,
          redirectUri: callback,
          codeVerifier: verifier,
          clientId,
        }),
      ).toMatchObject(
        oauthError(400, 'invalid_grant', /not issued to this client/),
      );
    }
    const honest = await redeemCode(backend, {
      code,
      redirectUri: callback,
      codeVerifier: verifier,
      clientId: owner,
    });
    expect(honest.status).toBe(200);
    secrets.add(honest.body.access_token);
  });

  it('refuses an authorization without a PKCE challenge or with the plain method, and advertises S256 only', async () => {
    const a = await registeredClient('E2E client without PKCE');
    const pkce = pkcePair();
    const attempts = [
      {}, // no PKCE at all
      { codeChallenge: pkce.verifier, codeChallengeMethod: 'plain' },
      { codeChallenge: pkce.challenge }, // the method defaults to plain
      { codeChallengeMethod: 'S256' }, // a method without a challenge
    ];
    for (const attempt of attempts) {
      const start = await startAuthorization(
        authorizationUrl(backend, {
          clientId: a.id,
          redirectUri: callback,
          ...attempt,
        }),
      );
      // answered here, not redirected: nothing reaches the redirect URI
      expect(start).toMatchObject({
        kind: 'refused',
        status: 400,
        location: undefined,
      });
      const body = JSON.parse((start as { body: string }).body);
      expect(body).toEqual({
        error: 'invalid_request',
        error_description: expect.stringMatching(/code_challenge/),
      });
    }
    // the same client with S256 is let through to the consent page
    expect(
      await startAuthorization(
        authorizationUrl(backend, {
          clientId: a.id,
          redirectUri: callback,
          codeChallenge: pkce.challenge,
          codeChallengeMethod: 'S256',
        }),
      ),
    ).toMatchObject({ kind: 'consent' });

    // what MCP clients discover (through the MCP server) says so too
    const discovery = await fetch(
      `${backend.baseUrl}/.well-known/oauth-authorization-server`,
    ).then(r => r.json());
    expect(discovery.code_challenge_methods_supported).toEqual(['S256']);
  });

  it('refuses an oversized registration with an OAuth error naming the field', async () => {
    expect(
      await registerByDcr(callback, { clientName: 'x'.repeat(5000) }),
    ).toMatchObject(
      oauthError(
        400,
        'invalid_client_metadata',
        /client_name is 5000 characters long; at most \d+/,
      ),
    );
    const many = Array.from({ length: 50 }, (_, i) => `${callback}/${i}`);
    expect(await registerByDcr(many)).toMatchObject(
      oauthError(
        400,
        'invalid_redirect_uri',
        /redirect_uris has 50 entries; at most \d+/,
      ),
    );
    const huge = await registerClient(backend, {
      client_name: 'E2E huge',
      redirect_uris: [callback],
      padding: 'x'.repeat(64 * 1024),
    });
    expect(huge).toMatchObject(
      oauthError(
        413,
        'invalid_client_metadata',
        /too large: at most \d+ bytes/,
      ),
    );
  });

  it('answers a flood of registrations from one address with 429 and Retry-After, and keeps registering other addresses', async () => {
    // Another address on the loopback interface: the other tests register from 127.0.0.1.
    const flooder = '127.0.0.2';
    const statuses: number[] = [];
    let last = await registerByDcr(callback, { localAddress: flooder });
    statuses.push(last.status);
    while (last.status === 201 && statuses.length <= 100) {
      last = await registerByDcr(callback, { localAddress: flooder });
      statuses.push(last.status);
    }
    // the documented default: 20 registrations per address and hour
    expect(statuses).toEqual([...Array(20).fill(201), 429]);
    expect(last).toMatchObject(
      oauthError(429, 'too_many_requests', /Too many client registrations/),
    );
    const retryAfter = Number(last.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    // still refused, and nobody else is
    expect(
      (await registerByDcr(callback, { localAddress: flooder })).status,
    ).toBe(429);
    expect((await registerByDcr(callback)).status).toBe(201);
  });

  // After the registrations, refusals and approvals above.
  it('audits each registration, a refused one as failed, and each consent approval with the person and the client', () => {
    const events = auditEvents(backend.output()).filter(
      e => e.status !== 'initiated',
    );
    const registrations = events.filter(
      e => e.eventId === 'oauth-client-registered',
    );
    const dcr = registrations.find(
      e => e.meta?.clientName === 'E2E DCR client' && e.status === 'succeeded',
    );
    expect(dcr).toMatchObject({
      plugin: 'auth',
      severityLevel: 'medium',
      meta: {
        redirectUris: [callback],
        clientId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      },
    });
    const refusals = registrations
      .filter(e => e.status === 'failed')
      .map(e => String(e.message));
    // refused by the auth plugin (redirect URI patterns) and by the guard
    expect(refusals).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/ 400: Invalid redirect_uri/),
        expect.stringMatching(/ 400: client_name is 5000 characters long/),
        expect.stringMatching(/ 413: The request body is too large/),
        expect.stringMatching(/ 429: Too many client registrations/),
      ]),
    );

    const consents = events.filter(e => e.eventId === 'mcp-consent-approved');
    expect(consents).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          plugin: 'auth',
          status: 'succeeded',
          actor: expect.objectContaining({
            actorId: 'user:development/guest',
          }),
          meta: {
            clientId: dcr!.meta!.clientId,
            userEntityRef: 'user:development/guest',
          },
        }),
        // a Client ID Metadata Document client: the document's URL
        expect.objectContaining({
          status: 'succeeded',
          meta: expect.objectContaining({
            clientId: metadata.clientId('loopback'),
          }),
        }),
      ]),
    );
  });

  it('warns at boot about the in-memory database and not about the loopback base URL', () => {
    const output = backend.output();
    expect(output).toContain(
      "backend.database is better-sqlite3 in memory, while Backstage's OAuth authorization server is on",
    );
    expect(output.match(/backend\.database is .* in memory/g)).toHaveLength(1);
    expect(output).not.toContain('is neither https nor a loopback host');
  });

  it('prints no secret or token', () => {
    const output = backend.output();
    expect(secrets.size).toBeGreaterThanOrEqual(10);
    for (const secret of secrets) {
      expect(output).not.toContain(secret);
    }
  });
});
