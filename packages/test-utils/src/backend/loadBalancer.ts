/*
 * One URL in front of several replicas, as operators run the portal: every
 * replica has this URL as its `backend.baseUrl` (so OAuth providers redirect
 * back here), and the test decides which replica answers the next request.
 * That is how a test proves a flow started on one replica completes on
 * another, whatever a real balancer's stickiness would have done.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from './backendProcess';

/** A running test load balancer on 127.0.0.1. */
export interface LoadBalancer {
  /** `http://127.0.0.1:<port>`: the replicas' `BACKEND_BASE_URL`. */
  baseUrl: string;
  port: number;
  /** Sends every following request to the replica listening on this port. */
  sendTo(replica: { port: number }): void;
  /** The replica port each request went to, with its path, oldest first. */
  log(): Array<{ port: number; path: string }>;
  /** Stops listening and closes open connections. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts a plain HTTP reverse proxy on a free loopback port. It forwards
 * each request unchanged (method, path, headers with `Host` kept, body) to
 * the replica chosen with `sendTo`, and answers 502 until one is chosen or
 * when that replica does not answer.
 */
export async function startLoadBalancer(): Promise<LoadBalancer> {
  const port = await freePort();
  let target: number | undefined;
  const log: Array<{ port: number; path: string }> = [];

  const server = http.createServer((req, res) => {
    if (target === undefined) {
      res.writeHead(502).end('no replica chosen');
      return;
    }
    log.push({ port: target, path: req.url ?? '' });
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: target,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      upstreamRes => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstream.on('error', error => {
      if (!res.headersSent) {
        res.writeHead(502);
      }
      res.end(`replica on port ${target} did not answer: ${error.message}`);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  // Never keep a test process alive.
  server.unref();

  let stopped: Promise<void> | undefined;
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    port,
    sendTo(replica) {
      target = replica.port;
    },
    log: () => [...log],
    stop() {
      stopped ??= new Promise<void>(resolve => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
