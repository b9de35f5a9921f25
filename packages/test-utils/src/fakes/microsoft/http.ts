/*
 * Small HTTP helpers shared by the fake's authority and Graph handlers, in
 * Microsoft's conventions; what every fake needs alike is in ../http.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  readBody,
  redirect as sendRedirect,
  Route,
  sendHtml as sendHtmlPage,
  sendJson as sendJsonBody,
} from '../http';

/** One request as the fake saw it, for the test to inspect. */
export interface RecordedRequest {
  method: string;
  host: string;
  /** Path and query, as sent. */
  url: string;
  status: number;
}

/** A request, parsed once for the handlers. */
export interface FakeRequest {
  raw: IncomingMessage;
  method: string;
  host: string;
  url: URL;
  /** The url-encoded form of a POST, empty otherwise. */
  form: URLSearchParams;
}

/** What a route of the fake gets: the request and the response. */
export interface Exchange {
  req: FakeRequest;
  res: ServerResponse;
}

/**
 * A handler of a route: it answers the request (returning true) or finds
 * it is not one it serves after all (false), which then answers 404.
 */
export type Handler = (
  req: FakeRequest,
  res: ServerResponse,
  params: string[],
) => boolean;

/** A route of the fake, served by the shared table (../http.ts). */
export type MicrosoftRoute = Route<Exchange>;

/** A route whose handler's false leaves the request to `unhandled`. */
export function route(
  method: MicrosoftRoute['method'],
  path: RegExp,
  handler: Handler,
  unhandled: (x: Exchange) => void,
): MicrosoftRoute {
  return {
    method,
    path,
    handle: (x, params) => handler(x.req, x.res, params) || unhandled(x),
  };
}

/** The request as the handlers see it; the form is read by {@link readForm}. */
export function parseRequest(raw: IncomingMessage): FakeRequest {
  const host = (raw.headers.host ?? '').toLowerCase();
  return {
    raw,
    method: raw.method ?? 'GET',
    host,
    url: new URL(raw.url ?? '/', `https://${host || '127.0.0.1'}`),
    form: new URLSearchParams(),
  };
}

/** Reads the url-encoded form of a POST into the request. */
export async function readForm(req: FakeRequest): Promise<void> {
  const body = await readBody(req.raw);
  if (
    (req.raw.headers['content-type'] ?? '').startsWith(
      'application/x-www-form-urlencoded',
    )
  ) {
    req.form = new URLSearchParams(body);
  }
}

/** The caching header Microsoft's services send with JSON. */
export const NO_STORE = { 'cache-control': 'no-store, no-cache' };

/** Sends JSON with the headers Microsoft's services send with it; true, as a handler that answered returns. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): true {
  sendJsonBody(res, status, body, { ...NO_STORE, ...headers });
  return true;
}

/** Sends the browser on to `location` (a 302, as Entra's redirects are); true, as a handler that answered returns. */
export function redirect(res: ServerResponse, location: string): true {
  sendRedirect(res, location);
  return true;
}

/** Sends an HTML page; true, as a handler that answered returns. */
export function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
): true {
  sendHtmlPage(res, status, html);
  return true;
}
