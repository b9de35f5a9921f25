import {
  commonSignInResolvers,
  createOAuthProviderFactory,
} from '@backstage/plugin-auth-node';
import {
  githubAuthenticator,
  githubSignInResolvers,
} from '@backstage/plugin-auth-backend-module-github-provider';
import {
  gitlabAuthenticator,
  gitlabSignInResolvers,
} from '@backstage/plugin-auth-backend-module-gitlab-provider';
import { microsoftSignInResolvers } from '@backstage/plugin-auth-backend-module-microsoft-provider';
import { microsoftAuthenticator } from './microsoft/authenticator';
import {
  oidcAuthenticator,
  oidcSignInResolvers,
} from '@backstage/plugin-auth-backend-module-oidc-provider';
import {
  createLdapAuthProviderFactory,
  isSharedDatabase,
} from '@devportal/plugin-auth-backend-module-ldap-provider';
import { CacheService, RootConfigService } from '@backstage/backend-plugin-api';
import { IdentityAuthProvider } from '@devportal/plugin-identity-presets-node';
import {
  githubIdentitySignInResolvers,
  identitySignInResolvers,
} from './resolvers';

const OAUTH_REQUIRED = ['clientId', 'clientSecret'];

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
}): IdentityAuthProvider[] {
  return [
    {
      providerId: 'github',
      title: 'GitHub OAuth',
      module: BUILTIN_MODULE,
      requiredConfig: OAUTH_REQUIRED,
      factory: createOAuthProviderFactory({
        authenticator: githubAuthenticator,
        signInResolverFactories: {
          ...commonSignInResolvers,
          ...githubSignInResolvers,
          ...githubIdentitySignInResolvers,
        },
      }),
    },
    {
      providerId: 'gitlab',
      title: 'GitLab OAuth',
      module: BUILTIN_MODULE,
      requiredConfig: OAUTH_REQUIRED,
      factory: createOAuthProviderFactory({
        authenticator: gitlabAuthenticator,
        signInResolverFactories: {
          ...commonSignInResolvers,
          ...gitlabSignInResolvers,
        },
      }),
    },
    {
      providerId: 'microsoft',
      title: 'Microsoft Entra ID',
      module: BUILTIN_MODULE,
      requiredConfig: [...OAUTH_REQUIRED, 'tenantId'],
      factory: createOAuthProviderFactory({
        authenticator: microsoftAuthenticator,
        signInResolverFactories: {
          ...commonSignInResolvers,
          ...microsoftSignInResolvers,
        },
      }),
    },
    {
      providerId: 'oidc',
      title: 'OpenID Connect (Keycloak)',
      module: BUILTIN_MODULE,
      requiredConfig: [...OAUTH_REQUIRED, 'metadataUrl'],
      factory: createOAuthProviderFactory({
        authenticator: oidcAuthenticator,
        signInResolverFactories: {
          ...commonSignInResolvers,
          ...oidcSignInResolvers,
          ...identitySignInResolvers,
        },
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
      factory: createLdapAuthProviderFactory({
        environment: deps.config.getOptionalString('auth.environment'),
        cache: deps.cache,
        // Replicas or restarts: a per-process session key is then a warning.
        sharedDatabase: isSharedDatabase(deps.config),
      }),
    },
  ];
}
