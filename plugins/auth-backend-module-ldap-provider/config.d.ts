import { HumanDuration } from '@backstage/types';

export interface Config {
  auth?: {
    providers?: {
      /**
       * LDAP username/password sign-in (OpenLDAP, Active Directory, any
       * LDAPv3 server), keyed by auth environment (`auth.environment`).
       *
       * @visibility frontend
       */
      ldap?: {
        [authEnv: string]: {
          /** The session cookie set after a successful sign-in. */
          cookies?: {
            /**
             * Cookie name. Defaults to `backstage-token`.
             */
            field?: string;
            /**
             * Send the cookie over https only. Defaults to true; browsers
             * accept secure cookies from http://localhost too.
             */
            secure?: boolean;
            /**
             * Secret (at least 32 characters) from which the key that seals
             * session cookies is derived. Set it, identically, on every
             * replica so sessions survive restarts and work behind a load
             * balancer; without it each process uses a random key.
             *
             * @visibility secret
             */
            secret?: string;
          };
          /**
           * How long a sign-in lasts (the session cookie's lifetime) before
           * the password is needed again, e.g. `{ hours: 12 }` or `8h`.
           * Defaults to 12 hours. Refreshing does not extend it.
           */
          sessionDuration?: HumanDuration | string;
          /**
           * Throttling of failed sign-ins, counted per typed username and
           * per client address in the auth plugin's database (shared by
           * replicas). After `freeFailures` failures in a row, the next
           * attempt must wait `firstDelay`; the wait doubles per further
           * failure up to `maxDelay`. Attempts during a wait get 429 with
           * `Retry-After` and are not counted. A successful sign-in clears
           * the username's count. The client address is Express's `req.ip`:
           * the connection's peer, or the client named in X-Forwarded-For
           * only when `backend.trustProxy` is set.
           */
          signInThrottle?: {
            /**
             * Per username: short waits, so a person whose account is
             * being guessed at is not locked out for long. Defaults:
             * freeFailures 5, firstDelay 1s, maxDelay 1m.
             */
            perUsername?: {
              /** Failures in a row before the first wait (at least 1). */
              freeFailures?: number;
              /** The first wait, e.g. `1s` or `{ seconds: 1 }`. */
              firstDelay?: HumanDuration | string;
              /** The longest wait (at most 1 hour), e.g. `1m`. */
              maxDelay?: HumanDuration | string;
            };
            /**
             * Per client address (IPv6 by /64): stops one client trying
             * many usernames. Defaults: freeFailures 20, firstDelay 1s,
             * maxDelay 5m.
             */
            perAddress?: {
              /** Failures in a row before the first wait (at least 1). */
              freeFailures?: number;
              /** The first wait, e.g. `1s`. */
              firstDelay?: HumanDuration | string;
              /** The longest wait (at most 1 hour), e.g. `5m`. */
              maxDelay?: HumanDuration | string;
            };
            /**
             * A username or address with no attempt for this long starts
             * from zero again. Defaults to 15 minutes (or the longest
             * maxDelay, if longer); at least the longest maxDelay.
             */
            forgetAfter?: HumanDuration | string;
          };
          /** How to find users in the directory and check their passwords. */
          ldapAuthenticationOptions: {
            /**
             * Base DN under which users are searched (subtree scope), e.g.
             * `ou=people,dc=example,dc=com`.
             */
            userSearchBase: string;
            /**
             * Attribute holding the username people type: `uid` (the
             * default) for OpenLDAP, `sAMAccountName` for Active Directory.
             */
            usernameAttribute?: string;
            /**
             * Extra LDAP filter (RFC 4515) a user entry must match, ANDed
             * with the username match, e.g. `(objectClass=inetOrgPerson)` or,
             * for AD, `(!(userAccountControl:1.2.840.113556.1.4.803:=2))` to
             * refuse disabled accounts.
             */
            userSearchFilter?: string;
            /** DN of the service account that searches for users. */
            adminDn: string;
            /**
             * Password of `adminDn`.
             *
             * @visibility secret
             */
            adminPassword: string;
            /**
             * Upgrade `ldap://` connections with StartTLS before binding
             * (certificate verified). Defaults to false. Same as
             * `ldapOpts.starttls`.
             */
            starttls?: boolean;
            /** Connection to the directory. */
            ldapOpts: {
              /**
               * Directory URL: `ldaps://host:636`, or `ldap://host:389`
               * together with `starttls: true`.
               */
              url: string;
              /** Same as `ldapAuthenticationOptions.starttls`. */
              starttls?: boolean;
              /** Milliseconds an LDAP operation may take. Defaults to 10000. */
              timeout?: number;
              /** Milliseconds to establish the connection. Defaults to 5000. */
              connectTimeout?: number;
              /** TLS settings for ldaps:// and StartTLS. */
              tlsOptions?: {
                /**
                 * Verify the directory's certificate. Defaults to true; rather
                 * than turning it off, trust the CA with `ca` or
                 * NODE_EXTRA_CA_CERTS.
                 */
                rejectUnauthorized?: boolean;
                /** PEM certificate(s) of the CA(s) to trust for the directory. */
                ca?: string | string[];
                /**
                 * Name the certificate must be valid for, when it differs from
                 * the URL's host (also sent as SNI).
                 */
                servername?: string;
              };
            };
          };
          /** How a directory user becomes a Backstage user. */
          signIn?: {
            /**
             * Sign-in resolvers, tried in order: `ldapUsernameMatchingUserEntityName`
             * (the default: username = User entity name),
             * `ldapDnMatchingUserEntityAnnotation` (entry DN = the
             * `backstage.io/ldap-dn` annotation), `emailMatchingUserEntityProfileEmail`,
             * `emailLocalPartMatchingUserEntityName`.
             */
            resolvers: Array<{
              resolver: string;
              /** Options of the common email resolvers. */
              allowedDomains?: string[];
            }>;
          };
        };
      };
    };
  };
}
