/*
 * # A corporate HTTP proxy on loopback
 *
 * What stands between a portal and the internet in many companies: an HTTP
 * proxy that clients ask for a host, either with `CONNECT host:port` (a
 * tunnel, for HTTPS, and for every request undici sends) or with an
 * absolute URI (`GET http://host:port/path`, Node's plain-HTTP proxy
 * agents). It records every destination it was asked for, and reaches
 * only the ones the test routes, the way the test says: a corporate proxy
 * reaches hosts its clients cannot resolve, and so does this one. A backend
 * given `http://github.corp.test:<port>` only gets through when it really
 * uses the proxy; a public host (login.microsoftonline.com:443) can be
 * routed to a loopback fake.
 *
 * ```ts
 * const proxy = await startFakeProxy({
 *   credentials: { username: 'svc-portal', password: 'pw' },
 *   routes: { 'github.corp.test': '127.0.0.1', 'login.example.com:443': `127.0.0.1:${fakePort}` },
 * });
 * // the backend's env: HTTP_PROXY=proxy.urlWithCredentials
 * proxy.requests(); // [{ method: 'CONNECT', host: 'github.corp.test:4711', status: 200, forwarded: true }]
 * proxy.refused(); // destinations asked for that no route reaches
 * ```
 */
import http from 'node:http';
import net from 'node:net';
import { closeServer, listenOnLoopback } from './http';

/** What the fake proxy was asked for. */
export interface FakeProxyRequest {
  /** `CONNECT`, or the method of an absolute-URI request. */
  method: string;
  /** `host:port` as the client asked for it (before the proxy resolved it). */
  host: string;
  /** The status answered: 200 for a tunnel opened, the upstream's for a forwarded request, 407 without credentials, 502 for a host it cannot reach. */
  status: number;
  /** True when the proxy reached the host for the client (a tunnel opened or a request forwarded). */
  forwarded: boolean;
}

/** Options of {@link startFakeProxy}. */
export interface FakeProxyOptions {
  /**
   * Where the proxy reaches a destination: a key `host` (any port) or
   * `host:port` (that port only, tried first), a value `address` (the
   * asked port) or `address:port`. Every other destination is refused (502).
   */
  routes: Record<string, string>;
  /** When set, every request needs `Proxy-Authorization: Basic` with these (407 otherwise). */
  credentials?: { username: string; password: string };
}

/** A running fake proxy. */
export interface FakeProxy {
  /** `http://127.0.0.1:<port>`, without credentials. */
  url: string;
  /** The URL with the credentials in it, as operators write `HTTPS_PROXY`; `url` when there are none. */
  urlWithCredentials: string;
  port: number;
  /** Everything asked so far, oldest first. */
  requests(): FakeProxyRequest[];
  /** The distinct `host:port`s the proxy reached for its clients. */
  hostsServed(): string[];
  /** The `host:port`s asked for that the proxy did not reach (no route, no credentials). */
  refused(): string[];
  stop(): Promise<void>;
}

function splitHostPort(
  hostPort: string,
  defaultPort: number,
): { host: string; port: number } {
  const url = new URL(`http://${hostPort}`);
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port) || defaultPort,
  };
}

/** Starts the proxy on 127.0.0.1. */
export async function startFakeProxy(
  options: FakeProxyOptions,
): Promise<FakeProxy> {
  const log: FakeProxyRequest[] = [];
  const sockets = new Set<net.Socket>();
  const expectedAuthorization = options.credentials
    ? `Basic ${Buffer.from(
        `${options.credentials.username}:${options.credentials.password}`,
      ).toString('base64')}`
    : undefined;

  const route = (
    host: string,
    port: number,
  ): { host: string; port: number } | undefined => {
    const name = host.toLowerCase();
    const to = options.routes[`${name}:${port}`] ?? options.routes[name];
    return to === undefined ? undefined : splitHostPort(to, port);
  };

  const authorized = (req: http.IncomingMessage) =>
    !expectedAuthorization ||
    req.headers['proxy-authorization'] === expectedAuthorization;

  const directAgent = new http.Agent();
  const server = http.createServer((req, res) => {
    // An absolute-URI request: the proxy forwards it itself.
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute URI expected');
      return;
    }
    const record = (status: number, forwarded = false) =>
      log.push({
        method: req.method ?? '',
        host: target.host,
        status,
        forwarded,
      });
    if (!authorized(req)) {
      record(407);
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="corp"' }).end();
      return;
    }
    const address =
      target.protocol === 'http:'
        ? route(
            target.hostname.replace(/^\[|\]$/g, ''),
            Number(target.port) || 80,
          )
        : undefined;
    if (!address) {
      record(502);
      res.writeHead(502).end(`cannot reach ${target.host}`);
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = http.request(
      {
        host: address.host,
        port: address.port,
        method: req.method,
        path: `${target.pathname}${target.search}`,
        headers,
        // Its own agent: Node's global one may be a proxy agent in this process.
        agent: directAgent,
      },
      upstreamRes => {
        record(upstreamRes.statusCode ?? 0, true);
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstream.on('error', () => {
      record(502);
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });

  server.on(
    'connect',
    (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
      const asked = req.url ?? '';
      sockets.add(client);
      client.on('close', () => sockets.delete(client));
      client.on('error', () => client.destroy());
      const answer = (status: number, reason: string, extra = '') => {
        log.push({ method: 'CONNECT', host: asked, status, forwarded: false });
        client.end(`HTTP/1.1 ${status} ${reason}\r\n${extra}\r\n`);
      };
      if (!authorized(req)) {
        answer(
          407,
          'Proxy Authentication Required',
          'Proxy-Authenticate: Basic realm="corp"\r\n',
        );
        return;
      }
      let target: { host: string; port: number };
      try {
        target = splitHostPort(asked, 443);
      } catch {
        answer(400, 'Bad Request');
        return;
      }
      const address = route(target.host, target.port);
      if (!address) {
        answer(502, 'Bad Gateway');
        return;
      }
      const upstream = net.connect(address.port, address.host);
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      upstream.once('connect', () => {
        log.push({
          method: 'CONNECT',
          host: asked,
          status: 200,
          forwarded: true,
        });
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => {
        if (upstream.connecting) {
          answer(502, 'Bad Gateway');
        } else {
          client.destroy();
        }
      });
    },
  );

  const port = await listenOnLoopback(server);
  server.unref();
  const url = `http://127.0.0.1:${port}`;
  const withCredentials = new URL(url);
  if (options.credentials) {
    withCredentials.username = encodeURIComponent(options.credentials.username);
    withCredentials.password = encodeURIComponent(options.credentials.password);
  }
  let stopped: Promise<void> | undefined;
  return {
    url,
    urlWithCredentials: withCredentials.href.replace(/\/$/, ''),
    port,
    requests: () => [...log],
    hostsServed: () => [
      ...new Set(log.filter(r => r.forwarded).map(r => r.host)),
    ],
    refused: () => log.filter(r => !r.forwarded).map(r => r.host),
    stop() {
      stopped ??= (() => {
        for (const socket of sockets) socket.destroy();
        directAgent.destroy();
        return closeServer(server);
      })();
      return stopped;
    },
  };
}
