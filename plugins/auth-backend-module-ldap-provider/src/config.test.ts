import { ConfigReader } from '@backstage/config';
import {
  DEFAULT_COOKIE_NAME,
  DEFAULT_SESSION_DURATION_MS,
  DEFAULT_SIGN_IN_THROTTLE,
  LdapProviderConfigError,
  readLdapProviderConfig,
} from './config';

const minimal = {
  ldapAuthenticationOptions: {
    userSearchBase: 'ou=people,dc=example,dc=com',
    adminDn: 'cn=admin,dc=example,dc=com',
    adminPassword: 'secret',
    ldapOpts: { url: 'ldaps://ldap.example.com:636' },
  },
};

function read(block: object, environment: string | undefined = 'production') {
  return readLdapProviderConfig(
    new ConfigReader({ production: block }, 'test'),
    environment,
  );
}

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(LdapProviderConfigError);
    return (error as LdapProviderConfigError).problems;
  }
  throw new Error('expected a configuration error');
}

describe('readLdapProviderConfig', () => {
  it('reads the preset shape with safe defaults', () => {
    const config = read(minimal);
    expect(config).toEqual({
      environment: 'production',
      cookie: { name: DEFAULT_COOKIE_NAME, secure: true, secret: undefined },
      sessionDurationMs: DEFAULT_SESSION_DURATION_MS,
      throttle: {
        perUsername: { freeFailures: 5, firstDelayMs: 1000, maxDelayMs: 60000 },
        perAddress: {
          freeFailures: 20,
          firstDelayMs: 1000,
          maxDelayMs: 300000,
        },
        forgetAfterMs: 15 * 60 * 1000,
      },
      directory: {
        url: 'ldaps://ldap.example.com:636',
        host: 'ldap.example.com',
        secure: true,
        starttls: false,
        tlsOptions: {
          rejectUnauthorized: true,
          minVersion: 'TLSv1.2',
          servername: 'ldap.example.com',
        },
        timeoutMs: 10000,
        connectTimeoutMs: 5000,
        adminDn: 'cn=admin,dc=example,dc=com',
        adminPassword: 'secret',
        userSearchBase: 'ou=people,dc=example,dc=com',
        usernameAttribute: 'uid',
        userSearchFilter: undefined,
      },
    });
  });

  it('reads every optional key', () => {
    const config = read({
      cookies: { field: 'ldap-session', secure: false, secret: 'x'.repeat(32) },
      sessionDuration: { hours: 2 },
      ldapAuthenticationOptions: {
        ...minimal.ldapAuthenticationOptions,
        usernameAttribute: 'sAMAccountName',
        userSearchFilter: '(objectClass=user)',
        starttls: true,
        ldapOpts: {
          url: 'ldap://[::1]:389',
          timeout: 3000,
          connectTimeout: 1000,
          tlsOptions: {
            ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
            servername: 'ldap.internal',
          },
        },
      },
    });
    expect(config.cookie).toEqual({
      name: 'ldap-session',
      secure: false,
      secret: 'x'.repeat(32),
    });
    expect(config.sessionDurationMs).toBe(2 * 60 * 60 * 1000);
    expect(config.directory).toMatchObject({
      host: '::1',
      secure: false,
      starttls: true,
      timeoutMs: 3000,
      connectTimeoutMs: 1000,
      usernameAttribute: 'sAMAccountName',
      tlsOptions: {
        rejectUnauthorized: true,
        ca: ['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'],
        servername: 'ldap.internal',
      },
    });
    expect(config.directory.userSearchFilter?.toString()).toBe(
      '(objectClass=user)',
    );
  });

  it('accepts ldapOpts.starttls and sessionDuration as a string', () => {
    const config = read({
      sessionDuration: '30m',
      ldapAuthenticationOptions: {
        ...minimal.ldapAuthenticationOptions,
        ldapOpts: { url: 'ldap://127.0.0.1:389', starttls: true },
      },
    });
    expect(config.directory.starttls).toBe(true);
    expect(config.directory.tlsOptions.servername).toBeUndefined();
    expect(config.sessionDurationMs).toBe(30 * 60 * 1000);
  });

  it('reads signInThrottle, keeping the defaults of what is not set', () => {
    const config = read({
      ...minimal,
      signInThrottle: {
        perUsername: { freeFailures: 3, firstDelay: '2s', maxDelay: '10s' },
        perAddress: { maxDelay: { minutes: 30 } },
      },
    });
    expect(config.throttle).toEqual({
      perUsername: { freeFailures: 3, firstDelayMs: 2000, maxDelayMs: 10000 },
      perAddress: {
        ...DEFAULT_SIGN_IN_THROTTLE.perAddress,
        maxDelayMs: 30 * 60 * 1000,
      },
      // Not set: stretched to the longest wait, so no count is forgotten mid-wait.
      forgetAfterMs: 30 * 60 * 1000,
    });
  });

  it('refuses signInThrottle values that would not throttle or would lock people out', () => {
    expect(
      problems(() =>
        read({
          ...minimal,
          signInThrottle: {
            perUsername: { freeFailures: 0, firstDelay: '1m', maxDelay: '10s' },
            perAddress: { freeFailures: 2.5, maxDelay: '2h' },
            forgetAfter: '1s',
          },
        }),
      ),
    ).toEqual([
      'signInThrottle.perUsername.freeFailures must be a whole number of at least 1 (the failures in a row before the first wait), e.g. 5',
      'signInThrottle.perUsername.maxDelay must be at least signInThrottle.perUsername.firstDelay: the wait doubles from firstDelay up to maxDelay',
      'signInThrottle.perAddress.freeFailures must be a whole number of at least 1 (the failures in a row before the first wait), e.g. 20',
      'signInThrottle.perAddress.maxDelay must be at most 1 hour: longer waits lock people out instead of slowing guesses',
      'signInThrottle.forgetAfter must be at least the longest maxDelay, or counts would be forgotten while their wait still runs',
    ]);
  });

  it('reports every problem at once', () => {
    expect(
      problems(() =>
        read({
          cookies: { field: 'bad name', secret: 'short' },
          sessionDuration: { days: 500 },
          ldapAuthenticationOptions: {
            usernameAttribute: 'uid=*',
            userSearchFilter: '(uid=',
            starttls: true,
            ldapOpts: {
              url: 'ldaps://ldap.example.com',
              starttls: false,
              timeout: -1,
              tlsOptions: { ca: 'not a certificate' },
            },
          },
        }),
      ),
    ).toEqual([
      expect.stringContaining(
        "cookies.field 'bad name' is not a valid cookie name",
      ),
      expect.stringContaining('cookies.secret must be at least 32 characters'),
      expect.stringContaining(
        'sessionDuration must be longer than zero and at most 400 days',
      ),
      expect.stringContaining('userSearchBase'),
      expect.stringContaining(
        "usernameAttribute 'uid=*' is not an LDAP attribute name",
      ),
      expect.stringContaining('userSearchFilter is not a valid LDAP filter'),
      expect.stringContaining('adminDn'),
      expect.stringContaining('adminPassword'),
      expect.stringContaining(
        'starttls and ldapAuthenticationOptions.ldapOpts.starttls disagree',
      ),
      expect.stringContaining('StartTLS cannot be used with an ldaps:// URL'),
      expect.stringContaining('tlsOptions.ca must be a PEM certificate'),
      expect.stringContaining('ldapOpts.timeout must be a positive number'),
    ]);
  });

  it.each(['http://ldap.example.com', 'ldap://', 'ldap.example.com:389'])(
    'refuses the URL %s',
    url => {
      expect(
        problems(() =>
          read({
            ldapAuthenticationOptions: {
              ...minimal.ldapAuthenticationOptions,
              ldapOpts: { url },
            },
          }),
        ),
      ).toEqual([
        expect.stringContaining('must be an ldap:// or ldaps:// URL'),
      ]);
    },
  );

  describe('environment selection', () => {
    const two = new ConfigReader({ development: minimal, production: minimal });

    it('reads the block auth.environment names', () => {
      expect(readLdapProviderConfig(two, 'development').environment).toBe(
        'development',
      );
    });

    it('explains a missing block, listing the configured ones', () => {
      expect(() => readLdapProviderConfig(two, 'staging')).toThrow(
        "Invalid LDAP sign-in configuration at auth.providers.ldap: there is no 'staging' block, which auth.environment selects (found: 'development', 'production'); add auth.providers.ldap.staging or set auth.environment to one of the configured blocks",
      );
    });

    it('uses the only block when no environment is given', () => {
      expect(read(minimal, undefined).environment).toBe('production');
    });

    it('refuses to guess between several blocks', () => {
      expect(() => readLdapProviderConfig(two, undefined)).toThrow(
        /several environment blocks \('development', 'production'\)/,
      );
    });
  });
});
