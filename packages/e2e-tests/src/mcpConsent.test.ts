/*
 * MCP clients approved in the browser, as the README's Claude Code recipe
 * does it: the official MCP TypeScript SDK client connects to the `mcp`
 * preset's server on a real backend (`npm start`, serving the built
 * portal at its own URL), registers, and its authorization URL is opened
 * in Chromium. The person signs in on the portal, sees the consent page
 * (`@backstage/plugin-auth`) naming the client, and approves or cancels;
 * the client's loopback listener receives the code (or the refusal) and
 * the client lists the tools with the token it exchanged the code for.
 */
import {
  BackendProcess,
  startBackendProcess,
} from '@devportal/test-utils/src/backend/backendProcess';
import { withFreshBrowser } from '@devportal/test-utils/src/browser/chromium';
import {
  AuthorizationDeniedError,
  AuthorizationRedirect,
  ClientMetadataServer,
  ConsentDecision,
  ConsentPageVisit,
  RedirectListener,
  TestOAuthClient,
  connectWithAuthorization,
  decideOnConsentPage,
  startClientMetadataServer,
  startRedirectListener,
} from '@devportal/test-utils/src/mcp';
import { tokenClaims } from '@devportal/test-utils/src/backend/catalogClient';
import { auditEvents } from '@devportal/test-utils/src/backend/auditEvents';

jest.setTimeout(240_000);

const MCP_PATH = '/api/mcp-actions/v1';
/** What the consent page says under the client's name (`app.title` is DevPortal). */
const ACCESS_LINE = 'wants to access your DevPortal account';
/** How long the backend may take to be ready when its start builds the app first. */
const APP_BUILD_WAIT_MS = 10 * 60_000;

describe('recommended,mcp: an MCP client approved on the consent page in the browser', () => {
  let backend: BackendProcess;
  let listener: RedirectListener;
  let metadata: ClientMetadataServer;
  /** Every secret value of the flows; none may appear in the backend's output. */
  const secrets = new Set<string>();
  const serverUrl = () => `${backend.baseUrl}${MCP_PATH}`;

  beforeAll(async () => {
    listener = await startRedirectListener();
    metadata = await startClientMetadataServer({
      cli: {
        clientName: 'E2E CIMD CLI',
        redirectUris: [listener.redirectUrl],
      },
    });
    // No APP_BASE_URL, as in the README's recipe: Backstage redirects the
    // browser to <app.baseUrl>/oauth2/authorize/<session>, and app.baseUrl
    // is by default the backend's URL, where it serves the built app.
    backend = await startBackendProcess({
      env: {
        VEECODE_PRESETS: 'recommended,mcp',
        // Backstage fetches a metadata document from a loopback address
        // only for an exact pattern.
        APP_CONFIG_auth_clientIdMetadataDocuments_allowedClientIdPatterns:
          JSON.stringify([metadata.clientId('cli')]),
        NODE_EXTRA_CA_CERTS: metadata.certificate.caFile,
      },
    });
    // The first start of a run builds the app (minutes on 2 cores).
    await backend.waitForReady(APP_BUILD_WAIT_MS);
  }, APP_BUILD_WAIT_MS + 60_000);

  afterAll(async () => {
    await backend?.stop();
    await listener?.close();
    await metadata?.close();
  });

  /**
   * The client's first use: the SDK discovers the authorization server,
   * registers and asks to open the authorization URL; the person decides
   * in a browser of their own (signing in first); the client takes what
   * its listener received. Resolves with the connected client's tool
   * names, or rejects as the client does (AuthorizationDeniedError).
   */
  async function firstUse(oauth: TestOAuthClient, decision: ConsentDecision) {
    const seen: { visit?: ConsentPageVisit; redirect?: AuthorizationRedirect } =
      {};
    const connecting = connectWithAuthorization(
      serverUrl(),
      oauth,
      async url => {
        seen.visit = await withFreshBrowser(page =>
          decideOnConsentPage(page, url, listener.redirectUrl, { decision }),
        );
        seen.redirect = await listener.nextRedirect();
        if (seen.redirect.kind === 'code') {
          secrets.add(seen.redirect.code);
          return seen.redirect.code;
        }
        throw new AuthorizationDeniedError(
          seen.redirect.error,
          seen.redirect.errorDescription,
        );
      },
    );
    const result = connecting.then(async client => {
      try {
        return (await client.listTools()).tools.map(t => t.name);
      } finally {
        await client.close();
      }
    });
    return {
      tools: result.finally(() => oauth.secrets().forEach(s => secrets.add(s))),
      seen,
    };
  }

  /** What the consent page must show: the client's name, the access line and the callback URL. */
  function expectConsentPage(
    visit: ConsentPageVisit | undefined,
    name: string,
  ) {
    // a browser without a portal session is asked to sign in first
    expect(visit?.askedToSignIn).toBe(true);
    expect(visit?.shown).toContain(name);
    expect(visit?.shown).toContain(ACCESS_LINE);
    expect(visit?.shown).toContain(listener.redirectUrl);
  }

  it('registers by DCR; the person approves in the browser; the client receives its code and lists the tools as that person', async () => {
    const oauth = new TestOAuthClient({
      redirectUrl: listener.redirectUrl,
      clientName: 'E2E DCR CLI',
    });
    const { tools, seen } = await firstUse(oauth, 'approve');

    expect(await tools).toEqual(
      expect.arrayContaining([
        'catalog.get-catalog-entity',
        'catalog.query-catalog-entities',
        'scaffolder.list-scaffolder-actions',
      ]),
    );
    expectConsentPage(seen.visit, 'E2E DCR CLI');
    expect(seen.visit?.landedOn.startsWith(`${listener.redirectUrl}?`)).toBe(
      true,
    );
    // the code came with the state this client sent
    expect(seen.redirect?.kind).toBe('code');
    expect(oauth.sentState(seen.redirect!.state)).toBe(true);
    // a dynamically registered client, its token issued for the person who approved
    expect(oauth.registration?.client_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(tokenClaims(oauth.issued!.access_token).sub).toBe(
      'user:development/guest',
    );
  });

  it('shows a Client ID Metadata Document client by the name and host of its document, and lets the approved client list the tools', async () => {
    const clientId = metadata.clientId('cli');
    const oauth = new TestOAuthClient({
      redirectUrl: listener.redirectUrl,
      clientName: 'E2E CIMD CLI',
      clientMetadataUrl: clientId,
    });
    const { tools, seen } = await firstUse(oauth, 'approve');

    expect(await tools).toEqual(
      expect.arrayContaining(['catalog.query-catalog-entities']),
    );
    expect(oauth.registration?.client_id).toBe(clientId);
    expectConsentPage(seen.visit, 'E2E CIMD CLI');
    // the person can check where the client's description comes from
    expect(seen.visit?.shown).toContain(new URL(clientId).host);
  });

  it('sends the client an access_denied error and no code when the person cancels, and the client gets no token', async () => {
    const oauth = new TestOAuthClient({
      redirectUrl: listener.redirectUrl,
      clientName: 'E2E unwanted CLI',
    });
    const { tools, seen } = await firstUse(oauth, 'reject');

    await expect(tools).rejects.toThrow(
      new AuthorizationDeniedError('access_denied', 'User denied the request')
        .message,
    );
    expectConsentPage(seen.visit, 'E2E unwanted CLI');
    expect(seen.redirect).toEqual({
      kind: 'error',
      error: 'access_denied',
      errorDescription: 'User denied the request',
      state: expect.any(String),
    });
    expect(oauth.sentState(seen.redirect!.state)).toBe(true);
    expect(seen.visit?.landedOn).not.toContain('code=');
    expect(oauth.issued).toBeUndefined();
  });

  // After the two approvals and the cancel above.
  it('audits the approvals on the consent page with the person and the client, and no approval for the cancelled one', () => {
    const events = auditEvents(backend.output()).filter(
      e => e.status === 'succeeded',
    );
    const registeredId = (clientName: string) =>
      events.find(
        e =>
          e.eventId === 'oauth-client-registered' &&
          e.meta?.clientName === clientName,
      )?.meta?.clientId;
    const approvedClients = events
      .filter(e => e.eventId === 'mcp-consent-approved')
      .map(e => {
        expect(e.meta?.userEntityRef).toBe('user:development/guest');
        return e.meta?.clientId;
      });
    expect(registeredId('E2E DCR CLI')).toBeDefined();
    expect(registeredId('E2E unwanted CLI')).toBeDefined();
    expect(approvedClients).toEqual([
      registeredId('E2E DCR CLI'),
      metadata.clientId('cli'),
    ]);
  });

  it('prints no code, client secret, verifier or token', () => {
    const output = backend.output();
    // codes, secrets, verifiers and tokens of the flows above
    expect(secrets.size).toBeGreaterThanOrEqual(6);
    for (const secret of secrets) {
      expect(output).not.toContain(secret);
    }
  });
});
