/*
 * A loopback HTTPS server that hosts MCP clients' Client ID Metadata
 * Documents, as a client's vendor does on its web site: the document's URL
 * is the client id, and the authorization server fetches it to learn the
 * client's name and redirect URIs. Its certificate is issued by a
 * throwaway CA (src/daemons/tls.ts): the backend trusts it through
 * NODE_EXTRA_CA_CERTS, with certificate checks left on.
 */
import https from 'node:https';
import { closeServer, listenOnLoopback } from '../fakes/http';
import { LoopbackCertificate, issueLoopbackCertificate } from '../daemons/tls';

/** A client to describe: its name and the redirect URIs it declares. */
export interface ClientDescription {
  clientName: string;
  redirectUris: string[];
}

/** A running metadata host. */
export interface ClientMetadataServer {
  /** The CA the server's certificate chains to, for `NODE_EXTRA_CA_CERTS`. */
  certificate: LoopbackCertificate;
  /** The client id (the document's https URL) of the client hosted at `name`. */
  clientId(name: string): string;
  /** How many times the document at `name` was fetched. */
  fetches(name: string): number;
  close(): Promise<void>;
}

/**
 * Serves one metadata document per entry of `clients`, at
 * `https://127.0.0.1:<port>/oauth/<name>.json`, each naming its own URL as
 * `client_id` and declaring itself a public client (PKCE, no secret), as
 * CIMD requires.
 */
export async function startClientMetadataServer(
  clients: Record<string, ClientDescription>,
): Promise<ClientMetadataServer> {
  const certificate = await issueLoopbackCertificate();
  const counts = new Map<string, number>();
  let origin = '';
  const pathOf = (name: string) => `/oauth/${name}.json`;
  const server = https.createServer(
    { cert: certificate.certPem, key: certificate.keyPem },
    (req, res) => {
      const name = Object.keys(clients).find(n => pathOf(n) === req.url);
      if (req.method !== 'GET' || !name) {
        res.writeHead(404).end();
        return;
      }
      counts.set(name, (counts.get(name) ?? 0) + 1);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(
        JSON.stringify({
          client_id: `${origin}${pathOf(name)}`,
          client_name: clients[name].clientName,
          redirect_uris: clients[name].redirectUris,
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'none',
        }),
      );
    },
  );
  const port = await listenOnLoopback(server);
  origin = `https://127.0.0.1:${port}`;
  return {
    certificate,
    clientId: name => `${origin}${pathOf(name)}`,
    fetches: name => counts.get(name) ?? 0,
    close: () => closeServer(server),
  };
}
