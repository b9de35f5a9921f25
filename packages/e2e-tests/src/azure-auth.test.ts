/*
 * The azure-auth preset end to end: a stand-in for Microsoft's cloud (the
 * Entra ID authority and Microsoft Graph, over HTTPS on loopback), the
 * backend started with the README's command and pointed at it through the
 * preset's AZURE_AUTH_AUTHORITY and MSGRAPH_BASE_URL, org sync through
 * MicrosoftGraphOrgEntityProvider, and headless Chromium signing in on the
 * authority's sign-in page.
 */
// eslint-disable-next-line @backstage/no-undeclared-imports
import type { Page } from 'playwright-core';
import {
  BackendProcess,
  freePort,
  startBackendProcess,
} from '@devportal/test-utils/src/backend/backendProcess';
import {
  catalogSnapshot,
  entityNames,
  externalAccessEnv,
  runProviderRefresh,
  waitForCatalog,
} from '@devportal/test-utils/src/backend/catalogClient';
import {
  handlerResponse,
  refreshSession,
} from '@devportal/test-utils/src/backend/oauthHandler';
import {
  ChromiumSession,
  launchChromium,
  withFreshBrowser,
} from '@devportal/test-utils/src/browser/chromium';
import {
  EntraDirectory,
  EntraUser,
  FakeMicrosoft,
  startFakeMicrosoft,
} from '@devportal/test-utils/src/fakes/microsoft';
import { signInAtMicrosoft } from '@devportal/test-utils/src/fakes/microsoft/signIn';

jest.setTimeout(240_000);

const TENANT_ID = '5b7c9d1e-2f3a-4b5c-8d6e-7f8091a2b3c4';
const CLIENT_ID = '0c1d2e3f-4a5b-4c6d-9e7f-8091a2b3c4d5';
const clientSecret = 'entra-client-secret-Qm7~vR2.x';
const ORG_SYNC = 'MicrosoftGraphOrgEntityProvider:default';
/** A few bytes standing in for a JPEG: Graph serves photos as they were uploaded. */
const ANA_PHOTO = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a]);

const ana: EntraUser = {
  id: '11111111-aaaa-4aaa-8aaa-111111111111',
  userPrincipalName: 'ana@acme.onmicrosoft.example',
  mail: 'ana@acme.example',
  displayName: 'Ana Lima',
  givenName: 'Ana',
  surname: 'Lima',
  password: 'ana-pass-1',
  photo: ANA_PHOTO,
};
const bruno: EntraUser = {
  id: '22222222-bbbb-4bbb-8bbb-222222222222',
  userPrincipalName: 'bruno@acme.onmicrosoft.example',
  mail: 'bruno@acme.example',
  displayName: 'Bruno Costa',
  password: 'bruno-pass-1',
};
/** No mail: the catalog names her after her user principal name. */
const carla: EntraUser = {
  id: '33333333-cccc-4ccc-8ccc-333333333333',
  userPrincipalName: 'carla@acme.onmicrosoft.example',
  displayName: 'Carla Dias',
  password: 'carla-pass-1',
};
/** Joins the tenant after the last sync. */
const eve: EntraUser = {
  id: '55555555-eeee-4eee-8eee-555555555555',
  userPrincipalName: 'eve@acme.onmicrosoft.example',
  mail: 'eve@acme.example',
  displayName: 'Eve Doe',
  password: 'eve-pass-1',
};
/** A disabled account: AZURE_AUTH_USER_FILTER keeps it out of the catalog. */
const dan: EntraUser = {
  id: '66666666-dddd-4ddd-8ddd-666666666666',
  userPrincipalName: 'dan@acme.onmicrosoft.example',
  mail: 'dan@acme.example',
  displayName: 'Dan Left',
  password: 'dan-pass-1',
  accountEnabled: false,
};
/** The Graph filters of the boot: enabled accounts, security groups. */
const USER_FILTER = 'accountEnabled eq true';
const GROUP_FILTER = 'securityEnabled eq true';
const NEWSLETTER_ID = 'a0000000-0000-4000-8000-0000000000ee';
const GROUP_IDS = {
  engineering: 'a0000000-0000-4000-8000-00000000000e',
  platform: 'a0000000-0000-4000-8000-00000000000f',
  sales: 'a0000000-0000-4000-8000-00000000005a',
};

function directory(users: EntraUser[]): EntraDirectory {
  return {
    // Dan and the newsletter list are in every directory of this test, and
    // never in the catalog: the Graph filters leave them out.
    users: [...users, dan],
    groups: [
      {
        id: NEWSLETTER_ID,
        displayName: 'Newsletter',
        mail: 'newsletter@acme.example',
        securityEnabled: false,
        members: [ana.id, dan.id],
      },
      {
        id: GROUP_IDS.engineering,
        displayName: 'Engineering',
        members: [GROUP_IDS.platform, bruno.id],
      },
      {
        id: GROUP_IDS.platform,
        displayName: 'Platform',
        members: [ana.id, carla.id],
      },
      { id: GROUP_IDS.sales, displayName: 'Sales', members: [bruno.id] },
    ],
  };
}

/** Runs one org sync and returns the line the module logged when it ended. */
const syncOnce = (backend: BackendProcess) =>
  runProviderRefresh(backend, ORG_SYNC);

describe('azure-auth preset', () => {
  let microsoft: FakeMicrosoft;
  let backend: BackendProcess;
  let browser: ChromiumSession;

  const startSignIn = (page: Page) =>
    page.goto(`${backend.baseUrl}/api/auth/microsoft/start?env=production`);

  /** Signs the user in on the sign-in page; returns the message of the backend's handler page. */
  const signIn = (page: Page, user: EntraUser) =>
    handlerResponse(page, 'microsoft', async () => {
      await startSignIn(page);
      await signInAtMicrosoft(page, {
        email: user.mail!,
        password: user.password,
      });
    });

  /** A browser of its own, trusting the fake's certificate. */
  const inFreshBrowser = <T>(use: (page: Page) => Promise<T>) =>
    withFreshBrowser(use, { trustedCertificates: [microsoft.tls.certPem] });

  beforeAll(async () => {
    const port = await freePort();
    microsoft = await startFakeMicrosoft({
      tenantId: TENANT_ID,
      organizationName: 'Acme Corp',
      clientId: CLIENT_ID,
      clientSecret,
      redirectUris: [
        `http://127.0.0.1:${port}/api/auth/microsoft/handler/frame`,
      ],
      directory: directory([ana, bruno, carla]),
    });
    backend = await startBackendProcess({
      port,
      env: {
        VEECODE_PRESETS: 'azure-auth',
        AZURE_AUTH_TENANT_ID: TENANT_ID,
        AZURE_AUTH_CLIENT_ID: CLIENT_ID,
        AZURE_AUTH_CLIENT_SECRET: clientSecret,
        AZURE_AUTH_AUTHORITY: microsoft.authority,
        MSGRAPH_BASE_URL: microsoft.graphBaseUrl,
        AZURE_AUTH_USER_FILTER: USER_FILTER,
        AZURE_AUTH_GROUP_FILTER: GROUP_FILTER,
        ...microsoft.backendEnv(),
        ...externalAccessEnv(),
      },
    });
    await backend.waitForReady(120_000);
    browser = await launchChromium({
      trustedCertificates: [microsoft.tls.certPem],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await backend?.stop();
    await microsoft?.stop();
  });

  it("syncs the tenant's users and groups, with memberships, from Graph", async () => {
    expect(await syncOnce(backend)).toMatch(/applied 3 users and 4 groups/);
    const { users, groups } = await waitForCatalog(
      backend,
      (us, gs) => us.length === 3 && gs.length === 4,
    );
    const byName = new Map(
      [...users, ...groups].map(e => [e.metadata.name, e]),
    );
    expect([...byName.keys()].sort()).toEqual([
      'acme_corp',
      'ana_acme.example',
      'bruno_acme.example',
      'carla_acme.onmicrosoft.example',
      'engineering',
      'platform',
      'sales',
    ]);
    const anaEntity = byName.get('ana_acme.example')!;
    expect(anaEntity.metadata.annotations).toMatchObject({
      'graph.microsoft.com/user-id': ana.id,
      'microsoft.com/email': 'ana@acme.example',
    });
    expect(anaEntity.spec).toMatchObject({
      memberOf: ['group:default/platform'],
      profile: {
        displayName: 'Ana Lima',
        email: 'ana@acme.example',
        picture: `data:image/jpeg;base64,${ANA_PHOTO.toString('base64')}`,
      },
    });
    expect(byName.get('bruno_acme.example')!.spec!.memberOf).toEqual(
      expect.arrayContaining([
        'group:default/engineering',
        'group:default/sales',
      ]),
    );
    expect(byName.get('platform')!.spec).toMatchObject({
      parent: 'group:default/engineering',
      type: 'team',
    });
    expect(byName.get('engineering')!.spec).toMatchObject({
      parent: 'group:default/acme_corp',
      children: ['group:default/platform'],
    });
    expect(byName.get('acme_corp')!.metadata.annotations).toMatchObject({
      'graph.microsoft.com/tenant-id': TENANT_ID,
    });

    // The provider walked Graph's pages and got its token from the fake
    // authority, after MSAL's instance discovery, which the proxy kept on loopback.
    const seen = microsoft.requests().map(r => `${r.method} ${r.host}${r.url}`);
    expect(seen).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^GET login\.microsoftonline\.com\/common\/discovery\/instance\?/,
        ),
        expect.stringMatching(
          new RegExp(
            `^POST 127\\.0\\.0\\.1:\\d+/${TENANT_ID}/oauth2/v2\\.0/token`,
          ),
        ),
        expect.stringMatching(
          /^GET 127\.0\.0\.1:\d+\/v1\.0\/users\?.*%24skiptoken=/,
        ),
      ]),
    );
    expect(microsoft.unexpected()).toEqual([]);
  });

  it('asks Graph for users and groups with the filters of AZURE_AUTH_USER_FILTER and AZURE_AUTH_GROUP_FILTER', () => {
    // The sync above has neither Dan (disabled) nor the newsletter list
    // (not a security group): Graph filtered them out of these lists.
    const filtersOf = (path: string) =>
      microsoft
        .requests()
        .map(r => new URL(r.url, 'http://graph'))
        .filter(u => u.pathname === `/v1.0/${path}`)
        .map(u => u.searchParams.get('$filter'));
    const userFilters = filtersOf('users');
    const groupFilters = filtersOf('groups');
    expect(userFilters.length).toBeGreaterThan(0);
    expect(groupFilters.length).toBeGreaterThan(0);
    expect(new Set(userFilters)).toEqual(new Set([USER_FILTER]));
    expect(new Set(groupFilters)).toEqual(new Set([GROUP_FILTER]));
  });

  it('signs a tenant user in on the Microsoft sign-in page, to their catalog user and groups', async () => {
    const page = await browser.newPage();
    const message = await signIn(page, ana);
    expect(message.type).toBe('authorization_response');
    expect(message.error).toBeUndefined();
    const identity = message.response.backstageIdentity.identity;
    expect(identity.userEntityRef).toBe('user:default/ana_acme.example');
    expect(identity.ownershipEntityRefs).toEqual(
      expect.arrayContaining([
        'user:default/ana_acme.example',
        'group:default/platform',
      ]),
    );
    expect(message.response.profile).toEqual({
      email: 'ana@acme.example',
      displayName: 'Ana Lima',
      picture: `data:image/jpeg;base64,${ANA_PHOTO.toString('base64')}`,
    });

    // The session lives on: the frontend refreshes it with the cookie (a refresh_token grant).
    const refreshed = await refreshSession(page, 'microsoft');
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.backstageIdentity.identity.userEntityRef).toBe(
      'user:default/ana_acme.example',
    );
    await page.close();
  });

  it('keeps the user on the sign-in page after a wrong password', async () => {
    const result = await inFreshBrowser(async page => {
      await startSignIn(page);
      return signInAtMicrosoft(page, {
        email: bruno.mail!,
        password: 'not-it',
      });
    });
    expect(result.error).toMatch(/Your account or password is incorrect/);
  });

  it('refuses a tenant user who has no catalog user', async () => {
    microsoft.setDirectory(directory([ana, bruno, carla, eve]));
    const message = await inFreshBrowser(page => signIn(page, eve));
    expect(message.response).toBeUndefined();
    expect(message.error.message).toMatch(
      /unable to resolve user identity|No catalog user matches|not found/i,
    );
  });

  it('leaves the catalog as it was when Graph answers 500, then 429, in the middle of a sync', async () => {
    const before = await catalogSnapshot(backend, ['user', 'group']);
    // Eve is in the tenant now and Bruno left: a sync that applied anything would show it.
    microsoft.setDirectory(directory([ana, carla, eve]));

    microsoft.failGraph({
      status: 500,
      path: /^\/groups\/[^/]+\/members/,
      after: 1,
    });
    expect(await syncOnce(backend)).toMatch(/sync failed/);
    microsoft.failGraph({
      status: 429,
      path: /^\/users$/,
      after: 1,
      retryAfterSeconds: 120,
    });
    const throttledAt = Date.now();
    const throttled = await syncOnce(backend);
    // Graph's throttling says when to come back in Retry-After; the log says when that is.
    const resetsAt = /rate limited \(HTTP 429\), limit resets at (\S+);/.exec(
      throttled,
    )?.[1];
    expect(resetsAt).toBeDefined();
    expect(Date.parse(resetsAt!) - throttledAt).toBeGreaterThanOrEqual(110_000);
    expect(Date.parse(resetsAt!) - throttledAt).toBeLessThanOrEqual(180_000);
    const statuses = microsoft.requests().map(r => r.status);
    expect(statuses).toEqual(expect.arrayContaining([500, 429]));

    // Long enough for an applied mutation to show (removals show at once).
    await new Promise(r => setTimeout(r, 5_000));
    const after = await catalogSnapshot(backend, ['user', 'group']);
    expect(after.user).toEqual(before.user);
    expect(after.group).toEqual(before.group);

    // The same directory, once Graph answers, does change the catalog.
    microsoft.failGraph(undefined);
    expect(await syncOnce(backend)).toMatch(/applied 3 users/);
    await waitForCatalog(
      backend,
      us =>
        entityNames(us).join() ===
        'ana_acme.example,carla_acme.onmicrosoft.example,eve_acme.example',
    );
  });

  it('prints no secret and asks nothing the fake does not serve', () => {
    expect(backend.output()).not.toContain(clientSecret);
    expect(microsoft.unexpected()).toEqual([]);
  });
});
