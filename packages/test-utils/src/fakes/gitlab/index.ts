/*
 * A stand-in for a self-managed GitLab instance on loopback, for
 * process-level tests of the `gitlab` preset: OAuth sign-in
 * (`gitlabAuthenticator`), org sync (`GitlabOrgDiscoveryEntityProvider`),
 * repository discovery (`GitlabDiscoveryEntityProvider`) and the catalog's
 * GitLab UrlReader. It runs inside the test process (plain `http`), so it
 * goes when the test process goes.
 */
import http from 'http';
import {
  closeServer,
  fakeApp,
  HttpError,
  listenOnLoopback,
  sendJson,
} from '../http';
import { graphQlRoutes } from './graphql';
import { GitLabRoute, RequestContext, readBody } from './http';
import {
  FakeGitLabGroup,
  FakeGitLabProject,
  FakeGitLabUser,
  GitLabState,
} from './model';
import { restRoutes } from './rest';
import { FakeGitLabApplication, signInRoutes } from './signIn';
import { FakeGitLabAccessToken, TokenStore } from './tokens';

export type {
  FakeGitLabGroup,
  FakeGitLabProject,
  FakeGitLabUser,
  FakeGitLabVisibility,
} from './model';
export type { FakeGitLabApplication } from './signIn';
export type { FakeGitLabAccessToken } from './tokens';
export { signInAtGitLab } from './browser';
export type { GitLabSignInResult } from './browser';

/** What the fake instance holds when it starts. */
export interface FakeGitLabConfig {
  /** OAuth applications users can sign in to. */
  applications: FakeGitLabApplication[];
  /** Personal access tokens, for the integration, org sync and discovery. */
  accessTokens: FakeGitLabAccessToken[];
  users: FakeGitLabUser[];
  groups: FakeGitLabGroup[];
  projects?: FakeGitLabProject[];
}

/**
 * A failure of every API call (`/api/v4/...` and `/api/graphql`) until
 * cleared: an internal error, or GitLab's rate limit answer (429 with its
 * `RateLimit-*` and `Retry-After` headers, resetting at `resetAt`).
 */
export type FakeGitLabFailure =
  | { status: 500 }
  | { status: 429; resetAt: Date; limit?: number };

/** A request the fake received. */
export interface FakeGitLabRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  /** False when no GitLab endpoint of the fake matched (answered 404). */
  handled: boolean;
}

/** A running fake GitLab. */
export interface FakeGitLab {
  /** `http://127.0.0.1:<port>`: the preset's `GITLAB_BASE_URL`. */
  baseUrl: string;
  /** `127.0.0.1:<port>`: the preset's `GITLAB_HOST`, and the catalog annotations' prefix. */
  host: string;
  port: number;
  setUsers(users: FakeGitLabUser[]): void;
  setGroups(groups: FakeGitLabGroup[]): void;
  setProjects(projects: FakeGitLabProject[]): void;
  /** Replaces the direct members of one group. */
  setGroupMembers(groupPath: string, usernames: string[]): void;
  /** Makes every API call fail as described, or (undefined) answer normally again. */
  failApi(failure: FakeGitLabFailure | undefined): void;
  /** The requests received so far, oldest first. */
  requests(): FakeGitLabRequest[];
  /** Requests no endpoint of the fake matched: a sign that upstream asked for something the fake does not model. */
  unhandledRequests(): FakeGitLabRequest[];
  /** Stops the server, closing open connections. Safe to call twice. */
  stop(): Promise<void>;
}

const MAX_LOGGED_REQUESTS = 5000;

/** GitLab's answer while a failure is set. */
function failureResponse(res: http.ServerResponse, failure: FakeGitLabFailure) {
  if (failure.status === 500) {
    sendJson(res, 500, { message: '500 Internal Server Error' });
    return;
  }
  const resetSeconds = Math.ceil(failure.resetAt.getTime() / 1000);
  const limit = failure.limit ?? 2000;
  res.writeHead(429, {
    'content-type': 'text/plain',
    'ratelimit-name': 'throttle_authenticated_api',
    'ratelimit-limit': String(limit),
    'ratelimit-observed': String(limit + 1),
    'ratelimit-remaining': '0',
    'ratelimit-reset': String(resetSeconds),
    'retry-after': String(
      Math.max(resetSeconds - Math.floor(Date.now() / 1000), 0),
    ),
  });
  res.end('Retry later\n');
}

/** Starts a fake GitLab on a free port of 127.0.0.1. */
export async function startFakeGitLab(
  config: FakeGitLabConfig,
): Promise<FakeGitLab> {
  const state = new GitLabState({
    users: config.users,
    groups: config.groups,
    projects: config.projects ?? [],
  });
  const tokens = new TokenStore(state, config.accessTokens);
  const routes: GitLabRoute[] = [
    ...restRoutes({ state, tokens }),
    ...graphQlRoutes({ state, tokens }),
    ...signInRoutes({ state, tokens, applications: config.applications }),
  ];
  const log: FakeGitLabRequest[] = [];
  let failure: FakeGitLabFailure | undefined;
  let baseUrl = '';

  /** Requests no route served. */
  const unserved = new WeakSet<http.IncomingMessage>();
  const app = fakeApp<RequestContext>({
    context(req, res) {
      let bodyPromise: Promise<string> | undefined;
      const ctx: RequestContext = {
        req,
        res,
        url: new URL(req.url, baseUrl),
        baseUrl,
        body: () => (bodyPromise ??= readBody(req)),
      };
      const rawPath = req.url.split('?')[0];
      res.on('finish', () => {
        log.push({
          method: req.method,
          path: decodeURIComponent(rawPath),
          query: Object.fromEntries(ctx.url.searchParams),
          status: res.statusCode,
          handled: !unserved.has(req),
        });
        if (log.length > MAX_LOGGED_REQUESTS) log.shift();
      });
      return ctx;
    },
    before: [
      (ctx, next) => {
        if (failure && ctx.url.pathname.startsWith('/api/')) {
          failureResponse(ctx.res, failure);
        } else {
          next();
        }
      },
    ],
    routes,
    unhandled(ctx) {
      unserved.add(ctx.req);
      // Logged loudly: upstream asked for something this fake does not model.
      // eslint-disable-next-line no-console
      console.warn(
        `fake GitLab: no endpoint for ${ctx.req.method} ${ctx.req.url}`,
      );
      sendJson(ctx.res, 404, { error: '404 Not Found' });
    },
    internalError(error) {
      // eslint-disable-next-line no-console
      console.error('fake GitLab: handler failed', error);
      return new HttpError(500, { message: '500 Internal Server Error' });
    },
  });
  const server = http.createServer(app);
  const port = await listenOnLoopback(server);
  baseUrl = `http://127.0.0.1:${port}`;

  let stopped: Promise<void> | undefined;
  return {
    baseUrl,
    host: `127.0.0.1:${port}`,
    port,
    setUsers: users => state.replace({ users }),
    setGroups: groups => state.replace({ groups }),
    setProjects: projects => state.replace({ projects }),
    setGroupMembers: (path, usernames) =>
      state.setGroupMembers(path, usernames),
    failApi(next) {
      failure = next;
    },
    requests: () => [...log],
    unhandledRequests: () => log.filter(r => !r.handled),
    stop() {
      stopped ??= closeServer(server);
      return stopped;
    },
  };
}
