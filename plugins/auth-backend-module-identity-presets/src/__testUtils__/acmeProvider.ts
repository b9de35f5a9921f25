import { createBackendModule } from '@backstage/backend-plugin-api';
import { AuthProviderFactory } from '@backstage/plugin-auth-node';
import { identityAuthProvidersExtensionPoint } from '@devportal/plugin-preset-providers-node';

/**
 * A backend module that adds the `acme` auth provider through
 * identityAuthProvidersExtensionPoint, as a preset author writes one.
 */
export function acmeProviderModule(
  moduleId: string,
  factory: AuthProviderFactory,
) {
  return createBackendModule({
    pluginId: 'auth',
    moduleId,
    register(reg) {
      reg.registerInit({
        deps: { identity: identityAuthProvidersExtensionPoint },
        async init({ identity }) {
          identity.addProvider({
            providerId: 'acme',
            title: 'Acme SSO',
            module: moduleId,
            requiredConfig: ['clientId'],
            factory,
          });
        },
      });
    },
  });
}
