/*
 * Microsoft Graph (v1.0) for what the sign-in and MicrosoftGraphOrgEntityProvider
 * read: /me, /users, /groups, /groups/{id}/members, /organization and photos,
 * with $select, $top, simple $filter and server-driven paging through
 * @odata.nextLink, every call checked for a valid token of the fake authority.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { HttpError } from '../http';
import {
  DEFAULT_USER_PROPERTIES,
  EntraDirectory,
  EntraUser,
  groupResource,
  selectProperties,
  userResource,
} from './directory';
import { FakeRequest, MicrosoftRoute, NO_STORE, sendJson } from './http';
import { Claims, GRAPH_APP_ID, TokenSigner } from './tokens';

const MAX_TOP = 999;
const PHOTO_SIZES = [48, 64, 96, 120, 240];

/** A failure Graph answers with instead of data, for outage tests. */
export interface GraphFailure {
  status: 500 | 503 | 429;
  /** Only requests whose path (after /v1.0) matches fail; all by default. */
  path?: RegExp;
  /** This many matching requests succeed first (to fail in the middle of a sync). */
  after?: number;
  /** Seconds in the `Retry-After` header of a 429 or 503. */
  retryAfterSeconds?: number;
}

/** Options of {@link createGraph}. */
export interface GraphOptions {
  tenantId: string;
  organizationName: string;
  signer: TokenSigner;
  /** `https://127.0.0.1:<port>/v1.0` */
  baseUrl: () => string;
  directory: () => EntraDirectory;
  /** The most items of one page, whatever $top asks (Graph pages server-side too). */
  pageSize: number;
  failure: () => { failure: GraphFailure; seen: number } | undefined;
}

/** Graph's error JSON, for a handler to throw. */
function graphError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): HttpError {
  return new HttpError(
    status,
    {
      error: {
        code,
        message,
        innerError: {
          date: new Date().toISOString().replace(/\.\d+Z$/, ''),
          'request-id': randomUUID(),
          'client-request-id': randomUUID(),
        },
      },
    },
    { ...NO_STORE, 'request-id': randomUUID(), ...headers },
  );
}

/** Graph's answer for a user without a photo, or a photo size it does not keep. */
function imageNotFound(): HttpError {
  return graphError(
    404,
    'ImageNotFound',
    "Exception of type 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown.",
  );
}

/** `$filter` as far as a provider config uses it: `prop eq 'value'` / `prop eq true`, joined by `and`. */
function parseFilter(
  filter: string | null,
): ((item: Record<string, unknown>) => boolean) | undefined | 'unsupported' {
  if (!filter) {
    return undefined;
  }
  const clauses = filter
    .split(/\s+and\s+/i)
    .map(clause =>
      /^\s*(\w+)\s+eq\s+(?:'((?:[^']|'')*)'|(true|false))\s*$/i.exec(clause),
    );
  if (clauses.some(c => !c)) {
    return 'unsupported';
  }
  return item =>
    clauses.every(c => {
      const [, prop, text, bool] = c!;
      const value = item[prop];
      return bool !== undefined
        ? value === (bool.toLowerCase() === 'true')
        : typeof value === 'string' &&
            value.toLowerCase() === text.replace(/''/g, "'").toLowerCase();
    });
}

/** The Graph routes (paths under the base URL's /v1.0). */
export function createGraph(options: GraphOptions): MicrosoftRoute[] {
  const prefix = () => new URL(options.baseUrl()).pathname;
  const userById = (id: string) =>
    options.directory().users.find(u => u.id === id);

  /** One page of a collection, with @odata.nextLink while more remain. */
  function sendPage(
    req: FakeRequest,
    res: ServerResponse,
    context: string,
    items: Record<string, unknown>[],
    defaults: string[] | undefined,
    keepType = false,
  ): true {
    const q = req.url.searchParams;
    const top = Number(q.get('$top') ?? 100);
    if (!Number.isInteger(top) || top < 1 || top > MAX_TOP) {
      throw graphError(
        400,
        'Request_UnsupportedQuery',
        `Invalid page size specified: '${q.get(
          '$top',
        )}'. Must be between 1 and ${MAX_TOP} inclusive.`,
      );
    }
    const filter = parseFilter(q.get('$filter'));
    if (filter === 'unsupported') {
      throw graphError(400, 'Request_UnsupportedQuery', 'Unsupported Query.');
    }
    const select = q.get('$select')?.split(',').filter(Boolean);
    const offset = Number(
      q.has('$skiptoken')
        ? Buffer.from(q.get('$skiptoken')!, 'base64url').toString()
        : 0,
    );
    const matching = filter ? items.filter(filter) : items;
    const size = Math.min(top, options.pageSize);
    const page = matching.slice(offset, offset + size).map(item => ({
      ...(keepType && { '@odata.type': item['@odata.type'] }),
      ...selectProperties(item, select, defaults),
    }));
    const body: Record<string, unknown> = {
      '@odata.context': `${options.baseUrl()}/$metadata#${context}`,
      value: page,
    };
    if (offset + size < matching.length) {
      const next = new URL(req.url.toString());
      next.searchParams.set(
        '$skiptoken',
        Buffer.from(String(offset + size)).toString('base64url'),
      );
      body['@odata.nextLink'] = next.toString();
    }
    return sendJson(res, 200, body);
  }

  function sendPhotoList(
    res: ServerResponse,
    user: EntraUser | undefined,
  ): true {
    if (!user?.photo) {
      throw imageNotFound();
    }
    return sendJson(res, 200, {
      '@odata.context': `${options.baseUrl()}/$metadata#users('${
        user.id
      }')/photos`,
      value: PHOTO_SIZES.map(size => ({
        '@odata.mediaContentType': 'image/jpeg',
        id: `${size}x${size}`,
        height: size,
        width: size,
      })),
    });
  }

  function sendPhoto(
    res: ServerResponse,
    user: EntraUser | undefined,
    size?: string,
  ): true {
    if (
      !user?.photo ||
      (size && !PHOTO_SIZES.some(s => `${s}x${s}` === size))
    ) {
      throw imageNotFound();
    }
    res.writeHead(200, { 'Content-Type': 'image/jpeg' });
    res.end(user.photo);
    return true;
  }

  /** Checks the bearer token as Graph does: a 401 unless it is valid for Graph. */
  function authenticate(req: FakeRequest): Claims {
    const token = /^Bearer (.+)$/.exec(
      req.raw.headers.authorization ?? '',
    )?.[1];
    if (!token) {
      throw graphError(
        401,
        'InvalidAuthenticationToken',
        'Access token is empty.',
      );
    }
    const claims = options.signer.verify(token);
    if (
      !claims ||
      claims.aud !== GRAPH_APP_ID ||
      claims.tid !== options.tenantId
    ) {
      throw graphError(
        401,
        'InvalidAuthenticationToken',
        'Access token validation failure. Invalid audience.',
      );
    }
    return claims;
  }

  /** Throws the armed failure, if this request is one it hits. */
  function failIfArmed(path: string) {
    const armed = options.failure();
    if (!armed || (armed.failure.path && !armed.failure.path.test(path))) {
      return;
    }
    armed.seen += 1;
    if (armed.seen <= (armed.failure.after ?? 0)) {
      return;
    }
    const { status, retryAfterSeconds = 30 } = armed.failure;
    if (status === 429) {
      throw graphError(429, 'TooManyRequests', 'Too many requests.', {
        'Retry-After': String(retryAfterSeconds),
      });
    }
    if (status === 503) {
      throw graphError(
        503,
        'serviceNotAvailable',
        'The service is temporarily unavailable.',
        { 'Retry-After': String(retryAfterSeconds) },
      );
    }
    throw graphError(
      500,
      'generalException',
      'General exception while processing.',
    );
  }

  const notFound = (id: string) =>
    graphError(
      404,
      'Request_ResourceNotFound',
      `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
    );

  /** `/me`: the signed-in user of a delegated token. */
  function me(req: FakeRequest, res: ServerResponse, claims: Claims): true {
    const user = userById(String(claims.oid));
    if (!user) {
      throw notFound(String(claims.oid));
    }
    const select = req.url.searchParams.get('$select')?.split(',');
    return sendJson(res, 200, {
      '@odata.context': `${options.baseUrl()}/$metadata#users/$entity`,
      ...selectProperties(userResource(user), select, DEFAULT_USER_PROPERTIES),
    });
  }

  /** `/groups/{id}/members`, or only its users with the `microsoft.graph.user` cast. */
  function members(
    req: FakeRequest,
    res: ServerResponse,
    groupId: string,
    usersOnly: boolean,
  ): true {
    const { groups } = options.directory();
    const group = groups.find(g => g.id === groupId);
    if (!group) {
      throw notFound(groupId);
    }
    const resources = group.members.flatMap(id => {
      const user = userById(id);
      if (user) {
        return [userResource(user)];
      }
      const subGroup = groups.find(g => g.id === id);
      return subGroup && !usersOnly ? [groupResource(subGroup)] : [];
    });
    return sendPage(
      req,
      res,
      'directoryObjects',
      resources,
      usersOnly ? DEFAULT_USER_PROPERTIES : undefined,
      !usersOnly,
    );
  }

  function organization(res: ServerResponse, id: string): true {
    if (id !== options.tenantId) {
      throw notFound(id);
    }
    return sendJson(res, 200, {
      '@odata.context': `${options.baseUrl()}/$metadata#organization/$entity`,
      id: options.tenantId,
      displayName: options.organizationName,
      tenantType: 'AAD',
      verifiedDomains: [],
    });
  }

  /**
   * The resources this Graph serves: who may read them (a user's delegated
   * token, or the app's own with application permissions) and how.
   */
  const resources: Array<{
    pattern: RegExp;
    token: 'delegated' | 'application';
    handle(
      req: FakeRequest,
      res: ServerResponse,
      params: string[],
      claims: Claims,
    ): void;
  }> = [
    {
      pattern: /^\/me$/,
      token: 'delegated',
      handle: (req, res, _, claims) => me(req, res, claims),
    },
    {
      pattern: /^\/me\/(?:photos\/([^/]+)\/\$value|photo\/\$value)$/,
      token: 'delegated',
      handle: (_, res, [size], claims) =>
        sendPhoto(res, userById(String(claims.oid)), size),
    },
    {
      pattern: /^\/users$/,
      token: 'application',
      handle: (req, res) =>
        sendPage(
          req,
          res,
          'users',
          options.directory().users.map(userResource),
          DEFAULT_USER_PROPERTIES,
        ),
    },
    {
      pattern: /^\/users\/([^/]+)\/photos$/,
      token: 'application',
      handle: (_, res, [id]) => sendPhotoList(res, userById(id)),
    },
    {
      pattern:
        /^\/users\/([^/]+)\/(?:photos\/([^/]+)\/\$value|photo\/\$value)$/,
      token: 'application',
      handle: (_, res, [id, size]) => sendPhoto(res, userById(id), size),
    },
    {
      pattern: /^\/groups$/,
      token: 'application',
      handle: (req, res) =>
        sendPage(
          req,
          res,
          'groups',
          options.directory().groups.map(groupResource),
          undefined,
        ),
    },
    {
      pattern: /^\/groups\/([^/]+)\/members(\/microsoft\.graph\.user)?$/,
      token: 'application',
      handle: (req, res, [id, cast]) => members(req, res, id, Boolean(cast)),
    },
    {
      pattern: /^\/organization\/([^/]+)$/,
      token: 'application',
      handle: (_, res, [id]) => organization(res, id),
    },
  ];

  /** Graph's answer to a token of the wrong kind for the resource. */
  function wrongToken(wanted: 'delegated' | 'application'): HttpError {
    return wanted === 'delegated'
      ? graphError(
          400,
          'BadRequest',
          '/me request is only valid with delegated authentication flow.',
        )
      : graphError(
          403,
          'Authorization_RequestDenied',
          'Insufficient privileges to complete the operation.',
        );
  }

  const base = prefix().replace(/\./g, '\\.');
  return resources.map(({ pattern, token, handle }) => ({
    method: 'GET',
    // Graph takes a path with a trailing slash as well.
    path: new RegExp(`^${base}${pattern.source.slice(1, -1)}/?$`),
    handle({ req, res }, params) {
      const claims = authenticate(req);
      failIfArmed(req.url.pathname.slice(prefix().length).replace(/\/$/, ''));
      const delegated = typeof claims.scp === 'string' && Boolean(claims.oid);
      const application = Array.isArray(claims.roles);
      if (token === 'delegated' ? !delegated : !application) {
        throw wrongToken(token);
      }
      handle(req, res, params, claims);
    },
  }));
}
