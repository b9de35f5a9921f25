/*
 * The LDAP session kept in the browser's cookie between page loads.
 *
 * The cookie holds who signed in (entry DN and username), a session id and
 * an absolute expiry, sealed as a JWE (dir + A256GCM): authenticated
 * encryption, so the server can trust what it reads back and the browser
 * learns nothing from it. It never holds a password. On refresh the server
 * looks the user up in the directory again, so a removed or renamed account
 * loses its session at the next refresh.
 */
import { randomUUID, hkdfSync, randomBytes } from 'node:crypto';
import type { Config } from '@backstage/config';
import { EncryptJWT, jwtDecrypt } from 'jose';

/** What a session cookie says once opened. */
export interface LdapSession {
  /** Session id, used to revoke the session on logout. */
  id: string;
  dn: string;
  username: string;
  expiresAt: Date;
}

// Anything much longer than a sealed session is not one of ours.
const MAX_COOKIE_LENGTH = 4096;

/** Seals and opens session cookie values. */
export class LdapSessionSealer {
  readonly #key: Uint8Array;
  readonly #audience: string;
  readonly #durationMs: number;

  /**
   * @param options.secret - shared secret (replicas and restarts keep sessions); without it a random per-process key is used
   * @param options.providerId - binds cookies to this provider
   * @param options.durationMs - session lifetime
   */
  static create(options: {
    secret?: string;
    providerId: string;
    durationMs: number;
  }): LdapSessionSealer {
    const ikm = options.secret
      ? Buffer.from(options.secret, 'utf8')
      : randomBytes(32);
    const key = new Uint8Array(
      hkdfSync(
        'sha256',
        ikm,
        'devportal-ldap-session-v1',
        `auth-provider:${options.providerId}`,
        32,
      ),
    );
    return new LdapSessionSealer(
      key,
      `backstage-auth-${options.providerId}-session`,
      options.durationMs,
    );
  }

  private constructor(key: Uint8Array, audience: string, durationMs: number) {
    this.#key = key;
    this.#audience = audience;
    this.#durationMs = durationMs;
  }

  async seal(user: { dn: string; username: string }): Promise<{
    value: string;
    session: LdapSession;
  }> {
    const id = randomUUID();
    const issuedAt = Math.floor(Date.now() / 1000);
    const expiresAtSeconds = issuedAt + Math.ceil(this.#durationMs / 1000);
    const value = await new EncryptJWT({ dn: user.dn, usr: user.username })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setAudience(this.#audience)
      .setJti(id)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAtSeconds)
      .encrypt(this.#key);
    return {
      value,
      session: {
        id,
        dn: user.dn,
        username: user.username,
        expiresAt: new Date(expiresAtSeconds * 1000),
      },
    };
  }

  /** Opens a cookie value; undefined when it's forged, damaged, foreign or expired. */
  async open(value: string | undefined): Promise<LdapSession | undefined> {
    if (!value || value.length > MAX_COOKIE_LENGTH) {
      return undefined;
    }
    try {
      const { payload } = await jwtDecrypt(value, this.#key, {
        audience: this.#audience,
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A256GCM'],
        requiredClaims: ['exp', 'jti'],
      });
      const { dn, usr, jti, exp } = payload;
      if (
        typeof dn !== 'string' ||
        typeof usr !== 'string' ||
        typeof jti !== 'string' ||
        typeof exp !== 'number'
      ) {
        return undefined;
      }
      return { id: jti, dn, username: usr, expiresAt: new Date(exp * 1000) };
    } catch {
      return undefined;
    }
  }
}

/**
 * Whether `backend.database` is one several processes can use at once,
 * or that outlives this process: anything but SQLite in memory (the
 * embedded default). With such a database, a per-process session key is
 * the one thing replicas do not share.
 *
 * @public
 */
export function isSharedDatabase(rootConfig: Config): boolean {
  const client =
    rootConfig.getOptionalString('backend.database.client') ?? 'better-sqlite3';
  if (client !== 'better-sqlite3' && client !== 'sqlite3') {
    return true;
  }
  const connection =
    rootConfig.getOptional('backend.database.connection') ?? ':memory:';
  if (typeof connection === 'string') {
    return connection !== ':memory:';
  }
  const { filename, directory } = connection as {
    filename?: unknown;
    directory?: unknown;
  };
  return directory !== undefined || (filename ?? ':memory:') !== ':memory:';
}

/**
 * The boot warning for LDAP sessions sealed with a per-process key while
 * the database is shared: a session started on one replica is refused by
 * the others, and every restart ends every session.
 *
 * @param secretPath - the config key that holds the secret, e.g. `auth.providers.ldap.production.cookies.secret`
 * @param variables - the variables the key is set from, when known (a preset maps them to it)
 */
export function perProcessKeyWarning(
  secretPath: string,
  variables: string[] = [],
): string {
  const set = variables.length
    ? `${variables.join(
        ' or ',
      )} (the selected preset's variable for it, or ${secretPath} directly)`
    : secretPath;
  return `${secretPath} is not set while the database is shared: LDAP sessions are sealed with a key of this process, so a session started on one replica is refused by the others and every restart ends them all. Set ${set} to the same random value of 32+ characters on every replica, e.g. the output of 'openssl rand -base64 48'`;
}
