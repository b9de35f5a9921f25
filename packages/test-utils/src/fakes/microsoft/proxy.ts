/*
 * A loopback HTTPS proxy (CONNECT) for the backend's proxy-aware clients
 * (HTTPS_PROXY). MSAL, inside @azure/identity, asks the public
 * login.microsoftonline.com for instance discovery before it trusts an
 * authority host it does not know; the proxy tunnels exactly that host to
 * the fake, so the request stays on loopback, and refuses every other
 * destination (logged, so an unexpected one is visible).
 */
import { createServer, Server } from 'node:http';
import { connect } from 'node:net';
import { closeServer, listenOnLoopback } from '../http';

/** A running proxy. */
export interface InterceptingProxy {
  /** `http://127.0.0.1:<port>`, for HTTPS_PROXY. */
  url: string;
  /** `host:port` of every refused destination. */
  refused: string[];
  close(): Promise<void>;
}

/** Starts a proxy that tunnels each of `routes` (`host:443` -> loopback port) and refuses the rest. */
export async function startInterceptingProxy(
  routes: Record<string, () => number>,
): Promise<InterceptingProxy> {
  const refused: string[] = [];
  // Tunnels leave the HTTP server's bookkeeping; close() ends them itself.
  const tunnels = new Set<{ destroy(): void }>();
  const server: Server = createServer((req, res) => {
    // Plain-HTTP proxying: nothing the fake stands in for is plain HTTP.
    refused.push(req.url ?? '');
    res.writeHead(403).end();
  });
  server.on('connect', (req, clientSocket, head) => {
    const target = (req.url ?? '').toLowerCase();
    const port = routes[target]?.();
    if (!port) {
      refused.push(target);
      clientSocket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = connect(port, '127.0.0.1', () => {
      clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(clientSocket);
      clientSocket.pipe(upstream);
    });
    const tunnel = {
      destroy() {
        upstream.destroy();
        clientSocket.destroy();
        tunnels.delete(tunnel);
      },
    };
    const close = () => tunnel.destroy();
    tunnels.add(tunnel);
    upstream.on('close', close);
    clientSocket.on('close', close);
    upstream.on('error', close);
    clientSocket.on('error', close);
  });
  const port = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    refused,
    close: () => {
      tunnels.forEach(t => t.destroy());
      return closeServer(server);
    },
  };
}
