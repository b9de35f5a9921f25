/*
 * Talks to the directory: find a user with the service account, then bind
 * as that user to check the password.
 *
 * User input only ever reaches the server as the value of an EqualityFilter
 * (sent as BER octets, so `*`, `(` or `)` are plain characters and never
 * filter syntax) and as the bind password. DNs always come from the
 * server's search result, never from input.
 */
import type { LoggerService } from '@backstage/backend-plugin-api';
import { ServiceUnavailableError } from '@backstage/errors';
import { randomBytes } from 'node:crypto';
import {
  AndFilter,
  Client,
  EqualityFilter,
  Filter,
  ResultCodeError,
} from 'ldapts';
import type { LdapDirectoryConfig } from './config';

/** Attributes read from the user entry; keys are lower-cased. */
const PROFILE_ATTRIBUTES = ['cn', 'displayName', 'mail', 'givenName', 'sn'];

/** A user entry found in the directory. */
export interface LdapUserEntry {
  /** The entry's DN, as the server returned it. */
  dn: string;
  /** The entry's value of the username attribute (the directory's spelling). */
  username: string;
  /** The attributes read from the entry, lower-cased names to string values. */
  attributes: Record<string, string[]>;
}

/**
 * Why a sign-in was refused. Callers turn every reason into the same 401 so
 * that a client cannot tell unknown users from wrong passwords; the reason
 * is for the log only.
 */
export class LdapCredentialsRejected extends Error {
  readonly reason:
    | 'empty-username'
    | 'empty-password'
    | 'no-entry'
    | 'ambiguous'
    | 'bind-rejected';
  readonly dn?: string;

  constructor(
    reason: LdapCredentialsRejected['reason'],
    dn?: string,
    detail?: string,
  ) {
    super(detail ? `${reason}: ${detail}` : reason);
    this.name = 'LdapCredentialsRejected';
    this.reason = reason;
    this.dn = dn;
  }
}

function describeError(error: unknown): string {
  if (error instanceof ResultCodeError) {
    return `${error.name} (LDAP result ${error.code})`;
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string'
      ? `${error.name} ${code}: ${error.message}`
      : `${error.name}: ${error.message}`;
  }
  return String(error);
}

function toStrings(value: unknown): string[] {
  if (value === undefined || value === null) {
    return [];
  }
  const list = Array.isArray(value) ? value : [value];
  return list.map(v => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v)));
}

/** Directory access for sign-in: lookups with the service account, password checks by bind. */
export class LdapDirectory {
  readonly #config: LdapDirectoryConfig;
  readonly #logger: LoggerService;
  readonly #attributes: string[];
  readonly #decoyDn: string;

  constructor(config: LdapDirectoryConfig, logger: LoggerService) {
    this.#config = config;
    this.#logger = logger;
    // Random per process, so that nobody can create the entry beforehand.
    this.#decoyDn = `cn=devportal-sign-in-decoy-${randomBytes(12).toString(
      'hex',
    )},${config.userSearchBase}`;
    this.#attributes = Array.from(
      new Set([config.usernameAttribute, ...PROFILE_ATTRIBUTES]),
    );
  }

  /**
   * Checks a username and password against the directory.
   *
   * @throws LdapCredentialsRejected when the credentials don't identify exactly one user
   * @throws ServiceUnavailableError when the directory can't be used (down, TLS, service account)
   */
  async authenticate(
    username: string,
    password: string,
  ): Promise<LdapUserEntry> {
    // An empty password makes a simple bind "unauthenticated", which many
    // servers accept as success (RFC 4513 5.1.2): refuse before any bind.
    if (password.length === 0) {
      throw new LdapCredentialsRejected('empty-password');
    }
    if (username.length === 0) {
      throw new LdapCredentialsRejected('empty-username');
    }
    return this.#withClient(async client => {
      let entry: LdapUserEntry | undefined;
      let refusal: LdapCredentialsRejected | undefined;
      try {
        entry = await this.#findUnique(client, username);
      } catch (error) {
        if (!(error instanceof LdapCredentialsRejected)) {
          throw error;
        }
        refusal = error;
      }
      // An unknown or ambiguous name still costs a bind (as a DN that
      // cannot exist), so that its refusal takes about as long as a
      // wrong password's and the timing does not tell who exists.
      const dn = entry?.dn ?? this.#decoyDn;
      try {
        await client.bind(dn, password);
      } catch (error) {
        if (error instanceof ResultCodeError) {
          // invalidCredentials, and also locked, expired or disabled
          // accounts (AD reports those as 49 with a data code, ppolicy as
          // 53): all of them are "this password doesn't sign you in".
          throw (
            refusal ??
            new LdapCredentialsRejected(
              'bind-rejected',
              entry?.dn,
              describeError(error),
            )
          );
        }
        throw this.#unavailable('bind as the user failed', error);
      }
      if (!entry) {
        // The decoy DN was accepted: a server that lets anyone bind as
        // any name. That proves nothing about the person.
        throw refusal ?? new LdapCredentialsRejected('no-entry');
      }
      return entry;
    });
  }

  /**
   * Looks a user up again with the service account, e.g. to refresh a
   * session; undefined when there is no longer exactly one entry.
   */
  async findUser(username: string): Promise<LdapUserEntry | undefined> {
    if (username.length === 0) {
      return undefined;
    }
    return this.#withClient(async client => {
      try {
        return await this.#findUnique(client, username);
      } catch (error) {
        if (error instanceof LdapCredentialsRejected) {
          return undefined;
        }
        throw error;
      }
    });
  }

  async #withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    const config = this.#config;
    const client = new Client({
      url: config.url,
      timeout: config.timeoutMs,
      connectTimeout: config.connectTimeoutMs,
      ...(config.secure && { tlsOptions: { ...config.tlsOptions } }),
    });
    try {
      if (config.starttls) {
        try {
          // ldapts hands these options to tls.connect on the existing
          // socket, which has no host of its own: pass it for the
          // certificate check. A fresh object each time, as it is mutated.
          await client.startTLS({ ...config.tlsOptions, host: config.host });
        } catch (error) {
          throw this.#unavailable('StartTLS failed', error);
        }
      }
      try {
        await client.bind(config.adminDn, config.adminPassword);
      } catch (error) {
        throw this.#unavailable(
          `the service account (adminDn ${config.adminDn}) could not bind`,
          error,
        );
      }
      return await fn(client);
    } finally {
      try {
        await client.unbind();
      } catch {
        // the connection may already be gone
      }
    }
  }

  async #findUnique(client: Client, username: string): Promise<LdapUserEntry> {
    const config = this.#config;
    const byName: Filter = new EqualityFilter({
      attribute: config.usernameAttribute,
      value: username,
    });
    const filter = config.userSearchFilter
      ? new AndFilter({ filters: [byName, config.userSearchFilter] })
      : byName;
    let entries;
    try {
      // Two are enough to know the name is ambiguous.
      ({ searchEntries: entries } = await client.search(config.userSearchBase, {
        scope: 'sub',
        filter,
        sizeLimit: 2,
        attributes: this.#attributes,
      }));
    } catch (error) {
      throw this.#unavailable(
        `searching userSearchBase ${config.userSearchBase} failed`,
        error,
      );
    }
    if (entries.length === 0) {
      throw new LdapCredentialsRejected('no-entry');
    }
    if (entries.length > 1) {
      // sizeLimit 2: there may be more than the two listed
      throw new LdapCredentialsRejected(
        'ambiguous',
        undefined,
        `${config.usernameAttribute} matches ${entries
          .map(e => e.dn)
          .join(' and ')}, and possibly more`,
      );
    }
    const raw = entries[0];
    const attributes: Record<string, string[]> = {};
    for (const [key, value] of Object.entries(raw)) {
      if (key !== 'dn') {
        attributes[key.toLowerCase()] = toStrings(value);
      }
    }
    const names = attributes[config.usernameAttribute.toLowerCase()] ?? [];
    const folded = username.toLowerCase();
    const canonical =
      names.find(n => n === username) ??
      names.find(n => n.toLowerCase() === folded) ??
      names[0] ??
      username;
    return { dn: raw.dn, username: canonical, attributes };
  }

  #unavailable(what: string, error: unknown): ServiceUnavailableError {
    // Details go to the log only; the client learns that the directory is
    // unavailable, nothing about the credentials it sent.
    this.#logger.error(
      `LDAP directory ${this.#config.url} unavailable: ${what}: ${describeError(
        error,
      )}`,
    );
    return new ServiceUnavailableError(
      'The LDAP directory is unavailable; try again later or ask an administrator to check the auth backend logs',
    );
  }
}
