/*
 * The Entra ID authority: the tenant's authorize page (a sign-in form), its
 * token endpoint, its OpenID metadata and keys, and the public instance
 * discovery that MSAL asks at login.microsoftonline.com before trusting an
 * authority host it does not know.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { EntraDirectory, EntraUser } from './directory';
import { escapeHtml } from '../http';
import {
  Exchange,
  FakeRequest,
  Handler,
  MicrosoftRoute,
  redirect,
  route,
  sendHtml,
  sendJson,
} from './http';
import { GRAPH_APP_ID, TokenSigner } from './tokens';
import { AuthorizationCodes, clientCredentials } from '../oauth';

/** The public host MSAL sends instance discovery to, whatever the authority. */
export const PUBLIC_AUTHORITY_HOST = 'login.microsoftonline.com';
const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'];
/** The delegated Graph permissions the app registration has. */
const GRAPH_DELEGATED = ['User.Read'];
/** The application permissions org sync needs (granted by an admin). */
const GRAPH_APPLICATION = ['User.Read.All', 'GroupMember.Read.All'];
const CODE_TTL_MS = 10 * 60_000;

/** The app registration the portal signs in with. */
export interface AppRegistration {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

interface AuthorizeRequest {
  clientId: string;
  redirectUri: string;
  state?: string;
  nonce?: string;
  scopes: string[];
}

interface Grant {
  userId: string;
  clientId: string;
  scopes: string[];
}

/** Options of {@link createAuthority}. */
export interface AuthorityOptions {
  tenantId: string;
  app: AppRegistration;
  signer: TokenSigner;
  /** `https://127.0.0.1:<port>`: where the authority and Graph are served. */
  origin: () => string;
  /** Resource ids whose `/.default` scope is a token for the fake's Graph. */
  graphResources: () => string[];
  directory: () => EntraDirectory;
}

/** Entra's error JSON, e.g. `AADSTS7000215: Invalid client secret provided.` */
function aadError(
  res: ServerResponse,
  status: number,
  error: string,
  code: number,
  description: string,
): true {
  return sendJson(res, status, {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${randomUUID()} Correlation ID: ${randomUUID()} Timestamp: ${new Date().toISOString()}`,
    error_codes: [code],
    timestamp: new Date().toISOString(),
    trace_id: randomUUID(),
    correlation_id: randomUUID(),
    error_uri: `https://${PUBLIC_AUTHORITY_HOST}/error?code=${code}`,
  });
}

/** Entra's answer to an authorization code or refresh token it does not honour (any more). */
function invalidGrant(res: ServerResponse): true {
  return aadError(
    res,
    400,
    'invalid_grant',
    70000,
    'The provided authorization code or refresh token has expired, was already redeemed or is not valid.',
  );
}

/** The error page Entra shows instead of redirecting, when the redirect itself is not trusted. */
function errorPage(res: ServerResponse, code: number, message: string): true {
  return sendHtml(
    res,
    400,
    `<!DOCTYPE html><html><head><title>Sign in to your account</title><link rel="icon" href="data:,"></head><body>
<h1>Sorry, but we're having trouble signing you in.</h1>
<p id="errorMessage">AADSTS${code}: ${escapeHtml(message)}</p></body></html>`,
  );
}

/**
 * Normalizes requested scopes the way Entra grants them: OpenID scopes as
 * they are, Graph permissions by name (`user.read` or
 * `https://graph.microsoft.com/User.Read`); undefined for a scope of some
 * other resource, which this tenant does not have.
 */
function grantableScopes(
  requested: string,
  graphResources: string[],
): string[] | undefined {
  const granted = new Set<string>();
  for (const scope of requested.split(' ').filter(Boolean)) {
    const lower = scope.toLowerCase();
    const resource = graphResources.find(r =>
      lower.startsWith(`${r.toLowerCase()}/`),
    );
    const name = resource ? lower.slice(resource.length + 1) : lower;
    const graph = GRAPH_DELEGATED.find(p => p.toLowerCase() === name);
    if (OIDC_SCOPES.includes(name)) {
      granted.add(name);
    } else if (graph) {
      granted.add(graph);
    } else {
      return undefined;
    }
  }
  return [...granted];
}

function signInPage(
  tenantId: string,
  ctx: string,
  values: { login?: string; error?: string } = {},
): string {
  return `<!DOCTYPE html><html><head><title>Sign in to your account</title><link rel="icon" href="data:,"></head><body>
<form method="post" action="/${encodeURIComponent(tenantId)}/login">
  <div role="heading">Sign in</div>
  <input type="hidden" name="ctx" value="${escapeHtml(ctx)}">
  <input type="email" name="loginfmt" placeholder="Email, phone, or Skype" value="${escapeHtml(
    values.login ?? '',
  )}">
  <input type="password" name="passwd" placeholder="Password">
  ${
    values.error
      ? `<div id="passwordError" role="alert">${escapeHtml(values.error)}</div>`
      : ''
  }
  <input type="submit" id="idSIButton9" value="Sign in">
</form></body></html>`;
}

/** The authority's handlers: the public discovery, and the tenant's own endpoints in the order they are tried. */
export function createAuthority(
  options: AuthorityOptions,
): (unhandled: (x: Exchange) => void) => MicrosoftRoute[] {
  const { tenantId, app, signer } = options;
  const pending = new Map<string, AuthorizeRequest>();
  const codes = new AuthorizationCodes<Grant & { nonce?: string }>(CODE_TTL_MS);
  const refreshTokens = new Map<string, Grant>();
  const tenantPath = `/${tenantId}`;
  const issuer = () => `${options.origin()}/${tenantId}/v2.0`;
  const metadataUrl = () =>
    `${options.origin()}/${tenantId}/v2.0/.well-known/openid-configuration`;

  const findUser = (id: string) =>
    options.directory().users.find(u => u.id === id);

  function tokensFor(grant: Grant, user: EntraUser, nonce?: string) {
    const graphScopes = grant.scopes.filter(s => GRAPH_DELEGATED.includes(s));
    const scope = [
      ...graphScopes,
      ...grant.scopes.filter(
        s => s !== 'offline_access' && !graphScopes.includes(s),
      ),
    ].join(' ');
    const common = { tid: tenantId, oid: user.id, name: user.displayName };
    const response: Record<string, unknown> = {
      token_type: 'Bearer',
      scope,
      expires_in: 3599,
      ext_expires_in: 3599,
      access_token: signer.sign({
        ...common,
        aud: GRAPH_APP_ID,
        iss: `https://sts.windows.net/${tenantId}/`,
        appid: grant.clientId,
        scp: scope,
        upn: user.userPrincipalName,
      }),
    };
    if (grant.scopes.includes('offline_access')) {
      const refreshToken = randomBytes(32).toString('base64url');
      refreshTokens.set(refreshToken, grant);
      response.refresh_token = refreshToken;
    }
    if (grant.scopes.includes('openid')) {
      response.id_token = signer.sign({
        ...common,
        ver: '2.0',
        iss: issuer(),
        aud: grant.clientId,
        sub: createHash('sha256')
          .update(`${grant.clientId}:${user.id}`)
          .digest('base64url'),
        preferred_username: user.userPrincipalName,
        ...(grant.scopes.includes('email') &&
          user.mail && { email: user.mail }),
        ...(nonce && { nonce }),
      });
    }
    return response;
  }

  const instanceDiscovery: Handler = (req, res) => {
    if (req.url.searchParams.get('api-version') !== '1.1') {
      return false;
    }
    const endpoint = req.url.searchParams.get('authorization_endpoint') ?? '';
    const origin = options.origin();
    if (!endpoint.startsWith(`${origin}/`)) {
      return aadError(
        res,
        400,
        'invalid_instance',
        50049,
        'Unknown or invalid instance.',
      );
    }
    const host = new URL(origin).host;
    return sendJson(res, 200, {
      tenant_discovery_endpoint: metadataUrl(),
      'api-version': '1.1',
      metadata: [
        {
          preferred_network: PUBLIC_AUTHORITY_HOST,
          preferred_cache: 'login.windows.net',
          aliases: [
            PUBLIC_AUTHORITY_HOST,
            'login.windows.net',
            'login.microsoft.com',
            'sts.windows.net',
          ],
        },
        { preferred_network: host, preferred_cache: host, aliases: [host] },
      ],
    });
  };

  const openIdConfiguration: Handler = (_req, res) => {
    const base = `${options.origin()}/${tenantId}`;
    return sendJson(res, 200, {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: [
        'client_secret_post',
        'private_key_jwt',
        'client_secret_basic',
      ],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: [
        'code',
        'id_token',
        'code id_token',
        'id_token token',
      ],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: issuer(),
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${options.origin()}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: [
        'sub',
        'iss',
        'aud',
        'exp',
        'iat',
        'nonce',
        'name',
        'preferred_username',
        'oid',
        'tid',
        'email',
      ],
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: new URL(options.origin()).host,
    });
  };

  const keys: Handler = (_req, res) => sendJson(res, 200, signer.jwks());

  const authorize: Handler = (req, res) => {
    const q = req.url.searchParams;
    if (req.url.pathname !== `${tenantPath}/oauth2/v2.0/authorize`) {
      return errorPage(
        res,
        90002,
        `Tenant '${
          req.url.pathname.split('/')[1]
        }' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      );
    }
    if (q.get('client_id') !== app.clientId) {
      return errorPage(
        res,
        700016,
        `Application with identifier '${q.get(
          'client_id',
        )}' was not found in the directory.`,
      );
    }
    const redirectUri = q.get('redirect_uri') ?? '';
    if (!app.redirectUris.includes(redirectUri)) {
      return errorPage(
        res,
        50011,
        `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${app.clientId}'.`,
      );
    }
    const back = new URL(redirectUri);
    const state = q.get('state') ?? undefined;
    const fail = (error: string, description: string) => {
      back.searchParams.set('error', error);
      back.searchParams.set('error_description', description);
      if (state) back.searchParams.set('state', state);
      return redirect(res, back.toString());
    };
    if (q.get('response_type') !== 'code') {
      return fail(
        'unsupported_response_type',
        'AADSTS700054: response_type is not enabled for the application.',
      );
    }
    const scopes = grantableScopes(
      q.get('scope') ?? '',
      options.graphResources(),
    );
    if (!scopes) {
      return fail(
        'invalid_scope',
        `AADSTS70011: The provided value for the input parameter 'scope' is not valid.`,
      );
    }
    const ctx = randomBytes(16).toString('base64url');
    pending.set(ctx, {
      clientId: app.clientId,
      redirectUri,
      state,
      nonce: q.get('nonce') ?? undefined,
      scopes,
    });
    return sendHtml(
      res,
      200,
      signInPage(tenantId, ctx, { login: q.get('login_hint') ?? '' }),
    );
  };

  const login: Handler = (req, res) => {
    const ctx = req.form.get('ctx') ?? '';
    const request = pending.get(ctx);
    if (!request) {
      return errorPage(
        res,
        90014,
        'The request is missing its sign-in context; start the sign-in again.',
      );
    }
    const loginName = (req.form.get('loginfmt') ?? '').toLowerCase();
    // The form again, as Entra shows it: the login as typed, and why it failed.
    const formAgain = (error: string) =>
      sendHtml(
        res,
        200,
        signInPage(tenantId, ctx, { login: loginName, error }),
      );
    const user = options
      .directory()
      .users.find(
        u =>
          u.userPrincipalName.toLowerCase() === loginName ||
          u.mail?.toLowerCase() === loginName,
      );
    if (!user || user.password !== req.form.get('passwd')) {
      return formAgain(
        "Your account or password is incorrect. If you don't remember your password, reset it now.",
      );
    }
    if (user.accountEnabled === false) {
      return formAgain(
        'Your account has been locked. Contact your support person to unlock it, then try again.',
      );
    }
    pending.delete(ctx);
    const code = codes.issue(
      {
        userId: user.id,
        clientId: request.clientId,
        scopes: request.scopes,
        nonce: request.nonce,
      },
      { clientId: request.clientId, redirectUri: request.redirectUri },
    );
    const back = new URL(request.redirectUri);
    back.searchParams.set('code', code);
    if (request.state) back.searchParams.set('state', request.state);
    back.searchParams.set('session_state', randomUUID());
    return redirect(res, back.toString());
  };

  function redeemCode(req: FakeRequest, res: ServerResponse): true {
    const redeemed = codes.redeem(req.form.get('code') ?? '', {
      clientId: app.clientId,
      // A missing redirect_uri does not match either.
      redirectUri: req.form.get('redirect_uri') ?? '',
    });
    if (redeemed.refusal && redeemed.refusal !== 'redirect_uri') {
      return invalidGrant(res);
    }
    if (redeemed.refusal) {
      return aadError(
        res,
        400,
        'invalid_grant',
        500112,
        'The reply address does not match the reply address provided when requesting Authorization code.',
      );
    }
    const code = redeemed.grant;
    const user = findUser(code.userId);
    if (!user) {
      return aadError(
        res,
        400,
        'invalid_grant',
        50034,
        'The user account does not exist in the directory.',
      );
    }
    return sendJson(res, 200, tokensFor(code, user, code.nonce));
  }

  function redeemRefreshToken(req: FakeRequest, res: ServerResponse): true {
    const token = req.form.get('refresh_token') ?? '';
    const grant = refreshTokens.get(token);
    const user = grant && findUser(grant.userId);
    if (!grant || !user || user.accountEnabled === false) {
      return invalidGrant(res);
    }
    refreshTokens.delete(token);
    const requested = req.form.get('scope');
    const scopes = requested
      ? grantableScopes(requested, options.graphResources())
      : grant.scopes;
    if (!scopes) {
      return aadError(
        res,
        400,
        'invalid_scope',
        70011,
        `The provided value for the input parameter 'scope' is not valid.`,
      );
    }
    return sendJson(
      res,
      200,
      tokensFor(
        { ...grant, scopes: [...new Set([...scopes, 'offline_access'])] },
        user,
      ),
    );
  }

  function clientCredentialsGrant(req: FakeRequest, res: ServerResponse): true {
    const scope = req.form.get('scope') ?? '';
    const resource = options
      .graphResources()
      .find(r => scope.split(' ').includes(`${r}/.default`));
    if (!resource) {
      return aadError(
        res,
        400,
        'invalid_resource',
        500011,
        `The resource principal named ${scope.replace(
          /\/\.default$/,
          '',
        )} was not found in the tenant named ${tenantId}.`,
      );
    }
    return sendJson(res, 200, {
      token_type: 'Bearer',
      expires_in: 3599,
      ext_expires_in: 3599,
      access_token: signer.sign({
        aud: GRAPH_APP_ID,
        iss: `https://sts.windows.net/${tenantId}/`,
        tid: tenantId,
        appid: app.clientId,
        idtyp: 'app',
        roles: GRAPH_APPLICATION,
      }),
    });
  }

  const token: Handler = (req, res) => {
    if (req.url.pathname !== `${tenantPath}/oauth2/v2.0/token`) {
      return aadError(
        res,
        400,
        'invalid_request',
        90002,
        `Tenant '${req.url.pathname.split('/')[1]}' not found.`,
      );
    }
    const client = clientCredentials(req.raw, req.form);
    if (client.clientId !== app.clientId) {
      return aadError(
        res,
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${client.clientId}' was not found in the directory '${tenantId}'.`,
      );
    }
    if (client.clientSecret !== app.clientSecret) {
      return aadError(
        res,
        401,
        'invalid_client',
        7000215,
        'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
      );
    }
    switch (req.form.get('grant_type')) {
      case 'authorization_code':
        return redeemCode(req, res);
      case 'refresh_token':
        return redeemRefreshToken(req, res);
      case 'client_credentials':
        return clientCredentialsGrant(req, res);
      default:
        return aadError(
          res,
          400,
          'unsupported_grant_type',
          70003,
          'The app requested an unsupported grant type.',
        );
    }
  };

  const tenant = tenantId.replace(/[^\w-]/g, '\\$&');
  return (unhandled: (x: Exchange) => void) => [
    route(
      'GET',
      /^\/common\/discovery\/instance$/,
      instanceDiscovery,
      unhandled,
    ),
    route(
      'GET',
      new RegExp(`^/${tenant}/v2\\.0/\\.well-known/openid-configuration$`),
      openIdConfiguration,
      unhandled,
    ),
    route(
      'GET',
      new RegExp(`^/${tenant}/discovery/v2\\.0/keys$`),
      keys,
      unhandled,
    ),
    // Any tenant: a wrong one gets Entra's error page.
    route('GET', /\/oauth2\/v2\.0\/authorize$/, authorize, unhandled),
    route('POST', new RegExp(`^/${tenant}/login$`), login, unhandled),
    route('POST', /\/oauth2\/v2\.0\/token$/, token, unhandled),
  ];
}
