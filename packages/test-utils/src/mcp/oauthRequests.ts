/*
 * Backstage's OAuth 2.1 endpoints called by hand, one request each, for
 * the tests that play a misbehaving or hostile client: registering with
 * odd metadata or from another loopback address, authorizing without (or
 * with a weak) PKCE challenge, redeeming a code as another client. The
 * honest flow is the SDK's (connect.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { BackendProcess } from '../backend/backendProcess';

/** A PKCE verifier and its S256 challenge. */
export interface PkcePair {
  verifier: string;
  challenge: string;
}

/** A fresh PKCE verifier (43 characters, as the SDK makes) and its S256 challenge. */
export function pkcePair(): PkcePair {
  const verifier = randomBytes(32).toString('base64url');
  return {
    verifier,
    challenge: createHash('sha256').update(verifier).digest('base64url'),
  };
}

/** An HTTP answer: status, headers (lower-case names) and the body parsed as JSON when it is JSON. */
export interface OAuthAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: any;
}

/**
 * Sends one request with Node's http client, which, unlike fetch, can
 * leave from a chosen local address: `127.0.0.2` is another client
 * address on the same loopback interface.
 */
function send(
  url: string,
  options: {
    method: string;
    headers?: Record<string, string>;
    body?: string;
    localAddress?: string;
  },
): Promise<OAuthAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: options.method,
        headers: options.headers,
        localAddress: options.localAddress,
      },
      res => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', chunk => {
          text += chunk;
        });
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON: kept as text
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * `POST /api/auth/v1/register` (dynamic client registration) with
 * `metadata` as the JSON body, from `localAddress` when given.
 */
export function registerClient(
  backend: BackendProcess,
  metadata: unknown,
  options: { localAddress?: string } = {},
): Promise<OAuthAnswer> {
  return send(`${backend.baseUrl}/api/auth/v1/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof metadata === 'string' ? metadata : JSON.stringify(metadata),
    localAddress: options.localAddress,
  });
}

/**
 * The `/api/auth/v1/authorize` URL a client opens in the browser, with the
 * PKCE parameters given (none when left out).
 */
export function authorizationUrl(
  backend: BackendProcess,
  options: {
    clientId: string;
    redirectUri: string;
    codeChallenge?: string;
    codeChallengeMethod?: string;
    state?: string;
  },
): URL {
  const url = new URL(`${backend.baseUrl}/api/auth/v1/authorize`);
  const params: Record<string, string> = {
    client_id: options.clientId,
    redirect_uri: options.redirectUri,
    response_type: 'code',
    state: options.state ?? 'e2e',
  };
  if (options.codeChallenge !== undefined) {
    params.code_challenge = options.codeChallenge;
  }
  if (options.codeChallengeMethod !== undefined) {
    params.code_challenge_method = options.codeChallengeMethod;
  }
  url.search = new URLSearchParams(params).toString();
  return url;
}

/**
 * `POST /api/auth/v1/token` with `grant_type=authorization_code`, as a
 * form. The client identifies itself with HTTP Basic when `basic` is set
 * (id and secret), else with `client_id` (and `client_secret`) in the body.
 */
export function redeemCode(
  backend: BackendProcess,
  options: {
    code: string;
    redirectUri: string;
    codeVerifier?: string;
    clientId?: string;
    clientSecret?: string;
    basic?: boolean;
  },
): Promise<OAuthAnswer> {
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code: options.code,
    redirect_uri: options.redirectUri,
  });
  if (options.codeVerifier !== undefined) {
    form.set('code_verifier', options.codeVerifier);
  }
  const headers: Record<string, string> = {
    'Content-Type': 'application/x-www-form-urlencoded',
  };
  if (options.basic) {
    headers.Authorization = `Basic ${Buffer.from(
      `${options.clientId ?? ''}:${options.clientSecret ?? ''}`,
    ).toString('base64')}`;
  } else {
    if (options.clientId !== undefined) {
      form.set('client_id', options.clientId);
    }
    if (options.clientSecret !== undefined) {
      form.set('client_secret', options.clientSecret);
    }
  }
  return send(`${backend.baseUrl}/api/auth/v1/token`, {
    method: 'POST',
    headers,
    body: form.toString(),
  });
}
