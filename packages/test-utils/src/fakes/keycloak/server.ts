/*
 * The HTTP side of the fake Keycloak, in this process, on the shared fake
 * toolkit (../http.ts). One origin serves:
 * - the OIDC provider of each realm at /realms/<realm> (oidc-provider with
 *   Keycloak's paths: /protocol/openid-connect/{auth,token,userinfo,certs,
 *   logout,revoke,token/introspect}) and a Keycloak-like login form at
 *   /realms/<realm>/login-actions/authenticate/<uid>;
 * - the client_credentials grant at /realms/<loginRealm>/protocol/openid-connect/token
 *   (the token keycloak-admin-client asks for);
 * - the read side of the Keycloak admin REST API that
 *   @backstage-community/plugin-catalog-backend-module-keycloak calls, under
 *   /admin/realms/<realm>/... and /admin/serverinfo;
 * - a control endpoint, /__control, for tests (GET: the state, with the most
 *   admin API requests that were in flight at once).
 */
import { setTimeout as delay } from 'node:timers/promises';
import crypto from 'crypto';
import http from 'http';
import type express from 'express';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import {
  HttpError,
  Route,
  escapeHtml,
  fakeApp,
  listenOnLoopback,
  readBody,
  sendHtml,
  sendJson,
} from '../http';
import {
  ConfigError,
  FakeKeycloakRequest,
  GroupNode,
  GroupTree,
  SERVICE_ACCOUNT_ROLES,
  ServerConfig,
  StoredUser,
  SubGroupsOf,
  buildGroups,
  buildUsers,
  groupRep,
  sortBy,
  userRep,
} from './model';

const MAX_LOGGED_REQUESTS = 2000;
/** How long each admin API request takes, so requests sent at once overlap. */
const ADMIN_RESPONSE_DELAY_MS = 20;
/**
 * The realm-management roles that let a service account read each admin
 * list (`view-users` is a composite holding the two query roles).
 */
const ROLES_READING: Record<'users' | 'groups', string[]> = {
  users: ['view-users', 'query-users'],
  groups: ['view-users', 'query-groups'],
};

/** What the fake holds at run time, changed through /__control. */
interface ServerState {
  fail: boolean;
  /** The realm-management roles of the client's service account. */
  serviceAccountRoles: string[];
  groups: GroupTree;
  users: StoredUser[];
  requests: FakeKeycloakRequest[];
  /** Admin API requests being answered now, and the most at once: how a client's concurrency limit shows. */
  adminInFlight: number;
  adminPeakInFlight: number;
}

/** One realm's OIDC provider, mounted at its issuer's path. */
interface Realm {
  realmName: string;
  issuer: string;
  provider: Provider;
  callback: ReturnType<Provider['callback']>;
  loginPath: string;
}

/** What a route of the fake gets. */
interface Exchange {
  req: express.Request;
  res: express.Response;
  url: URL;
}

/** A running fake Keycloak server. */
export interface KeycloakServer {
  server: http.Server;
  port: number;
  /** What went wrong inside the server (oidc-provider's server errors, failed handlers). */
  log(): string;
}

const sendKeycloakJson = (res: http.ServerResponse, body: unknown) =>
  sendJson(res, 200, body, { 'cache-control': 'no-store' });

const sendPage = (res: http.ServerResponse, status: number, html: string) =>
  sendHtml(res, status, html, {
    'cache-control': 'no-store, must-revalidate, max-age=0',
  });

/** Keycloak's paging: `first` and `max`, with a per-endpoint default for `max` (-1: none). */
function page<T>(list: T[], query: URLSearchParams, defaultMax: number): T[] {
  const first = intParam(query, 'first', 0);
  const max = intParam(query, 'max', defaultMax);
  const start = first < 0 ? 0 : first;
  return max < 0 ? list.slice(start) : list.slice(start, start + max);
}

function intParam(query: URLSearchParams, name: string, fallback: number) {
  const value = query.get(name);
  if (value === null || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n))
    throw new HttpError(400, { error: `invalid value for ${name}` });
  return n;
}

function boolParam(
  query: URLSearchParams,
  name: string,
  fallback?: boolean,
): boolean | undefined {
  const value = query.get(name);
  if (value === null || value === '') return fallback;
  return value === 'true';
}

function htmlPage(title: string, body: string) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(
    title,
  )}</title></head>
<body id="keycloak-bg"><div id="kc-content">${body}</div></body></html>`;
}

function loginPage(
  realmName: string,
  action: string,
  { username = '', error }: { username?: string; error?: string } = {},
) {
  return htmlPage(
    `Sign in to ${realmName}`,
    `<h1 id="kc-page-title">Sign in to your account</h1>
${
  error
    ? `<div id="input-error" class="alert-error" role="alert" aria-live="polite">${escapeHtml(
        error,
      )}</div>`
    : ''
}
<form id="kc-form-login" action="${escapeHtml(action)}" method="post">
  <div><label for="username">Username or email</label>
  <input id="username" name="username" type="text" value="${escapeHtml(
    username,
  )}" autofocus autocomplete="username"></div>
  <div><label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password"></div>
  <input type="hidden" id="id-hidden-input" name="credentialId">
  <button id="kc-login" name="login" type="submit">Sign In</button>
</form>`,
  );
}

/** Starts the fake Keycloak on 127.0.0.1 (a free port unless `port` is given). */
export async function startKeycloakServer(
  config: ServerConfig,
  port = 0,
): Promise<KeycloakServer> {
  const state: ServerState = {
    fail: false,
    serviceAccountRoles: [...SERVICE_ACCOUNT_ROLES],
    groups: config.groups,
    users: config.users,
    requests: [],
    adminInFlight: 0,
    adminPeakInFlight: 0,
  };
  let log = '';
  const note = (text: string) => {
    log += `fake-keycloak: ${text}\n`;
  };

  const signingKey = {
    ...crypto
      .generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ format: 'jwk' }),
    kid: crypto.randomUUID(),
    alg: 'RS256',
    use: 'sig',
  };
  const cookieKey = crypto.randomBytes(32).toString('hex');

  const findUserById = (id: string) => state.users.find(u => u.id === id);
  const findUserForLogin = (login: string) => {
    const l = login.trim().toLowerCase();
    if (!l) return undefined;
    return (
      state.users.find(u => u.username === l) ??
      state.users.find(u => u.email === l)
    );
  };

  // The issuers name the port, so the server listens before the realms exist.
  const server = http.createServer();
  server.keepAliveTimeout = 1000;
  const listening = await listenOnLoopback(server, port);
  const origin = `http://127.0.0.1:${listening}`;

  function createRealm(realmName: string): Realm {
    const issuer = `${origin}/realms/${realmName}`;
    const loginPath = `/realms/${realmName}/login-actions/authenticate`;
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: config.clientId,
          client_secret: config.clientSecret,
          // Keycloak's confidential clients accept both client_secret_basic and
          // client_secret_post; oidc-provider treats the two as one method.
          token_endpoint_auth_method: 'client_secret_basic',
          ...(config.redirectUris.length
            ? {
                grant_types: [
                  'authorization_code',
                  'refresh_token',
                  'client_credentials',
                ],
                response_types: ['code'],
                // A wildcard URI is registered by its prefix; redirectUriAllowed below matches the rest.
                redirect_uris: [
                  ...new Set(
                    config.redirectUris.map(u => u.replace(/\*$/, '')),
                  ),
                ],
              }
            : // Without redirect URIs the client only serves the admin API.
              {
                grant_types: ['client_credentials'],
                response_types: [],
                redirect_uris: [],
              }),
          post_logout_redirect_uris: config.postLogoutRedirectUris,
        },
      ],
      clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
      jwks: { keys: [signingKey] },
      cookies: {
        keys: [cookieKey],
        names: {
          session: `KC_SESSION_${realmName}`,
          interaction: `KC_INTERACTION_${realmName}`,
          resume: `KC_RESUME_${realmName}`,
        },
      },
      routes: {
        authorization: '/protocol/openid-connect/auth',
        token: '/protocol/openid-connect/token',
        userinfo: '/protocol/openid-connect/userinfo',
        jwks: '/protocol/openid-connect/certs',
        end_session: '/protocol/openid-connect/logout',
        revocation: '/protocol/openid-connect/revoke',
        introspection: '/protocol/openid-connect/token/introspect',
        pushed_authorization_request:
          '/protocol/openid-connect/ext/par/request',
      },
      scopes: ['openid', 'offline_access', 'profile', 'email'],
      claims: {
        openid: ['sub'],
        email: ['email', 'email_verified'],
        profile: ['name', 'given_name', 'family_name', 'preferred_username'],
      },
      // Keycloak puts the profile and email claims in the ID token too.
      conformIdTokenClaims: false,
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        introspection: { enabled: true },
        revocation: { enabled: true },
        // Keycloak does not use resource indicators; without them access tokens
        // are accepted by the userinfo endpoint.
        resourceIndicators: { enabled: false },
        rpInitiatedLogout: {
          enabled: true,
          logoutSource: async (ctx: KoaContextWithOIDC, form: string) => {
            ctx.body = htmlPage(
              'Logging out',
              `<h1 id="kc-page-title">Do you want to log out?</h1>${form}
<button id="kc-logout" type="submit" form="op.logoutForm" name="logout" value="yes">Logout</button>`,
            );
          },
          postLogoutSuccessSource: async (ctx: KoaContextWithOIDC) => {
            ctx.body = htmlPage(
              'Logged out',
              '<h1 id="kc-page-title">You are logged out</h1>',
            );
          },
        },
      },
      // Backstage's OIDC authenticator (openid-client's passport strategy) sends
      // S256 PKCE because the discovery document offers it, but a confidential
      // client must not be forced to, as with Keycloak's default client settings.
      pkce: { required: () => false },
      async findAccount(_ctx, sub) {
        const user = findUserById(sub);
        if (!user || !user.enabled) return undefined;
        return {
          accountId: user.id,
          async claims() {
            const name = [user.firstName, user.lastName]
              .filter(Boolean)
              .join(' ');
            return {
              sub: user.id,
              preferred_username: user.username,
              ...(name && { name }),
              ...(user.firstName !== undefined && {
                given_name: user.firstName,
              }),
              ...(user.lastName !== undefined && {
                family_name: user.lastName,
              }),
              ...(user.email !== undefined && {
                email: user.email,
                email_verified: user.emailVerified,
              }),
            };
          },
        };
      },
      // Consent is granted without asking, as for a Keycloak client with
      // "Consent required" off: every requested scope goes into the grant.
      async loadExistingGrant(ctx) {
        const { oidc } = ctx;
        const clientId = oidc.client!.clientId;
        const accountId = oidc.account!.accountId;
        const grantId =
          oidc.result?.consent?.grantId || oidc.session!.grantIdFor(clientId);
        let grant = grantId
          ? await oidc.provider.Grant.find(grantId)
          : undefined;
        if (!grant || grant.accountId !== accountId) {
          grant = new oidc.provider.Grant({ clientId, accountId });
        }
        grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
        const claims = [...(oidc.requestParamClaims ?? [])];
        if (claims.length) grant.addOIDCClaims(claims);
        await grant.save();
        return grant;
      },
      // Keycloak issues a refresh token with every code exchange.
      issueRefreshToken: async (_ctx, client) =>
        client.grantTypeAllowed('refresh_token'),
      interactions: {
        url: (_ctx, interaction) => `${loginPath}/${interaction.uid}`,
      },
      clientBasedCORS: () => true,
      renderError: async (ctx, out) => {
        ctx.type = 'html';
        ctx.body = htmlPage(
          'Error',
          `<h1 id="kc-page-title">We are sorry...</h1><p id="kc-error-message" class="instruction">${escapeHtml(
            String(out.error_description ?? out.error),
          )}</p><pre>${escapeHtml(JSON.stringify(out))}</pre>`,
        );
      },
      ttl: {
        AccessToken: 300,
        ClientCredentials: 300,
        IdToken: 300,
        AuthorizationCode: 60,
        Interaction: 1800,
        Session: 36000,
        Grant: 36000,
        RefreshToken: 1800,
      },
    });
    provider.proxy = false;
    provider.on('server_error', (_ctx: unknown, error: Error) => {
      note(`oidc-provider server_error: ${error.stack ?? error}`);
    });

    // Keycloak allows a redirect URI ending in `*` to match by prefix.
    const prefixes = config.redirectUris
      .filter(u => u.endsWith('*'))
      .map(u => u.slice(0, -1));
    if (prefixes.length) {
      const original = provider.Client.prototype.redirectUriAllowed;
      provider.Client.prototype.redirectUriAllowed =
        function redirectUriAllowed(value: string) {
          return (
            original.call(this, value) ||
            prefixes.some(p => value.startsWith(p))
          );
        };
    }

    return {
      realmName,
      issuer,
      provider,
      callback: provider.callback(),
      loginPath,
    };
  }

  const realms = new Map<string, Realm>();
  for (const realmName of new Set([config.realm, config.loginRealm])) {
    realms.set(realmName, createRealm(realmName));
  }

  async function handleLogin(
    realm: Realm,
    uid: string,
    req: express.Request,
    res: express.Response,
  ) {
    let details;
    try {
      details = await realm.provider.interactionDetails(req, res);
    } catch {
      sendPage(
        res,
        400,
        htmlPage(
          'Sign in expired',
          '<h1 id="kc-page-title">Your login attempt timed out. Login will start from the beginning.</h1>',
        ),
      );
      return;
    }
    if (details.uid !== uid)
      throw new HttpError(400, { error: 'interaction mismatch' });
    const action = `${realm.loginPath}/${uid}`;
    const { prompt } = details;

    if (prompt.name === 'consent') {
      // Only reached if loadExistingGrant did not cover the request.
      const grant = details.grantId
        ? (await realm.provider.Grant.find(details.grantId))!
        : new realm.provider.Grant({
            accountId: details.session!.accountId,
            clientId: String(details.params.client_id),
          });
      const missing = prompt.details as {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
      };
      if (missing.missingOIDCScope)
        grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims)
        grant.addOIDCClaims(missing.missingOIDCClaims);
      const grantId = await grant.save();
      await realm.provider.interactionFinished(
        req,
        res,
        { consent: { grantId } },
        { mergeWithLastSubmission: true },
      );
      return;
    }
    if (prompt.name !== 'login')
      throw new HttpError(400, { error: `unsupported prompt ${prompt.name}` });

    if (req.method === 'GET') {
      sendPage(
        res,
        200,
        loginPage(realm.realmName, action, {
          username: String(details.params.login_hint ?? ''),
        }),
      );
      return;
    }
    const form = new URLSearchParams(await readBody(req));
    const username = form.get('username') ?? '';
    const password = form.get('password') ?? '';
    const user = findUserForLogin(username);
    if (!user || user.password === undefined || user.password !== password) {
      sendPage(
        res,
        200,
        loginPage(realm.realmName, action, {
          username,
          error: 'Invalid username or password.',
        }),
      );
      return;
    }
    if (!user.enabled) {
      sendPage(
        res,
        200,
        loginPage(realm.realmName, action, {
          username,
          error: 'Account is disabled, contact your administrator.',
        }),
      );
      return;
    }
    await realm.provider.interactionFinished(
      req,
      res,
      { login: { accountId: user.id, remember: true } },
      { mergeWithLastSubmission: false },
    );
  }

  // ---- admin REST API ------------------------------------------------------

  /** Accepts a live client_credentials token of the client, from either realm (as a service account with realm-management roles). */
  async function authorizeAdmin(req: express.Request) {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (match) {
      for (const realm of realms.values()) {
        const token = await realm.provider.ClientCredentials.find(
          match[1],
        ).catch(() => undefined);
        if (token && !token.isExpired && token.clientId === config.clientId) {
          return;
        }
      }
    }
    throw new HttpError(401, { error: 'HTTP 401 Unauthorized' });
  }

  function groupById(id: string) {
    const group = state.groups.byId.get(id);
    if (!group)
      throw new HttpError(404, { error: 'Could not find group by id' });
    return group;
  }

  function userById(id: string) {
    const user = findUserById(id);
    if (!user) throw new HttpError(404, { error: 'User not found' });
    return user;
  }

  function membersOf(group: GroupNode) {
    return state.users.filter(u => u.groupIds.has(group.id));
  }

  function matches(
    value: string | undefined,
    search: string,
    exact: boolean | undefined,
  ) {
    if (value === undefined) return false;
    return exact
      ? value.toLowerCase() === search.toLowerCase()
      : value.toLowerCase().includes(search.toLowerCase());
  }

  const USER_FIELDS = ['username', 'email', 'firstName', 'lastName'] as const;

  function filterUsers(query: URLSearchParams) {
    const exact = boolParam(query, 'exact', false);
    let users = state.users;
    const search = query.get('search');
    if (search && search !== '*') {
      const term = search.replace(/^\*|\*$/g, '');
      users = users.filter(u =>
        USER_FIELDS.some(k => matches(u[k], term, exact)),
      );
    }
    for (const key of USER_FIELDS) {
      const value = query.get(key);
      if (value) users = users.filter(u => matches(u[key], value, exact));
    }
    if (query.get('enabled'))
      users = users.filter(u => u.enabled === boolParam(query, 'enabled'));
    if (query.get('emailVerified'))
      users = users.filter(
        u => u.emailVerified === boolParam(query, 'emailVerified'),
      );
    return users;
  }

  /** Top-level groups whose subtree has a name matching the search, pruned to the matches. */
  function searchGroups(search: string, exact: boolean | undefined) {
    const hits = new Set<string>();
    const visit = (g: GroupNode): boolean => {
      const childHit = g.children.map(visit).some(Boolean);
      const hit = matches(g.name, search, exact) || childHit;
      if (hit) hits.add(g.id);
      return hit;
    };
    state.groups.top.forEach(visit);
    return {
      top: state.groups.top.filter(g => hits.has(g.id)),
      subGroups: ((g: GroupNode) =>
        g.children.filter(c => hits.has(c.id))) as SubGroupsOf,
    };
  }

  function serverInfo() {
    return {
      systemInfo: {
        version: config.serverVersion,
        serverTime: new Date().toString(),
        uptime: `${Math.round(process.uptime())} Seconds`,
        uptimeMillis: Math.round(process.uptime() * 1000),
        javaVersion: '21',
        javaVendor: 'fake',
        osName: process.platform,
        osVersion: '',
        osArchitecture: process.arch,
      },
      memoryInfo: {},
      profileInfo: {
        disabledFeatures: [],
        previewFeatures: [],
        experimentalFeatures: [],
      },
      features: [],
      themes: {},
      socialProviders: [],
      identityProviders: [],
      providers: {},
      protocolMapperTypes: {},
      builtinProtocolMappers: {},
      clientInstallations: {},
      componentTypes: {},
      passwordPolicies: [],
      enums: {},
      cryptoInfo: {},
    };
  }

  function adminUsers(rest: string[], q: URLSearchParams, brief: boolean) {
    if (rest.length === 1)
      return page(filterUsers(q), q, 100).map(u => userRep(u, brief));
    if (rest.length === 2 && rest[1] === 'count') return filterUsers(q).length;
    const user = userById(rest[1]);
    if (rest.length === 2) return userRep(user, false);
    if (rest[2] === 'groups') {
      let groups = state.groups.all.filter(g => user.groupIds.has(g.id));
      const search = q.get('search');
      if (search) groups = groups.filter(g => matches(g.name, search, false));
      groups = sortBy(groups, g => g.path);
      if (rest.length === 3)
        return page(groups, q, 100).map(g =>
          groupRep(g, boolParam(q, 'briefRepresentation', true)!),
        );
      if (rest.length === 4 && rest[3] === 'count')
        return { count: groups.length };
    }
    throw new HttpError(404, { error: 'Not Found' });
  }

  function adminGroups(rest: string[], q: URLSearchParams, brief: boolean) {
    const legacy = parseInt(config.serverVersion, 10) <= 22;
    const wholeTree: SubGroupsOf | undefined = legacy
      ? x => x.children
      : undefined;
    if (rest.length === 1) {
      const search = q.get('search') ?? q.get('q');
      if (search) {
        const found = searchGroups(search, boolParam(q, 'exact', false));
        return page(found.top, q, -1).map(g =>
          groupRep(g, brief, found.subGroups),
        );
      }
      // Keycloak 22 and earlier returned the whole tree; 23+ only the top level.
      return page(state.groups.top, q, -1).map(g =>
        groupRep(g, brief, wholeTree),
      );
    }
    if (rest.length === 2 && rest[1] === 'count') {
      const search = q.get('search');
      if (search)
        return {
          count: state.groups.all.filter(g => matches(g.name, search, false))
            .length,
        };
      return {
        count: boolParam(q, 'top', false)
          ? state.groups.top.length
          : state.groups.all.length,
      };
    }
    const group = groupById(rest[1]);
    if (rest.length === 2) return groupRep(group, false, wholeTree);
    if (rest.length === 3 && rest[2] === 'children') {
      let children = group.children;
      const search = q.get('search');
      if (search)
        children = children.filter(c =>
          matches(c.name, search, boolParam(q, 'exact', false)),
        );
      // Keycloak 26 pages children with first=0 and max=10 by default.
      return page(children, q, 10).map(c =>
        groupRep(c, boolParam(q, 'briefRepresentation', true)!),
      );
    }
    if (rest.length === 3 && rest[2] === 'members') {
      return page(membersOf(group), q, 100).map(u => userRep(u, brief));
    }
    throw new HttpError(404, { error: 'Not Found' });
  }

  async function handleAdmin({ req, res, url }: Exchange) {
    await authorizeAdmin(req);
    if (state.fail) throw new HttpError(500, { error: 'unknown_error' });
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      throw new HttpError(405, {
        error: 'this fake Keycloak serves the read-only part of the admin API',
      });
    }
    const q = url.searchParams;
    const parts = url.pathname
      .split('/')
      .filter(Boolean)
      .map(decodeURIComponent);
    // parts[0] === 'admin'
    if (parts[1] === 'serverinfo' && parts.length === 2) {
      sendKeycloakJson(res, serverInfo());
      return;
    }
    if (parts[1] !== 'realms' || parts.length < 3)
      throw new HttpError(404, { error: 'Not Found' });
    if (parts[2] !== config.realm)
      throw new HttpError(404, { error: 'Realm not found.' });
    const rest = parts.slice(3);
    const brief = boolParam(q, 'briefRepresentation', false)!;
    if (
      (rest[0] === 'users' || rest[0] === 'groups') &&
      !ROLES_READING[rest[0]].some(r => state.serviceAccountRoles.includes(r))
    ) {
      throw new HttpError(403, { error: 'HTTP 403 Forbidden' });
    }
    if (rest[0] === 'users') {
      sendKeycloakJson(res, adminUsers(rest, q, brief));
      return;
    }
    if (rest[0] === 'groups') {
      sendKeycloakJson(res, adminGroups(rest, q, brief));
      return;
    }
    throw new HttpError(404, { error: 'Not Found' });
  }

  /**
   * Answering on the spot would finish each request before the next one of
   * a burst arrives; a real server's moment per request is what lets a
   * client's parallel requests overlap, and the peak show its limit.
   */
  async function handleAdminSlowly(x: Exchange) {
    state.adminInFlight += 1;
    state.adminPeakInFlight = Math.max(
      state.adminPeakInFlight,
      state.adminInFlight,
    );
    try {
      await delay(ADMIN_RESPONSE_DELAY_MS);
      await handleAdmin(x);
    } finally {
      state.adminInFlight -= 1;
    }
  }

  // ---- control -------------------------------------------------------------

  function controlSummary() {
    return {
      fail: state.fail,
      adminPeakInFlight: state.adminPeakInFlight,
      users: state.users.map(u => ({ id: u.id, username: u.username })),
      groups: state.groups.all.map(g => ({ id: g.id, path: g.path })),
    };
  }

  async function applyControl({ req, res }: Exchange) {
    let body;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      throw new HttpError(400, { error: 'the body must be JSON' });
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new HttpError(400, { error: 'the body must be a JSON object' });
    }
    const known = new Set([
      'fail',
      'serviceAccountRoles',
      'users',
      'groups',
      'resetRequests',
    ]);
    const unknown = Object.keys(body).filter(k => !known.has(k));
    if (unknown.length)
      throw new HttpError(400, {
        error: `unknown control keys: ${unknown.join(', ')}`,
      });
    if (body.fail !== undefined && typeof body.fail !== 'boolean') {
      throw new HttpError(400, { error: 'fail must be true or false' });
    }
    const roles = body.serviceAccountRoles;
    if (
      roles !== undefined &&
      (!Array.isArray(roles) || roles.some(r => typeof r !== 'string'))
    ) {
      throw new HttpError(400, {
        error: 'serviceAccountRoles must be a list of role names',
      });
    }
    try {
      // Validate everything before changing anything.
      const groups =
        body.groups !== undefined ? buildGroups(body.groups) : state.groups;
      let users = state.users;
      if (body.users !== undefined) {
        users = buildUsers(body.users, groups);
      } else if (body.groups !== undefined) {
        // Keep memberships whose groups still exist (by id).
        users = state.users.map(u => ({
          ...u,
          groupIds: new Set([...u.groupIds].filter(id => groups.byId.has(id))),
        }));
      }
      state.groups = groups;
      state.users = users;
    } catch (error) {
      if (error instanceof ConfigError)
        throw new HttpError(400, { error: error.message });
      throw error;
    }
    if (body.fail !== undefined) state.fail = body.fail;
    if (roles !== undefined) state.serviceAccountRoles = roles;
    if (body.resetRequests) {
      state.requests = [];
      state.adminPeakInFlight = state.adminInFlight;
    }
    sendKeycloakJson(res, {
      fail: state.fail,
      users: state.users.length,
      groups: state.groups.all.length,
    });
  }

  // ---- realms ---------------------------------------------------------------

  async function handleRealm(x: Exchange, [name, sub = '/']: string[]) {
    const realm = realms.get(name);
    if (!realm) throw new HttpError(404, { error: 'Realm does not exist' });
    const login = /^\/login-actions\/authenticate\/([^/]+)$/.exec(sub);
    if (login) {
      await handleLogin(realm, login[1], x.req, x.res);
      return;
    }
    if (sub === '/') {
      sendKeycloakJson(x.res, {
        realm: realm.realmName,
        public_key: '',
        'token-service': `${realm.issuer}/protocol/openid-connect`,
        'account-service': `${realm.issuer}/account`,
        'tokens-not-before': 0,
      });
      return;
    }
    // Mount the provider at /realms/<realm>: oidc-provider derives its mount
    // path from the difference between originalUrl and url.
    const { req } = x;
    const mount = /^\/realms\/[^/?]+/.exec(req.url)![0];
    req.originalUrl = req.url;
    req.url = req.url.slice(mount.length) || '/';
    await realm.callback(req, x.res);
  }

  const METHODS = ['GET', 'POST', 'DELETE'] as const;
  const everyMethod = (
    path: RegExp,
    handle: Route<Exchange>['handle'],
  ): Route<Exchange>[] => METHODS.map(method => ({ method, path, handle }));

  const app = fakeApp<Exchange>({
    context: (req, res) => ({
      req,
      res,
      url: new URL(req.url ?? '/', origin),
    }),
    before: [
      ({ req, url }, next) => {
        if (!url.pathname.startsWith('/__control')) {
          state.requests.push({
            method: req.method,
            path: url.pathname,
            query: Object.fromEntries(url.searchParams),
          });
          if (state.requests.length > MAX_LOGGED_REQUESTS)
            state.requests.shift();
        }
        next();
      },
    ],
    routes: [
      {
        method: 'GET',
        path: /^\/__control\/requests$/,
        handle: ({ res }) => sendKeycloakJson(res, state.requests),
      },
      {
        method: 'GET',
        path: /^\/__control$/,
        handle: ({ res }) => sendKeycloakJson(res, controlSummary()),
      },
      { method: 'POST', path: /^\/__control$/, handle: applyControl },
      ...everyMethod(/^\/admin(?:\/.*)?$/, handleAdminSlowly),
      {
        method: 'GET',
        path: /^\/health(?:\/ready|\/live)?$/,
        handle: ({ res }) =>
          sendKeycloakJson(res, { status: 'UP', checks: [] }),
      },
      ...everyMethod(/^\/realms\/([^/]+)(\/.*)?$/, handleRealm),
    ],
    unhandled() {
      throw new HttpError(404, { error: 'Not Found' });
    },
    internalError(error) {
      note(`${(error as Error)?.stack ?? error}`);
      return new HttpError(500, { error: 'unknown_error' });
    },
  });
  server.on('request', app);

  return { server, port: listening, log: () => log };
}
