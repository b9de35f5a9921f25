/*
 * Small HTTP server helpers the protocol fakes share: listening on loopback,
 * stopping without waiting on keep-alive sockets, reading a request body and
 * escaping text for the HTML pages they serve. What a fake answers (headers,
 * error bodies) stays with the fake: those conventions differ by service.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    c =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[
        c
      ]!),
  );
}

/** Options of {@link readBody}. */
export interface ReadBodyOptions {
  /** The most characters read; a longer body is refused (the fakes only ever receive small forms, queries and JSON). Default 1 MiB. */
  limit?: number;
  /** The error a too-long body rejects with, e.g. the service's own 413. */
  tooLarge?: () => Error;
}

/** Reads a request body as UTF-8 text, up to a limit. */
export function readBody(
  req: IncomingMessage,
  options: ReadBodyOptions = {},
): Promise<string> {
  const limit = options.limit ?? 1024 * 1024;
  return new Promise<string>((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', chunk => {
      body += chunk;
      if (body.length > limit) {
        reject(options.tooLarge?.() ?? new Error('request body too large'));
        req.destroy();
      }
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/**
 * Starts `server` listening on 127.0.0.1 and resolves with its port (a free
 * one when `port` is 0); rejects when it cannot listen, e.g. the port is taken.
 */
export async function listenOnLoopback(
  server: NetServer,
  port = 0,
): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/**
 * Stops `server` and resolves once it is closed. Open connections are cut
 * rather than awaited: the backend's clients keep sockets alive, and
 * `close()` alone would wait for them to time out.
 */
export function closeServer(
  server: Pick<Server, 'close' | 'closeAllConnections'>,
): Promise<void> {
  return new Promise<void>(resolve => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
