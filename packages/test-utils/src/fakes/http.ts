/*
 * The HTTP toolkit the protocol fakes in this process are built with
 * (GitHub, GitLab, Microsoft, Azure DevOps, OpenAI, Keycloak): routes declared in one
 * table on express, one error a handler throws to answer early, one way to
 * send JSON and HTML, plus listening on loopback, stopping without waiting
 * on keep-alive sockets, reading a request body and escaping text for HTML.
 * What a fake answers (its headers, its error bodies) stays with the fake:
 * those conventions differ by service.
 */
import express from 'express';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';

/** An answer that ends a request early: a JSON body, or a string sent as it is. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
    this.name = 'HttpError';
  }
}

/** Sends `body` as JSON; `headers` add to (or replace) the JSON content type. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    ...headers,
  });
  res.end(JSON.stringify(body));
}

/** Sends an HTML page; `headers` add to (or replace) the HTML content type. */
export function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    ...headers,
  });
  res.end(html);
}

/** A 302 to another URL. */
export function redirect(
  res: ServerResponse,
  location: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(302, { location, ...headers });
  res.end();
}

/** Sends an {@link HttpError}: a string body as it is, anything else as JSON. */
export function sendHttpError(res: ServerResponse, error: HttpError): void {
  if (typeof error.body === 'string') {
    res.writeHead(error.status, error.headers);
    res.end(error.body);
  } else {
    sendJson(res, error.status, error.body, error.headers);
  }
}

/**
 * One route of a fake: a method, a pattern over the raw (percent-encoded)
 * path, and a handler that gets what the fake makes of a request (its
 * `context`) and the path's capture groups, percent-decoded, in order.
 */
export interface Route<TContext> {
  method: 'GET' | 'POST' | 'DELETE';
  path: RegExp;
  handle(ctx: TContext, params: string[]): unknown;
}

/** Options of {@link fakeApp}. */
export interface FakeAppOptions<TContext> {
  /** What the fake's handlers get for a request. */
  context(req: express.Request, res: express.Response): TContext;
  /** Runs before the routes, e.g. to record the request or answer with a set failure. */
  before?: Array<(ctx: TContext, next: () => void) => unknown>;
  routes: Route<TContext>[];
  /** Answers a request no route serves. */
  unhandled(ctx: TContext): unknown;
  /** The service's answer to a handler that failed with anything but an {@link HttpError}. */
  internalError(error: unknown): HttpError;
  /** Sees every error answer before it is sent, e.g. to keep why a request was refused. */
  onError?(ctx: TContext, error: HttpError): void;
}

const CONTEXT = Symbol('fake request context');

/**
 * An express app serving a fake's route table: HEAD is served by GET routes;
 * a handler may be async and throw an {@link HttpError} to answer early.
 */
export function fakeApp<TContext>(
  options: FakeAppOptions<TContext>,
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  type Step = (
    ctx: TContext,
    req: express.Request,
    next: () => void,
  ) => unknown;
  const run =
    (step: Step): express.RequestHandler =>
    (req, res, next) => {
      const holder = req as unknown as Record<symbol, TContext>;
      Promise.resolve()
        .then(() => {
          holder[CONTEXT] ??= options.context(req, res);
          return step(holder[CONTEXT], req, next);
        })
        .catch(next);
    };
  for (const before of options.before ?? []) {
    app.use(run((ctx, _req, next) => before(ctx, next)));
  }
  const router = express.Router({ caseSensitive: true, strict: true });
  for (const route of options.routes) {
    const method = route.method.toLowerCase() as 'get' | 'post' | 'delete';
    router[method](
      route.path,
      run((ctx, req) =>
        route.handle(
          ctx,
          Object.keys(req.params)
            .sort((x, y) => Number(x) - Number(y))
            .map(key => req.params[key] ?? ''),
        ),
      ),
    );
  }
  app.use(router);
  app.use(run(ctx => options.unhandled(ctx)));
  app.use(
    (
      error: unknown,
      req: express.Request,
      res: express.Response,
      _next: express.NextFunction,
    ) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const answer =
        error instanceof HttpError ? error : options.internalError(error);
      const ctx = (req as unknown as Record<symbol, TContext>)[CONTEXT];
      if (ctx !== undefined) options.onError?.(ctx, answer);
      sendHttpError(res, answer);
    },
  );
  return app;
}

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
