/*
 * What the fake GitLab's layers share on top of the fakes' toolkit
 * (../http.ts): what a handler gets, GitLab's error and pagination
 * conventions, request bodies.
 */
import { IncomingMessage, ServerResponse } from 'http';
import { HttpError, readBody as readLimitedBody, Route } from '../http';

/** GitLab's `{"message": "404 Group Not Found"}`-style error. */
export function notFound(what: string): HttpError {
  return new HttpError(404, { message: `404 ${what} Not Found` });
}

/** GitLab's answer to a missing or unknown token. */
export function unauthorized(): HttpError {
  return new HttpError(401, { message: '401 Unauthorized' });
}

/** One request as a handler sees it. */
export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** `http://127.0.0.1:<port>`, for the URLs GitLab writes into its answers. */
  baseUrl: string;
  /** The raw body, read once. */
  body(): Promise<string>;
}

/** A route of the fake GitLab. */
export type GitLabRoute = Route<RequestContext>;

/** Reads a request body, refusing a long one with GitLab's 413. */
export function readBody(req: IncomingMessage): Promise<string> {
  return readLimitedBody(req, {
    tooLarge: () =>
      new HttpError(413, { message: '413 Request Entity Too Large' }),
  });
}

/** The fields of a form-encoded or JSON body, as Rails accepts both. */
export function bodyFields(
  req: IncomingMessage,
  body: string,
): Record<string, string> {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/json')) {
    const parsed = JSON.parse(body || '{}');
    return Object.fromEntries(
      Object.entries(parsed).map(([k, v]) => [k, String(v)]),
    );
  }
  return Object.fromEntries(new URLSearchParams(body));
}

/** A boolean query parameter as Grape validates it: absent, or `true`/`false`; anything else is a 400. */
export function booleanParam(url: URL, name: string): boolean | undefined {
  const value = url.searchParams.get(name);
  if (value === null) return undefined;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new HttpError(400, { error: `${name} is invalid` });
}

function positiveIntParam(url: URL, name: string, fallback: number): number {
  const value = url.searchParams.get(name);
  if (value === null || value === '') return fallback;
  if (!/^\d+$/.test(value)) {
    throw new HttpError(400, { error: `${name} is invalid` });
  }
  return Math.max(Number(value), 1);
}

/**
 * One page of a list, with the headers GitLab's offset pagination sends
 * (`x-page`, `x-per-page`, `x-next-page` empty on the last page,
 * `x-total`, `x-total-pages`, `link`). `per_page` defaults to 20 and is
 * capped at 100, as on GitLab.
 */
export function paginate<T>(
  items: T[],
  url: URL,
): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(positiveIntParam(url, 'per_page', 20), 100);
  const pageNumber = positiveIntParam(url, 'page', 1);
  const totalPages = Math.max(Math.ceil(items.length / perPage), 1);
  const page = items.slice((pageNumber - 1) * perPage, pageNumber * perPage);
  const pageUrl = (n: number) => {
    const u = new URL(url);
    u.searchParams.set('page', String(n));
    u.searchParams.set('per_page', String(perPage));
    return u.toString();
  };
  const links = [
    ...(pageNumber > 1 ? [`<${pageUrl(pageNumber - 1)}>; rel="prev"`] : []),
    ...(pageNumber < totalPages
      ? [`<${pageUrl(pageNumber + 1)}>; rel="next"`]
      : []),
    `<${pageUrl(1)}>; rel="first"`,
    `<${pageUrl(totalPages)}>; rel="last"`,
  ];
  return {
    page,
    headers: {
      'x-page': String(pageNumber),
      'x-per-page': String(perPage),
      'x-next-page': pageNumber < totalPages ? String(pageNumber + 1) : '',
      'x-prev-page': pageNumber > 1 ? String(pageNumber - 1) : '',
      'x-total': String(items.length),
      'x-total-pages': String(totalPages),
      link: links.join(', '),
    },
  };
}
