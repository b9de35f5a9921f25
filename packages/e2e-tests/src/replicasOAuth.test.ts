/*
 * OAuth/OIDC sign-in across replicas: two backends started with the
 * README's command on one PostgreSQL (`postgres` preset), behind one URL
 * (a test load balancer that is every replica's base URL, so the provider
 * redirects back to it). A person starts sign-in on replica A and the
 * provider's redirect lands on replica B: B must find the OAuth state and
 * the server-side session A stored (auth-backend keeps `express-session`
 * data in its database through connect-session-knex, sealed with the shared
 * AUTH_SESSION_SECRET). The refresh cookie then works on either replica.
 * The same for GitHub sign-in, whose OAuth state Backstage keeps in a
 * cookie of the browser's. One PostgreSQL cluster for the file, a database
 * prefix per portal.
 */
import type { Page } from 'playwright-core';
import { BackendProcess, startBackendProcess } from './harness/backendProcess';
import { FakeKeycloak, startFakeKeycloak } from './harness/keycloak';
import {
  ChromiumSession,
  launchChromium,
  signInAtLoginForm,
} from './harness/keycloak/browser';
import { FakeGithub, startFakeGithub } from './harness/github';
import { signInAtGithub } from './harness/github/browser';
import { LoadBalancer, startLoadBalancer } from './harness/loadBalancer';
import { handlerResponse, refreshSession } from './harness/oauth';
import { externalAccessEnv, waitForCatalog } from './harness/portal';
import { PostgresServer, startPostgres } from './harness/postgres';

jest.setTimeout(420_000);

const ANA_ID = '8a3c1f0e-1b2d-4c5e-9f60-0a1b2c3d4e5f';
const CLIENT_SECRET = 'kc-replica-client-secret-Q7w';
// Shared by both replicas, as an operator's secret store would hand it out.
const SESSION_SECRET = 'oidc-replica-session-secret-0123456789abcdef';
const DB_PREFIX = 'replicas_oidc_';

let pg: PostgresServer;

beforeAll(async () => {
  pg = await startPostgres();
});

afterAll(async () => {
  await pg?.remove();
});

/** The replica (A or B) each request to this path went through the balancer to, in order. */
function repliesFor(
  lb: LoadBalancer,
  replicas: { a: BackendProcess; b: BackendProcess },
  pathname: string,
): string[] {
  return lb
    .log()
    .filter(entry => new URL(entry.path, lb.baseUrl).pathname === pathname)
    .map(entry => (entry.port === replicas.a.port ? 'A' : 'B'));
}

describe('OIDC sign-in across two replicas (VEECODE_PRESETS=keycloak,postgres)', () => {
  let lb: LoadBalancer;
  let keycloak: FakeKeycloak;
  let a: BackendProcess;
  let b: BackendProcess;
  let browser: ChromiumSession;

  beforeAll(async () => {
    lb = await startLoadBalancer();
    keycloak = await startFakeKeycloak({
      realm: 'acme',
      clientId: 'devportal',
      clientSecret: CLIENT_SECRET,
      // Only the balancer's URL: a replica's own address is never a redirect target.
      redirectUris: [`${lb.baseUrl}/api/auth/oidc/handler/frame`],
      groups: [{ name: 'platform' }],
      users: [
        {
          id: ANA_ID,
          username: 'ana',
          email: 'ana@acme.example',
          firstName: 'Ana',
          lastName: 'Lima',
          password: 'ana-pass-1',
          groups: ['platform'],
        },
      ],
    });
    const env = {
      VEECODE_PRESETS: 'keycloak,postgres',
      ...pg.presetEnv(),
      POSTGRES_DB_PREFIX: DB_PREFIX,
      KEYCLOAK_BASE_URL: keycloak.baseUrl,
      KEYCLOAK_REALM: 'acme',
      KEYCLOAK_CLIENT_ID: 'devportal',
      KEYCLOAK_CLIENT_SECRET: CLIENT_SECRET,
      AUTH_SESSION_SECRET: SESSION_SECRET,
      BACKEND_BASE_URL: lb.baseUrl,
      ...externalAccessEnv(),
    };
    // One after the other: the first creates the databases and runs the
    // migrations, as a rolling deployment would.
    a = await startBackendProcess({ env });
    await a.waitForReady(240_000);
    b = await startBackendProcess({ env });
    await b.waitForReady(240_000);
    // Sign-in resolves to the catalog user the org sync made.
    await waitForCatalog(a, users => users.length >= 1, 120_000);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([keycloak?.stop(), lb?.stop()]);
  });

  const repliesOf = (pathname: string) => repliesFor(lb, { a, b }, pathname);

  /** Refreshes through the balancer, answered by `replica`. */
  const refreshOn = (page: Page, replica: BackendProcess) => {
    lb.sendTo(replica);
    return refreshSession(page, 'oidc');
  };

  it('completes on replica B a sign-in started on replica A, and refreshes on both', async () => {
    const page = await browser.newPage();
    const message = await handlerResponse(page, 'oidc', async () => {
      lb.sendTo(a);
      await page.goto(
        `${lb.baseUrl}/api/auth/oidc/start?env=production&scope=openid%20profile%20email`,
      );
      // The provider's login form is up: the redirect back goes to B.
      lb.sendTo(b);
      await signInAtLoginForm(page, {
        username: 'ana',
        password: 'ana-pass-1',
      });
    });
    expect(repliesOf('/api/auth/oidc/start')).toEqual(['A']);
    expect(repliesOf('/api/auth/oidc/handler/frame')).toEqual(['B']);
    expect(message.error).toBeUndefined();
    expect(message.type).toBe('authorization_response');
    expect(message.response.backstageIdentity.identity.userEntityRef).toBe(
      'user:default/ana',
    );

    // The refresh cookie B set works on A, and on B again.
    for (const replica of [a, b]) {
      const refreshed = await refreshOn(page, replica);
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.backstageIdentity.identity.userEntityRef).toBe(
        'user:default/ana',
      );
    }
    expect(repliesOf('/api/auth/oidc/refresh')).toEqual(['A', 'B']);

    // The token B issued is accepted by A (signing keys in the database).
    lb.sendTo(a);
    const res = await fetch(
      `${lb.baseUrl}/api/catalog/entities/by-name/user/default/ana`,
      {
        headers: {
          Authorization: `Bearer ${message.response.backstageIdentity.token}`,
        },
      },
    );
    expect(res.status).toBe(200);
    await page.close();
  });

  it('keeps the OAuth session server-side in the shared database, not in either process', async () => {
    // connect-session-knex's table in the auth plugin's database: what lets
    // B read what A stored when the sign-in started.
    const [[count]] = await pg.query(
      'SELECT count(*) FROM sessions',
      `${DB_PREFIX}auth`,
    );
    expect(Number(count)).toBeGreaterThan(0);
  });

  it('refuses the callback on a replica with another session secret', async () => {
    // A third replica sharing the database but not the secret: it cannot
    // open the session A sealed, so the callback fails instead of signing
    // anyone in. This is why the secret must be shared.
    const c = await startBackendProcess({
      env: {
        VEECODE_PRESETS: 'keycloak,postgres',
        ...pg.presetEnv(),
        POSTGRES_DB_PREFIX: DB_PREFIX,
        KEYCLOAK_BASE_URL: keycloak.baseUrl,
        KEYCLOAK_REALM: 'acme',
        KEYCLOAK_CLIENT_ID: 'devportal',
        KEYCLOAK_CLIENT_SECRET: CLIENT_SECRET,
        AUTH_SESSION_SECRET: 'another-secret-of-a-misconfigured-replica-99',
        BACKEND_BASE_URL: lb.baseUrl,
        ...externalAccessEnv(),
      },
    });
    try {
      await c.waitForReady(240_000);
      const fresh = await launchChromium();
      try {
        const page = await fresh.newPage();
        const message = await handlerResponse(page, 'oidc', async () => {
          lb.sendTo(a);
          await page.goto(
            `${lb.baseUrl}/api/auth/oidc/start?env=production&scope=openid%20profile%20email`,
          );
          lb.sendTo(c);
          await signInAtLoginForm(page, {
            username: 'ana',
            password: 'ana-pass-1',
          });
        });
        expect(message.response).toBeUndefined();
        // openid-client keeps state, nonce and PKCE verifier in req.session.
        expect(message.error.message).toMatch(
          /did not find expected authorization request details in session/,
        );
      } finally {
        await fresh.close();
      }
    } finally {
      await c.stop();
    }
    for (const replica of [a, b, c]) {
      expect(replica.output()).not.toContain(SESSION_SECRET);
      expect(replica.output()).not.toContain(CLIENT_SECRET);
      expect(replica.output()).not.toContain(pg.password);
    }
  });
});

const GH_ORG = 'acme';
const GH_PAT = 'ghp_e2eReplicaPat0123456789abcdefABCDEF01';
const GH_CLIENT_ID = 'Iv1.e2ereplica0123456';
const GH_CLIENT_SECRET = 'gh-replica-client-secret-Wm3';

describe('GitHub sign-in across two replicas (VEECODE_PRESETS=github-auth,postgres)', () => {
  let lb: LoadBalancer;
  let github: FakeGithub;
  let a: BackendProcess;
  let b: BackendProcess;
  let browser: ChromiumSession;

  beforeAll(async () => {
    lb = await startLoadBalancer();
    github = await startFakeGithub({
      org: GH_ORG,
      pat: GH_PAT,
      oauthApp: {
        clientId: GH_CLIENT_ID,
        clientSecret: GH_CLIENT_SECRET,
        callbackUrl: `${lb.baseUrl}/api/auth/github/handler/frame`,
      },
      users: [
        {
          login: 'ana',
          name: 'Ana Lima',
          email: 'ana@acme.example',
          password: 'ana-pass-1',
        },
      ],
      members: ['ana'],
      teams: [{ slug: 'platform', name: 'Platform', members: ['ana'] }],
      repositories: [],
    });
    const env = {
      VEECODE_PRESETS: 'github-auth,postgres',
      ...pg.presetEnv(),
      POSTGRES_DB_PREFIX: 'replicas_github_',
      GITHUB_BASE_URL: github.baseUrl,
      GITHUB_PAT: GH_PAT,
      GITHUB_ORG: GH_ORG,
      GITHUB_AUTH_CLIENT_ID: GH_CLIENT_ID,
      GITHUB_AUTH_CLIENT_SECRET: GH_CLIENT_SECRET,
      BACKEND_BASE_URL: lb.baseUrl,
      ...externalAccessEnv(),
    };
    a = await startBackendProcess({ env });
    await a.waitForReady(240_000);
    b = await startBackendProcess({ env });
    await b.waitForReady(240_000);
    await waitForCatalog(a, users => users.length >= 1, 120_000);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([github?.stop(), lb?.stop()]);
  });

  it('completes on replica B a sign-in started on replica A, and refreshes on both', async () => {
    const page = await browser.newPage();
    const message = await handlerResponse(page, 'github', async () => {
      lb.sendTo(a);
      await page.goto(
        `${lb.baseUrl}/api/auth/github/start?env=production&scope=read:user`,
      );
      lb.sendTo(b);
      await signInAtGithub(page, { login: 'ana', password: 'ana-pass-1' });
    });
    expect(repliesFor(lb, { a, b }, '/api/auth/github/start')).toEqual(['A']);
    expect(repliesFor(lb, { a, b }, '/api/auth/github/handler/frame')).toEqual([
      'B',
    ]);
    expect(message.error).toBeUndefined();
    expect(message.response.backstageIdentity.identity.userEntityRef).toBe(
      'user:default/ana',
    );

    for (const replica of [a, b]) {
      lb.sendTo(replica);
      const refreshed = await refreshSession(page, 'github');
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.backstageIdentity.identity.userEntityRef).toBe(
        'user:default/ana',
      );
    }
    expect(repliesFor(lb, { a, b }, '/api/auth/github/refresh')).toEqual([
      'A',
      'B',
    ]);
    await page.close();
    for (const replica of [a, b]) {
      expect(replica.output()).not.toContain(GH_CLIENT_SECRET);
      expect(replica.output()).not.toContain(GH_PAT);
      expect(replica.output()).not.toContain(pg.password);
    }
  });
});
