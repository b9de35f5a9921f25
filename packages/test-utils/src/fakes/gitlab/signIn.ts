/*
 * GitLab as an OAuth 2 provider, as Backstage's `gitlabAuthenticator`
 * (passport-gitlab2 on passport-oauth2) uses it: the authorize endpoint
 * with GitLab's web sign-in form and consent page, and the token endpoint
 * (authorization_code and refresh_token grants). GitLab runs Doorkeeper;
 * the error codes and texts are Doorkeeper's.
 */
import { randomBytes, timingSafeEqual } from 'crypto';
import { GitLabRoute, RequestContext, bodyFields } from './http';
import { escapeHtml, HttpError, redirect, sendHtml, sendJson } from '../http';
import { clientCredentials } from '../oauth';
import { GitLabState } from './model';
import { ACCESS_TOKEN_TTL_S, TokenStore } from './tokens';

/** An OAuth application registered on the instance (Admin > Applications). */
export interface FakeGitLabApplication {
  /** Shown on the consent page; defaults to `Backstage`. */
  name?: string;
  clientId: string;
  clientSecret: string;
  /** Exact callback URLs, as GitLab compares them. */
  redirectUris: string[];
  /** Scopes the application may request; defaults to those the gitlab preset documents. */
  scopes?: string[];
}

/** A 1x1 transparent PNG. */
const FAVICON_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

const DEFAULT_APP_SCOPES = ['read_user', 'openid', 'profile', 'email'];
const SESSION_COOKIE = '_gitlab_session';

interface Session {
  userId?: number;
  csrf: string;
  /** Where to go back after signing in (the authorize URL). */
  returnTo?: string;
}

/** The validated parameters of an authorization request. */
interface AuthorizeRequest {
  app: FakeGitLabApplication;
  redirectUri: string;
  scopes: string[];
  state: string | undefined;
}

function token(): string {
  return randomBytes(24).toString('base64url');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(
    title,
  )} · GitLab</title></head>
<body><main class="gl-mx-auto">${body}</main></body></html>`;
}

/** Doorkeeper's page for a request it cannot redirect back (unknown client, wrong redirect URI). */
function errorPage(error: string, description: string): string {
  return page(
    'An error has occurred',
    `<h1>An error has occurred</h1>
<div data-testid="oauth-error"><p>${escapeHtml(
      description,
    )}</p><code>${escapeHtml(error)}</code></div>`,
  );
}

function hiddenFields(fields: Record<string, string | undefined>): string {
  return Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(
      ([k, v]) =>
        `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(
          v!,
        )}">`,
    )
    .join('\n');
}

function signInPage(csrf: string, error?: string): string {
  return page(
    'Sign in',
    `${
      error
        ? `<div class="flash-alert" data-testid="alert-danger">${escapeHtml(
            error,
          )}</div>`
        : ''
    }
<form action="/users/sign_in" method="post" id="new_user" class="gl-show-field-errors">
${hiddenFields({ authenticity_token: csrf })}
<label for="user_login">Username or primary email</label>
<input type="text" name="user[login]" id="user_login" autocomplete="username" required>
<label for="user_password">Password</label>
<input type="password" name="user[password]" id="user_password" autocomplete="current-password" required>
<button type="submit" data-testid="sign-in-button">Sign in</button>
</form>`,
  );
}

function consentPage(
  request: AuthorizeRequest,
  username: string,
  csrf: string,
): string {
  const fields = hiddenFields({
    authenticity_token: csrf,
    client_id: request.app.clientId,
    redirect_uri: request.redirectUri,
    state: request.state,
    response_type: 'code',
    scope: request.scopes.join(' '),
  });
  const appName = escapeHtml(request.app.name ?? 'Backstage');
  return page(
    'Authorize application',
    `<h1>Authorize ${appName} to use your account?</h1>
<p>An application called ${appName} is requesting access to your GitLab account (${escapeHtml(
      username,
    )}).</p>
<ul>${request.scopes.map(s => `<li>${escapeHtml(s)}</li>`).join('')}</ul>
<form action="/oauth/authorize" method="post">${fields}
<button type="submit" data-testid="authorization-button">Authorize</button></form>
<form action="/oauth/authorize" method="post">${fields}
<input type="hidden" name="_method" value="delete">
<button type="submit" data-testid="deny-button">Deny</button></form>`,
  );
}

/** Client credentials from the body or HTTP Basic, as Doorkeeper accepts both. */
const INVALID_CLIENT = {
  error: 'invalid_client',
  error_description:
    'Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.',
};

/** Dependencies of the sign-in routes. */
export interface SignInDeps {
  state: GitLabState;
  tokens: TokenStore;
  applications: FakeGitLabApplication[];
}

/** The OAuth and web sign-in routes. */
export function signInRoutes({
  state,
  tokens,
  applications,
}: SignInDeps): GitLabRoute[] {
  const sessions = new Map<string, Session>();

  /** The browser's session, created on first sight with a cookie. */
  function sessionOf(ctx: RequestContext): Session {
    const sid = /(?:^|;\s*)_gitlab_session=([^;]+)/.exec(
      ctx.req.headers.cookie ?? '',
    )?.[1];
    const existing = sid ? sessions.get(sid) : undefined;
    if (existing) return existing;
    const id = token();
    const session: Session = { csrf: token() };
    sessions.set(id, session);
    ctx.res.setHeader(
      'set-cookie',
      `${SESSION_COOKIE}=${id}; path=/; HttpOnly; SameSite=Lax`,
    );
    return session;
  }

  function checkCsrf(session: Session, fields: Record<string, string>) {
    if (!sameSecret(fields.authenticity_token ?? '', session.csrf)) {
      throw new HttpError(
        422,
        page('Rejected', '<h1>The change you requested was rejected.</h1>'),
        { 'content-type': 'text/html; charset=utf-8' },
      );
    }
  }

  /** Redirects an error back to the client, which Doorkeeper does once client and redirect URI are valid. */
  function redirectError(
    ctx: RequestContext,
    request: { redirectUri: string; state?: string },
    error: string,
    description: string,
  ) {
    const target = new URL(request.redirectUri);
    target.searchParams.set('error', error);
    target.searchParams.set('error_description', description);
    if (request.state !== undefined)
      target.searchParams.set('state', request.state);
    redirect(ctx.res, target.toString());
  }

  /**
   * Validates an authorization request; answers (an error page or an error
   * redirect) and returns undefined when it is invalid.
   */
  function validateAuthorize(
    ctx: RequestContext,
    params: Record<string, string | undefined>,
  ): AuthorizeRequest | undefined {
    const app = applications.find(a => a.clientId === params.client_id);
    if (!app) {
      sendHtml(
        ctx.res,
        401,
        errorPage(INVALID_CLIENT.error, INVALID_CLIENT.error_description),
      );
      return undefined;
    }
    const redirectUri = params.redirect_uri ?? '';
    if (!app.redirectUris.includes(redirectUri)) {
      sendHtml(
        ctx.res,
        400,
        errorPage(
          'invalid_redirect_uri',
          'The redirect URI included is not valid.',
        ),
      );
      return undefined;
    }
    const request = { redirectUri, state: params.state };
    if (params.response_type !== 'code') {
      redirectError(
        ctx,
        request,
        'unsupported_response_type',
        'The authorization server does not support this response type.',
      );
      return undefined;
    }
    const scopes = (params.scope ?? '').split(' ').filter(Boolean);
    const allowed = app.scopes ?? DEFAULT_APP_SCOPES;
    if (scopes.length === 0 || scopes.some(s => !allowed.includes(s))) {
      redirectError(
        ctx,
        request,
        'invalid_scope',
        'The requested scope is invalid, unknown, or malformed.',
      );
      return undefined;
    }
    return { app, redirectUri, scopes, state: params.state };
  }

  async function tokenGrant(ctx: RequestContext) {
    const fields = bodyFields(ctx.req, await ctx.body());
    const { clientId, clientSecret } = clientCredentials(
      ctx.req,
      new Map(Object.entries(fields)),
    );
    const app = applications.find(a => a.clientId === clientId);
    if (!app || !sameSecret(clientSecret ?? '', app.clientSecret)) {
      throw new HttpError(401, INVALID_CLIENT);
    }
    let issued;
    if (fields.grant_type === 'authorization_code') {
      issued = tokens.redeemCode(
        fields.code ?? '',
        app.clientId,
        fields.redirect_uri ?? '',
      );
    } else if (fields.grant_type === 'refresh_token') {
      issued = tokens.refresh(fields.refresh_token ?? '', app.clientId);
    } else {
      throw new HttpError(400, {
        error: 'unsupported_grant_type',
        error_description:
          'The authorization grant type is not supported by the authorization server.',
      });
    }
    sendJson(
      ctx.res,
      200,
      {
        access_token: issued.accessToken,
        token_type: 'Bearer',
        expires_in: ACCESS_TOKEN_TTL_S,
        refresh_token: issued.refreshToken,
        scope: issued.scopes.join(' '),
        created_at: Math.floor(Date.now() / 1000),
      },
      { 'cache-control': 'no-store', pragma: 'no-cache' },
    );
  }

  return [
    {
      method: 'GET',
      path: /^\/oauth\/authorize$/,
      handle(ctx) {
        const params = Object.fromEntries(ctx.url.searchParams);
        const request = validateAuthorize(ctx, params);
        if (!request) return;
        const session = sessionOf(ctx);
        const user =
          session.userId !== undefined
            ? state.userById(session.userId)
            : undefined;
        if (!user) {
          session.returnTo = `${ctx.url.pathname}${ctx.url.search}`;
          redirect(ctx.res, `${ctx.baseUrl}/users/sign_in`);
          return;
        }
        sendHtml(
          ctx.res,
          200,
          consentPage(request, user.username, session.csrf),
        );
      },
    },
    {
      method: 'POST',
      path: /^\/oauth\/authorize$/,
      async handle(ctx) {
        const fields = bodyFields(ctx.req, await ctx.body());
        const session = sessionOf(ctx);
        checkCsrf(session, fields);
        const request = validateAuthorize(ctx, fields);
        if (!request) return;
        const user =
          session.userId !== undefined
            ? state.userById(session.userId)
            : undefined;
        if (!user) {
          redirect(ctx.res, `${ctx.baseUrl}/users/sign_in`);
          return;
        }
        if (fields._method === 'delete') {
          redirectError(
            ctx,
            request,
            'access_denied',
            'The resource owner or authorization server denied the request.',
          );
          return;
        }
        const target = new URL(request.redirectUri);
        target.searchParams.set(
          'code',
          tokens.issueCode({
            clientId: request.app.clientId,
            redirectUri: request.redirectUri,
            userId: user.id,
            scopes: request.scopes,
          }),
        );
        if (request.state !== undefined)
          target.searchParams.set('state', request.state);
        redirect(ctx.res, target.toString());
      },
    },
    {
      method: 'GET',
      path: /^\/users\/sign_in$/,
      handle(ctx) {
        sendHtml(ctx.res, 200, signInPage(sessionOf(ctx).csrf));
      },
    },
    {
      method: 'POST',
      path: /^\/users\/sign_in$/,
      async handle(ctx) {
        const fields = bodyFields(ctx.req, await ctx.body());
        const session = sessionOf(ctx);
        checkCsrf(session, fields);
        const user = state.userByLogin(fields['user[login]'] ?? '');
        const valid =
          user?.password !== undefined &&
          sameSecret(fields['user[password]'] ?? '', user.password) &&
          (user.state ?? 'active') === 'active';
        if (!valid) {
          sendHtml(
            ctx.res,
            200,
            signInPage(session.csrf, 'Invalid login or password.'),
          );
          return;
        }
        session.userId = user!.id;
        const returnTo = session.returnTo ?? '/';
        session.returnTo = undefined;
        redirect(ctx.res, `${ctx.baseUrl}${returnTo}`);
      },
    },
    { method: 'POST', path: /^\/oauth\/token$/, handle: tokenGrant },
    {
      // Browsers ask every page's origin for it; GitLab serves one.
      method: 'GET',
      path: /^\/favicon\.ico$/,
      handle(ctx) {
        ctx.res.writeHead(200, { 'content-type': 'image/png' });
        ctx.res.end(FAVICON_PNG);
      },
    },
  ];
}
