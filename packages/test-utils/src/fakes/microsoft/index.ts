/*
 * A stand-in for Microsoft's cloud, for the azure-auth preset: the Entra ID
 * authority and Microsoft Graph on one HTTPS server on 127.0.0.1 (the
 * certificate from src/daemons/tls.ts), plus a loopback proxy through which MSAL's
 * instance discovery at login.microsoftonline.com reaches the same server.
 *
 * Point a backend at it with `backendEnv()`: the authority and Graph URLs
 * are what the preset's AZURE_AUTH_AUTHORITY and MSGRAPH_BASE_URL take.
 */
import { createServer, Server } from 'node:https';
import { closeServer, fakeApp, HttpError, listenOnLoopback } from '../http';
import {
  createAuthority,
  AppRegistration,
  PUBLIC_AUTHORITY_HOST,
} from './authority';
import { EntraDirectory } from './directory';
import { createGraph, GraphFailure } from './graph';
import {
  Exchange,
  parseRequest,
  readForm,
  RecordedRequest,
  sendJson,
} from './http';
import { FakeProxy, startFakeProxy } from '../proxy';
import { TokenSigner } from './tokens';
import {
  issueLoopbackCertificate,
  LoopbackCertificate,
} from '../../daemons/tls';

export type { EntraDirectory, EntraGroup, EntraUser } from './directory';
export type { GraphFailure } from './graph';
export type { RecordedRequest } from './http';

/** Options of {@link startFakeMicrosoft}. */
export interface FakeMicrosoftOptions extends AppRegistration {
  /** The tenant (directory) id, a GUID. */
  tenantId: string;
  /** The organization's display name (Graph's /organization). */
  organizationName: string;
  directory: EntraDirectory;
  /** Items per Graph page (default 2, so a small directory already pages). */
  pageSize?: number;
}

/** A running fake Microsoft. */
export interface FakeMicrosoft {
  /** `https://127.0.0.1:<port>`: the value for AZURE_AUTH_AUTHORITY. */
  authority: string;
  /** `https://127.0.0.1:<port>/v1.0`: the value for MSGRAPH_BASE_URL. */
  graphBaseUrl: string;
  /** The server's certificate and its CA. */
  tls: LoopbackCertificate;
  /** NODE_EXTRA_CA_CERTS and the proxy variables a backend needs to reach the fake. */
  backendEnv(): Record<string, string>;
  /**
   * The azure-auth preset's variables for this tenant and app registration
   * (AZURE_AUTH_TENANT_ID, AZURE_AUTH_CLIENT_ID, AZURE_AUTH_CLIENT_SECRET,
   * AZURE_AUTH_AUTHORITY, MSGRAPH_BASE_URL), with {@link FakeMicrosoft.backendEnv}.
   */
  presetsEnv(): Record<string, string>;
  /** Replaces the directory (users and groups) from now on. */
  setDirectory(directory: EntraDirectory): void;
  /** Makes Graph fail as described, until called with undefined. */
  failGraph(failure: GraphFailure | undefined): void;
  /** Every request so far. */
  requests(): RecordedRequest[];
  /** Requests no handler knew (answered 404), and destinations the proxy refused. */
  unexpected(): string[];
  stop(): Promise<void>;
}

/** Starts the fake on a free loopback port; stop it in afterAll. */
export async function startFakeMicrosoft(
  options: FakeMicrosoftOptions,
): Promise<FakeMicrosoft> {
  const tls = await issueLoopbackCertificate({
    dnsNames: [PUBLIC_AUTHORITY_HOST],
  });
  const signer = new TokenSigner();
  let directory = options.directory;
  let failure: { failure: GraphFailure; seen: number } | undefined;
  const recorded: RecordedRequest[] = [];
  const unknown: string[] = [];
  let port = 0;
  const origin = () => `https://127.0.0.1:${port}`;
  const graphBaseUrl = () => `${origin()}/v1.0`;

  const authority = createAuthority({
    tenantId: options.tenantId,
    app: options,
    signer,
    origin,
    // What MicrosoftGraphClient asks a token for: `<protocol>//<hostname>/.default`
    // of its target, i.e. https://127.0.0.1 here; graph.microsoft.com as in Entra.
    graphResources: () => ['https://graph.microsoft.com', 'https://127.0.0.1'],
    directory: () => directory,
  });
  const graph = createGraph({
    tenantId: options.tenantId,
    organizationName: options.organizationName,
    signer,
    baseUrl: graphBaseUrl,
    directory: () => directory,
    pageSize: options.pageSize ?? 2,
    failure: () => failure,
  });
  const DISCOVERY_PATH = '/common/discovery/instance';
  const unhandled = ({ req, res }: Exchange) => {
    unknown.push(`${req.method} https://${req.host}${req.raw.url}`);
    sendJson(res, 404, { error: 'not_found', path: req.url.pathname });
  };

  const app = fakeApp<Exchange>({
    context(raw, res) {
      const req = parseRequest(raw);
      res.on('finish', () =>
        recorded.push({
          method: req.method,
          host: req.host,
          url: raw.url,
          status: res.statusCode,
        }),
      );
      return { req, res };
    },
    before: [
      async (x, next) => {
        await readForm(x.req);
        // The public host answers instance discovery only; the fake's own host everything else.
        const isDiscovery = x.req.url.pathname === DISCOVERY_PATH;
        const served =
          x.req.host === PUBLIC_AUTHORITY_HOST
            ? isDiscovery
            : x.req.host === `127.0.0.1:${port}` && !isDiscovery;
        if (served) {
          next();
        } else {
          unhandled(x);
        }
      },
    ],
    routes: [...authority(unhandled), ...graph],
    unhandled,
    internalError: error =>
      new HttpError(500, { error: 'server_error', message: String(error) }),
  });
  const server: Server = createServer(
    { cert: tls.certPem, key: tls.keyPem },
    app,
  );
  port = await listenOnLoopback(server);
  const proxy: FakeProxy = await startFakeProxy({
    routes: { [`${PUBLIC_AUTHORITY_HOST}:443`]: `127.0.0.1:${port}` },
  });

  const backendEnv = () => ({
    NODE_EXTRA_CA_CERTS: tls.caFile,
    HTTPS_PROXY: proxy.url,
    // Everything on loopback goes direct; only public hosts meet the proxy.
    NO_PROXY: '127.0.0.1,localhost',
  });
  return {
    authority: origin(),
    graphBaseUrl: graphBaseUrl(),
    tls,
    backendEnv,
    presetsEnv: () => ({
      AZURE_AUTH_TENANT_ID: options.tenantId,
      AZURE_AUTH_CLIENT_ID: options.clientId,
      AZURE_AUTH_CLIENT_SECRET: options.clientSecret,
      AZURE_AUTH_AUTHORITY: origin(),
      MSGRAPH_BASE_URL: graphBaseUrl(),
      ...backendEnv(),
    }),
    setDirectory(next) {
      directory = next;
    },
    failGraph(next) {
      failure = next ? { failure: next, seen: 0 } : undefined;
    },
    requests: () => [...recorded],
    unexpected: () => [
      ...unknown,
      ...proxy.refused().map(t => `${t} (refused by the proxy)`),
    ],
    async stop() {
      await proxy.stop();
      await closeServer(server);
    },
  };
}
