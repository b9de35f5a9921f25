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
import { createServer, Server } from 'node:http';
import {
  closeServer,
  fakeApp,
  HttpError,
  listenOnLoopback,
  readBody,
  Route,
} from '../http';
import { authorizationServerRoutes } from './authorizationServer';
import { managementApiRoutes } from './managementApi';
import {
  Exchange,
  OktaAppIntegration,
  OktaGroupSeed,
  OktaOrg,
  OktaUserSeed,
  apiError,
} from './model';

export type { OktaAppIntegration, OktaGroupSeed, OktaUserSeed } from './model';

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

/** Starts the fake on a free loopback port; stop it in afterAll. */
export async function startFakeOkta(
  options: FakeOktaOptions,
): Promise<FakeOkta> {
  let users = options.users;
  let groups = options.groups;
  const recorded: OktaRecordedRequest[] = [];
  let failure: { failure: OktaApiFailure; seen: number } | undefined;
  let port = 0;
  const origin = () => `http://127.0.0.1:${port}`;
  const org: OktaOrg = {
    users: () => users,
    groups: () => groups,
    origin,
    unexpected: [],
  };

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
    ...authorizationServerRoutes(org, options.app),
    ...managementApiRoutes(org, {
      apiToken: options.apiToken,
      pageSize: options.pageSize ?? 2,
    }),
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
      org.unexpected.push(`${x.req.method} ${x.url.pathname}${x.url.search}`);
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
    unexpected: () => [...org.unexpected],
    stop: () => closeServer(server),
  };
}
