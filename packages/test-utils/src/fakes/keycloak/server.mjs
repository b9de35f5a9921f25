#!/usr/bin/env node
/*
 * A stand-in for Keycloak 26 on loopback, run as its own process (oidc-provider 9
 * is ESM-only and does not load inside Jest).
 *
 *   node server.mjs <config.json> [port]
 *
 * Prints `READY <port>` on stdout once it listens on 127.0.0.1, and exits when
 * stdin closes (the parent died or let go of it), on SIGTERM and on SIGINT.
 *
 * One origin serves:
 * - the OIDC provider of each realm at /realms/<realm> (Keycloak's paths:
 *   /protocol/openid-connect/{auth,token,userinfo,certs,logout,revoke,token/introspect})
 *   with a Keycloak-like login form at /realms/<realm>/login-actions/authenticate/<uid>;
 * - the client_credentials grant at /realms/<loginRealm>/protocol/openid-connect/token
 *   (the token keycloak-admin-client asks for);
 * - the read side of the Keycloak admin REST API that
 *   @backstage-community/plugin-catalog-backend-module-keycloak calls, under
 *   /admin/realms/<realm>/... and /admin/serverinfo;
 * - a control endpoint, /__control, for tests (GET: the state, with the most
 *   admin API requests that were in flight at once).
 *
 * See index.ts for the config format.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
// The harness runs only in tests of this private package, so its tools are devDependencies.
// eslint-disable-next-line @backstage/no-undeclared-imports
import Provider from 'oidc-provider';

const HOST = '127.0.0.1';
const MAX_BODY = 1024 * 1024;
const MAX_LOGGED_REQUESTS = 2000;
/** How long each admin API request takes, so requests sent at once overlap. */
const ADMIN_RESPONSE_DELAY_MS = 20;

// ---------------------------------------------------------------------------
// Config and directory model
// ---------------------------------------------------------------------------

class ConfigError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ConfigError';
  }
}

function requireString(value, where) {
  if (typeof value !== 'string' || value === '') {
    throw new ConfigError(`${where} must be a non-empty string`);
  }
  return value;
}

function optionalString(value, where) {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new ConfigError(`${where} must be a string`);
  return value;
}

/** Builds the group tree: nodes with parent links, indexed by id and by path. */
function buildGroups(rawGroups = []) {
  if (!Array.isArray(rawGroups))
    throw new ConfigError('groups must be an array');
  const byId = new Map();
  const all = [];
  const build = (raw, parent, where) => {
    if (!raw || typeof raw !== 'object')
      throw new ConfigError(`${where} must be an object`);
    const name = requireString(raw.name, `${where}.name`);
    const id = optionalString(raw.id, `${where}.id`) ?? crypto.randomUUID();
    if (byId.has(id)) throw new ConfigError(`${where}.id ${id} is used twice`);
    const node = {
      id,
      name,
      description: optionalString(raw.description, `${where}.description`),
      attributes: raw.attributes ?? {},
      parent,
      path: `${parent ? parent.path : ''}/${name}`,
      children: [],
    };
    byId.set(id, node);
    all.push(node);
    const subs = raw.subGroups ?? [];
    if (!Array.isArray(subs))
      throw new ConfigError(`${where}.subGroups must be an array`);
    node.children = sortByName(
      subs.map((s, i) => build(s, node, `${where}.subGroups[${i}]`)),
    );
    return node;
  };
  const top = sortByName(
    rawGroups.map((g, i) => build(g, null, `groups[${i}]`)),
  );
  const siblings = new Set();
  for (const g of all) {
    const key = `${g.parent?.id ?? ''}/${g.name}`;
    if (siblings.has(key))
      throw new ConfigError(
        `group name ${g.path} is used twice under the same parent`,
      );
    siblings.add(key);
  }
  return { top, all, byId };
}

function sortByName(list) {
  return sortBy(list, g => g.name);
}

/** Users, their group references resolved (a name anywhere in the tree, or a path). */
function buildUsers(rawUsers = [], groups) {
  if (!Array.isArray(rawUsers)) throw new ConfigError('users must be an array');
  const ids = new Set();
  const usernames = new Set();
  const users = rawUsers.map((raw, i) => {
    const where = `users[${i}]`;
    if (!raw || typeof raw !== 'object')
      throw new ConfigError(`${where} must be an object`);
    const id = requireString(raw.id, `${where}.id`);
    // Keycloak stores usernames in lower case.
    const username = requireString(
      raw.username,
      `${where}.username`,
    ).toLowerCase();
    if (ids.has(id)) throw new ConfigError(`${where}.id ${id} is used twice`);
    if (usernames.has(username))
      throw new ConfigError(`${where}.username ${username} is used twice`);
    ids.add(id);
    usernames.add(username);
    const groupRefs = raw.groups ?? [];
    if (!Array.isArray(groupRefs))
      throw new ConfigError(`${where}.groups must be an array of group names`);
    const groupIds = new Set();
    for (const ref of groupRefs) {
      const found = ref.startsWith('/')
        ? groups.all.filter(g => g.path === ref)
        : groups.all.filter(g => g.name === ref);
      if (found.length === 0)
        throw new ConfigError(
          `${where}.groups names ${ref}, which is not a group`,
        );
      if (found.length > 1) {
        throw new ConfigError(
          `${where}.groups names ${ref}, which matches ${found.length} groups; use its path`,
        );
      }
      groupIds.add(found[0].id);
    }
    return {
      id,
      username,
      email: optionalString(raw.email, `${where}.email`)?.toLowerCase(),
      firstName: optionalString(raw.firstName, `${where}.firstName`),
      lastName: optionalString(raw.lastName, `${where}.lastName`),
      password: optionalString(raw.password, `${where}.password`),
      enabled: raw.enabled !== false,
      emailVerified: raw.emailVerified !== false,
      attributes: raw.attributes,
      createdTimestamp:
        typeof raw.createdTimestamp === 'number'
          ? raw.createdTimestamp
          : Date.now(),
      groupIds,
    };
  });
  return sortBy(users, u => u.username);
}

function compare(a, b) {
  if (a < b) return -1;
  return a > b ? 1 : 0;
}

function sortBy(list, key) {
  return [...list].sort((a, b) => compare(key(a), key(b)));
}

function readConfig(file) {
  let raw;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(
      `cannot read the config file ${file}: ${error.message}`,
    );
  }
  const realm = requireString(raw.realm, 'realm');
  const loginRealm = optionalString(raw.loginRealm, 'loginRealm') ?? realm;
  const clientId = requireString(raw.clientId, 'clientId');
  const clientSecret = requireString(raw.clientSecret, 'clientSecret');
  const redirectUris = raw.redirectUris ?? [];
  if (
    !Array.isArray(redirectUris) ||
    redirectUris.some(u => typeof u !== 'string')
  ) {
    throw new ConfigError('redirectUris must be an array of URLs');
  }
  for (const uri of redirectUris) {
    if (!URL.canParse(uri.replace(/\*$/, '')))
      throw new ConfigError(`redirectUris has ${uri}, which is not a URL`);
  }
  const serverVersion =
    optionalString(raw.serverVersion, 'serverVersion') ?? '26.4.0';
  const groups = buildGroups(raw.groups);
  const users = buildUsers(raw.users, groups);
  return {
    realm,
    loginRealm,
    clientId,
    clientSecret,
    redirectUris,
    postLogoutRedirectUris: raw.postLogoutRedirectUris ?? [],
    serverVersion,
    groups,
    users,
  };
}

// ---------------------------------------------------------------------------
// Representations (Keycloak 26 JSON shapes)
// ---------------------------------------------------------------------------

const USER_ACCESS = {
  manageGroupMembership: true,
  view: true,
  mapRoles: true,
  impersonate: false,
  manage: true,
};
const GROUP_ACCESS = {
  view: true,
  viewMembers: true,
  manageMembers: true,
  manage: true,
  manageMembership: true,
};

function userRep(user, brief) {
  const rep = {
    id: user.id,
    username: user.username,
    ...(user.firstName !== undefined && { firstName: user.firstName }),
    ...(user.lastName !== undefined && { lastName: user.lastName }),
    ...(user.email !== undefined && { email: user.email }),
    emailVerified: user.emailVerified,
    createdTimestamp: user.createdTimestamp,
    enabled: user.enabled,
  };
  if (brief) return rep;
  return {
    ...rep,
    ...(user.attributes && { attributes: user.attributes }),
    totp: false,
    disableableCredentialTypes: [],
    requiredActions: [],
    notBefore: 0,
    access: USER_ACCESS,
  };
}

/**
 * A group as Keycloak 23+ lists it: subGroups are not filled in (callers page
 * through /children using subGroupCount), unless `withSubGroups` (Keycloak 22
 * and earlier returned the whole tree, and searches return the matching branches).
 */
function groupRep(group, brief, withSubGroups) {
  const rep = {
    id: group.id,
    name: group.name,
    ...(group.description !== undefined && { description: group.description }),
    path: group.path,
    ...(group.parent && { parentId: group.parent.id }),
    subGroupCount: group.children.length,
    subGroups: withSubGroups
      ? withSubGroups(group).map(c => groupRep(c, brief, withSubGroups))
      : [],
  };
  if (brief) return { ...rep, access: GROUP_ACCESS };
  return {
    ...rep,
    attributes: group.attributes,
    realmRoles: [],
    clientRoles: {},
    access: GROUP_ACCESS,
  };
}

// ---------------------------------------------------------------------------
// HTTP helpers
// ---------------------------------------------------------------------------

class HttpError extends Error {
  constructor(status, body) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
    this.status = status;
    this.body = body;
  }
}

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

function sendHtml(res, status, html) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store, must-revalidate, max-age=0',
  });
  res.end(html);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', chunk => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, { error: 'request body too large' }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function escapeHtml(value) {
  return String(value ?? '').replace(
    /[&<>"']/g,
    c =>
      ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[
        c
      ]),
  );
}

/** Keycloak's paging: `first` and `max`, with a per-endpoint default for `max` (-1: none). */
function page(list, query, defaultMax) {
  const first = intParam(query, 'first', 0);
  const max = intParam(query, 'max', defaultMax);
  const start = first < 0 ? 0 : first;
  return max < 0 ? list.slice(start) : list.slice(start, start + max);
}

function intParam(query, name, fallback) {
  const value = query.get(name);
  if (value === null || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n))
    throw new HttpError(400, { error: `invalid value for ${name}` });
  return n;
}

function boolParam(query, name, fallback) {
  const value = query.get(name);
  if (value === null || value === '') return fallback;
  return value === 'true';
}

// ---------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------

async function main() {
  const configFile = process.argv[2];
  if (!configFile)
    throw new ConfigError('usage: server.mjs <config.json> [port]');
  const config = readConfig(configFile);
  const wantedPort = process.argv[3] ? Number(process.argv[3]) : 0;
  if (!Number.isInteger(wantedPort) || wantedPort < 0 || wantedPort > 65535) {
    throw new ConfigError(`port ${process.argv[3]} is not a TCP port`);
  }

  const state = {
    fail: false,
    groups: config.groups,
    users: config.users,
    requests: [],
    // Admin API requests being answered now, and the most at once: how a
    // client's concurrency limit shows.
    adminInFlight: 0,
    adminPeakInFlight: 0,
  };

  const server = http.createServer();
  server.keepAliveTimeout = 1000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(wantedPort, HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address();
  const origin = `http://${HOST}:${port}`;

  const { privateKey } = crypto.generateKeyPairSync('rsa', {
    modulusLength: 2048,
  });
  const signingKey = {
    ...privateKey.export({ format: 'jwk' }),
    kid: crypto.randomUUID(),
    alg: 'RS256',
    use: 'sig',
  };
  const cookieKey = crypto.randomBytes(32).toString('hex');

  const findUserById = id => state.users.find(u => u.id === id);
  const findUserForLogin = login => {
    const l = String(login ?? '')
      .trim()
      .toLowerCase();
    if (!l) return undefined;
    return (
      state.users.find(u => u.username === l) ??
      state.users.find(u => u.email === l)
    );
  };

  const realms = new Map();
  for (const realmName of new Set([config.realm, config.loginRealm])) {
    realms.set(realmName, createRealmProvider(realmName));
  }

  function createRealmProvider(realmName) {
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
          logoutSource: async (ctx, form) => {
            ctx.body = page2(
              'Logging out',
              `<h1 id="kc-page-title">Do you want to log out?</h1>${form}
<button id="kc-logout" type="submit" form="op.logoutForm" name="logout" value="yes">Logout</button>`,
            );
          },
          postLogoutSuccessSource: async ctx => {
            ctx.body = page2(
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
        const grantId =
          oidc.result?.consent?.grantId ||
          oidc.session.grantIdFor(oidc.client.clientId);
        let grant = grantId
          ? await oidc.provider.Grant.find(grantId)
          : undefined;
        if (!grant || grant.accountId !== oidc.account.accountId) {
          grant = new oidc.provider.Grant({
            clientId: oidc.client.clientId,
            accountId: oidc.account.accountId,
          });
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
        ctx.body = page2(
          'Error',
          `<h1 id="kc-page-title">We are sorry...</h1><p id="kc-error-message" class="instruction">${escapeHtml(
            out.error_description ?? out.error,
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
    provider.on('server_error', (_ctx, error) => {
      process.stderr.write(
        `fake-keycloak: oidc-provider server_error: ${error.stack ?? error}\n`,
      );
    });

    // Keycloak allows a redirect URI ending in `*` to match by prefix.
    const prefixes = config.redirectUris
      .filter(u => u.endsWith('*'))
      .map(u => u.slice(0, -1));
    if (prefixes.length) {
      const original = provider.Client.prototype.redirectUriAllowed;
      provider.Client.prototype.redirectUriAllowed =
        function redirectUriAllowed(value) {
          return (
            original.call(this, value) ||
            prefixes.some(p => value.startsWith(p))
          );
        };
    }

    const callback = provider.callback();
    return { realmName, issuer, provider, callback, loginPath };
  }

  function page2(title, body) {
    return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(
      title,
    )}</title></head>
<body id="keycloak-bg"><div id="kc-content">${body}</div></body></html>`;
  }

  function loginPage(realmName, action, { username = '', error } = {}) {
    return page2(
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

  async function handleLogin(realm, uid, req, res) {
    let details;
    try {
      details = await realm.provider.interactionDetails(req, res);
    } catch {
      sendHtml(
        res,
        400,
        page2(
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
        ? await realm.provider.Grant.find(details.grantId)
        : new realm.provider.Grant({
            accountId: details.session.accountId,
            clientId: details.params.client_id,
          });
      if (prompt.details.missingOIDCScope)
        grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
      if (prompt.details.missingOIDCClaims)
        grant.addOIDCClaims(prompt.details.missingOIDCClaims);
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
      sendHtml(
        res,
        200,
        loginPage(realm.realmName, action, {
          username: details.params.login_hint ?? '',
        }),
      );
      return;
    }
    if (req.method !== 'POST')
      throw new HttpError(405, { error: 'Method Not Allowed' });
    const form = new URLSearchParams(await readBody(req));
    const username = form.get('username') ?? '';
    const password = form.get('password') ?? '';
    const user = findUserForLogin(username);
    if (!user || user.password === undefined || user.password !== password) {
      sendHtml(
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
      sendHtml(
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
  async function authorizeAdmin(req) {
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

  function groupById(id) {
    const group = state.groups.byId.get(id);
    if (!group)
      throw new HttpError(404, { error: 'Could not find group by id' });
    return group;
  }

  function userById(id) {
    const user = findUserById(id);
    if (!user) throw new HttpError(404, { error: 'User not found' });
    return user;
  }

  function membersOf(group) {
    return state.users.filter(u => u.groupIds.has(group.id));
  }

  function matches(value, search, exact) {
    if (value === undefined) return false;
    return exact
      ? value.toLowerCase() === search.toLowerCase()
      : value.toLowerCase().includes(search.toLowerCase());
  }

  function filterUsers(query) {
    const exact = boolParam(query, 'exact', false);
    let users = state.users;
    const search = query.get('search');
    if (search && search !== '*') {
      const term = search.replace(/^\*|\*$/g, '');
      users = users.filter(u =>
        ['username', 'email', 'firstName', 'lastName'].some(k =>
          matches(u[k], term, exact),
        ),
      );
    }
    for (const key of ['username', 'email', 'firstName', 'lastName']) {
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
  function searchGroups(search, exact) {
    const hits = new Set();
    const visit = g => {
      const childHit = g.children.map(visit).some(Boolean);
      const hit = matches(g.name, search, exact) || childHit;
      if (hit) hits.add(g.id);
      return hit;
    };
    state.groups.top.forEach(visit);
    return {
      top: state.groups.top.filter(g => hits.has(g.id)),
      subGroups: g => g.children.filter(c => hits.has(c.id)),
    };
  }

  async function handleAdmin(req, res, url) {
    await authorizeAdmin(req);
    if (state.fail) throw new HttpError(500, { error: 'unknown_error' });
    if (req.method !== 'GET') {
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
    if (parts[1] !== 'realms' || parts.length < 3)
      throw new HttpError(404, { error: 'Not Found' });
    if (parts[2] !== config.realm)
      throw new HttpError(404, { error: 'Realm not found.' });
    const rest = parts.slice(3);
    const brief = boolParam(q, 'briefRepresentation', false);

    if (rest[0] === 'users') {
      if (rest.length === 1)
        return page(filterUsers(q), q, 100).map(u => userRep(u, brief));
      if (rest.length === 2 && rest[1] === 'count')
        return filterUsers(q).length;
      const user = userById(rest[1]);
      if (rest.length === 2) return userRep(user, false);
      if (rest[2] === 'groups') {
        let groups = state.groups.all.filter(g => user.groupIds.has(g.id));
        const search = q.get('search');
        if (search) groups = groups.filter(g => matches(g.name, search, false));
        groups = sortBy(groups, g => g.path);
        if (rest.length === 3)
          return page(groups, q, 100).map(g =>
            groupRep(g, boolParam(q, 'briefRepresentation', true)),
          );
        if (rest.length === 4 && rest[3] === 'count')
          return { count: groups.length };
      }
      throw new HttpError(404, { error: 'Not Found' });
    }

    if (rest[0] === 'groups') {
      const legacy = parseInt(config.serverVersion, 10) <= 22;
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
          groupRep(g, brief, legacy ? x => x.children : undefined),
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
      if (rest.length === 2)
        return groupRep(group, false, legacy ? x => x.children : undefined);
      if (rest.length === 3 && rest[2] === 'children') {
        let children = group.children;
        const search = q.get('search');
        if (search)
          children = children.filter(c =>
            matches(c.name, search, boolParam(q, 'exact', false)),
          );
        // Keycloak 26 pages children with first=0 and max=10 by default.
        return page(children, q, 10).map(c =>
          groupRep(c, boolParam(q, 'briefRepresentation', true)),
        );
      }
      if (rest.length === 3 && rest[2] === 'members') {
        return page(membersOf(group), q, 100).map(u => userRep(u, brief));
      }
      throw new HttpError(404, { error: 'Not Found' });
    }
    throw new HttpError(404, { error: 'Not Found' });
  }

  // ---- control -------------------------------------------------------------

  async function handleControl(req, res, url) {
    if (url.pathname === '/__control/requests' && req.method === 'GET') {
      sendJson(res, 200, state.requests);
      return;
    }
    if (url.pathname !== '/__control')
      throw new HttpError(404, { error: 'Not Found' });
    if (req.method === 'GET') {
      sendJson(res, 200, {
        fail: state.fail,
        adminPeakInFlight: state.adminPeakInFlight,
        users: state.users.map(u => ({ id: u.id, username: u.username })),
        groups: state.groups.all.map(g => ({ id: g.id, path: g.path })),
      });
      return;
    }
    if (req.method !== 'POST')
      throw new HttpError(405, { error: 'Method Not Allowed' });
    let body;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      throw new HttpError(400, { error: 'the body must be JSON' });
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw new HttpError(400, { error: 'the body must be a JSON object' });
    }
    const known = new Set(['fail', 'users', 'groups', 'resetRequests']);
    const unknown = Object.keys(body).filter(k => !known.has(k));
    if (unknown.length)
      throw new HttpError(400, {
        error: `unknown control keys: ${unknown.join(', ')}`,
      });
    if (body.fail !== undefined && typeof body.fail !== 'boolean') {
      throw new HttpError(400, { error: 'fail must be true or false' });
    }
    try {
      // Validate everything before changing anything.
      const groups =
        body.groups !== undefined ? buildGroups(body.groups) : state.groups;
      const rawUsers = body.users !== undefined ? body.users : undefined;
      let users = state.users;
      if (rawUsers !== undefined) {
        users = buildUsers(rawUsers, groups);
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
    if (body.resetRequests) {
      state.requests = [];
      state.adminPeakInFlight = state.adminInFlight;
    }
    sendJson(res, 200, {
      fail: state.fail,
      users: state.users.length,
      groups: state.groups.all.length,
    });
  }

  // ---- routing -------------------------------------------------------------

  server.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', origin);
    if (!url.pathname.startsWith('/__control')) {
      state.requests.push({
        method: req.method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
      });
      if (state.requests.length > MAX_LOGGED_REQUESTS) state.requests.shift();
    }
    route(req, res, url).catch(error => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof HttpError) {
        sendJson(res, error.status, error.body);
        return;
      }
      process.stderr.write(
        `fake-keycloak: ${req.method} ${url.pathname}: ${
          error.stack ?? error
        }\n`,
      );
      sendJson(res, 500, { error: 'unknown_error' });
    });
  });

  async function route(req, res, url) {
    const { pathname } = url;
    if (pathname.startsWith('/__control')) return handleControl(req, res, url);
    if (pathname === '/admin' || pathname.startsWith('/admin/')) {
      state.adminInFlight += 1;
      state.adminPeakInFlight = Math.max(
        state.adminPeakInFlight,
        state.adminInFlight,
      );
      try {
        // Answering on the spot would finish each request before the next
        // one of a burst arrives; a real server's moment per request is
        // what lets a client's parallel requests overlap.
        await delay(ADMIN_RESPONSE_DELAY_MS);
        const body = await handleAdmin(req, res, url);
        sendJson(res, 200, body);
      } finally {
        state.adminInFlight -= 1;
      }
      return undefined;
    }
    if (
      pathname === '/health/ready' ||
      pathname === '/health/live' ||
      pathname === '/health'
    ) {
      sendJson(res, 200, { status: 'UP', checks: [] });
      return undefined;
    }
    const realmMatch = /^\/realms\/([^/]+)(\/.*)?$/.exec(pathname);
    if (realmMatch) {
      const realm = realms.get(decodeURIComponent(realmMatch[1]));
      if (!realm) throw new HttpError(404, { error: 'Realm does not exist' });
      const sub = realmMatch[2] ?? '/';
      const login = /^\/login-actions\/authenticate\/([^/]+)$/.exec(sub);
      if (login)
        return handleLogin(realm, decodeURIComponent(login[1]), req, res);
      if (sub === '/') {
        sendJson(res, 200, {
          realm: realm.realmName,
          public_key: '',
          'token-service': `${realm.issuer}/protocol/openid-connect`,
          'account-service': `${realm.issuer}/account`,
          'tokens-not-before': 0,
        });
        return undefined;
      }
      // Mount the provider at /realms/<realm>: oidc-provider derives its mount
      // path from the difference between originalUrl and url.
      req.originalUrl = req.url;
      req.url = req.url.slice(`/realms/${realmMatch[1]}`.length) || '/';
      return realm.callback(req, res);
    }
    throw new HttpError(404, { error: 'Not Found' });
  }

  // ---- lifecycle -------------------------------------------------------------

  let stopping = false;
  const stop = code => {
    if (stopping) return;
    stopping = true;
    server.close(() => process.exit(code));
    server.closeAllConnections();
    setTimeout(() => process.exit(code), 2000).unref();
  };
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));
  process.stdin.on('end', () => stop(0));
  process.stdin.on('close', () => stop(0));
  process.stdin.on('error', () => stop(0));
  process.stdin.resume();

  process.stdout.write(`READY ${port}\n`);
}

main().catch(error => {
  process.stderr.write(
    `fake-keycloak: ${
      error instanceof ConfigError ? error.message : error.stack ?? error
    }\n`,
  );
  process.exit(2);
});
