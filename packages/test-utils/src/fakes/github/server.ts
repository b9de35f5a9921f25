/*
 * The HTTP side of the fake GitHub Enterprise Server: the OAuth App web
 * flow (a sign-in form standing in for github.com's, then the code
 * exchange), the REST API under /api/v3 and GraphQL at /api/graphql.
 * See ./index.ts for what each route answers and why.
 */
import http from 'http';
import { execFileSync } from 'child_process';
import { randomBytes } from 'crypto';
import fs from 'fs';
import {
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
import { GraphqlRequest, runGraphql } from '../graphql';
import { FakeGithubAppState } from './app';
import { GitRepositories } from './git';
import { AuthorizationCodes } from '../oauth';
import { githubGraphqlError, githubSchema } from './schema';
import {
  GithubState,
  StoredOrg,
  StoredRepository,
  StoredUser,
  blobSha,
} from './state';

/** The OAuth App the fake knows, as registered in GitHub's developer settings. */
export interface FakeGithubOAuthApp {
  clientId: string;
  clientSecret: string;
  /** The registered "Authorization callback URL"; redirect_uri must be it or below it. */
  callbackUrl: string;
}

/** A failure every API call (REST and GraphQL) answers with until cleared. */
export type FakeGithubApiFailure =
  | { kind: 'serverError'; status?: 500 | 502 | 503 }
  /** The primary limit: `x-ratelimit-remaining: 0` until `resetAt`. */
  | { kind: 'rateLimit'; status: 403 | 429; resetAt: Date }
  /** A secondary (abuse) limit: `retry-after` seconds. */
  | {
      kind: 'secondaryRateLimit';
      status: 403 | 429;
      retryAfterSeconds: number;
    };

/**
 * The credential an API request carried: the PAT, an OAuth token of the web
 * flow, the GitHub App's JWT, one of its installation tokens, one the fake
 * does not know, or none.
 */
export type FakeGithubCredential =
  | 'pat'
  | 'oauth'
  | 'app-jwt'
  | 'installation'
  | 'invalid'
  | 'none';

/** A request the fake received. */
export interface FakeGithubRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  status: number;
  /** For API calls (`/api/...`), the credential it carried. */
  credential?: FakeGithubCredential;
  /** True when no route of the fake serves this method and path. */
  unhandled: boolean;
  /** A GraphQL request's query and variables (which organization it asked about). */
  graphql?: GraphqlRequest;
}

/** What a code or token of the web flow stands for. */
export interface Grant {
  userId: string;
  scope: string;
}

const RATE_LIMIT = 5000;
const DOCS = 'https://docs.github.com/enterprise-server@3.14/rest';
const ENTERPRISE_VERSION = '3.14.0';

/** Everything a route needs. */
export interface ServerContext {
  state: GithubState;
  oauthApp: FakeGithubOAuthApp;
  /** The personal access token the org sync and discovery use; none when only the App is configured. */
  pat?: string;
  /** The PAT's scopes as `X-OAuth-Scopes` lists them (`read:org, repo`). */
  patScopes: string;
  /** The account that owns the PAT (not an org member's session). */
  patOwner: StoredUser;
  /** The GitHub App installed on the organization, and its bot account. */
  app?: { state: FakeGithubAppState; bot: StoredUser };
  /** The Git side of repositories created through the API. */
  git: GitRepositories;
  /** `http://127.0.0.1:<port>` (or the host name it is known by), set once the server listens. */
  baseUrl: string;
  failure?: FakeGithubApiFailure;
  /** OAuth access tokens issued by the web flow. */
  tokens: Map<string, Grant>;
  codes: AuthorizationCodes<Grant>;
  /** Web sessions (the `user_session` cookie) by cookie value. */
  sessions: Map<string, string>;
  requests: FakeGithubRequest[];
}

interface Exchange {
  ctx: ServerContext;
  req: http.IncomingMessage;
  res: http.ServerResponse;
  url: URL;
  params: string[];
  body: string;
  credential?: FakeGithubCredential;
}

function randomToken(prefix: string, length: number): string {
  const alphabet =
    'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  return prefix + [...bytes].map(b => alphabet[b % alphabet.length]).join('');
}

/** What GitHub sends with its JSON. */
const JSON_MEDIA_TYPE = { 'x-github-media-type': 'github.v3; format=json' };

/** A page of GitHub's web flow. */
function sendPage(
  x: Exchange,
  status: number,
  title: string,
  body: string,
): void {
  sendHtml(
    x.res,
    status,
    `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(
      title,
    )}</title></head><body>${body}</body></html>`,
  );
}

/** GitHub's JSON error body. */
function sendApiError(x: Exchange, status: number, message: string): void {
  sendJson(
    x.res,
    status,
    {
      message,
      documentation_url: DOCS,
      status: String(status),
    },
    JSON_MEDIA_TYPE,
  );
}

// ------------------------------------------------------------ web flow

function cookies(req: http.IncomingMessage): Record<string, string> {
  return Object.fromEntries(
    (req.headers.cookie ?? '')
      .split(';')
      .map(c => c.trim().split('='))
      .filter(([k, v]) => k && v !== undefined)
      .map(([k, v]) => [k, decodeURIComponent(v)]),
  );
}

function signedInUser(x: Exchange): StoredUser | undefined {
  const userId = x.ctx.sessions.get(cookies(x.req).user_session ?? '');
  return userId ? x.ctx.state.userById(userId) : undefined;
}

/**
 * GitHub's rule for an OAuth App's redirect_uri: same scheme, host and port
 * as the registered callback URL, and its path or a subdirectory of it.
 */
function isAllowedRedirect(registered: string, requested: string): boolean {
  try {
    const a = new URL(registered);
    const b = new URL(requested);
    const base = a.pathname.replace(/\/$/, '');
    return (
      a.origin === b.origin &&
      (b.pathname === a.pathname || b.pathname.startsWith(`${base}/`))
    );
  } catch {
    return false;
  }
}

/** `GET /login/oauth/authorize`: sign in first, then back here, then to the app with a code. */
function authorize(x: Exchange): void {
  const q = x.url.searchParams;
  const app = x.ctx.oauthApp;
  if (q.get('client_id') !== app.clientId) {
    sendPage(
      x,
      404,
      'Page not found',
      '<h1>404</h1><p>This is not the web page you are looking for.</p>',
    );
    return;
  }
  const redirectUri = q.get('redirect_uri') ?? app.callbackUrl;
  if (!isAllowedRedirect(app.callbackUrl, redirectUri)) {
    sendPage(
      x,
      400,
      'Redirect URI mismatch',
      '<h1 id="oauth-error">The <code>redirect_uri</code> is not associated with this application.</h1>' +
        "<p>The application might be misconfigured or could be trying to redirect you to a website you weren't expecting.</p>",
    );
    return;
  }
  const user = signedInUser(x);
  if (!user) {
    const returnTo = `${x.url.pathname}${x.url.search}`;
    redirect(
      x.res,
      `/login?${new URLSearchParams({
        client_id: app.clientId,
        return_to: returnTo,
      })}`,
    );
    return;
  }
  // The app counts as already authorized by the user: GitHub skips its
  // consent page then and redirects at once.
  const code = x.ctx.codes.issue(
    {
      userId: user.nodeId,
      scope: (q.get('scope') ?? '').split(/[ ,]+/).filter(Boolean).join(','),
    },
    { clientId: app.clientId, redirectUri },
  );
  const target = new URL(redirectUri);
  target.searchParams.set('code', code);
  if (q.has('state')) target.searchParams.set('state', q.get('state')!);
  redirect(x.res, target.toString());
}

function loginPage(x: Exchange, returnTo: string, error?: string): void {
  sendPage(
    x,
    200,
    'Sign in to GitHub',
    `<h1>Sign in to GitHub</h1>${
      error
        ? `<div id="js-flash-container" class="flash flash-error" role="alert">${escapeHtml(
            error,
          )}</div>`
        : ''
    }<form action="/session" method="post">
<input type="hidden" name="return_to" value="${escapeHtml(returnTo)}">
<label for="login_field">Username or email address</label>
<input type="text" name="login" id="login_field" autocomplete="username">
<label for="password">Password</label>
<input type="password" name="password" id="password" autocomplete="current-password">
<input type="submit" name="commit" value="Sign in" class="btn btn-primary btn-block">
</form>`,
  );
}

/** Only paths on this host: an open redirect would let anyone bounce users elsewhere. */
function safeReturnTo(value: string | null): string {
  return value && value.startsWith('/') && !value.startsWith('//')
    ? value
    : '/';
}

/** `POST /session`: the sign-in form's target. */
function createSession(x: Exchange): void {
  const form = new URLSearchParams(x.body);
  const returnTo = safeReturnTo(form.get('return_to'));
  const login = form.get('login') ?? '';
  const user = x.ctx.state.userByLogin(login);
  if (!user?.password || user.password !== form.get('password')) {
    loginPage(x, returnTo, 'Incorrect username or password.');
    return;
  }
  const session = randomBytes(24).toString('base64url');
  x.ctx.sessions.set(session, user.nodeId);
  x.res.setHeader(
    'set-cookie',
    `user_session=${session}; path=/; HttpOnly; SameSite=Lax`,
  );
  redirect(x.res, returnTo);
}

/** GitHub answers the token endpoint in the format the Accept header asks for. */
function sendTokenEndpointResult(
  x: Exchange,
  fields: Record<string, string>,
): void {
  const accept = x.req.headers.accept ?? '';
  if (accept.includes('application/json')) {
    sendJson(x.res, 200, fields, JSON_MEDIA_TYPE);
  } else if (accept.includes('application/xml')) {
    x.res.writeHead(200, { 'content-type': 'application/xml; charset=utf-8' });
    x.res.end(
      `<OAuth>${Object.entries(fields)
        .map(([k, v]) => `<${k}>${escapeHtml(v)}</${k}>`)
        .join('')}</OAuth>`,
    );
  } else {
    x.res.writeHead(200, {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    });
    x.res.end(new URLSearchParams(fields).toString());
  }
}

function tokenError(x: Exchange, error: string, description: string): void {
  // GitHub reports these with HTTP 200, in the body.
  sendTokenEndpointResult(x, {
    error,
    error_description: description,
    error_uri: `${DOCS.replace(
      '/rest',
      '',
    )}/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#${error.replace(
      /_/g,
      '-',
    )}`,
  });
}

function requestParams(x: Exchange): URLSearchParams {
  const type = x.req.headers['content-type'] ?? '';
  if (type.includes('application/json')) {
    const json = JSON.parse(x.body || '{}');
    return new URLSearchParams(
      Object.entries(json).map(([k, v]) => [k, String(v)]),
    );
  }
  const params = new URLSearchParams(x.body);
  x.url.searchParams.forEach((v, k) => !params.has(k) && params.set(k, v));
  return params;
}

/** `POST /login/oauth/access_token`: exchanges a code for an access token. */
function accessToken(x: Exchange): void {
  const p = requestParams(x);
  const app = x.ctx.oauthApp;
  if (
    p.get('client_id') !== app.clientId ||
    p.get('client_secret') !== app.clientSecret
  ) {
    tokenError(
      x,
      'incorrect_client_credentials',
      'The client_id and/or client_secret passed are incorrect.',
    );
    return;
  }
  const redeemed = x.ctx.codes.redeem(p.get('code') ?? '', {
    clientId: app.clientId,
    redirectUri: p.get('redirect_uri') ?? undefined,
  });
  if (redeemed.refusal === 'redirect_uri') {
    tokenError(
      x,
      'redirect_uri_mismatch',
      'The redirect_uri MUST match the registered callback URL for this application.',
    );
    return;
  }
  if (redeemed.refusal) {
    tokenError(
      x,
      'bad_verification_code',
      'The code passed is incorrect or expired.',
    );
    return;
  }
  const code = redeemed.grant;
  const token = randomToken('gho_', 36);
  x.ctx.tokens.set(token, { userId: code.userId, scope: code.scope });
  sendTokenEndpointResult(x, {
    access_token: token,
    token_type: 'bearer',
    scope: code.scope,
  });
}

// ------------------------------------------------------------------ API

/** The account a request's token belongs to, with its scopes; undefined when the token is bad. */
function tokenOwner(
  x: Exchange,
): { user: StoredUser; scopes: string } | undefined {
  const match = /^(?:token|bearer)\s+(\S+)$/i.exec(
    x.req.headers.authorization ?? '',
  );
  x.credential = match ? 'invalid' : 'none';
  return match ? ownerOfToken(x, match[1]) : undefined;
}

/** The account a token belongs to, with its scopes; sets the request's credential kind. */
function ownerOfToken(
  x: Exchange,
  token: string,
): { user: StoredUser; scopes: string } | undefined {
  x.credential = 'invalid';
  if (x.ctx.pat !== undefined && token === x.ctx.pat) {
    x.credential = 'pat';
    return { user: x.ctx.patOwner, scopes: x.ctx.patScopes };
  }
  if (x.ctx.app?.state.installationToken(token)) {
    x.credential = 'installation';
    // Installation tokens have permissions, not OAuth scopes.
    return { user: x.ctx.app.bot, scopes: '' };
  }
  const grant = x.ctx.tokens.get(token);
  const user = grant && x.ctx.state.userById(grant.userId);
  if (user) x.credential = 'oauth';
  return user
    ? { user, scopes: grant!.scope.split(',').join(', ') }
    : undefined;
}

function resetEpoch(): number {
  return Math.floor(Date.now() / 1000) + 3600;
}

function rateLimitHeaders(x: Exchange, remaining: number, reset: number): void {
  const resource = x.url.pathname === '/api/graphql' ? 'graphql' : 'core';
  x.res.setHeader('x-ratelimit-limit', String(RATE_LIMIT));
  x.res.setHeader('x-ratelimit-remaining', String(remaining));
  x.res.setHeader('x-ratelimit-used', String(RATE_LIMIT - remaining));
  x.res.setHeader('x-ratelimit-reset', String(reset));
  x.res.setHeader('x-ratelimit-resource', resource);
}

/** Answers with the configured failure; true when it did. */
function answeredWithFailure(x: Exchange): boolean {
  const failure = x.ctx.failure;
  if (!failure) return false;
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  x.res.setHeader('x-github-request-id', requestId);
  if (failure.kind === 'serverError') {
    sendApiError(x, failure.status ?? 500, 'Server Error');
  } else if (failure.kind === 'rateLimit') {
    rateLimitHeaders(x, 0, Math.floor(failure.resetAt.getTime() / 1000));
    sendJson(
      x.res,
      failure.status,
      {
        message: `API rate limit exceeded for user ID ${x.ctx.patOwner.databaseId}. If you reach out to GitHub Support for help, please include the request ID ${requestId}.`,
        documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`,
        status: String(failure.status),
      },
      JSON_MEDIA_TYPE,
    );
  } else {
    rateLimitHeaders(x, RATE_LIMIT - 1, resetEpoch());
    x.res.setHeader('retry-after', String(failure.retryAfterSeconds));
    sendJson(
      x.res,
      failure.status,
      {
        message: `You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID ${requestId}.`,
        documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits`,
        status: String(failure.status),
      },
      JSON_MEDIA_TYPE,
    );
  }
  return true;
}

function restUser(x: Exchange, user: StoredUser) {
  const api = `${x.ctx.baseUrl}/api/v3/users/${user.login}`;
  return {
    login: user.login,
    id: user.databaseId,
    node_id: user.nodeId,
    avatar_url: `${x.ctx.baseUrl}/avatars/u/${user.databaseId}?`,
    gravatar_id: '',
    url: api,
    html_url: `${x.ctx.baseUrl}/${user.login}`,
    followers_url: `${api}/followers`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    type: 'User',
    site_admin: false,
    name: user.name,
    company: null,
    blog: '',
    location: null,
    email: user.email,
    hireable: null,
    bio: user.bio,
    twitter_username: null,
    public_repos: 0,
    public_gists: 0,
    followers: 0,
    following: 0,
    created_at: user.createdAt,
    updated_at: user.createdAt,
  };
}

function restRepository(x: Exchange, repo: StoredRepository) {
  const org = x.ctx.state.org;
  const api = `${x.ctx.baseUrl}/api/v3/repos/${org.login}/${repo.name}`;
  return {
    id: repo.databaseId,
    node_id: repo.nodeId,
    name: repo.name,
    full_name: `${org.login}/${repo.name}`,
    private: repo.visibility !== 'public',
    owner: {
      login: org.login,
      id: org.databaseId,
      node_id: org.nodeId,
      type: 'Organization',
      site_admin: false,
    },
    html_url: `${x.ctx.baseUrl}/${org.login}/${repo.name}`,
    url: api,
    archive_url: `${api}/{archive_format}{/ref}`,
    trees_url: `${api}/git/trees{/sha}`,
    contents_url: `${api}/contents/{+path}`,
    fork: repo.fork,
    archived: repo.archived,
    clone_url: `${x.ctx.baseUrl}/${org.login}/${repo.name}.git`,
    visibility: repo.visibility,
    topics: repo.topics,
    default_branch: repo.defaultBranch ?? 'main',
  };
}

/** `GET /api/v3/user`: the token's account. */
function currentUser(x: Exchange, owner: StoredUser): void {
  sendJson(x.res, 200, restUser(x, owner), JSON_MEDIA_TYPE);
}

/** The organization as REST shows an account (`GET /users/{org}`, an installation's `account`). */
function restOrganization(x: Exchange, org: StoredOrg = x.ctx.state.org) {
  const api = `${x.ctx.baseUrl}/api/v3/users/${org.login}`;
  return {
    login: org.login,
    id: org.databaseId,
    node_id: org.nodeId,
    avatar_url: `${x.ctx.baseUrl}/avatars/u/${org.databaseId}?`,
    url: api,
    html_url: `${x.ctx.baseUrl}/${org.login}`,
    repos_url: `${api}/repos`,
    type: 'Organization',
    site_admin: false,
  };
}

/** `GET /api/v3/users/{username}`: an account, or the organization (the scaffolder asks which an owner is). */
function userByLogin(x: Exchange): void {
  if (x.params[0].toLowerCase() === x.ctx.state.org.login.toLowerCase()) {
    sendJson(x.res, 200, restOrganization(x), JSON_MEDIA_TYPE);
    return;
  }
  const user = x.ctx.state.userByLogin(x.params[0]);
  if (!user) {
    sendApiError(x, 404, 'Not Found');
    return;
  }
  sendJson(x.res, 200, restUser(x, user), JSON_MEDIA_TYPE);
}

/** `GET /api/v3/orgs/{org}`: an organization's public profile, for any token. */
function organization(x: Exchange): void {
  const org = x.ctx.state.orgByLogin(x.params[0]);
  if (!org) {
    sendApiError(x, 404, 'Not Found');
    return;
  }
  const api = `${x.ctx.baseUrl}/api/v3/orgs/${org.login}`;
  sendJson(
    x.res,
    200,
    {
      ...restOrganization(x, org),
      url: api,
      repos_url: `${api}/repos`,
      members_url: `${api}/members{/member}`,
      public_members_url: `${api}/public_members{/member}`,
      description: null,
      name: org.login,
      is_verified: false,
      has_organization_projects: true,
      has_repository_projects: true,
      created_at: new Date(Date.UTC(2020, 0, 1))
        .toISOString()
        .replace('.000', ''),
    },
    JSON_MEDIA_TYPE,
  );
}

/**
 * `GET /api/v3/user/memberships/orgs/{org}`: the token account's membership,
 * 404 when it is no member (as GitHub answers then).
 */
function membership(x: Exchange, user: StoredUser): void {
  const org = x.ctx.state.orgByLogin(x.params[0]);
  // Only the main organization has members.
  if (!org || org !== x.ctx.state.org || !x.ctx.state.isOrgMember(user)) {
    sendApiError(x, 404, 'Not Found');
    return;
  }
  sendJson(
    x.res,
    200,
    {
      url: `${x.ctx.baseUrl}/api/v3/orgs/${org.login}/memberships/${user.login}`,
      state: 'active',
      role: 'member',
      organization_url: `${x.ctx.baseUrl}/api/v3/orgs/${org.login}`,
      organization: restOrganization(x, org),
      user: restUser(x, user),
    },
    JSON_MEDIA_TYPE,
  );
}

/** `GET /api/v3/repos/{owner}/{repo}` */
function repository(x: Exchange): void {
  const repo = x.ctx.state.repository(x.params[0], x.params[1]);
  if (!repo) {
    sendApiError(x, 404, 'Not Found');
    return;
  }
  sendJson(x.res, 200, restRepository(x, repo), JSON_MEDIA_TYPE);
}

/**
 * `GET /api/v3/repos/{owner}/{repo}/contents/{path}?ref=`: the raw file for
 * `Accept: application/vnd.github.raw` (or `.v3.raw`), else GitHub's JSON
 * with base64 content; with an ETag, and 304 for a matching If-None-Match.
 */
function contents(x: Exchange): void {
  const repo = x.ctx.state.repository(x.params[0], x.params[1]);
  const path = x.params[2];
  const ref = x.url.searchParams.get('ref') ?? repo?.defaultBranch;
  if (!repo || !repo.defaultBranch) {
    sendApiError(x, 404, repo ? 'This repository is empty.' : 'Not Found');
    return;
  }
  if (ref !== repo.defaultBranch && ref !== 'HEAD') {
    sendApiError(x, 404, `No commit found for the ref ${ref}`);
    return;
  }
  const text = repo.files.get(path);
  if (text === undefined) {
    sendApiError(x, 404, 'Not Found');
    return;
  }
  const sha = blobSha(text);
  const etag = `"${sha}"`;
  if (x.req.headers['if-none-match'] === etag) {
    x.res.writeHead(304, { etag });
    x.res.end();
    return;
  }
  if (/application\/vnd\.github(\.v3)?\.raw/.test(x.req.headers.accept ?? '')) {
    x.res.writeHead(200, {
      'content-type': 'application/vnd.github.raw; charset=utf-8',
      'x-github-media-type': 'github.v3; param=raw',
      etag,
    });
    x.res.end(text);
    return;
  }
  const org = x.ctx.state.org.login;
  const api = `${x.ctx.baseUrl}/api/v3/repos/${org}/${repo.name}`;
  x.res.setHeader('etag', etag);
  sendJson(
    x.res,
    200,
    {
      type: 'file',
      encoding: 'base64',
      size: Buffer.byteLength(text),
      name: path.split('/').pop(),
      path,
      content: (
        Buffer.from(text)
          .toString('base64')
          .match(/.{1,60}/g) ?? []
      ).join('\n'),
      sha,
      url: `${api}/contents/${path}?ref=${ref}`,
      git_url: `${api}/git/blobs/${sha}`,
      html_url: `${x.ctx.baseUrl}/${org}/${repo.name}/blob/${ref}/${path}`,
      download_url: `${x.ctx.baseUrl}/raw/${org}/${repo.name}/${ref}/${path}`,
    },
    JSON_MEDIA_TYPE,
  );
}

/** The GraphQL request each `POST /api/graphql` carried, recorded with it. */
const graphqlRequests = new WeakMap<http.IncomingMessage, GraphqlRequest>();

/** `POST /api/graphql` */
function graphql(x: Exchange): void {
  let request: GraphqlRequest;
  try {
    request = JSON.parse(x.body);
  } catch {
    sendJson(
      x.res,
      400,
      {
        message: 'Problems parsing JSON',
        documentation_url: DOCS,
      },
      JSON_MEDIA_TYPE,
    );
    return;
  }
  graphqlRequests.set(x.req, request);
  sendJson(
    x.res,
    200,
    runGraphql(
      githubSchema,
      request,
      { state: x.ctx.state, baseUrl: x.ctx.baseUrl },
      githubGraphqlError,
    ),
    JSON_MEDIA_TYPE,
  );
}

/** `POST /api/v3/orgs/{org}/repos`: an empty repository, which Git can push to. */
function createOrgRepository(x: Exchange): void {
  if (x.params[0].toLowerCase() !== x.ctx.state.org.login.toLowerCase()) {
    sendApiError(x, 404, 'Not Found');
    return;
  }
  const input = JSON.parse(x.body || '{}');
  const visibility = input.visibility ?? (input.private ? 'private' : 'public');
  const repo =
    typeof input.name === 'string' && input.name
      ? x.ctx.state.addRepository({
          name: input.name,
          defaultBranch: null,
          visibility,
        })
      : undefined;
  if (!repo) {
    sendJson(
      x.res,
      422,
      {
        message: 'Repository creation failed.',
        errors: [
          {
            resource: 'Repository',
            code: 'custom',
            field: 'name',
            message: 'name already exists on this account',
          },
        ],
        documentation_url: `${DOCS}/repos/repos#create-an-organization-repository`,
        status: '422',
      },
      JSON_MEDIA_TYPE,
    );
    return;
  }
  x.ctx.git.create(x.ctx.state.org.login, repo.name);
  sendJson(x.res, 201, restRepository(x, repo), JSON_MEDIA_TYPE);
}

// ------------------------------------------------------------------ Git

/** A path of Git's smart HTTP protocol under `/<owner>/<repo>.git/`. */
const GIT_PATH =
  /^\/([^/]+)\/([^/]+)\.git\/(info\/refs|git-upload-pack|git-receive-pack)$/;

/**
 * Git over HTTP: Basic credentials whose password is a token the API
 * accepts, then `git http-backend`. After a push, the repository's default
 * branch (the first one pushed, as on GitHub) and its files are what the API
 * serves.
 */
async function gitSmartHttp(x: Exchange): Promise<void> {
  const [, owner, name, service] = GIT_PATH.exec(x.url.pathname)!;
  const basic = /^basic\s+(\S+)$/i.exec(x.req.headers.authorization ?? '');
  const password = basic
    ? Buffer.from(basic[1], 'base64').toString().split(':').slice(1).join(':')
    : undefined;
  x.credential = 'none';
  if (password === undefined || !ownerOfToken(x, password)) {
    x.res.writeHead(401, {
      'www-authenticate': 'Basic realm="GitHub"',
      'content-type': 'text/plain',
    });
    x.res.end('Invalid username or token.');
    return;
  }
  const repo = x.ctx.state.repository(owner, name);
  const dir = x.ctx.git.gitDir(owner, name);
  if (!repo || !dir || !fs.existsSync(dir)) {
    x.res.writeHead(404, { 'content-type': 'text/plain' });
    x.res.end('Repository not found.');
    return;
  }
  await x.ctx.git.serve(owner, name, service, x.req, x.res, x.url);
  if (service === 'git-receive-pack') {
    const git = (...args: string[]) =>
      execFileSync('git', ['--git-dir', dir, ...args], { encoding: 'utf8' });
    const branches = git(
      'for-each-ref',
      '--format=%(refname:short)',
      'refs/heads',
    )
      .split('\n')
      .filter(Boolean);
    repo.defaultBranch ??= branches[0] ?? null;
    if (repo.defaultBranch) {
      git('symbolic-ref', 'HEAD', `refs/heads/${repo.defaultBranch}`);
      repo.files = new Map(
        git('ls-tree', '-r', '--name-only', repo.defaultBranch)
          .split('\n')
          .filter(Boolean)
          .map(file => [file, git('show', `${repo.defaultBranch}:${file}`)]),
      );
    }
  }
}

// ----------------------------------------------------------- GitHub App

function requireApp(x: Exchange): FakeGithubAppState {
  if (!x.ctx.app) throw new HttpError(404, { message: 'Not Found' });
  return x.ctx.app.state;
}

/** `GET /api/v3/app`: the App the JWT belongs to. */
function currentApp(x: Exchange): void {
  const app = requireApp(x);
  sendJson(
    x.res,
    200,
    {
      id: app.input.appId,
      slug: app.slug,
      client_id: app.input.clientId,
      node_id: `A_kgDO${Buffer.from(`0:${app.input.appId}`).toString(
        'base64url',
      )}`,
      owner: restOrganization(x),
      name: app.slug,
      description: '',
      external_url: x.ctx.baseUrl,
      html_url: `${x.ctx.baseUrl}/github-apps/${app.slug}`,
      permissions: app.permissions,
      events: [],
      installations_count: 1,
    },
    JSON_MEDIA_TYPE,
  );
}

function installation(x: Exchange, app: FakeGithubAppState) {
  const api = `${x.ctx.baseUrl}/api/v3`;
  const created = new Date(Date.UTC(2024, 0, 1)).toISOString();
  return {
    id: app.installationId,
    account: restOrganization(x),
    repository_selection: 'all',
    access_tokens_url: `${api}/app/installations/${app.installationId}/access_tokens`,
    repositories_url: `${api}/installation/repositories`,
    html_url: `${x.ctx.baseUrl}/organizations/${x.ctx.state.org.login}/settings/installations/${app.installationId}`,
    app_id: app.input.appId,
    app_slug: app.slug,
    client_id: app.input.clientId,
    target_id: x.ctx.state.org.databaseId,
    target_type: 'Organization',
    permissions: app.permissions,
    events: [],
    created_at: created,
    updated_at: created,
    single_file_name: null,
    suspended_by: null,
    suspended_at: null,
  };
}

/** `GET /api/v3/app/installations`: the App's one installation, on the organization. */
function listInstallations(x: Exchange): void {
  const app = requireApp(x);
  sendJson(x.res, 200, [installation(x, app)], JSON_MEDIA_TYPE);
}

/** `POST /api/v3/app/installations/{id}/access_tokens` */
function createInstallationToken(x: Exchange): void {
  const app = requireApp(x);
  if (Number(x.params[0]) !== app.installationId) {
    sendApiError(x, 404, 'Not Found');
    return;
  }
  const issued = app.issueToken();
  sendJson(
    x.res,
    201,
    {
      token: issued.token,
      expires_at: issued.expiresAt.toISOString().replace('.000', ''),
      permissions: app.permissions,
      repository_selection: 'all',
    },
    JSON_MEDIA_TYPE,
  );
}

/** The App's routes, which take its JWT instead of a token. */
const APP_ROUTE = /^\/api\/v3\/app(\/|$)/;

const routes: Route<Exchange>[] = [
  {
    method: 'POST',
    path: /^\/api\/v3\/orgs\/([^/]+)\/repos$/,
    handle: (x, params) => createOrgRepository({ ...x, params }),
  },
  { method: 'GET', path: GIT_PATH, handle: gitSmartHttp },
  { method: 'POST', path: GIT_PATH, handle: gitSmartHttp },
  { method: 'GET', path: /^\/api\/v3\/app$/, handle: currentApp },
  {
    method: 'GET',
    path: /^\/api\/v3\/app\/installations$/,
    handle: listInstallations,
  },
  {
    method: 'POST',
    path: /^\/api\/v3\/app\/installations\/(\d+)\/access_tokens$/,
    handle: (x, params) => createInstallationToken({ ...x, params }),
  },
  {
    method: 'GET',
    path: /^\/favicon\.ico$/,
    // Browsers ask for it on every page of the web flow.
    handle: x => {
      x.res.writeHead(200, { 'content-type': 'image/x-icon' });
      x.res.end();
    },
  },
  { method: 'GET', path: /^\/login\/oauth\/authorize$/, handle: authorize },
  {
    method: 'GET',
    path: /^\/login$/,
    handle: x =>
      loginPage(x, safeReturnTo(x.url.searchParams.get('return_to'))),
  },
  { method: 'POST', path: /^\/session$/, handle: createSession },
  {
    method: 'POST',
    path: /^\/login\/oauth\/access_token$/,
    handle: accessToken,
  },
  { method: 'POST', path: /^\/api\/graphql$/, handle: graphql },
  {
    method: 'GET',
    path: /^\/api\/v3\/users\/([^/]+)$/,
    handle: (x, params) => userByLogin({ ...x, params }),
  },
  {
    method: 'GET',
    path: /^\/api\/v3\/orgs\/([^/]+)$/,
    handle: (x, params) => organization({ ...x, params }),
  },
  {
    method: 'GET',
    path: /^\/api\/v3\/repos\/([^/]+)\/([^/]+)$/,
    handle: (x, params) => repository({ ...x, params }),
  },
  {
    method: 'GET',
    path: /^\/api\/v3\/repos\/([^/]+)\/([^/]+)\/contents\/(.+)$/,
    handle: (x, params) => contents({ ...x, params }),
  },
];

/** The checks every API call passes first; answers the call itself when one fails. */
function apiChecks(x: Exchange, next: () => void): void {
  x.res.setHeader('x-github-enterprise-version', ENTERPRISE_VERSION);
  if (!x.url.pathname.startsWith('/api/')) {
    next();
    return;
  }
  if (APP_ROUTE.test(x.url.pathname)) {
    x.credential = 'invalid';
    if (!x.ctx.app) {
      sendApiError(x, 401, 'A JSON web token could not be decoded');
      return;
    }
    x.ctx.app.state.verifyJwt(x.req.headers.authorization);
    x.credential = 'app-jwt';
    if (answeredWithFailure(x)) return;
    rateLimitHeaders(x, RATE_LIMIT - x.ctx.requests.length - 1, resetEpoch());
    next();
    return;
  }
  const owner = tokenOwner(x);
  if (!owner) {
    sendApiError(
      x,
      401,
      x.req.headers.authorization
        ? 'Bad credentials'
        : 'Requires authentication',
    );
    return;
  }
  // A classic token's scopes, even none; installation tokens have none to report.
  if (x.credential === 'pat' || x.credential === 'oauth') {
    x.res.setHeader('x-oauth-scopes', owner.scopes);
  }
  if (answeredWithFailure(x)) return;
  rateLimitHeaders(x, RATE_LIMIT - x.ctx.requests.length - 1, resetEpoch());
  if (x.req.method === 'GET' && x.url.pathname === '/api/v3/user') {
    currentUser(x, owner.user);
    return;
  }
  const member = /^\/api\/v3\/user\/memberships\/orgs\/([^/]+)$/.exec(
    x.url.pathname,
  );
  if (x.req.method === 'GET' && member) {
    membership({ ...x, params: [decodeURIComponent(member[1])] }, owner.user);
    return;
  }
  next();
}

/** Requests no route served; they are logged as such when answered. */
const unhandledRequests = new WeakSet<http.IncomingMessage>();

function unhandled(x: Exchange): void {
  unhandledRequests.add(x.req);
  // eslint-disable-next-line no-console
  console.warn(`fake GitHub: no route for ${x.req.method} ${x.url.pathname}`);
  x.ctx.requests.push({
    method: x.req.method ?? '',
    path: x.url.pathname,
    status: 404,
    unhandled: true,
    ...(x.credential && { credential: x.credential }),
  });
  if (x.url.pathname.startsWith('/api/')) {
    sendApiError(x, 404, 'Not Found');
  } else {
    sendPage(x, 404, 'Page not found', '<h1>404</h1>');
  }
}

/**
 * Starts the HTTP server on 127.0.0.1 for the context and sets the
 * context's `baseUrl` to where it listens, under `hostname` when given.
 */
export async function listen(
  ctx: ServerContext,
  port = 0,
  hostname = '127.0.0.1',
): Promise<http.Server> {
  const app = fakeApp<Exchange>({
    context(req, res) {
      const url = new URL(req.url, ctx.baseUrl);
      const exchange: Exchange = { ctx, req, res, url, params: [], body: '' };
      res.on('finish', () => {
        if (!unhandledRequests.has(req)) {
          ctx.requests.push({
            method: req.method,
            path: url.pathname,
            status: res.statusCode,
            unhandled: false,
            graphql: graphqlRequests.get(req),
            ...(exchange.credential && { credential: exchange.credential }),
          });
        }
      });
      return exchange;
    },
    before: [
      async (x, next) => {
        // Git's packs stream to git http-backend as they come.
        if (!GIT_PATH.test(x.url.pathname)) {
          x.body = await readBody(x.req).catch(() => '');
        }
        next();
      },
      apiChecks,
    ],
    routes,
    unhandled,
    internalError: error =>
      new HttpError(
        500,
        {
          message: `fake GitHub failed: ${error}`,
          documentation_url: DOCS,
          status: '500',
        },
        JSON_MEDIA_TYPE,
      ),
  });
  const server = http.createServer(app);
  const actual = await listenOnLoopback(server, port);
  ctx.baseUrl = `http://${hostname}:${actual}`;
  return server;
}
