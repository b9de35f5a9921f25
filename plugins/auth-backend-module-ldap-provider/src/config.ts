/*
 * Reads one environment block of `auth.providers.<providerId>` into a typed,
 * validated configuration. Every problem is collected and reported at once,
 * so an operator can fix the whole block in one go.
 */
import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Filter, FilterParser } from 'ldapts';
import type { SignInThrottleConfig, ThrottlePolicy } from './throttle';

/** Default name of the session cookie, the one the LDAP sign-in page's backend used. */
export const DEFAULT_COOKIE_NAME = 'backstage-token';
/** Default lifetime of an LDAP session (the cookie), after which a new sign-in is needed. */
export const DEFAULT_SESSION_DURATION_MS = 12 * 60 * 60 * 1000;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
// Browsers cap cookie lifetimes at 400 days.
const MAX_SESSION_DURATION_MS = 400 * 24 * 60 * 60 * 1000;
const MIN_SECRET_LENGTH = 32;

/**
 * Default sign-in throttling. Per username: short waits, so that someone
 * guessing at a person's account cannot lock them out for long (at most a
 * minute at a time) while still slowing guesses to about one a minute. Per
 * client address: more free failures (an office behind one NAT shares it)
 * and longer waits, which stops one client spraying many usernames.
 */
export const DEFAULT_SIGN_IN_THROTTLE: SignInThrottleConfig = {
  perUsername: { freeFailures: 5, firstDelayMs: 1_000, maxDelayMs: 60_000 },
  perAddress: { freeFailures: 20, firstDelayMs: 1_000, maxDelayMs: 300_000 },
  forgetAfterMs: 15 * 60_000,
};
// Longer waits lock people out; the throttle is for slowing guesses.
const MAX_THROTTLE_DELAY_MS = 60 * 60_000;

/** How to reach the directory and find users in it. */
export interface LdapDirectoryConfig {
  url: string;
  /** Host name or IP from `url`, used to verify the server certificate. */
  host: string;
  secure: boolean;
  starttls: boolean;
  tlsOptions: ConnectionOptions;
  timeoutMs: number;
  connectTimeoutMs: number;
  adminDn: string;
  adminPassword: string;
  userSearchBase: string;
  usernameAttribute: string;
  userSearchFilter?: Filter;
}

/** The validated configuration of one environment of the LDAP provider. */
export interface LdapProviderConfig {
  environment: string;
  cookie: {
    name: string;
    secure: boolean;
    secret?: string;
  };
  sessionDurationMs: number;
  directory: LdapDirectoryConfig;
  /** Throttling of failed sign-ins (`signInThrottle`). */
  throttle: SignInThrottleConfig;
}

/** A configuration that cannot work; `problems` lists every issue found. */
export class LdapProviderConfigError extends Error {
  readonly problems: string[];

  constructor(configPath: string, problems: string[]) {
    super(
      `Invalid LDAP sign-in configuration at ${configPath}: ${problems.join(
        '; ',
      )}`,
    );
    this.name = 'LdapProviderConfigError';
    this.problems = problems;
  }
}

// RFC 4512 attribute descriptions: a name or a numeric OID, plus options.
const ATTRIBUTE_RE =
  /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)(?:;[A-Za-z0-9-]+)*$/;
// RFC 6265 cookie-name token characters.
const COOKIE_NAME_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Reads `auth.providers.<providerId>.<environment>`.
 *
 * @param providerConfig - the `auth.providers.<providerId>` block
 * @param requestedEnvironment - the environment block to read (the value of
 *   `auth.environment`); when undefined, the only block there is
 * @param configPath - where `providerConfig` sits, for error messages
 */
export function readLdapProviderConfig(
  providerConfig: Config,
  requestedEnvironment: string | undefined,
  configPath = 'auth.providers.ldap',
): LdapProviderConfig {
  const available = providerConfig.keys();
  const listed = available.map(k => `'${k}'`).join(', ');
  let environment: string;
  if (requestedEnvironment !== undefined) {
    environment = requestedEnvironment;
  } else if (available.length === 1) {
    environment = available[0];
  } else {
    throw new LdapProviderConfigError(configPath, [
      available.length === 0
        ? `there is no environment block; add e.g. ${configPath}.production`
        : `there are several environment blocks (${listed}) and this provider was registered without knowing auth.environment; keep one block, or register createLdapAuthProviderFactory({ environment }) with the value of auth.environment`,
    ]);
  }
  const envConfig = providerConfig.getOptionalConfig(environment);
  if (!envConfig) {
    const found = available.length ? ` (found: ${listed})` : '';
    throw new LdapProviderConfigError(configPath, [
      `there is no '${environment}' block, which auth.environment selects${found}; add ${configPath}.${environment} or set auth.environment to one of the configured blocks`,
    ]);
  }
  const path = `${configPath}.${environment}`;
  const problems: string[] = [];
  function read<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
      return undefined;
    }
  }

  const cookieName =
    read(() => envConfig.getOptionalString('cookies.field')) ??
    DEFAULT_COOKIE_NAME;
  if (!COOKIE_NAME_RE.test(cookieName)) {
    problems.push(
      `cookies.field '${cookieName}' is not a valid cookie name (letters, digits and !#$%&'*+-.^_\`|~ only)`,
    );
  }
  const cookieSecure =
    read(() => envConfig.getOptionalBoolean('cookies.secure')) ?? true;
  const cookieSecret = read(() =>
    envConfig.getOptionalString('cookies.secret'),
  );
  if (cookieSecret !== undefined && cookieSecret.length < MIN_SECRET_LENGTH) {
    problems.push(
      `cookies.secret must be at least ${MIN_SECRET_LENGTH} characters long (e.g. the output of 'openssl rand -base64 48')`,
    );
  }

  let sessionDurationMs = DEFAULT_SESSION_DURATION_MS;
  if (envConfig.has('sessionDuration')) {
    const duration = read(() =>
      readDurationFromConfig(envConfig, { key: 'sessionDuration' }),
    );
    if (duration) {
      sessionDurationMs = durationToMilliseconds(duration);
      if (
        !(sessionDurationMs > 0) ||
        sessionDurationMs > MAX_SESSION_DURATION_MS
      ) {
        problems.push(
          'sessionDuration must be longer than zero and at most 400 days',
        );
      }
    }
  }

  const throttle = readThrottleConfig(envConfig, problems);

  const opts = 'ldapAuthenticationOptions';
  const userSearchBase = read(() =>
    envConfig.getString(`${opts}.userSearchBase`),
  );
  const usernameAttribute =
    read(() => envConfig.getOptionalString(`${opts}.usernameAttribute`)) ??
    'uid';
  if (!ATTRIBUTE_RE.test(usernameAttribute)) {
    problems.push(
      `${opts}.usernameAttribute '${usernameAttribute}' is not an LDAP attribute name (e.g. uid, sAMAccountName, mail)`,
    );
  }
  const filterText = read(() =>
    envConfig.getOptionalString(`${opts}.userSearchFilter`),
  );
  let userSearchFilter: Filter | undefined;
  if (filterText !== undefined) {
    try {
      userSearchFilter = FilterParser.parseString(filterText);
    } catch (error) {
      problems.push(
        `${opts}.userSearchFilter is not a valid LDAP filter (RFC 4515), e.g. (objectClass=inetOrgPerson): ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
  }
  const adminDn = read(() => envConfig.getString(`${opts}.adminDn`));
  const adminPassword = read(() =>
    envConfig.getString(`${opts}.adminPassword`),
  );

  const url = read(() => envConfig.getString(`${opts}.ldapOpts.url`));
  let host = '';
  let secure = false;
  if (url !== undefined) {
    try {
      const parsed = new URL(url);
      if (parsed.protocol !== 'ldap:' && parsed.protocol !== 'ldaps:') {
        throw new Error('unsupported protocol');
      }
      if (!parsed.hostname) {
        throw new Error('missing host');
      }
      secure = parsed.protocol === 'ldaps:';
      host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
    } catch {
      problems.push(
        `${opts}.ldapOpts.url '${url}' must be an ldap:// or ldaps:// URL with a host, e.g. ldaps://ldap.example.com:636`,
      );
    }
  }

  // `starttls` sits beside ldapOpts in the ldap-authentication option shape
  // that existing configurations use; ldapOpts.starttls is accepted too.
  const starttlsOuter = read(() =>
    envConfig.getOptionalBoolean(`${opts}.starttls`),
  );
  const starttlsInner = read(() =>
    envConfig.getOptionalBoolean(`${opts}.ldapOpts.starttls`),
  );
  if (
    starttlsOuter !== undefined &&
    starttlsInner !== undefined &&
    starttlsOuter !== starttlsInner
  ) {
    problems.push(
      `${opts}.starttls and ${opts}.ldapOpts.starttls disagree; set only one`,
    );
  }
  const starttls = starttlsOuter ?? starttlsInner ?? false;
  if (starttls && secure) {
    problems.push(
      `StartTLS cannot be used with an ldaps:// URL, which is already encrypted; use ldap:// with starttls, or ldaps:// without it`,
    );
  }

  const tls = `${opts}.ldapOpts.tlsOptions`;
  const rejectUnauthorized =
    read(() => envConfig.getOptionalBoolean(`${tls}.rejectUnauthorized`)) ??
    true;
  let ca: string[] | undefined;
  if (envConfig.has(`${tls}.ca`)) {
    const value = read(() => envConfig.get(`${tls}.ca`));
    const list = typeof value === 'string' ? [value] : value;
    if (
      Array.isArray(list) &&
      list.length > 0 &&
      list.every(
        v => typeof v === 'string' && v.includes('-----BEGIN CERTIFICATE-----'),
      )
    ) {
      ca = list as string[];
    } else if (value !== undefined) {
      problems.push(
        `${tls}.ca must be a PEM certificate or a list of them (-----BEGIN CERTIFICATE-----...); to trust a CA file, point NODE_EXTRA_CA_CERTS at it instead`,
      );
    }
  }
  const servername = read(() =>
    envConfig.getOptionalString(`${tls}.servername`),
  );

  const timeoutMs =
    read(() => envConfig.getOptionalNumber(`${opts}.ldapOpts.timeout`)) ??
    DEFAULT_TIMEOUT_MS;
  const connectTimeoutMs =
    read(() =>
      envConfig.getOptionalNumber(`${opts}.ldapOpts.connectTimeout`),
    ) ?? DEFAULT_CONNECT_TIMEOUT_MS;
  for (const [key, value] of [
    ['timeout', timeoutMs],
    ['connectTimeout', connectTimeoutMs],
  ] as const) {
    if (!(value > 0)) {
      problems.push(
        `${opts}.ldapOpts.${key} must be a positive number of milliseconds`,
      );
    }
  }

  if (problems.length > 0) {
    throw new LdapProviderConfigError(path, problems);
  }

  const tlsOptions: ConnectionOptions = {
    rejectUnauthorized,
    minVersion: 'TLSv1.2',
    ...(ca && { ca }),
  };
  // SNI takes host names only; certificate checks use `host` (see ldap.ts).
  const sni = servername ?? (isIP(host) ? undefined : host);
  if (sni) {
    tlsOptions.servername = sni;
  }

  return {
    environment,
    cookie: { name: cookieName, secure: cookieSecure, secret: cookieSecret },
    sessionDurationMs,
    throttle,
    directory: {
      url: url!,
      host,
      secure,
      starttls,
      tlsOptions,
      timeoutMs,
      connectTimeoutMs,
      adminDn: adminDn!,
      adminPassword: adminPassword!,
      userSearchBase: userSearchBase!,
      usernameAttribute,
      userSearchFilter,
    },
  };
}

/** Reads `signInThrottle`, adding what is wrong with it to `problems`. */
function readThrottleConfig(
  envConfig: Config,
  problems: string[],
): SignInThrottleConfig {
  const base = 'signInThrottle';
  const durationMs = (key: string, fallback: number): number => {
    if (!envConfig.has(key)) {
      return fallback;
    }
    try {
      const ms = durationToMilliseconds(
        readDurationFromConfig(envConfig, { key }),
      );
      if (ms > 0) {
        return ms;
      }
      problems.push(`${key} must be longer than zero, e.g. 30s`);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
    return fallback;
  };
  const policy = (
    scope: 'perUsername' | 'perAddress',
    defaults: ThrottlePolicy,
  ): ThrottlePolicy => {
    const at = `${base}.${scope}`;
    let freeFailures = defaults.freeFailures;
    try {
      freeFailures =
        envConfig.getOptionalNumber(`${at}.freeFailures`) ?? freeFailures;
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
    if (!Number.isInteger(freeFailures) || freeFailures < 1) {
      problems.push(
        `${at}.freeFailures must be a whole number of at least 1 (the failures in a row before the first wait), e.g. ${defaults.freeFailures}`,
      );
    }
    const firstDelayMs = durationMs(`${at}.firstDelay`, defaults.firstDelayMs);
    const maxDelayMs = durationMs(`${at}.maxDelay`, defaults.maxDelayMs);
    if (maxDelayMs < firstDelayMs) {
      problems.push(
        `${at}.maxDelay must be at least ${at}.firstDelay: the wait doubles from firstDelay up to maxDelay`,
      );
    }
    if (maxDelayMs > MAX_THROTTLE_DELAY_MS) {
      problems.push(
        `${at}.maxDelay must be at most 1 hour: longer waits lock people out instead of slowing guesses`,
      );
    }
    return { freeFailures, firstDelayMs, maxDelayMs };
  };
  const perUsername = policy(
    'perUsername',
    DEFAULT_SIGN_IN_THROTTLE.perUsername,
  );
  const perAddress = policy('perAddress', DEFAULT_SIGN_IN_THROTTLE.perAddress);
  const longestDelayMs = Math.max(
    perUsername.maxDelayMs,
    perAddress.maxDelayMs,
  );
  const forgetAfterMs = durationMs(
    `${base}.forgetAfter`,
    Math.max(DEFAULT_SIGN_IN_THROTTLE.forgetAfterMs, longestDelayMs),
  );
  if (forgetAfterMs < longestDelayMs) {
    problems.push(
      `${base}.forgetAfter must be at least the longest maxDelay, or counts would be forgotten while their wait still runs`,
    );
  }
  return { perUsername, perAddress, forgetAfterMs };
}
