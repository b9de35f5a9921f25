/*
 * What the guard in front of Backstage's OAuth 2.1 authorization server
 * (auth plugin 0.30.1) checks in each request, as pure functions: the
 * authorization request must carry an S256 PKCE challenge, a code is
 * redeemed only by the client it was issued to and only with the matching
 * verifier, and a dynamic client registration stays within sane sizes.
 * Refusals are OAuth error objects (RFC 6749 §5.2, RFC 7591 §3.2.2).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * A refusal in OAuth's error format: the HTTP status, the `error` code and
 * an `error_description` that says what to change. Thrown or returned by
 * the checks and sent as `{ error, error_description }`.
 */
export class OAuthRequestError extends Error {
  override readonly name = 'OAuthRequestError';

  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
    /** Extra response headers, such as `Retry-After` or `WWW-Authenticate`. */
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }

  /** The response body. */
  body(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.description };
  }
}

/** A base64url SHA-256 digest: 32 bytes, 43 characters without padding. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
/** RFC 7636 §4.1: 43 to 128 unreserved characters. */
const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

/** The S256 code challenge of a PKCE verifier (RFC 7636 §4.2). */
export function s256Challenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier).digest('base64url');
}

function firstValue(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Checks the query of `GET /v1/authorize`. The MCP authorization spec
 * requires PKCE with S256 from every client; the auth plugin lets a
 * registered client go without PKCE and accepts `plain`. The refusal is an
 * answer, not a redirect: the redirect URI has not been checked yet.
 */
export function checkAuthorizationRequest(
  query: Record<string, unknown>,
): OAuthRequestError | undefined {
  const challenge = firstValue(query.code_challenge);
  const method = firstValue(query.code_challenge_method);
  if (typeof challenge !== 'string' || challenge === '') {
    return new OAuthRequestError(
      400,
      'invalid_request',
      'code_challenge is required: this server accepts authorization requests with PKCE only (code_challenge_method=S256, RFC 7636)',
    );
  }
  if (method !== 'S256') {
    return new OAuthRequestError(
      400,
      'invalid_request',
      `code_challenge_method must be S256${
        typeof method === 'string' && method !== ''
          ? ''
          : ' (it defaults to plain when left out)'
      }: this server does not accept plain PKCE challenges`,
    );
  }
  if (!S256_CHALLENGE.test(challenge)) {
    return new OAuthRequestError(
      400,
      'invalid_request',
      'code_challenge must be the base64url SHA-256 digest of the code verifier, 43 characters without padding',
    );
  }
  return undefined;
}

/** Who a token request says it is, from HTTP Basic or from the body. */
export interface ClientCredentials {
  clientId?: string;
  clientSecret?: string;
  /** Whether the credentials came in an `Authorization: Basic` header. */
  basic: boolean;
}

/** RFC 6749 §2.3.1: Basic credentials are form-encoded before base64. */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    // Not encoded by the client (a literal `%`): taken as it is.
    return value;
  }
}

function nonEmptyString(value: unknown): string | undefined {
  const first = firstValue(value);
  return typeof first === 'string' && first !== '' ? first : undefined;
}

/**
 * Reads the client's credentials from a token request: HTTP Basic, or
 * `client_id`/`client_secret` in the body. A request that names one client
 * in the header and another in the body is refused.
 */
export function readClientCredentials(
  authorization: string | undefined,
  body: Record<string, unknown>,
): ClientCredentials | OAuthRequestError {
  const bodyClientId = nonEmptyString(body.client_id);
  const bodyClientSecret = nonEmptyString(body.client_secret);
  const basic = /^Basic[ ]+(\S+)$/i.exec(authorization ?? '');
  if (!basic) {
    return {
      clientId: bodyClientId,
      clientSecret: bodyClientSecret,
      basic: false,
    };
  }
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const clientId = formDecode(colon >= 0 ? decoded.slice(0, colon) : decoded);
  const clientSecret =
    colon >= 0 ? formDecode(decoded.slice(colon + 1)) : undefined;
  if (!clientId) {
    return new OAuthRequestError(
      401,
      'invalid_client',
      'The Authorization header names no client: send Basic base64(client_id:client_secret)',
      { 'WWW-Authenticate': 'Basic' },
    );
  }
  if (
    (bodyClientId && bodyClientId !== clientId) ||
    (bodyClientSecret && clientSecret && bodyClientSecret !== clientSecret)
  ) {
    return new OAuthRequestError(
      400,
      'invalid_request',
      'The client in the Authorization header and the client_id in the body differ: authenticate one way only',
    );
  }
  return {
    clientId,
    clientSecret: clientSecret || bodyClientSecret,
    basic: true,
  };
}

/**
 * What the auth plugin stored for an authorization code: the client its
 * authorization session was started by, the PKCE challenge of that
 * session, and what the client is.
 */
export interface CodeBinding {
  clientId: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  /**
   * `registered`: a dynamically registered client, which holds a secret
   * and must present it unless it registered as a public client
   * (`token_endpoint_auth_method: none`);
   * `metadata-document`: a Client ID Metadata Document client, public;
   * `unknown`: neither any more (e.g. its registration was removed).
   */
  client:
    | { kind: 'registered'; secret: string; public: boolean }
    | { kind: 'metadata-document' }
    | { kind: 'unknown' };
}

function sameSecret(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Checks the redemption of an authorization code (`POST /v1/token`,
 * `grant_type=authorization_code`) against what the code was issued for.
 * The auth plugin itself neither compares the client nor requires PKCE;
 * it still checks the code's expiry, reuse and redirect URI after this.
 */
export function checkCodeRedemption(options: {
  binding: CodeBinding;
  credentials: ClientCredentials;
  codeVerifier: unknown;
}): OAuthRequestError | undefined {
  const { binding, credentials } = options;
  const authenticate = (description: string) =>
    new OAuthRequestError(
      401,
      'invalid_client',
      description,
      credentials.basic ? { 'WWW-Authenticate': 'Basic' } : {},
    );

  if (!credentials.clientId) {
    return binding.client.kind === 'registered' && !binding.client.public
      ? authenticate(
          'Client authentication required: send the client_id and client_secret from registration (HTTP Basic or in the body)',
        )
      : new OAuthRequestError(
          400,
          'invalid_request',
          'client_id is required to redeem an authorization code',
        );
  }
  if (credentials.clientId !== binding.clientId) {
    return new OAuthRequestError(
      400,
      'invalid_grant',
      'The authorization code was not issued to this client',
    );
  }
  switch (binding.client.kind) {
    case 'registered':
      if (!credentials.clientSecret) {
        if (binding.client.public) {
          break; // PKCE, checked below, is what a public client proves itself with
        }
        return authenticate(
          'Client authentication required: send the client_secret from registration (HTTP Basic or in the body)',
        );
      }
      if (!sameSecret(binding.client.secret, credentials.clientSecret)) {
        return authenticate('Invalid client credentials');
      }
      break;
    case 'metadata-document':
      if (credentials.clientSecret) {
        return authenticate(
          'A Client ID Metadata Document client is public and has no secret: send client_id only',
        );
      }
      break;
    default:
      return authenticate(
        'The client is no longer registered: register again and start a new authorization',
      );
  }

  if (binding.codeChallengeMethod !== 'S256' || !binding.codeChallenge) {
    return new OAuthRequestError(
      400,
      'invalid_grant',
      'The authorization was started without an S256 code_challenge: start a new authorization with PKCE (S256)',
    );
  }
  const verifier = firstValue(options.codeVerifier);
  if (typeof verifier !== 'string' || verifier === '') {
    return new OAuthRequestError(
      400,
      'invalid_request',
      'code_verifier is required (PKCE, S256)',
    );
  }
  if (!CODE_VERIFIER.test(verifier)) {
    return new OAuthRequestError(
      400,
      'invalid_request',
      'code_verifier must be 43 to 128 characters of A-Z, a-z, 0-9, "-", ".", "_" and "~" (RFC 7636)',
    );
  }
  if (!sameSecret(binding.codeChallenge, s256Challenge(verifier))) {
    return new OAuthRequestError(
      400,
      'invalid_grant',
      'code_verifier does not match the code_challenge of the authorization',
    );
  }
  return undefined;
}

/** The most a dynamic client registration may carry. */
export const REGISTRATION_LIMITS = {
  /** The request body, in bytes. */
  bodyBytes: 16 * 1024,
  /** `client_name`, in characters (the auth plugin stores it in a 255-character column). */
  clientNameLength: 128,
  /** Entries of `redirect_uris`. */
  redirectUris: 10,
  /** Each redirect URI, in characters. */
  redirectUriLength: 2048,
  /** `scope`, in characters. */
  scopeLength: 1024,
  /** Entries of `grant_types` and of `response_types`. */
  typeEntries: 5,
  /** Each grant or response type, in characters. */
  typeLength: 64,
} as const;

/**
 * Checks the size of a dynamic client registration request
 * (`POST /v1/register`, RFC 7591). What the fields mean (allowed redirect
 * URI patterns, defaults) stays the auth plugin's to check.
 */
export function checkRegistrationRequest(
  body: unknown,
): OAuthRequestError | undefined {
  const L = REGISTRATION_LIMITS;
  const refuse = (description: string, error = 'invalid_client_metadata') =>
    new OAuthRequestError(400, error, description);
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return refuse(
      'The registration request must be a JSON object (Content-Type: application/json)',
    );
  }
  const fields = body as Record<string, unknown>;

  const name = fields.client_name;
  if (name !== undefined) {
    if (typeof name !== 'string') {
      return refuse('client_name must be a string');
    }
    if (name.length > L.clientNameLength) {
      return refuse(
        `client_name is ${name.length} characters long; at most ${L.clientNameLength} are accepted`,
      );
    }
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(name)) {
      return refuse('client_name must not contain control characters');
    }
  }

  const uris = fields.redirect_uris;
  if (Array.isArray(uris)) {
    if (uris.length > L.redirectUris) {
      return refuse(
        `redirect_uris has ${uris.length} entries; at most ${L.redirectUris} are accepted`,
        'invalid_redirect_uri',
      );
    }
    const long = uris.findIndex(
      u => typeof u === 'string' && u.length > L.redirectUriLength,
    );
    if (long >= 0) {
      return refuse(
        `redirect_uris[${long}] is longer than ${L.redirectUriLength} characters`,
        'invalid_redirect_uri',
      );
    }
  }

  if (typeof fields.scope === 'string' && fields.scope.length > L.scopeLength) {
    return refuse(`scope is longer than ${L.scopeLength} characters`);
  }
  for (const key of ['grant_types', 'response_types']) {
    const list = fields[key];
    if (!Array.isArray(list)) {
      continue;
    }
    if (list.length > L.typeEntries) {
      return refuse(
        `${key} has ${list.length} entries; at most ${L.typeEntries} are accepted`,
      );
    }
    if (list.some(t => typeof t === 'string' && t.length > L.typeLength)) {
      return refuse(
        `each entry of ${key} must be at most ${L.typeLength} characters`,
      );
    }
  }
  return undefined;
}

/** The client authentication methods the token endpoint takes. */
const TOKEN_ENDPOINT_AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'none',
];

/**
 * The `token_endpoint_auth_method` a registration gets (RFC 7591 §2): the
 * one it asked for when the token endpoint takes it, else
 * `client_secret_basic`, the RFC's default. The auth plugin ignores the
 * field and issues a secret either way; a client that asked for `none`
 * (a public client, such as a CLI) may then redeem its codes without the
 * secret, with PKCE.
 */
export function registeredAuthMethod(body: unknown): string {
  const requested =
    body && typeof body === 'object'
      ? (body as Record<string, unknown>).token_endpoint_auth_method
      : undefined;
  return typeof requested === 'string' &&
    TOKEN_ENDPOINT_AUTH_METHODS.includes(requested)
    ? requested
    : 'client_secret_basic';
}

/**
 * The address a registration is counted under: IPv4 as it is (also when
 * IPv4-mapped), IPv6 by its /64 prefix, since one host commonly holds a
 * whole /64.
 */
export function rateLimitKey(address: string | undefined): string {
  if (!address) {
    return 'unknown';
  }
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) {
    return mapped[1];
  }
  if (!address.includes(':')) {
    return address;
  }
  const [head, tail] = address.split('%')[0].toLowerCase().split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? headGroups
      : [
          ...headGroups,
          ...Array(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill(
            '0',
          ),
          ...tailGroups,
        ];
  return `${groups
    .slice(0, 4)
    .map(g => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
