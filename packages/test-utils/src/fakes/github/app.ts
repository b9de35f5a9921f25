/*
 * The GitHub App side of the fake GitHub: what Backstage's integration
 * (`GithubAppCredentialsMux` in @backstage/integration, on @octokit/auth-app)
 * calls with an App's credentials, under GitHub Enterprise Server's /api/v3:
 *
 * - `GET /app` and `GET /app/installations`, authenticated with the App's
 *   JWT (`Authorization: bearer <jwt>`), RS256-signed with its private key
 *   and verified here against its public key, with GitHub's rules on `iss`,
 *   `iat` and `exp` (at most 10 minutes);
 * - `POST /app/installations/{id}/access_tokens`, with the JWT too, which
 *   issues an installation access token (`ghs_...`, one hour) that the rest
 *   of the API then accepts like a token of the App's bot account.
 */
import {
  createPublicKey,
  generateKeyPairSync,
  KeyObject,
  randomBytes,
  verify,
} from 'crypto';
import { HttpError } from '../http';

/** A GitHub App registered on the fake, installed on the organization. */
export interface FakeGithubAppInput {
  /** The App ID (`iss` of its JWTs). */
  appId: number;
  /** The App's URL name; its bot account is `<slug>[bot]`. Defaults to `backstage`. */
  slug?: string;
  clientId: string;
  clientSecret: string;
  /** The App's public key (PEM), the one its JWTs are verified with. */
  publicKey: string;
  /** The App's private key (PEM): what the backend is given, never used by the fake. */
  privateKey: string;
  /**
   * The permissions the App is installed with, as GitHub lists them;
   * defaults to what the github preset documents (administration and
   * contents write, members and metadata read).
   */
  permissions?: Record<string, 'read' | 'write' | 'admin'>;
}

/** The permissions of an App installed as the github preset documents. */
const DEFAULT_PERMISSIONS = {
  administration: 'write',
  contents: 'write',
  members: 'read',
  metadata: 'read',
} as const;

/** An installation access token the fake issued. */
export interface IssuedInstallationToken {
  token: string;
  installationId: number;
  expiresAt: Date;
}

/**
 * A fresh key pair for a GitHub App, in the PEM forms GitHub hands out
 * (the private key PKCS#1): the fake gets the public key, the backend the
 * private one; `key` is the private key object, to sign JWTs a test spoils.
 */
export function githubAppKeyPair(): {
  publicKey: string;
  privateKey: string;
  key: KeyObject;
} {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
  });
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    key: privateKey,
  };
}

/** GitHub's longest JWT lifetime, and the clock drift it tolerates for `iat`. */
const MAX_JWT_LIFETIME_SECONDS = 600;
const CLOCK_DRIFT_SECONDS = 60;
const INSTALLATION_TOKEN_LIFETIME_MS = 3600_000;

/** The App's state on the fake: one installation, on the organization. */
export class FakeGithubAppState {
  readonly slug: string;
  readonly installationId: number;
  readonly permissions: Record<string, 'read' | 'write' | 'admin'>;
  private readonly key: KeyObject;
  private readonly tokens = new Map<string, IssuedInstallationToken>();

  constructor(readonly input: FakeGithubAppInput, installationId: number) {
    this.slug = input.slug ?? 'backstage';
    this.permissions = input.permissions ?? DEFAULT_PERMISSIONS;
    this.installationId = installationId;
    this.key = createPublicKey(input.publicKey);
  }

  /**
   * Checks a request's `Authorization: bearer <jwt>` as GitHub does for the
   * `/app` routes; throws GitHub's 401 otherwise.
   */
  verifyJwt(authorization: string | undefined): void {
    const refuse = (message: string) =>
      new HttpError(401, {
        message,
        documentation_url:
          'https://docs.github.com/enterprise-server@3.14/rest/apps/apps',
        status: '401',
      });
    const match = /^bearer\s+([\w-]+)\.([\w-]+)\.([\w-]+)$/i.exec(
      authorization ?? '',
    );
    if (!match) {
      throw refuse('A JSON web token could not be decoded');
    }
    const [, headerPart, payloadPart, signature] = match;
    let header: { alg?: string };
    let payload: { iss?: unknown; iat?: unknown; exp?: unknown };
    try {
      header = JSON.parse(Buffer.from(headerPart, 'base64url').toString());
      payload = JSON.parse(Buffer.from(payloadPart, 'base64url').toString());
    } catch {
      throw refuse('A JSON web token could not be decoded');
    }
    const signed = verify(
      'RSA-SHA256',
      Buffer.from(`${headerPart}.${payloadPart}`),
      this.key,
      Buffer.from(signature, 'base64url'),
    );
    if (header.alg !== 'RS256' || !signed) {
      throw refuse(
        `A JSON web token could not be decoded: the signature does not match the public key of the GitHub App ${this.input.appId}`,
      );
    }
    if (
      String(payload.iss) !== String(this.input.appId) &&
      payload.iss !== this.input.clientId
    ) {
      throw refuse(
        "'Issuer' claim ('iss') must be an Integer or String representing the GitHub App's ID or Client ID",
      );
    }
    const now = Math.floor(Date.now() / 1000);
    if (
      !Number.isInteger(payload.iat) ||
      Number(payload.iat) > now + CLOCK_DRIFT_SECONDS
    ) {
      throw refuse(
        "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued.",
      );
    }
    const exp = Number(payload.exp);
    if (!Number.isInteger(payload.exp) || exp <= now) {
      throw refuse(
        "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires.",
      );
    }
    if (exp - Number(payload.iat) > MAX_JWT_LIFETIME_SECONDS) {
      throw refuse("'Expiration time' claim ('exp') is too far in the future.");
    }
  }

  /** Issues an installation access token, as `POST .../access_tokens` does. */
  issueToken(): IssuedInstallationToken {
    const alphabet =
      'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    const token = `ghs_${[...randomBytes(36)]
      .map(b => alphabet[b % alphabet.length])
      .join('')}`;
    // Whole seconds, as GitHub's `expires_at` has them.
    const expiresAt = new Date(
      Math.floor((Date.now() + INSTALLATION_TOKEN_LIFETIME_MS) / 1000) * 1000,
    );
    const issued = { token, installationId: this.installationId, expiresAt };
    this.tokens.set(token, issued);
    return issued;
  }

  /** The unexpired installation token, if `token` is one. */
  installationToken(token: string): IssuedInstallationToken | undefined {
    const issued = this.tokens.get(token);
    return issued && issued.expiresAt.getTime() > Date.now()
      ? issued
      : undefined;
  }

  issuedTokens(): IssuedInstallationToken[] {
    return [...this.tokens.values()];
  }
}
