/*
 * Small HTTP helpers shared by the fake's authority and Graph handlers, in
 * Microsoft's conventions; what every fake needs alike is in ../http.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, sendJson as sendJsonBody } from '../http';

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

/** A handler answers the request (returning true) or leaves it to the next one. */
export type Handler = (req: FakeRequest, res: ServerResponse) => boolean;

/** Reads and parses a request. */
export async function parseRequest(raw: IncomingMessage): Promise<FakeRequest> {
  const body = await readBody(raw);
  const host = (raw.headers.host ?? '').toLowerCase();
  const isForm = (raw.headers['content-type'] ?? '').startsWith(
    'application/x-www-form-urlencoded',
  );
  return {
    raw,
    method: raw.method ?? 'GET',
    host,
    url: new URL(raw.url ?? '/', `https://${host || '127.0.0.1'}`),
    form: new URLSearchParams(isForm ? body : ''),
  };
}

/** Sends JSON with the headers Microsoft's services send with it; true, as a handler that answered returns. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): true {
  sendJsonBody(res, status, body, {
    'cache-control': 'no-store, no-cache',
    ...headers,
  });
  return true;
}

/** Sends the browser on to `location` (a 302, as Entra's redirects are). */
export function redirect(res: ServerResponse, location: string): true {
  res.writeHead(302, { Location: location }).end();
  return true;
}

/** Sends an HTML page. */
export function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
): true {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(html);
  return true;
}
