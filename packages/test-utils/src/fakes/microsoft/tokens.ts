/*
 * Tokens as Entra ID issues them: RS256 JWTs from a key published at the
 * tenant's jwks_uri. The fake checks its own signature on every Graph call,
 * as Graph does.
 */
import {
  createPublicKey,
  generateKeyPairSync,
  KeyObject,
  randomUUID,
  sign,
  verify,
} from 'node:crypto';

/** Microsoft Graph's application id: the `aud` of every token for Graph, in every cloud. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

const b64 = (value: object) =>
  Buffer.from(JSON.stringify(value)).toString('base64url');

/** Claims of a token this signer issued and that has not expired. */
export type Claims = Record<string, unknown> & { exp: number };

/** Issues and checks the fake's tokens. */
export class TokenSigner {
  readonly #privateKey: KeyObject;
  readonly #publicKey: KeyObject;
  readonly kid = randomUUID();

  constructor() {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
    });
    this.#privateKey = privateKey;
    this.#publicKey = publicKey;
  }

  /** A signed JWT valid for an hour from now. */
  sign(claims: Record<string, unknown>): string {
    const now = Math.floor(Date.now() / 1000);
    const input = `${b64({ typ: 'JWT', alg: 'RS256', kid: this.kid })}.${b64({
      iat: now,
      nbf: now,
      exp: now + 3600,
      ...claims,
    })}`;
    const signature = sign(
      'RSA-SHA256',
      Buffer.from(input),
      this.#privateKey,
    ).toString('base64url');
    return `${input}.${signature}`;
  }

  /** The claims of a token this signer issued and that has not expired, else undefined. */
  verify(token: string): Claims | undefined {
    const [header, payload, signature] = token.split('.');
    if (!header || !payload || !signature) {
      return undefined;
    }
    const valid = verify(
      'RSA-SHA256',
      Buffer.from(`${header}.${payload}`),
      this.#publicKey,
      Buffer.from(signature, 'base64url'),
    );
    if (!valid) {
      return undefined;
    }
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    return claims.exp > Date.now() / 1000 ? claims : undefined;
  }

  /** The tenant's JSON Web Key Set, as served at `discovery/v2.0/keys`. */
  jwks() {
    const jwk = createPublicKey(this.#publicKey).export({ format: 'jwk' });
    return { keys: [{ kty: 'RSA', use: 'sig', kid: this.kid, ...jwk }] };
  }
}
