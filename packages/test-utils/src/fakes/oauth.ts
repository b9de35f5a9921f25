/*
 * The bookkeeping the fakes' OAuth 2 servers (GitHub, GitLab, Entra ID)
 * share: authorization codes that are random, single use, short-lived and
 * bound to a client and a redirect URI, and the client's credentials on the
 * token endpoint. How a refusal reads (error codes, texts, HTTP status) is
 * each service's own and stays with its fake.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** What a code was issued for, besides the fake's own grant. */
export interface CodeBinding {
  clientId: string;
  redirectUri: string;
}

/** Why a code was not honoured, in the order the checks run. */
export type CodeRefusal =
  | 'unknown'
  | 'expired'
  | 'other_client'
  | 'redirect_uri';

/** Authorization codes an authorization server issued and has not redeemed yet. */
export class AuthorizationCodes<TGrant> {
  private readonly codes = new Map<
    string,
    { grant: TGrant; binding: CodeBinding; expiresAt: number }
  >();

  /**
   * @param ttlMs - how long a code is valid
   * @param newCode - the code's format (default 32 random bytes, base64url)
   */
  constructor(
    private readonly ttlMs: number,
    private readonly newCode: () => string = () =>
      randomBytes(32).toString('base64url'),
  ) {}

  /** A new code for the grant, bound to the client and redirect URI. */
  issue(grant: TGrant, binding: CodeBinding): string {
    const code = this.newCode();
    this.codes.set(code, {
      grant,
      binding,
      expiresAt: Date.now() + this.ttlMs,
    });
    return code;
  }

  /**
   * Redeems a code: it is gone afterwards whatever the outcome, as a code is
   * good for one attempt. A `redirectUri` of undefined is not checked (GitHub
   * takes a token request without one).
   */
  redeem(
    code: string,
    request: { clientId: string; redirectUri?: string },
  ): { grant: TGrant; refusal?: never } | { refusal: CodeRefusal } {
    const issued = this.codes.get(code);
    this.codes.delete(code);
    if (!issued) return { refusal: 'unknown' };
    if (issued.expiresAt < Date.now()) return { refusal: 'expired' };
    if (issued.binding.clientId !== request.clientId) {
      return { refusal: 'other_client' };
    }
    if (
      request.redirectUri !== undefined &&
      request.redirectUri !== issued.binding.redirectUri
    ) {
      return { refusal: 'redirect_uri' };
    }
    return { grant: issued.grant };
  }
}

/**
 * The client's id and secret on a token request: HTTP Basic
 * (`client_secret_basic`, form-encoded parts) or the body's `client_id` and
 * `client_secret` (`client_secret_post`).
 */
export function clientCredentials(
  req: Pick<IncomingMessage, 'headers'>,
  body: { get(name: string): string | null | undefined },
): { clientId?: string; clientSecret?: string } {
  const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (basic) {
    const [id, secret] = Buffer.from(basic[1], 'base64')
      .toString('utf8')
      .split(':');
    return {
      clientId: decodeURIComponent(id),
      clientSecret: decodeURIComponent(secret ?? ''),
    };
  }
  return {
    clientId: body.get('client_id') ?? undefined,
    clientSecret: body.get('client_secret') ?? undefined,
  };
}
