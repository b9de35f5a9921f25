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
import {
  microsoftAuthenticator,
  microsoftSignInResolvers,
} from '@backstage/plugin-auth-backend-module-microsoft-provider';
import {
  oidcAuthenticator,
  oidcSignInResolvers,
} from '@backstage/plugin-auth-backend-module-oidc-provider';
import { createLdapAuthProviderFactory } from '@devportal/plugin-auth-backend-module-ldap-provider';
import { CacheService, RootConfigService } from '@backstage/backend-plugin-api';
import { IdentityAuthProvider } from '@devportal/plugin-identity-presets-node';
import { identitySignInResolvers } from './resolvers';

const OAUTH_REQUIRED = ['clientId', 'clientSecret'];

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
      requiredConfig: OAUTH_REQUIRED,
      factory: createOAuthProviderFactory({
        authenticator: githubAuthenticator,
        signInResolverFactories: {
          ...commonSignInResolvers,
          ...githubSignInResolvers,
        },
      }),
    },
    {
      providerId: 'gitlab',
      title: 'GitLab OAuth',
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
      }),
    },
  ];
}
