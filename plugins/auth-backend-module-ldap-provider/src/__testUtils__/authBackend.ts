import type { BackendFeature } from '@backstage/backend-plugin-api';
import type { Entity } from '@backstage/catalog-model';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import authPlugin from '@backstage/plugin-auth-backend';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { authModuleLdapProvider } from '../module';

/**
 * Starts the auth plugin with this module in production, a catalog holding
 * `entities` and the given `auth.providers.ldap`; `backend` is the config's
 * `backend` key and `features` adds or overrides services (a database, a
 * logger).
 */
export function startLdapAuthBackend(options: {
  ldap: object;
  entities?: Entity[];
  backend?: object;
  features?: BackendFeature[];
}) {
  return startTestBackend({
    features: [
      authPlugin,
      authModuleLdapProvider,
      catalogServiceMock.factory({ entities: options.entities ?? [] }),
      ...(options.features ?? []),
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: 'http://localhost:3000' },
          ...(options.backend && { backend: options.backend }),
          auth: {
            environment: 'production',
            providers: { ldap: options.ldap },
          },
        },
      }),
    ],
  });
}
