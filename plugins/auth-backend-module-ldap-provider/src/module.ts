import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { authProvidersExtensionPoint } from '@backstage/plugin-auth-node';
import { createLdapAuthProviderFactory } from './provider';
import { isSharedDatabase } from './session';

/**
 * Adds LDAP username/password sign-in to the auth plugin as provider `ldap`.
 *
 * @public
 */
export const authModuleLdapProvider = createBackendModule({
  pluginId: 'auth',
  moduleId: 'ldap-provider',
  register(reg) {
    reg.registerInit({
      deps: {
        providers: authProvidersExtensionPoint,
        config: coreServices.rootConfig,
        cache: coreServices.cache,
        database: coreServices.database,
      },
      async init({ providers, config, cache, database }) {
        providers.registerProvider({
          providerId: 'ldap',
          factory: createLdapAuthProviderFactory({
            // The sign-in page sends no env parameter; when auth.environment
            // is unset the provider's only environment block is used.
            environment: config.getOptionalString('auth.environment'),
            cache,
            database,
            sharedDatabase: isSharedDatabase(config),
          }),
        });
      },
    });
  },
});
