/*
 * Credentials of the fake GitLab: personal access tokens, and what the
 * OAuth flow hands out (authorization codes, access and refresh tokens).
 */
import { IncomingMessage } from 'http';
import { randomBytes } from 'crypto';
import { HttpError } from '../http';
import { AuthorizationCodes } from '../oauth';
import { unauthorized } from './http';
import { Actor, GitLabState } from './model';

/** A personal access token of one of the fake's users. */
export interface FakeGitLabAccessToken {
  token: string;
  username: string;
  /** Defaults to `read_api`, the scope the gitlab preset documents. */
  scopes?: string[];
  /** The name its owner gave it; defaults to `backstage`. */
  name?: string;
  /** Its expiry date (`YYYY-MM-DD`); defaults to none. */
  expiresAt?: string;
}

interface IssuedToken {
  clientId: string;
  userId: number;
  scopes: string[];
}

/** Doorkeeper's lifetimes on GitLab: codes 10 minutes, access tokens 2 hours. */
const CODE_TTL_MS = 10 * 60_000;
export const ACCESS_TOKEN_TTL_S = 7200;

function randomToken(): string {
  return randomBytes(32).toString('hex');
}

/** The token in `PRIVATE-TOKEN` or `Authorization: Bearer`, if any. */
function tokenOf(req: IncomingMessage): string | undefined {
  const privateToken = req.headers['private-token'];
  const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return (
    (Array.isArray(privateToken) ? privateToken[0] : privateToken) ??
    bearer?.[1]
  );
}

/** Every credential the fake accepts, and who each one belongs to. */
export class TokenStore {
  private readonly codes = new AuthorizationCodes<IssuedToken>(
    CODE_TTL_MS,
    randomToken,
  );
  private readonly accessTokens = new Map<string, IssuedToken>();
  private readonly refreshTokens = new Map<string, IssuedToken>();

  constructor(
    private readonly state: GitLabState,
    private readonly personal: FakeGitLabAccessToken[],
  ) {}

  /**
   * The caller of an API request: the owner of the token in `PRIVATE-TOKEN`
   * or `Authorization: Bearer`, or undefined without either. A token GitLab
   * does not know is a 401, as it is there (not an anonymous request).
   */
  actorOf(req: IncomingMessage): Actor | undefined {
    const token = tokenOf(req);
    if (token === undefined) {
      return undefined;
    }
    const pat = this.personal.find(p => p.token === token);
    const user = pat
      ? this.state.allUsers().find(u => u.username === pat.username)
      : this.state.userById(this.accessTokens.get(token)?.userId ?? -1);
    if (!user || (user.state ?? 'active') !== 'active') {
      throw unauthorized();
    }
    const scopes = pat
      ? pat.scopes ?? ['read_api']
      : this.accessTokens.get(token)!.scopes;
    return { user, scopes };
  }

  /**
   * The personal access token a request carries, with its place in the
   * list (its id), for `GET /personal_access_tokens/self`; undefined for
   * any other credential.
   */
  personalTokenOf(
    req: IncomingMessage,
  ): { token: FakeGitLabAccessToken; index: number } | undefined {
    const actor = this.actorOf(req);
    const token = tokenOf(req);
    const index = this.personal.findIndex(p => p.token === token);
    return actor && index >= 0
      ? { token: this.personal[index], index }
      : undefined;
  }

  issueCode(grant: IssuedToken & { redirectUri: string }): string {
    const { redirectUri, ...issued } = grant;
    return this.codes.issue(issued, { clientId: grant.clientId, redirectUri });
  }

  /** Redeems a code once; it must have been issued to this client for this redirect URI. */
  redeemCode(code: string, clientId: string, redirectUri: string) {
    const redeemed = this.codes.redeem(code, { clientId, redirectUri });
    if (redeemed.refusal) {
      throw invalidGrant();
    }
    return this.issueTokens(redeemed.grant);
  }

  /** Exchanges a refresh token; GitLab rotates it, so the old one stops working. */
  refresh(refreshToken: string, clientId: string) {
    const grant = this.refreshTokens.get(refreshToken);
    this.refreshTokens.delete(refreshToken);
    if (!grant || grant.clientId !== clientId) {
      throw invalidGrant();
    }
    return this.issueTokens(grant);
  }

  private issueTokens(grant: IssuedToken) {
    const issued = {
      clientId: grant.clientId,
      userId: grant.userId,
      scopes: grant.scopes,
    };
    const accessToken = randomToken();
    const refreshToken = randomToken();
    this.accessTokens.set(accessToken, issued);
    this.refreshTokens.set(refreshToken, issued);
    return { accessToken, refreshToken, scopes: grant.scopes };
  }
}

/** Doorkeeper's answer to a bad, used or foreign code or refresh token. */
function invalidGrant(): HttpError {
  return new HttpError(400, {
    error: 'invalid_grant',
    error_description:
      'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.',
  });
}

/** GitLab's 403 for a token without a scope the endpoint needs. */
export function requireScope(actor: Actor, accepted: string[]): void {
  if (!actor.scopes.some(s => accepted.includes(s))) {
    throw new HttpError(
      403,
      {
        error: 'insufficient_scope',
        error_description:
          'The request requires higher privileges than provided by the access token.',
        scope: accepted.join(' '),
      },
      {
        'www-authenticate': `Bearer realm="Protected by OAuth 2.0", error="insufficient_scope", error_description="The request requires higher privileges than provided by the access token.", scope="${accepted.join(
          ' ',
        )}"`,
      },
    );
  }
}
