/*
 * OAuth/OIDC sign-in across replicas: two backends started with the
 * README's command on one PostgreSQL (`postgres` preset), behind one URL
 * (a test load balancer that is every replica's base URL, so the provider
 * redirects back to it). A person starts sign-in on replica A and the
 * provider's redirect lands on replica B: B must find the OAuth state and
 * the server-side session A stored (auth-backend keeps `express-session`
 * data in its database through connect-session-knex, sealed with the shared
 * AUTH_SESSION_SECRET). The refresh cookie then works on either replica.
 * The same for GitHub, GitLab and Microsoft (Entra ID) sign-in, whose OAuth
 * state Backstage keeps in a cookie of the browser's: one shared proof,
 * `describeSignInAcrossReplicas`, run against each provider's fake. One
 * PostgreSQL cluster for the file, a database prefix per portal.
 */
import type { Page } from 'playwright-core';
import {
  BackendProcess,
  startBackendProcess,
} from '@devportal/test-utils/src/backend/backendProcess';
import {
  FakeKeycloak,
  FakeKeycloakConfig,
  startFakeKeycloak,
} from '@devportal/test-utils/src/fakes/keycloak';
import { acmeRealm } from '@devportal/test-utils/src/fakes/keycloak/acmeRealm';
import {
  ChromiumSession,
  launchChromium,
  LaunchChromiumOptions,
} from '@devportal/test-utils/src/browser/chromium';
import {
  keycloakPresetEnv,
  oidcSignIn,
} from '@devportal/test-utils/src/fakes/keycloak/oidcSignIn';
import { startFakeGithub } from '@devportal/test-utils/src/fakes/github';
import { signInAtGithub } from '@devportal/test-utils/src/fakes/github/browser';
import {
  signInAtGitLab,
  startFakeGitLab,
} from '@devportal/test-utils/src/fakes/gitlab';
import { startFakeMicrosoft } from '@devportal/test-utils/src/fakes/microsoft';
import { signInAtMicrosoft } from '@devportal/test-utils/src/fakes/microsoft/signIn';
import {
  LoadBalancer,
  startLoadBalancer,
} from '@devportal/test-utils/src/backend/loadBalancer';
import {
  handlerResponse,
  refreshSession,
} from '@devportal/test-utils/src/backend/oauthHandler';
import {
  externalAccessEnv,
  waitForCatalog,
} from '@devportal/test-utils/src/backend/catalogClient';
import {
  PostgresServer,
  startPostgres,
} from '@devportal/test-utils/src/daemons/postgres';

jest.setTimeout(420_000);

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

/**
 * The environment of a replica of `presets` on the file's PostgreSQL behind
 * `lb`, whose URL is the base URL of every replica; `providerEnv` points it
 * at the sign-in provider's fake.
 */
function replicaEnv(
  lb: LoadBalancer,
  options: {
    presets: string;
    dbPrefix: string;
    providerEnv: Record<string, string>;
  },
): Record<string, string> {
  return {
    VEECODE_PRESETS: options.presets,
    ...pg.presetEnv(),
    POSTGRES_DB_PREFIX: options.dbPrefix,
    ...options.providerEnv,
    BACKEND_BASE_URL: lb.baseUrl,
    ...externalAccessEnv(),
  };
}

/**
 * Starts replicas A and B with the same environment, one after the other:
 * the first creates the databases and runs the migrations, as a rolling
 * deployment would. Stops what it started if either fails to come up.
 */
async function startReplicas(
  env: Record<string, string>,
): Promise<{ a: BackendProcess; b: BackendProcess }> {
  const a = await startBackendProcess({ env });
  let b: BackendProcess | undefined;
  try {
    await a.waitForReady(240_000);
    b = await startBackendProcess({ env });
    await b.waitForReady(240_000);
    return { a, b };
  } catch (error) {
    await Promise.all([a.stop(), b?.stop()]);
    throw error;
  }
}

describe('OIDC sign-in across two replicas (VEECODE_PRESETS=keycloak,postgres)', () => {
  let lb: LoadBalancer;
  let realm: FakeKeycloakConfig;
  let keycloak: FakeKeycloak;
  let a: BackendProcess;
  let b: BackendProcess;
  let browser: ChromiumSession;

  /** A replica's environment, with the session secret the test says. */
  const oidcReplicaEnv = (sessionSecret: string) =>
    replicaEnv(lb, {
      presets: 'keycloak,postgres',
      dbPrefix: DB_PREFIX,
      providerEnv: {
        ...keycloakPresetEnv(keycloak, realm),
        AUTH_SESSION_SECRET: sessionSecret,
      },
    });

  beforeAll(async () => {
    lb = await startLoadBalancer();
    realm = acmeRealm({
      clientSecret: CLIENT_SECRET,
      // Only the balancer's URL: a replica's own address is never a redirect target.
      backendBaseUrl: lb.baseUrl,
    });
    keycloak = await startFakeKeycloak(realm);
    ({ a, b } = await startReplicas(oidcReplicaEnv(SESSION_SECRET)));
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

  /**
   * Signs Ana in through the balancer: `starter` answers the start route,
   * and once the provider's login form is up, `finisher` answers the
   * provider's redirect back.
   */
  const signInAcross = (
    page: Page,
    starter: BackendProcess,
    finisher: BackendProcess,
  ) => {
    lb.sendTo(starter);
    return oidcSignIn(page, {
      baseUrl: lb.baseUrl,
      username: 'ana',
      password: 'ana-pass-1',
      beforeSubmit: () => lb.sendTo(finisher),
    });
  };

  /** Refreshes through the balancer, answered by `replica`. */
  const refreshOn = (page: Page, replica: BackendProcess) => {
    lb.sendTo(replica);
    return refreshSession(page, 'oidc');
  };

  it('completes on replica B a sign-in started on replica A, and refreshes on both', async () => {
    const page = await browser.newPage();
    const message = await signInAcross(page, a, b);
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
      env: oidcReplicaEnv('another-secret-of-a-misconfigured-replica-99'),
    });
    try {
      await c.waitForReady(240_000);
      const fresh = await launchChromium();
      try {
        const page = await fresh.newPage();
        const message = await signInAcross(page, a, c);
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

/** A provider's fake, started for one replica pair. */
interface ProviderUnderTest {
  /** The preset variables that point the backends at the fake. */
  env: Record<string, string>;
  /** How Chromium must be launched to reach the fake (a CA to trust). */
  browser?: LaunchChromiumOptions;
  /** Signs the person in on the provider's pages the start route led to; `error` is what a refusing page showed. */
  signIn(page: Page): Promise<{ error?: string } | void>;
  /** Values no replica may ever print. */
  secrets: string[];
  /** Requests the fake could not answer, when it records them. */
  unanswered?(): string[];
  stop(): Promise<void>;
}

/** One provider's run of {@link describeSignInAcrossReplicas}. */
interface ReplicaSignInCase {
  /** VEECODE_PRESETS of both replicas. */
  presets: string;
  /** The auth provider id in `/api/auth/<id>/...`. */
  providerId: string;
  /** Query of the start route after `env=production`, e.g. `&scope=read:user`. */
  startQuery?: string;
  /** Database prefix of this pair, apart from the other pairs'. */
  dbPrefix: string;
  /** The catalog user the org sync makes and sign-in resolves to. */
  userEntityRef: string;
  /** Starts the provider's fake, which must redirect back to `callbackUrl` only. */
  startProvider(callbackUrl: string): Promise<ProviderUnderTest>;
}

/**
 * Two replicas of `presets` on the file's PostgreSQL behind a load balancer:
 * a sign-in started on A completes on B, the refresh cookie works on A and
 * on B, and neither prints a secret. Shared so every OAuth provider is held
 * to exactly the same proof.
 */
function describeSignInAcrossReplicas(title: string, c: ReplicaSignInCase) {
  describe(`${title} sign-in across two replicas (VEECODE_PRESETS=${c.presets})`, () => {
    let lb: LoadBalancer;
    let provider: ProviderUnderTest;
    let a: BackendProcess;
    let b: BackendProcess;
    let browser: ChromiumSession;
    const route = (name: string) => `/api/auth/${c.providerId}/${name}`;

    beforeAll(async () => {
      lb = await startLoadBalancer();
      provider = await c.startProvider(
        `${lb.baseUrl}${route('handler/frame')}`,
      );
      ({ a, b } = await startReplicas(
        replicaEnv(lb, {
          presets: c.presets,
          dbPrefix: c.dbPrefix,
          providerEnv: provider.env,
        }),
      ));
      await waitForCatalog(
        a,
        users =>
          users.some(
            u => `user:default/${u.metadata.name}` === c.userEntityRef,
          ),
        120_000,
      );
      browser = await launchChromium(provider.browser);
    });

    afterAll(async () => {
      await browser?.close();
      await Promise.all([a?.stop(), b?.stop()]);
      await Promise.all([provider?.stop(), lb?.stop()]);
    });

    it('completes on replica B a sign-in started on replica A, and refreshes on both', async () => {
      const page = await browser.newPage();
      let signInError: string | undefined;
      const message = await handlerResponse(page, c.providerId, async () => {
        lb.sendTo(a);
        await page.goto(
          `${lb.baseUrl}${route('start')}?env=production${c.startQuery ?? ''}`,
        );
        lb.sendTo(b);
        signInError = (await provider.signIn(page))?.error;
      });
      expect(signInError).toBeUndefined();
      expect(repliesFor(lb, { a, b }, route('start'))).toEqual(['A']);
      expect(repliesFor(lb, { a, b }, route('handler/frame'))).toEqual(['B']);
      expect(message.error).toBeUndefined();
      expect(message.response.backstageIdentity.identity.userEntityRef).toBe(
        c.userEntityRef,
      );
      // The provider's access tokens the replicas received, never to be printed.
      const issuedTokens: string[] = [
        message.response.providerInfo.accessToken,
      ];

      for (const replica of [a, b]) {
        lb.sendTo(replica);
        const refreshed = await refreshSession(page, c.providerId);
        expect(refreshed.status).toBe(200);
        expect(refreshed.body.backstageIdentity.identity.userEntityRef).toBe(
          c.userEntityRef,
        );
        issuedTokens.push(refreshed.body.providerInfo.accessToken);
      }
      expect(issuedTokens.every(Boolean)).toBe(true);
      expect(repliesFor(lb, { a, b }, route('refresh'))).toEqual(['A', 'B']);
      await page.close();
      for (const replica of [a, b]) {
        for (const secret of [
          ...provider.secrets,
          ...issuedTokens,
          pg.password,
        ]) {
          expect(replica.output()).not.toContain(secret);
        }
      }
      // Neither replica asked the provider anything its fake does not serve.
      expect(provider.unanswered?.() ?? []).toEqual([]);
    });
  });
}

const GH_ORG = 'acme';
const GH_PAT = 'ghp_e2eReplicaPat0123456789abcdefABCDEF01';
const GH_CLIENT_ID = 'Iv1.e2ereplica0123456';
const GH_CLIENT_SECRET = 'gh-replica-client-secret-Wm3';

describeSignInAcrossReplicas('GitHub', {
  presets: 'github-auth,postgres',
  providerId: 'github',
  startQuery: '&scope=read:user',
  dbPrefix: 'replicas_github_',
  userEntityRef: 'user:default/ana',
  async startProvider(callbackUrl) {
    const github = await startFakeGithub({
      org: GH_ORG,
      pat: GH_PAT,
      oauthApp: {
        clientId: GH_CLIENT_ID,
        clientSecret: GH_CLIENT_SECRET,
        callbackUrl,
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
    return {
      env: github.presetsEnv,
      signIn: page =>
        signInAtGithub(page, { login: 'ana', password: 'ana-pass-1' }),
      secrets: [GH_CLIENT_SECRET, GH_PAT],
      stop: () => github.stop(),
    };
  },
});

const GL_TOKEN = 'glpat-e2e-replica-sync-token-7a6b5c';
const GL_CLIENT_ID =
  'e2e7a6b5c4d3e2f10918273a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7f9';
const GL_CLIENT_SECRET = 'gloas-e2e-replica-client-secret-8d7c';
const GL_PASSWORD = 'ana-gitlab-replica-pass-1';

describeSignInAcrossReplicas('GitLab', {
  presets: 'gitlab,postgres',
  providerId: 'gitlab',
  dbPrefix: 'replicas_gitlab_',
  userEntityRef: 'user:default/ana',
  async startProvider(callbackUrl) {
    const gitlab = await startFakeGitLab({
      applications: [
        {
          name: 'DevPortal',
          clientId: GL_CLIENT_ID,
          clientSecret: GL_CLIENT_SECRET,
          redirectUris: [callbackUrl],
        },
      ],
      accessTokens: [{ token: GL_TOKEN, username: 'devportal-sync' }],
      users: [
        {
          id: 1,
          username: 'devportal-sync',
          name: 'DevPortal sync',
          email: 'sync@acme.example',
          isAdmin: true,
        },
        {
          id: 101,
          username: 'ana',
          name: 'Ana Lima',
          email: 'ana@acme.example',
          password: GL_PASSWORD,
        },
      ],
      groups: [{ id: 10, fullPath: 'acme', name: 'Acme', members: ['ana'] }],
      projects: [],
    });
    return {
      env: {
        GITLAB_HOST: gitlab.host,
        GITLAB_BASE_URL: gitlab.baseUrl,
        GITLAB_AUTH_CLIENT_ID: GL_CLIENT_ID,
        GITLAB_AUTH_CLIENT_SECRET: GL_CLIENT_SECRET,
        GITLAB_TOKEN: GL_TOKEN,
        GITLAB_GROUP: 'acme',
      },
      signIn: page =>
        signInAtGitLab(page, {
          username: 'ana',
          password: GL_PASSWORD,
        }),
      secrets: [GL_CLIENT_SECRET, GL_TOKEN, GL_PASSWORD],
      unanswered: () =>
        gitlab.unhandledRequests().map(r => `${r.method} ${r.path}`),
      stop: () => gitlab.stop(),
    };
  },
});

const AZ_TENANT_ID = '6c8d0e2f-3a4b-4c5d-9e6f-8091a2b3c4d5';
const AZ_CLIENT_ID = '1d2e3f4a-5b6c-4d7e-8f90-91a2b3c4d5e6';
const AZ_CLIENT_SECRET = 'entra-replica-client-secret-Zp4~kT9.q';
const AZ_PASSWORD = 'ana-entra-replica-pass-1';

describeSignInAcrossReplicas('Microsoft (Entra ID)', {
  presets: 'azure-auth,postgres',
  providerId: 'microsoft',
  dbPrefix: 'replicas_azure_',
  // The org sync names users after their mail.
  userEntityRef: 'user:default/ana_acme.example',
  async startProvider(callbackUrl) {
    const microsoft = await startFakeMicrosoft({
      tenantId: AZ_TENANT_ID,
      organizationName: 'Acme Corp',
      clientId: AZ_CLIENT_ID,
      clientSecret: AZ_CLIENT_SECRET,
      redirectUris: [callbackUrl],
      directory: {
        users: [
          {
            id: '11111111-aaaa-4aaa-8aaa-111111111111',
            userPrincipalName: 'ana@acme.onmicrosoft.example',
            mail: 'ana@acme.example',
            displayName: 'Ana Lima',
            password: AZ_PASSWORD,
          },
        ],
        groups: [],
      },
    });
    return {
      env: {
        AZURE_AUTH_TENANT_ID: AZ_TENANT_ID,
        AZURE_AUTH_CLIENT_ID: AZ_CLIENT_ID,
        AZURE_AUTH_CLIENT_SECRET: AZ_CLIENT_SECRET,
        AZURE_AUTH_AUTHORITY: microsoft.authority,
        MSGRAPH_BASE_URL: microsoft.graphBaseUrl,
        // Its CA and the proxy that keeps MSAL's instance discovery on loopback.
        ...microsoft.backendEnv(),
      },
      // The fake authority is HTTPS with a test CA Chromium must trust.
      browser: { trustedCertificates: [microsoft.tls.certPem] },
      signIn: page =>
        signInAtMicrosoft(page, {
          email: 'ana@acme.example',
          password: AZ_PASSWORD,
        }),
      secrets: [AZ_CLIENT_SECRET, AZ_PASSWORD],
      unanswered: () => microsoft.unexpected(),
      stop: () => microsoft.stop(),
    };
  },
});
