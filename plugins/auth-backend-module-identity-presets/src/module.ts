import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { authProvidersExtensionPoint } from '@backstage/plugin-auth-node';
import {
  PresetsConfigError,
  presetsServiceRef,
} from '@devportal/plugin-presets-node';
import {
  IdentityAuthProvider,
  PresetProviderRegistry,
  identityAuthProvidersExtensionPoint,
  presetSyncStatusServiceRef,
  selectedIdentityPreset,
} from '@devportal/plugin-identity-presets-node';
import { builtinIdentityAuthProviders } from './builtinProviders';
import { planAuthWiring } from './planAuthWiring';

/**
 * Registers the auth provider factory of the selected identity preset, and
 * only that one.
 *
 * @public
 */
export const authModuleIdentityPresets = createBackendModule({
  pluginId: 'auth',
  moduleId: 'identity-presets',
  register(reg) {
    const added: IdentityAuthProvider[] = [];
    reg.registerExtensionPoint(identityAuthProvidersExtensionPoint, {
      addProvider(provider) {
        added.push(provider);
      },
    });

    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        cache: coreServices.cache,
        logger: coreServices.logger,
        presets: presetsServiceRef,
        providers: authProvidersExtensionPoint,
        status: presetSyncStatusServiceRef,
      },
      async init({ config, cache, logger, presets, providers, status }) {
        const registry = PresetProviderRegistry.create<IdentityAuthProvider>({
          configPath: ['auth', 'providers'],
          extensionPoint: 'identityAuthProvidersExtensionPoint',
          keyOf: p => p.providerId,
          builtin: builtinIdentityAuthProviders({ config, cache }),
          added,
          logger,
        });
        const identity = selectedIdentityPreset(presets);
        const plan = planAuthWiring({ identity, registry, config });
        if (plan.problems.length > 0) {
          throw new PresetsConfigError(plan.problems);
        }
        for (const provider of plan.activate) {
          providers.registerProvider({
            providerId: provider.providerId,
            factory: provider.factory,
          });
          status.registerAuthProvider({
            id: provider.providerId,
            title: provider.title,
          });
          logger.info(
            `Identity preset "${identity!.name}" signs people in with ${
              provider.title
            } (/api/auth/${provider.providerId})`,
          );
        }
        for (const key of plan.ignored) {
          logger.warn(
            identity
              ? `Ignoring auth.providers.${key}: only the providers of the selected identity preset "${identity.name}" are registered`
              : `Ignoring auth.providers.${key}: no identity preset is selected, so only guest sign-in is registered`,
          );
        }
        if (!identity) {
          logger.info(
            'No identity preset selected: guest sign-in only. Select one of the identity presets (github-auth, gitlab, azure-auth, keycloak, ldap) for real sign-in',
          );
        }
      },
    });
  },
});
