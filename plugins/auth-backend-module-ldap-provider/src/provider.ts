import type {
  CacheService,
  DatabaseService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  AuthProviderFactory,
  commonSignInResolvers,
  CookieConfigurer,
  ProfileTransform,
  readDeclarativeSignInResolver,
  SignInResolver,
  SignInResolverFactory,
} from '@backstage/plugin-auth-node';
import type { CookieOptions } from 'express';
import { LdapProviderConfig, readLdapProviderConfig } from './config';
import { LdapAuthRouteHandlers } from './handlers';
import { LdapDirectory } from './ldap';
import {
  defaultLdapProfileTransform,
  LdapAuthResult,
  ldapSignInResolvers,
} from './resolvers';
import { LdapSessionSealer, perProcessKeyWarning } from './session';
import { DatabaseSignInThrottleStore } from './DatabaseSignInThrottleStore';
import {
  MemorySignInThrottleStore,
  SignInThrottle,
  SignInThrottleStore,
} from './throttle';

/**
 * Options of {@link createLdapAuthProviderFactory}.
 *
 * @public
 */
export interface LdapAuthProviderFactoryOptions {
  /**
   * The environment block of `auth.providers.<providerId>` to use, i.e. the
   * value of `auth.environment`: the LDAP sign-in page sends no `env`
   * parameter, so the server decides. When not given, the provider's
   * configuration must have exactly one environment block, which is used.
   */
  environment?: string;
  /**
   * Where logged-out session ids are remembered until their cookies expire.
   * Without it, logout only clears the browser's cookie.
   */
  cache?: CacheService;
  /**
   * The auth plugin's database (`coreServices.database` of an auth module),
   * where failed sign-ins are counted for throttling, so that all replicas
   * count the same failures. Without it, each process counts its own.
   */
  database?: DatabaseService;
  /** A sign-in resolver to use instead of the configured `signIn.resolvers`. */
  signInResolver?: SignInResolver<LdapAuthResult>;
  /**
   * Extra sign-in resolver factories that `signIn.resolvers` may name, on
   * top of `ldapSignInResolvers` and `commonSignInResolvers`.
   */
  signInResolverFactories?: { [name in string]: SignInResolverFactory };
  /** Builds the profile from the directory entry; defaults to {@link defaultLdapProfileTransform}. */
  profileTransform?: ProfileTransform<LdapAuthResult>;
  /**
   * Whether the backend's database is shared between processes or outlives
   * this one (see `isSharedDatabase`): replicas or restarts are expected, so
   * a missing `cookies.secret` is a boot warning instead of a note.
   */
  sharedDatabase?: boolean;
  /**
   * The environment variables a config key is set from, when the backend
   * knows them (a preset that maps a variable to the key): messages name
   * them beside the key. Unset, messages name keys only.
   */
  configKeyVariables?: (key: string) => string[];
  /**
   * Told how each sign-in with a username and password ended (`failure`:
   * refused credentials, throttled, or no matching User entity), e.g. to
   * count or audit them, with the username the person typed (never the
   * password). Session refreshes are not sign-ins and are not reported.
   */
  onSignIn?: (
    outcome: 'success' | 'failure',
    attempt: { username: string },
  ) => void;
}

/**
 * Creates the factory of the LDAP sign-in provider, to register through
 * `authProvidersExtensionPoint`.
 *
 * Routes (under `/api/auth/<providerId>`):
 * - `POST /refresh` with a JSON body `{ "username", "password" }` signs in
 *   and sets the session cookie; without a body it refreshes the Backstage
 *   identity from that cookie. Both require `X-Requested-With: XMLHttpRequest`.
 * - `POST /logout` clears the session cookie.
 *
 * @public
 */
export function createLdapAuthProviderFactory(
  options: LdapAuthProviderFactoryOptions = {},
): AuthProviderFactory {
  const signInResolverFactories = {
    ...ldapSignInResolvers,
    ...commonSignInResolvers,
    ...options.signInResolverFactories,
  } as { [name in string]: SignInResolverFactory<LdapAuthResult, unknown> };

  return ctx => {
    const config = readLdapProviderConfig(
      ctx.config,
      options.environment,
      `auth.providers.${ctx.providerId}`,
    );
    const { environment } = config;
    const signInResolver =
      options.signInResolver ??
      readDeclarativeSignInResolver<LdapAuthResult>({
        config: ctx.config.getConfig(environment),
        signInResolverFactories,
      }) ??
      ldapSignInResolvers.ldapUsernameMatchingUserEntityName();

    const logger = ctx.logger.child({ provider: ctx.providerId });
    warnAboutWeakTransport(config, ctx.providerId, logger);
    let throttleStore: SignInThrottleStore;
    if (options.database) {
      throttleStore = DatabaseSignInThrottleStore.create({
        database: options.database,
      });
    } else {
      throttleStore = new MemorySignInThrottleStore();
      if (options.sharedDatabase) {
        logger.warn(
          `auth.providers.${ctx.providerId}: failed sign-ins are counted per process, not in the database, so each replica throttles on its own; pass the auth plugin's database to createLdapAuthProviderFactory({ database })`,
        );
      }
    }
    if (!config.cookie.secret) {
      const secretPath = `auth.providers.${ctx.providerId}.${environment}.cookies.secret`;
      if (options.sharedDatabase) {
        logger.warn(
          perProcessKeyWarning(
            secretPath,
            options.configKeyVariables?.(secretPath) ?? [],
          ),
        );
      } else {
        logger.info(
          `${secretPath} is not set: LDAP sessions are sealed with a key of this process, so they end when it restarts and are not shared between replicas`,
        );
      }
    }

    return new LdapAuthRouteHandlers({
      providerId: ctx.providerId,
      config,
      directory: new LdapDirectory(config.directory, logger),
      sealer: LdapSessionSealer.create({
        secret: config.cookie.secret,
        providerId: ctx.providerId,
        durationMs: config.sessionDurationMs,
      }),
      cookieOptions: resolveCookieOptions({
        baseUrl: ctx.baseUrl,
        appUrl: ctx.appUrl,
        providerId: ctx.providerId,
        secure: config.cookie.secure,
        cookieConfigurer: ctx.cookieConfigurer,
      }),
      isOriginAllowed: ctx.isOriginAllowed,
      resolverContext: ctx.resolverContext,
      signInResolver,
      profileTransform: options.profileTransform ?? defaultLdapProfileTransform,
      cache: options.cache,
      throttle: new SignInThrottle({
        store: throttleStore,
        config: config.throttle,
        providerId: ctx.providerId,
        logger,
      }),
      logger,
      onSignIn: options.onSignIn,
    });
  };
}

/**
 * The LDAP provider factory for a configuration with a single environment
 * block (e.g. only `auth.providers.ldap.production`), with the default
 * sign-in resolvers. Use {@link createLdapAuthProviderFactory} to pass
 * `auth.environment` or other options.
 *
 * @public
 */
export const ldapAuthProviderFactory: AuthProviderFactory =
  createLdapAuthProviderFactory();

function warnAboutWeakTransport(
  config: LdapProviderConfig,
  providerId: string,
  logger: LoggerService,
) {
  const { directory } = config;
  const loopback = /^(127\.|::1$|localhost$)/.test(directory.host);
  if (!directory.secure && !directory.starttls && !loopback) {
    logger.warn(
      `auth.providers.${providerId}: ${directory.url} is neither ldaps:// nor StartTLS, so passwords cross the network in clear text; use ldaps:// or set starttls: true`,
    );
  }
  if (directory.tlsOptions.rejectUnauthorized === false) {
    logger.warn(
      `auth.providers.${providerId}: tlsOptions.rejectUnauthorized is false, so the directory's certificate is not verified; trust its CA instead (tlsOptions.ca or NODE_EXTRA_CA_CERTS)`,
    );
  }
  if (!config.cookie.secure) {
    logger.warn(
      `auth.providers.${providerId}: cookies.secure is false, so the session cookie is also sent over plain http`,
    );
  }
}

function resolveCookieOptions(options: {
  baseUrl: string;
  appUrl: string;
  providerId: string;
  secure: boolean;
  cookieConfigurer?: CookieConfigurer;
}): CookieOptions {
  const { baseUrl, appUrl, providerId, secure, cookieConfigurer } = options;
  if (cookieConfigurer) {
    const configured = cookieConfigurer({
      providerId,
      baseUrl,
      callbackUrl: `${baseUrl}/${providerId}/handler/frame`,
      appOrigin: new URL(appUrl).origin,
    });
    return {
      httpOnly: true,
      secure,
      sameSite: configured.sameSite ?? 'lax',
      path: configured.path,
      ...(configured.domain && { domain: configured.domain }),
    };
  }
  // Scoped to this provider's routes: the browser sends it to /refresh and
  // /logout of this provider only.
  const basePath = new URL(baseUrl).pathname.replace(/\/+$/, '');
  return {
    httpOnly: true,
    secure,
    sameSite: 'lax',
    path: `${basePath}/${providerId}`,
  };
}
