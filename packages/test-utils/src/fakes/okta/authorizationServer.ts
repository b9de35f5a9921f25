/*
 * Okta's authorization servers as upstream's Okta sign-in calls them
 * (`passport-okta-oauth`): the org's at `/oauth2/v1/...` and custom ones at
 * `/oauth2/<id>/v1/...`, with `authorize` (a sign-in page a browser fills
 * in), `token` (client authentication in the `Basic:` form that strategy
 * sends, codes and refresh tokens) and `userinfo` (GET or POST, Bearer);
 * and each one's OpenID discovery document, the org's at
 * `/.well-known/openid-configuration`, a custom one's at
 * `/oauth2/<id>/.well-known/openid-configuration`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  escapeHtml,
  HttpError,
  redirect,
  Route,
  sendHtml,
  sendJson,
} from '../http';
import { TokenSigner } from '../microsoft/tokens';
import { AuthorizationCodes, clientCredentials } from '../oauth';
import { Exchange, OktaAppIntegration, OktaOrg } from './model';

/** What an authorization code stands for. */
interface Grant {
  userId: string;
  scope: string;
  nonce?: string;
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

/** The routes of the authorization servers, for one app integration. */
export function authorizationServerRoutes(
  org: OktaOrg,
  app: OktaAppIntegration,
): Route<Exchange>[] {
  const signer = new TokenSigner();
  const codes = new AuthorizationCodes<Grant>(60_000);
  const refreshTokens = new Map<string, Grant>();
  /** Authorization requests waiting for their sign-in form, by transaction id. */
  const pending = new Map<string, URLSearchParams>();
  const issuer = (server: string | undefined) =>
    server ? `${org.origin()}/oauth2/${server}` : org.origin();

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
    const user = org.users().find(u => u.id === grant.userId)!;
    const claims = {
      iss: issuer(server),
      sub: user.id,
      uid: user.id,
      cid: app.clientId,
    };
    const accessToken = signer.sign({
      ...claims,
      ver: 1,
      jti: `AT.${randomUUID()}`,
      aud: server ? 'api://default' : org.origin(),
      scp: grant.scope.split(' '),
    });
    const idToken = signer.sign({
      ...claims,
      ver: 1,
      aud: app.clientId,
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

  /** Okta's provider configuration of an authorization server, as far as a client reads it. */
  function discovery(server: string | undefined) {
    const endpoints = server
      ? `${org.origin()}/oauth2/${server}/v1`
      : `${org.origin()}/oauth2/v1`;
    return {
      issuer: issuer(server),
      authorization_endpoint: `${endpoints}/authorize`,
      token_endpoint: `${endpoints}/token`,
      userinfo_endpoint: `${endpoints}/userinfo`,
      jwks_uri: `${endpoints}/keys`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      token_endpoint_auth_methods_supported: [
        'client_secret_basic',
        'client_secret_post',
      ],
    };
  }

  return [
    {
      method: 'GET',
      path: /^(?:\/oauth2\/([A-Za-z0-9]+))?\/\.well-known\/openid-configuration$/,
      handle(x, [server]) {
        sendJson(x.res, 200, discovery(server || undefined));
      },
    },
    {
      method: 'GET',
      path: new RegExp(`^${AS}/authorize$`),
      handle(x) {
        const q = x.url.searchParams;
        if (q.get('client_id') !== app.clientId) {
          throw oauthError(
            400,
            'invalid_client',
            'Invalid value for client_id parameter.',
          );
        }
        if (!app.redirectUris.includes(q.get('redirect_uri') ?? '')) {
          org.unexpected.push(
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
        const user = org
          .users()
          .find(
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
          client.clientId !== app.clientId ||
          client.clientSecret !== app.clientSecret
        ) {
          org.unexpected.push('token: client authentication failed');
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
            org.unexpected.push(`token: code refused (${redeemed.refusal})`);
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
          const user = org.users().find(u => u.id === claims?.sub);
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
  ];
}
