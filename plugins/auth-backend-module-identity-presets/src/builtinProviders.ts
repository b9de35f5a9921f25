import {
  AuthProviderFactory,
  OAuthAuthenticator,
  SignInResolverFactory,
  commonSignInResolvers,
  createOAuthProviderFactory,
} from '@backstage/plugin-auth-node';
import { microsoftAuthenticator } from './microsoft/authenticator';
import {
  CacheService,
  DatabaseService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import { IdentityAuthProvider } from '@devportal/plugin-preset-providers-node';
import {
  githubIdentitySignInResolvers,
  identitySignInResolvers,
} from './resolvers';
import { SignInRecorder } from './signInRecorder';
import { observedSignInResolvers, recordedOAuthSignIns } from './oauthSignIns';

const OAUTH_REQUIRED = ['clientId', 'clientSecret'];

/**
 * A provider factory built on first use. The auth plugin calls the factory
 * of the registered provider only, the selected identity preset's, so the
 * upstream modules of the others (an OpenID client, LDAP, ...) are never
 * loaded: `build` requires them. Package names, not files of ours, so the
 * build keeps those requires as they are.
 */
function builtOnFirstUse(
  build: () => AuthProviderFactory,
): AuthProviderFactory {
  let factory: AuthProviderFactory | undefined;
  return options => {
    factory ??= build();
    return factory(options);
  };
}

/**
 * An OAuth/OIDC provider's factory from upstream's, built on first use,
 * its sign-ins recorded (counted, and audited when they fail).
 */
function oauthProvider<TContext, TProfile>(
  recordSignIn: SignInRecorder | undefined,
  load: () => {
    authenticator: OAuthAuthenticator<TContext, TProfile>;
    signInResolverFactories: { [name: string]: SignInResolverFactory };
  },
): AuthProviderFactory {
  return recordedOAuthSignIns(
    builtOnFirstUse(() => {
      const { authenticator, signInResolverFactories } = load();
      return createOAuthProviderFactory({
        authenticator,
        signInResolverFactories: observedSignInResolvers(
          signInResolverFactories,
        ),
      });
    }),
    recordSignIn,
  );
}

/* eslint-disable @typescript-eslint/no-require-imports */

/** Named in errors when another module adds a provider under the same id. */
const BUILTIN_MODULE = '@devportal/plugin-auth-backend-module-identity-presets';

/**
 * The auth providers the shipped identity presets activate, built from the
 * upstream authenticators. Each comes with the upstream sign-in resolvers
 * plus the common ones, so every resolver a preset names is available.
 *
 * @public
 */
export function builtinIdentityAuthProviders(deps: {
  config: RootConfigService;
  cache: CacheService;
  /** The auth plugin's database: LDAP sign-in throttling counts failures there, shared by replicas. */
  database: DatabaseService;
  /** The variables a config key is set from, for messages (the selected presets map them). */
  configKeyVariables?: (key: string) => string[];
  /** Where sign-ins are counted for Prometheus. */
  recordSignIn?: SignInRecorder;
}): IdentityAuthProvider[] {
  return [
    {
      providerId: 'github',
      title: 'GitHub OAuth',
      module: BUILTIN_MODULE,
      requiredConfig: OAUTH_REQUIRED,
      factory: oauthProvider(deps.recordSignIn, () => {
        const { githubAuthenticator, githubSignInResolvers } =
          require('@backstage/plugin-auth-backend-module-github-provider') as typeof import('@backstage/plugin-auth-backend-module-github-provider');
        return {
          authenticator: githubAuthenticator,
          signInResolverFactories: {
            ...commonSignInResolvers,
            ...githubSignInResolvers,
            ...githubIdentitySignInResolvers,
          },
        };
      }),
    },
    {
      providerId: 'gitlab',
      title: 'GitLab OAuth',
      module: BUILTIN_MODULE,
      requiredConfig: OAUTH_REQUIRED,
      factory: oauthProvider(deps.recordSignIn, () => {
        const { gitlabAuthenticator, gitlabSignInResolvers } =
          require('@backstage/plugin-auth-backend-module-gitlab-provider') as typeof import('@backstage/plugin-auth-backend-module-gitlab-provider');
        return {
          authenticator: gitlabAuthenticator,
          signInResolverFactories: {
            ...commonSignInResolvers,
            ...gitlabSignInResolvers,
          },
        };
      }),
    },
    {
      providerId: 'microsoft',
      title: 'Microsoft Entra ID',
      module: BUILTIN_MODULE,
      requiredConfig: [...OAUTH_REQUIRED, 'tenantId'],
      factory: oauthProvider(deps.recordSignIn, () => {
        const { microsoftSignInResolvers } =
          require('@backstage/plugin-auth-backend-module-microsoft-provider') as typeof import('@backstage/plugin-auth-backend-module-microsoft-provider');
        return {
          authenticator: microsoftAuthenticator,
          signInResolverFactories: {
            ...commonSignInResolvers,
            ...microsoftSignInResolvers,
          },
        };
      }),
    },
    {
      providerId: 'oidc',
      title: 'OpenID Connect',
      module: BUILTIN_MODULE,
      requiredConfig: [...OAUTH_REQUIRED, 'metadataUrl'],
      factory: oauthProvider(deps.recordSignIn, () => {
        const { oidcAuthenticator, oidcSignInResolvers } =
          require('@backstage/plugin-auth-backend-module-oidc-provider') as typeof import('@backstage/plugin-auth-backend-module-oidc-provider');
        return {
          authenticator: oidcAuthenticator,
          signInResolverFactories: {
            ...commonSignInResolvers,
            ...oidcSignInResolvers,
            ...identitySignInResolvers,
          },
        };
      }),
    },
    {
      providerId: 'okta',
      title: 'Okta',
      module: BUILTIN_MODULE,
      // `audience` is the org URL; upstream would fall back to https://okta.com.
      requiredConfig: [...OAUTH_REQUIRED, 'audience'],
      factory: oauthProvider(deps.recordSignIn, () => {
        const { oktaAuthenticator, oktaSignInResolvers } =
          require('@backstage/plugin-auth-backend-module-okta-provider') as typeof import('@backstage/plugin-auth-backend-module-okta-provider');
        return {
          authenticator: oktaAuthenticator,
          signInResolverFactories: {
            ...commonSignInResolvers,
            ...oktaSignInResolvers,
          },
        };
      }),
    },
    {
      providerId: 'ldap',
      title: 'LDAP bind',
      module: BUILTIN_MODULE,
      requiredConfig: [
        'ldapAuthenticationOptions.userSearchBase',
        'ldapAuthenticationOptions.adminDn',
        'ldapAuthenticationOptions.adminPassword',
        'ldapAuthenticationOptions.ldapOpts.url',
      ],
      // The cache shares revoked LDAP sessions between replicas.
      factory: builtOnFirstUse(() => {
        const { createLdapAuthProviderFactory, isSharedDatabase } =
          require('@devportal/plugin-auth-backend-module-ldap-provider') as typeof import('@devportal/plugin-auth-backend-module-ldap-provider');
        return createLdapAuthProviderFactory({
          environment: deps.config.getOptionalString('auth.environment'),
          cache: deps.cache,
          // Failed sign-ins are counted here, so every replica throttles alike.
          database: deps.database,
          // Replicas or restarts: a per-process session key is then a warning.
          sharedDatabase: isSharedDatabase(deps.config),
          configKeyVariables: deps.configKeyVariables,
          onSignIn: (outcome, attempt) =>
            deps.recordSignIn?.('ldap', outcome, attempt),
        });
      }),
    },
  ];
}
