/*
 * A stand-in for an Okta org, for the okta preset: the OAuth 2 endpoints of
 * the org authorization server (and of custom ones, `/oauth2/<id>/v1/...`)
 * as `passport-okta-oauth` calls them for upstream's Okta sign-in module,
 * with a sign-in page a browser fills in, and the Users and Groups API the
 * org sync reads (`SSWS` API token, `limit`/`after` paging announced in the
 * `Link` header, `search` and `filter` expressions).
 *
 * The org runs on plain HTTP on 127.0.0.1: the preset takes any org URL, and
 * nothing the backend does with Okta depends on TLS.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import type { ServerResponse } from 'node:http';
import type express from 'express';
import {
  closeServer,
  escapeHtml,
  fakeApp,
  HttpError,
  listenOnLoopback,
  readBody,
  redirect,
  Route,
  sendHtml,
  sendJson,
} from '../http';
import { AuthorizationCodes, clientCredentials } from '../oauth';
import { TokenSigner } from '../microsoft/tokens';
import { matchesOktaSearch } from './search';

/** A person in the org. */
export interface OktaUserSeed {
  /** Okta's user id, e.g. `00u1ana`. */
  id: string;
  /** The username people sign in with, usually an email address. */
  login: string;
  email: string;
  firstName: string;
  lastName: string;
  /** Signs in on the fake's sign-in page. */
  password: string;
  /** Default `ACTIVE`; only active users can sign in. */
  status?: 'ACTIVE' | 'STAGED' | 'PROVISIONED' | 'SUSPENDED' | 'DEPROVISIONED';
  /** Any further profile attributes, e.g. `department`, which searches can select on. */
  profile?: Record<string, string>;
}

/** A group of the org. */
export interface OktaGroupSeed {
  /** Okta's group id, e.g. `00g1eng`. */
  id: string;
  name: string;
  description?: string;
  /** Default `OKTA_GROUP`; `BUILT_IN` is Everyone. */
  type?: 'OKTA_GROUP' | 'APP_GROUP' | 'BUILT_IN';
  /** The ids of its members. */
  members: string[];
}

/** The OIDC web app integration the backend signs people in with. */
export interface OktaAppIntegration {
  clientId: string;
  clientSecret: string;
  /** Sign-in redirect URIs; any other is refused, as Okta does. */
  redirectUris: string[];
}

/** Options of {@link startFakeOkta}. */
export interface FakeOktaOptions {
  app: OktaAppIntegration;
  /** The API token org sync sends (`Authorization: SSWS <token>`). */
  apiToken: string;
  users: OktaUserSeed[];
  groups: OktaGroupSeed[];
  /** The most items the API returns per page, whatever `limit` asks (default 2, so a small org already pages). */
  pageSize?: number;
}

/** One request as the fake saw it. */
export interface OktaRecordedRequest {
  method: string;
  /** The path, without the query. */
  path: string;
  /** The query parameters, decoded. */
  query: Record<string, string>;
  /** The scheme of the Authorization header (`SSWS`, `Bearer`, `Basic:`), never the credential. */
  authScheme?: string;
  status: number;
}

/** A failure the API answers with, for the requests whose path matches. */
export interface OktaApiFailure {
  status: number;
  path: RegExp;
  /** Requests of that path answered normally first (default 0). */
  after?: number;
  /** Seconds until the limit resets, sent as X-Rate-Limit-Reset (epoch) with a 429. */
  resetInSeconds?: number;
}

/** A running fake Okta org. */
export interface FakeOkta {
  /** `http://127.0.0.1:<port>`: the value for OKTA_ORG_URL. */
  orgUrl: string;
  /** Replaces the org's users and groups from now on. */
  setDirectory(directory: {
    users: OktaUserSeed[];
    groups: OktaGroupSeed[];
  }): void;
  /** Makes the API fail as described, until called with undefined. */
  failApi(failure: OktaApiFailure | undefined): void;
  /** Every request so far. */
  requests(): OktaRecordedRequest[];
  /** Requests no route served (answered 404) and why requests were refused. */
  unexpected(): string[];
  stop(): Promise<void>;
}

interface Exchange {
  req: express.Request;
  res: ServerResponse;
  url: URL;
  form: URLSearchParams;
}

/** What an authorization code stands for. */
interface Grant {
  userId: string;
  scope: string;
  nonce?: string;
}

/** Okta's error body for the management API. */
function apiError(status: number, code: string, summary: string): HttpError {
  return new HttpError(status, {
    errorCode: code,
    errorSummary: summary,
    errorLink: code,
    errorId: `oae${randomBytes(8).toString('hex')}`,
    errorCauses: [],
  });
}

/** Okta's error body for the OAuth 2 endpoints. */
function oauthError(
  status: number,
  error: string,
  description: string,
): HttpError {
  return new HttpError(status, { error, error_description: description });
}

const USER_STATUSES_THAT_SIGN_IN = new Set(['ACTIVE']);
/** An authorization server in a path: the org's (`/oauth2/v1`) or a custom one (`/oauth2/<id>/v1`). */
const AS = '/oauth2(?:/([A-Za-z0-9]+))?/v1';

/** Starts the fake on a free loopback port; stop it in afterAll. */
export async function startFakeOkta(
  options: FakeOktaOptions,
): Promise<FakeOkta> {
  let users = options.users;
  let groups = options.groups;
  const pageSize = options.pageSize ?? 2;
  const signer = new TokenSigner();
  const codes = new AuthorizationCodes<Grant>(60_000);
  const refreshTokens = new Map<string, Grant>();
  /** Authorization requests waiting for their sign-in form, by transaction id. */
  const pending = new Map<string, URLSearchParams>();
  const recorded: OktaRecordedRequest[] = [];
  const unknown: string[] = [];
  let failure: { failure: OktaApiFailure; seen: number } | undefined;
  let port = 0;
  const origin = () => `http://127.0.0.1:${port}`;
  const issuer = (server: string | undefined) =>
    server ? `${origin()}/oauth2/${server}` : origin();

  const userJson = (u: OktaUserSeed) => ({
    id: u.id,
    status: u.status ?? 'ACTIVE',
    created: '2026-01-05T10:00:00.000Z',
    activated: '2026-01-05T10:00:00.000Z',
    statusChanged: '2026-01-05T10:00:00.000Z',
    lastLogin: null,
    lastUpdated: '2026-01-05T10:00:00.000Z',
    passwordChanged: '2026-01-05T10:00:00.000Z',
    type: { id: 'oty1default' },
    profile: {
      firstName: u.firstName,
      lastName: u.lastName,
      mobilePhone: null,
      secondEmail: null,
      login: u.login,
      email: u.email,
      ...u.profile,
    },
    credentials: {
      password: {},
      provider: { type: 'OKTA', name: 'OKTA' },
    },
    _links: { self: { href: `${origin()}/api/v1/users/${u.id}` } },
  });
  const groupJson = (g: OktaGroupSeed) => ({
    id: g.id,
    created: '2026-01-05T10:00:00.000Z',
    lastUpdated: '2026-01-05T10:00:00.000Z',
    lastMembershipUpdated: '2026-01-05T10:00:00.000Z',
    objectClass: ['okta:user_group'],
    type: g.type ?? 'OKTA_GROUP',
    profile: { name: g.name, description: g.description ?? null },
    _links: { self: { href: `${origin()}/api/v1/groups/${g.id}` } },
  });

  /** One page of `items` after the `after` cursor, with Okta's Link header. */
  function sendPage(x: Exchange, items: Array<{ id: string }>) {
    const limit = Number(x.url.searchParams.get('limit') ?? 200);
    const after = x.url.searchParams.get('after');
    const start = after ? items.findIndex(i => i.id === after) + 1 : 0;
    if (after && start === 0) {
      throw apiError(400, 'E0000031', 'Invalid search criteria.');
    }
    const page = items.slice(start, start + Math.min(limit, pageSize));
    const self = new URL(x.url);
    const links = [`<${self}>; rel="self"`];
    if (start + page.length < items.length) {
      const next = new URL(x.url);
      next.searchParams.set('after', page[page.length - 1].id);
      links.push(`<${next}>; rel="next"`);
    }
    sendJson(x.res, 200, page, { link: links.join(', ') });
  }

  /** The search (or filter) of the request, applied; 400 as Okta answers an expression it cannot parse. */
  function searched<T extends object>(x: Exchange, items: T[]): T[] {
    const expression =
      x.url.searchParams.get('search') ?? x.url.searchParams.get('filter');
    if (!expression) return items;
    try {
      return items.filter(item => matchesOktaSearch(expression, item));
    } catch {
      throw apiError(400, 'E0000031', 'Invalid search criteria.');
    }
  }

  function requireApiToken(x: Exchange) {
    const header = x.req.headers.authorization ?? '';
    if (header !== `SSWS ${options.apiToken}`) {
      unknown.push(
        `${x.req.method} ${x.url.pathname}: refused (no valid SSWS API token)`,
      );
      throw apiError(401, 'E0000011', 'Invalid token provided');
    }
  }

  function loginPage(x: Exchange, tx: string, error?: string) {
    sendHtml(
      x.res,
      200,
      `<!doctype html><html><head><title>Acme - Sign In</title></head><body>
<form id="form19" method="post" action="/login">
<input type="hidden" name="tx" value="${escapeHtml(tx)}">
${
  error
    ? `<div class="okta-form-infobox-error" role="alert"><p id="okta-signin-error">${escapeHtml(
        error,
      )}</p></div>`
    : ''
}
<label for="okta-signin-username">Username</label>
<input id="okta-signin-username" name="username" type="text" autocomplete="username">
<label for="okta-signin-password">Password</label>
<input id="okta-signin-password" name="password" type="password" autocomplete="current-password">
<input id="okta-signin-submit" type="submit" value="Sign In">
</form></body></html>`,
    );
  }

  function tokens(server: string | undefined, grant: Grant, refresh?: string) {
    const user = users.find(u => u.id === grant.userId)!;
    const claims = {
      iss: issuer(server),
      sub: user.id,
      uid: user.id,
      cid: options.app.clientId,
    };
    const accessToken = signer.sign({
      ...claims,
      ver: 1,
      jti: `AT.${randomUUID()}`,
      aud: server ? 'api://default' : origin(),
      scp: grant.scope.split(' '),
    });
    const idToken = signer.sign({
      ...claims,
      ver: 1,
      aud: options.app.clientId,
      jti: `ID.${randomUUID()}`,
      amr: ['pwd'],
      idp: '00o1okta',
      auth_time: Math.floor(Date.now() / 1000),
      name: `${user.firstName} ${user.lastName}`,
      email: user.email,
      preferred_username: user.login,
      ...(grant.nonce ? { nonce: grant.nonce } : {}),
    });
    let refreshToken = refresh;
    if (!refreshToken && grant.scope.split(' ').includes('offline_access')) {
      refreshToken = randomBytes(32).toString('base64url');
      refreshTokens.set(refreshToken, grant);
    }
    return {
      token_type: 'Bearer',
      expires_in: 3600,
      access_token: accessToken,
      scope: grant.scope,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      id_token: idToken,
    };
  }

  const routes: Route<Exchange>[] = [
    {
      // Browsers ask for it on the sign-in page.
      method: 'GET',
      path: /^\/favicon\.ico$/,
      handle(x) {
        x.res.writeHead(204);
        x.res.end();
      },
    },
    {
      method: 'GET',
      path: new RegExp(`^${AS}/authorize$`),
      handle(x) {
        const q = x.url.searchParams;
        if (q.get('client_id') !== options.app.clientId) {
          throw oauthError(
            400,
            'invalid_client',
            'Invalid value for client_id parameter.',
          );
        }
        if (!options.app.redirectUris.includes(q.get('redirect_uri') ?? '')) {
          unknown.push(
            `authorize: unregistered redirect_uri ${q.get('redirect_uri')}`,
          );
          throw oauthError(
            400,
            'invalid_request',
            "The 'redirect_uri' parameter must be a Login redirect URI in the client app settings.",
          );
        }
        if (q.get('response_type') !== 'code') {
          throw oauthError(
            400,
            'unsupported_response_type',
            'The response type is not supported by the authorization server.',
          );
        }
        if (!(q.get('scope') ?? '').split(' ').includes('openid')) {
          throw oauthError(
            400,
            'invalid_scope',
            'The authentication request has an invalid scope.',
          );
        }
        const tx = randomBytes(16).toString('base64url');
        pending.set(tx, new URLSearchParams(q));
        loginPage(x, tx);
      },
    },
    {
      method: 'POST',
      path: /^\/login$/,
      handle(x) {
        const tx = x.form.get('tx') ?? '';
        const request = pending.get(tx);
        if (!request) {
          throw new HttpError(400, 'This sign-in link has expired.');
        }
        const user = users.find(
          u =>
            u.login.toLowerCase() ===
            (x.form.get('username') ?? '').trim().toLowerCase(),
        );
        if (
          !user ||
          user.password !== x.form.get('password') ||
          !USER_STATUSES_THAT_SIGN_IN.has(user.status ?? 'ACTIVE')
        ) {
          loginPage(x, tx, 'Unable to sign in');
          return;
        }
        pending.delete(tx);
        const code = codes.issue(
          {
            userId: user.id,
            scope: request.get('scope')!,
            nonce: request.get('nonce') ?? undefined,
          },
          {
            clientId: request.get('client_id')!,
            redirectUri: request.get('redirect_uri')!,
          },
        );
        const back = new URL(request.get('redirect_uri')!);
        back.searchParams.set('code', code);
        if (request.has('state'))
          back.searchParams.set('state', request.get('state')!);
        redirect(x.res, back.toString());
      },
    },
    {
      method: 'POST',
      path: new RegExp(`^${AS}/token$`),
      handle(x, [server]) {
        // passport-okta-oauth writes the scheme as `Basic:`; Okta takes it.
        const authorization = x.req.headers.authorization?.replace(
          /^Basic:\s*/i,
          'Basic ',
        );
        const client = clientCredentials(
          { headers: { authorization } },
          x.form,
        );
        if (
          client.clientId !== options.app.clientId ||
          client.clientSecret !== options.app.clientSecret
        ) {
          unknown.push('token: client authentication failed');
          throw oauthError(
            401,
            'invalid_client',
            'Client authentication failed.',
          );
        }
        const grantType = x.form.get('grant_type');
        if (grantType === 'authorization_code') {
          const redeemed = codes.redeem(x.form.get('code') ?? '', {
            clientId: client.clientId,
            redirectUri: x.form.get('redirect_uri') ?? '',
          });
          if (redeemed.refusal) {
            unknown.push(`token: code refused (${redeemed.refusal})`);
            throw oauthError(
              400,
              'invalid_grant',
              'The authorization code is invalid or has expired.',
            );
          }
          sendJson(x.res, 200, tokens(server || undefined, redeemed.grant), {
            'cache-control': 'no-store',
            pragma: 'no-cache',
          });
          return;
        }
        if (grantType === 'refresh_token') {
          const refreshToken = x.form.get('refresh_token') ?? '';
          const grant = refreshTokens.get(refreshToken);
          if (!grant) {
            throw oauthError(
              400,
              'invalid_grant',
              'The refresh token is invalid or expired.',
            );
          }
          sendJson(
            x.res,
            200,
            tokens(server || undefined, grant, refreshToken),
            { 'cache-control': 'no-store', pragma: 'no-cache' },
          );
          return;
        }
        throw oauthError(
          400,
          'unsupported_grant_type',
          `The grant type '${grantType}' is not supported.`,
        );
      },
    },
    ...(['GET', 'POST'] as const).map(
      (method): Route<Exchange> => ({
        method,
        path: new RegExp(`^${AS}/userinfo$`),
        handle(x) {
          const bearer = /^Bearer (.+)$/.exec(
            x.req.headers.authorization ?? '',
          );
          const claims = bearer ? signer.verify(bearer[1]) : undefined;
          const user = users.find(u => u.id === claims?.sub);
          if (!user) {
            throw new HttpError(401, '', {
              'www-authenticate':
                'Bearer authorization_uri="", realm="", error="invalid_token", error_description="The access token is invalid."',
            });
          }
          const scopes = claims!.scp as string[];
          sendJson(x.res, 200, {
            sub: user.id,
            ...(scopes.includes('profile')
              ? {
                  name: `${user.firstName} ${user.lastName}`,
                  given_name: user.firstName,
                  family_name: user.lastName,
                  preferred_username: user.login,
                  locale: 'en_US',
                  zoneinfo: 'America/Los_Angeles',
                  updated_at: 1767607200,
                }
              : {}),
            ...(scopes.includes('email')
              ? { email: user.email, email_verified: true }
              : {}),
          });
        },
      }),
    ),
    {
      method: 'GET',
      path: /^\/api\/v1\/users$/,
      handle(x) {
        requireApiToken(x);
        // Without an expression Okta leaves deprovisioned users out; a search lists every status.
        const listed = x.url.searchParams.has('search')
          ? users
          : users.filter(u => u.status !== 'DEPROVISIONED');
        sendPage(x, searched(x, listed.map(userJson)));
      },
    },
    {
      method: 'GET',
      path: /^\/api\/v1\/groups$/,
      handle(x) {
        requireApiToken(x);
        sendPage(x, searched(x, groups.map(groupJson)));
      },
    },
    {
      method: 'GET',
      path: /^\/api\/v1\/groups\/([^/]+)\/users$/,
      handle(x, [groupId]) {
        requireApiToken(x);
        const group = groups.find(g => g.id === groupId);
        if (!group) {
          throw apiError(
            404,
            'E0000007',
            `Not found: Resource not found: ${groupId} (UserGroup)`,
          );
        }
        sendPage(
          x,
          users.filter(u => group.members.includes(u.id)).map(userJson),
        );
      },
    },
  ];

  const app = fakeApp<Exchange>({
    context(req, res) {
      const url = new URL(req.originalUrl, origin());
      res.on('finish', () => {
        const scheme = /^(\S+)/.exec(req.headers.authorization ?? '')?.[1];
        recorded.push({
          method: req.method,
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          ...(scheme ? { authScheme: scheme } : {}),
          status: res.statusCode,
        });
      });
      return { req, res, url, form: new URLSearchParams() };
    },
    before: [
      async (x, next) => {
        if (x.req.method === 'POST') {
          x.form = new URLSearchParams(await readBody(x.req));
        }
        next();
      },
      (x, next) => {
        const set = failure;
        if (set && set.failure.path.test(x.url.pathname)) {
          set.seen += 1;
          if (set.seen > (set.failure.after ?? 0)) {
            const { status, resetInSeconds } = set.failure;
            throw new HttpError(
              status,
              {
                errorCode: status === 429 ? 'E0000047' : 'E0000009',
                errorSummary:
                  status === 429
                    ? 'API call exceeded rate limit due to too many requests.'
                    : 'Internal Server Error',
                errorCauses: [],
              },
              status === 429
                ? {
                    'content-type': 'application/json',
                    'x-rate-limit-limit': '600',
                    'x-rate-limit-remaining': '0',
                    'x-rate-limit-reset': String(
                      Math.floor(Date.now() / 1000) + (resetInSeconds ?? 60),
                    ),
                  }
                : { 'content-type': 'application/json' },
            );
          }
        }
        next();
      },
    ],
    routes,
    unhandled(x) {
      unknown.push(`${x.req.method} ${x.url.pathname}${x.url.search}`);
      throw apiError(
        404,
        'E0000022',
        'The endpoint does not support the provided HTTP method',
      );
    },
    internalError: error =>
      new HttpError(500, {
        errorCode: 'E0000009',
        errorSummary: `Internal Server Error: ${error}`,
        errorCauses: [],
      }),
  });
  const server: Server = createServer(app);
  port = await listenOnLoopback(server);

  return {
    orgUrl: origin(),
    setDirectory(next) {
      users = next.users;
      groups = next.groups;
    },
    failApi(next) {
      failure = next ? { failure: next, seen: 0 } : undefined;
    },
    requests: () => [...recorded],
    unexpected: () => [...unknown],
    stop: () => closeServer(server),
  };
}
