import request from 'supertest';
import express from 'express';
import {
  DatabaseService,
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { captureLogs } from '@devportal/test-utils/src/backend/logCapture';
import { oauthServerGuardModule } from './module';
import { s256Challenge } from './requests';
import {
  AUTH_MIGRATIONS,
  insertApprovedCode,
  insertClient,
} from './authTables.testUtils';

jest.setTimeout(60_000);

const VERIFIER = 'v'.repeat(43);

/**
 * Stands in for the auth plugin: its tables (from its own migrations) with
 * one approved authorization for `dcr-client`, its routes answering with
 * what they received, and its body parsers, which the guard's must not
 * leave anything to re-read.
 */
let registered = 0;
/** The fake auth plugin's database, once it registered a client. */
let authDb: Awaited<ReturnType<DatabaseService['getClient']>>;

const fakeAuthPlugin = createBackendPlugin({
  pluginId: 'auth',
  register(reg) {
    reg.registerInit({
      deps: {
        database: coreServices.database,
        httpRouter: coreServices.httpRouter,
      },
      async init({ database, httpRouter }) {
        const db = await database.getClient();
        await db.migrate.latest({ directory: AUTH_MIGRATIONS });
        await insertClient(db, {
          clientId: 'dcr-client',
          secret: 'dcr-secret',
          name: 'DCR client',
        });
        await insertApprovedCode(db, {
          sessionId: 'session',
          clientId: 'dcr-client',
          code: 'the-code',
          challenge: s256Challenge(VERIFIER),
          method: 'S256',
          expiresAt: new Date(Date.now() + 600_000),
        });
        const router = express.Router();
        router.use(express.urlencoded({ extended: false }));
        router.use(express.json());
        router.get('/.well-known/openid-configuration', (_req, res) => {
          res.json({ code_challenge_methods_supported: ['S256', 'plain'] });
        });
        // as the auth plugin registers: a row, and 201 with id and secret
        router.post('/v1/register', async (req, res) => {
          const clientId = `client-${++registered}`;
          await insertClient(db, {
            clientId,
            secret: 'generated-secret',
            name: req.body.client_name,
            redirectUris: req.body.redirect_uris,
          });
          authDb = db;
          res.status(201).json({
            client_id: clientId,
            redirect_uris: req.body.redirect_uris,
            client_secret: 'generated-secret',
          });
        });
        router.all('*', (req, res) => {
          res.json({ reached: 'auth plugin', path: req.path, body: req.body });
        });
        httpRouter.use(router);
        httpRouter.addAuthPolicy({ path: '/', allow: 'unauthenticated' });
      },
    });
  },
});

/** Config data, as `mockServices.rootConfig` takes it. */
type JsonObject = NonNullable<mockServices.rootConfig.Options['data']>;

/** What the backends log; Backstage's auditor writes its events there. */
const logs = captureLogs();

async function start(auth: JsonObject) {
  const { server } = await startTestBackend({
    features: [
      logs.factory,
      oauthServerGuardModule,
      fakeAuthPlugin,
      mockServices.rootConfig.factory({
        data: {
          auth,
          presets: { oauthServer: { registrationLimit: { perAddress: 2 } } },
        },
      }),
    ],
  });
  return server;
}

const DCR_ON = { experimentalDynamicClientRegistration: { enabled: true } };
const CIMD_ON = { clientIdMetadataDocuments: { enabled: true } };

describe('oauthServerGuardModule', () => {
  it('answers for the auth plugin where a request falls short, and hands the rest on with its body', async () => {
    const server = await start(DCR_ON);

    const authorize = await request(server).get(
      '/api/auth/v1/authorize?client_id=dcr-client&response_type=code',
    );
    expect(authorize.status).toBe(400);
    expect(authorize.body.error).toBe('invalid_request');

    const token = {
      grant_type: 'authorization_code',
      code: 'the-code',
      redirect_uri: 'http://127.0.0.1:9/cb',
      code_verifier: VERIFIER,
    };
    const stolen = await request(server)
      .post('/api/auth/v1/token')
      .type('form')
      .send({ ...token, client_id: 'other-client' });
    expect(stolen.status).toBe(400);
    expect(stolen.body.error).toBe('invalid_grant');

    // the honest request reaches the auth plugin with its form intact
    const honest = await request(server)
      .post('/api/auth/v1/token')
      .auth('dcr-client', 'dcr-secret')
      .type('form')
      .send(token);
    expect(honest.body).toEqual({
      reached: 'auth plugin',
      path: '/v1/token',
      body: token,
    });
    // as do other grants and routes, untouched
    const refresh = { grant_type: 'refresh_token', refresh_token: 'r' };
    expect(
      (await request(server).post('/api/auth/v1/token').send(refresh)).body,
    ).toMatchObject({ reached: 'auth plugin', body: refresh });
    expect(
      (await request(server).get('/api/auth/v1/sessions/x')).body,
    ).toMatchObject({ reached: 'auth plugin' });

    const registration = {
      client_name: 'ok',
      redirect_uris: ['http://127.0.0.1:9/cb'],
    };
    // the answer says how the client authenticates; a public client is recorded
    const publicClient = await request(server)
      .post('/api/auth/v1/register')
      .send({ ...registration, token_endpoint_auth_method: 'none' });
    expect(publicClient.status).toBe(201);
    expect(publicClient.body).toMatchObject({
      client_id: expect.any(String),
      token_endpoint_auth_method: 'none',
    });
    const row = await authDb('oidc_clients')
      .where('client_id', publicClient.body.client_id)
      .first('metadata');
    expect(JSON.parse(row.metadata)).toEqual({
      token_endpoint_auth_method: 'none',
    });
    const long = await request(server)
      .post('/api/auth/v1/register')
      .send({ ...registration, client_name: 'n'.repeat(500) });
    expect(long.status).toBe(400);
    expect(long.body.error).toBe('invalid_client_metadata');
    // the configured limit (2) is used up by now
    const flood = await request(server)
      .post('/api/auth/v1/register')
      .send(registration);
    expect(flood.status).toBe(429);
    expect(flood.headers['retry-after']).toMatch(/^\d+$/);
    expect(flood.body.error).toBe('too_many_requests');

    const malformed = await request(server)
      .post('/api/auth/v1/token')
      .set('Content-Type', 'application/json')
      .send('{"grant_type":');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toBe('invalid_request');

    expect(
      (await request(server).get('/api/auth/.well-known/openid-configuration'))
        .body,
    ).toEqual({ code_challenge_methods_supported: ['S256'] });
  });

  it('audits registrations (a refused one as failed) and consent approvals, without secrets', async () => {
    const server = await start(DCR_ON);
    // this backend's events: the other tests' backends log here too
    const earlier = logs.auditEvents().length;
    const events = (eventId: string) =>
      logs
        .auditEvents()
        .slice(earlier)
        .filter(e => e.eventId === eventId && e.status !== 'initiated');
    const registration = {
      client_name: 'Audited client',
      redirect_uris: ['http://127.0.0.1:9/cb'],
    };
    const ok = await request(server)
      .post('/api/auth/v1/register')
      .send(registration);
    expect(ok.status).toBe(201);
    const long = await request(server)
      .post('/api/auth/v1/register')
      .send({ ...registration, client_name: 'n'.repeat(500) });
    expect(long.status).toBe(400);
    // a token the backend cannot read does not skip the audit
    const flood = await request(server)
      .post('/api/auth/v1/register')
      .set('Authorization', 'Bearer not-a-token')
      .send(registration);
    expect(flood.status).toBe(429);
    expect(events('oauth-client-registered')).toEqual([
      expect.objectContaining({
        plugin: 'auth',
        severityLevel: 'medium',
        status: 'succeeded',
        meta: {
          clientName: 'Audited client',
          redirectUris: ['http://127.0.0.1:9/cb'],
          clientId: ok.body.client_id,
        },
      }),
      expect.objectContaining({
        status: 'failed',
        meta: {
          clientName: 'n'.repeat(256),
          redirectUris: ['http://127.0.0.1:9/cb'],
        },
        message: expect.stringMatching(
          /^auth.oauth-client-registered 400: client_name is 500 characters/,
        ),
      }),
      expect.objectContaining({
        status: 'failed',
        message: expect.stringMatching(
          /^auth.oauth-client-registered 429: Too many client registrations/,
        ),
        meta: { ip: expect.stringMatching(/127\.0\.0\.1/) },
      }),
    ]);

    // the fake auth plugin approves the consent it has for `dcr-client`
    const approval = await request(server)
      .post('/api/auth/v1/sessions/session/approve')
      .set('Authorization', mockCredentials.user.header('user:default/ana'));
    expect(approval.status).toBe(200);
    expect(events('mcp-consent-approved')).toEqual([
      expect.objectContaining({
        plugin: 'auth',
        status: 'succeeded',
        actor: expect.objectContaining({ actorId: 'user:default/ana' }),
        meta: { clientId: 'dcr-client', userEntityRef: 'user:default/ana' },
      }),
    ]);
    expect(JSON.stringify(logs.entries())).not.toContain('generated-secret');
  });

  it('leaves registration alone while dynamic client registration is off', async () => {
    const server = await start(CIMD_ON);
    // what the auth plugin answers then (here the fake's 201), unchanged
    const long = await request(server)
      .post('/api/auth/v1/register')
      .send({
        client_name: 'n'.repeat(500),
        redirect_uris: ['http://127.0.0.1:9/cb'],
        token_endpoint_auth_method: 'none',
      });
    expect(long.status).toBe(201);
    expect(long.body.token_endpoint_auth_method).toBeUndefined();
    expect(
      (await request(server).get('/api/auth/v1/authorize?client_id=x')).status,
    ).toBe(400);
  });

  it('adds nothing while the authorization server is off', async () => {
    const server = await start({});
    expect(
      (await request(server).get('/api/auth/v1/authorize?client_id=x')).body,
    ).toMatchObject({ reached: 'auth plugin' });
  });
});
