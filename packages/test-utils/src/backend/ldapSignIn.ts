/*
 * The LDAP preset's sign-in route, as the frontend calls it: credentials
 * to sign in, or the session cookie to refresh.
 */

/** A backend to sign in to: anything with a base URL. */
export interface SignInTarget {
  baseUrl: string;
}

/** What `POST /api/auth/ldap/refresh` answered. */
export interface LdapRefreshResult {
  status: number;
  text: string;
  /** The parsed body, when it is JSON. */
  json: any;
  /** The session cookie it set (`name=value`), if any. */
  cookie?: string;
  /** The whole Set-Cookie header, attributes included. */
  setCookie: string | null;
  /** The Retry-After header of a throttled attempt (429), if any. */
  retryAfter: string | null;
}

/**
 * `POST /api/auth/ldap/refresh?env=production` with the CSRF header the
 * route requires: `credentials` as the JSON body to sign in, `cookie` to
 * refresh a session, `raw` for a body sent as it is (a malformed one),
 * `forwardedFor` as X-Forwarded-For (a client behind a trusted proxy).
 */
export async function ldapRefresh(
  backend: SignInTarget,
  init: {
    credentials?: unknown;
    cookie?: string;
    raw?: string;
    forwardedFor?: string;
  } = {},
): Promise<LdapRefreshResult> {
  const res = await fetch(
    `${backend.baseUrl}/api/auth/ldap/refresh?env=production`,
    {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Requested-With': 'XMLHttpRequest',
        ...(init.cookie ? { Cookie: init.cookie } : {}),
        ...(init.forwardedFor ? { 'X-Forwarded-For': init.forwardedFor } : {}),
      },
      body:
        init.raw ??
        (init.credentials === undefined
          ? undefined
          : JSON.stringify(init.credentials)),
    },
  );
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const setCookie = res.headers.get('set-cookie');
  return {
    status: res.status,
    text,
    json,
    cookie: setCookie?.split(';')[0],
    setCookie,
    retryAfter: res.headers.get('retry-after'),
  };
}

/** Signs in with LDAP bind and returns the person's Backstage token. */
export async function ldapToken(
  backend: SignInTarget,
  username: string,
  password: string,
): Promise<string> {
  const res = await ldapRefresh(backend, {
    credentials: { username, password },
  });
  if (res.status !== 200) {
    throw new Error(`sign-in of ${username}: ${res.status} ${res.text}`);
  }
  return res.json.backstageIdentity.token;
}
