/*
 * Connecting the official MCP TypeScript SDK client to a server, with the
 * SDK's own OAuth flow (discovery, registration, PKCE, code exchange) or
 * with a bearer token the test hands it.
 */
// The harness runs only in tests of this private package, so its tools are devDependencies.
// eslint-disable-next-line @backstage/no-undeclared-imports
import { Client } from '@modelcontextprotocol/sdk/client';
// eslint-disable-next-line @backstage/no-undeclared-imports
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
// eslint-disable-next-line @backstage/no-undeclared-imports
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { TestOAuthClient } from './oauthClient';

const CLIENT_INFO = { name: 'devportal-e2e', version: '1.0.0' };

/**
 * Approves the authorization the client asked to open and returns the
 * authorization code its redirect URI received.
 */
export type Approve = (authorizationUrl: URL) => Promise<string>;

/**
 * Connects `oauth`'s MCP client to `serverUrl` the way an MCP client does
 * on first use: the first connection is refused (401), the SDK discovers
 * the authorization server from the well-known documents, registers (by
 * CIMD when `oauth` has a metadata URL and the server supports it, by DCR
 * otherwise) and asks to open the authorization URL; `approve` plays the
 * user; the SDK exchanges the code (with the PKCE verifier) and the client
 * connects again with the access token.
 *
 * @returns the connected client; close it when done.
 */
export async function connectWithAuthorization(
  serverUrl: string,
  oauth: TestOAuthClient,
  approve: Approve,
): Promise<Client> {
  const first = new StreamableHTTPClientTransport(new URL(serverUrl), {
    authProvider: oauth,
  });
  const refused = await new Client(CLIENT_INFO).connect(first).then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(refused instanceof UnauthorizedError)) {
    throw new Error(
      `expected the first connection to ask for authorization, got ${
        refused ?? 'a connection'
      }`,
    );
  }
  await first.finishAuth(await approve(oauth.lastAuthorizationUrl()));
  await first.close();

  const client = new Client(CLIENT_INFO);
  await client.connect(
    new StreamableHTTPClientTransport(new URL(serverUrl), {
      authProvider: oauth,
    }),
  );
  return client;
}

/**
 * Connects an MCP client that presents `token` as its bearer token (or no
 * token) and nothing else: no OAuth flow to fall back on.
 *
 * @returns the connected client; rejects with the SDK's error (a
 * `StreamableHTTPError` carrying the HTTP status) when the server refuses.
 */
export async function connectWithToken(
  serverUrl: string,
  token?: string,
): Promise<Client> {
  const client = new Client(CLIENT_INFO);
  await client.connect(
    new StreamableHTTPClientTransport(new URL(serverUrl), {
      requestInit: token
        ? { headers: { Authorization: `Bearer ${token}` } }
        : undefined,
    }),
  );
  return client;
}
