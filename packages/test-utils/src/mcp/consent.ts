/*
 * The user's side of Backstage's OAuth authorization server. The backend
 * serves no frontend, so the test does what the browser and Backstage's
 * consent page (@backstage/plugin-auth, useConsentSession) do: follow the
 * authorization URL to the consent page's session id, read the session,
 * and approve it with the signed-in user's token.
 */
import { BackendProcess } from '../backend/backendProcess';

/** Signs in as the guest user (available while no identity preset is selected) and returns the Backstage token. */
export async function signInAsGuest(backend: BackendProcess): Promise<string> {
  const res = await fetch(`${backend.baseUrl}/api/auth/guest/refresh`, {
    method: 'POST',
    // Backstage's CSRF guard refuses a refresh without it, whatever the provider.
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
  if (res.status !== 200) {
    throw new Error(
      `guest sign-in answered ${res.status}: ${await res.text()}`,
    );
  }
  const body = (await res.json()) as { backstageIdentity: { token: string } };
  return body.backstageIdentity.token;
}

/** Where `GET /v1/authorize` sent the browser: the consent page, or a refusal. */
export type AuthorizationStart =
  | { kind: 'consent'; sessionId: string }
  | { kind: 'refused'; status: number; body: string; location?: string };

/**
 * Opens the authorization URL as a browser would, without following the
 * redirect: Backstage answers a valid request with a redirect to its
 * consent page, `<app.baseUrl>/oauth2/authorize/<sessionId>`.
 */
export async function startAuthorization(
  authorizationUrl: URL,
): Promise<AuthorizationStart> {
  const res = await fetch(authorizationUrl, { redirect: 'manual' });
  const location = res.headers.get('location') ?? undefined;
  const sessionId = location
    ? /\/oauth2\/authorize\/([^/?#]+)$/.exec(new URL(location).pathname)?.[1]
    : undefined;
  if (res.status === 302 && sessionId) {
    return { kind: 'consent', sessionId };
  }
  return {
    kind: 'refused',
    status: res.status,
    body: await res.text(),
    location,
  };
}

/** What the consent page shows about a pending authorization. */
export interface ConsentSession {
  id: string;
  clientId: string;
  clientName?: string;
  redirectUri: string;
  scope?: string;
}

async function consentCall(
  backend: BackendProcess,
  sessionId: string,
  userToken: string,
  action?: 'approve' | 'reject',
): Promise<unknown> {
  const url = `${backend.baseUrl}/api/auth/v1/sessions/${encodeURIComponent(
    sessionId,
  )}${action ? `/${action}` : ''}`;
  const res = await fetch(url, {
    method: action ? 'POST' : 'GET',
    headers: {
      Authorization: `Bearer ${userToken}`,
      ...(action ? { 'Content-Type': 'application/json' } : {}),
    },
  });
  if (res.status !== 200) {
    throw new Error(
      `consent ${action ?? 'session'} answered ${
        res.status
      }: ${await res.text()}`,
    );
  }
  return res.json();
}

/** The outcome of a user's approval: the redirect the client receives. */
export interface Approval {
  session: ConsentSession;
  /** The redirect URI with `code` and `state`, as the browser would load it. */
  redirectUrl: URL;
  code: string;
  state: string | null;
}

/**
 * Takes an authorization URL through the consent page as `userToken`'s
 * user, who approves: returns what the consent page shows and the redirect
 * back to the client, with the authorization code.
 */
export async function approveAuthorization(
  backend: BackendProcess,
  authorizationUrl: URL,
  userToken: string,
): Promise<Approval> {
  const start = await startAuthorization(authorizationUrl);
  if (start.kind !== 'consent') {
    throw new Error(
      `authorization refused (${start.status}): ${start.body} ${
        start.location ?? ''
      }`,
    );
  }
  const session = (await consentCall(
    backend,
    start.sessionId,
    userToken,
  )) as ConsentSession;
  const { redirectUrl } = (await consentCall(
    backend,
    start.sessionId,
    userToken,
    'approve',
  )) as { redirectUrl: string };
  const redirect = new URL(redirectUrl);
  const code = redirect.searchParams.get('code');
  if (!code) {
    throw new Error(
      `approval redirected without a code: ${redirect.origin}${redirect.pathname}`,
    );
  }
  return {
    session,
    redirectUrl: redirect,
    code,
    state: redirect.searchParams.get('state'),
  };
}
