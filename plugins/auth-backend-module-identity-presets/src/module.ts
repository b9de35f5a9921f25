import {
  LoggerService,
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { metricsServiceRef } from '@backstage/backend-plugin-api/alpha';
import { authProvidersExtensionPoint } from '@backstage/plugin-auth-node';
import {
  ALLOW_GUEST_ENV,
  IDENTITY_GROUP,
  configKeyVariables,
  guestInProductionWarning,
  guestSignInPolicy,
  Preset,
  PresetsConfigError,
} from '@devportal/plugin-presets-common';
import { presetsServiceRef } from '@devportal/plugin-presets-node';
import {
  IdentityAuthProvider,
  PresetProviderRegistry,
  identityAuthProvidersExtensionPoint,
  presetSyncStatusServiceRef,
  selectedIdentityPreset,
} from '@devportal/plugin-preset-providers-node';
import { builtinIdentityAuthProviders } from './builtinProviders';
import { planAuthWiring } from './planAuthWiring';
import { createSignInRecorder } from './signInRecorder';
import { recordedSignInsOfAddedProvider } from './oauthSignIns';
import {
  auxiliaryProviderFactory,
  auxiliarySignInPaths,
} from './auxiliaryProvider';

/** Where an operator finds the identity presets: the catalog, not this code. */
const IDENTITY_PRESETS = `a preset of exclusive_group ${IDENTITY_GROUP}; \`presets list\` shows them`;

/**
 * What sign-in there is without an identity preset. Guest sign-in in
 * production gives every caller a user token, so it is announced as loudly
 * as a log line can be, at every boot, for as long as it is on.
 */
function reportGuestSignIn(
  logger: LoggerService,
  presets: ReadonlyArray<Preset>,
) {
  const inProduction = guestInProductionWarning(process.env, presets);
  if (inProduction) {
    logger.warn(`SECURITY WARNING: ${inProduction}`);
  } else if (guestSignInPolicy(process.env).allowed) {
    logger.info(
      `No identity preset selected: guest sign-in only. Select an identity preset (${IDENTITY_PRESETS}) for real sign-in`,
    );
  } else {
    logger.warn(
      `No identity preset selected and NODE_ENV=production: no sign-in is registered (guest sign-in is off in production). Select an identity preset (${IDENTITY_PRESETS}), or set ${ALLOW_GUEST_ENV}=true to let anyone who reaches this backend sign in as guest`,
    );
  }
}

/**
 * Registers the auth provider factory of the selected identity preset, the
 * one provider that signs people in, and the operator's other configured
 * providers as extra ones that only issue their own tokens.
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
        database: coreServices.database,
        logger: coreServices.logger,
        presets: presetsServiceRef,
        providers: authProvidersExtensionPoint,
        status: presetSyncStatusServiceRef,
        metrics: metricsServiceRef,
        auditor: coreServices.auditor,
      },
      async init({
        config,
        cache,
        database,
        logger,
        presets,
        providers,
        status,
        metrics,
        auditor,
      }) {
        const recordSignIn = createSignInRecorder(metrics, auditor, logger);
        const registry = PresetProviderRegistry.create<IdentityAuthProvider>({
          configPath: ['auth', 'providers'],
          extensionPoint: 'identityAuthProvidersExtensionPoint',
          keyOf: p => p.providerId,
          builtin: builtinIdentityAuthProviders({
            config,
            cache,
            database,
            configKeyVariables: key => configKeyVariables(presets.presets, key),
            recordSignIn,
          }),
          // Their sign-ins are counted and audited like the built-in ones'.
          added: added.map(provider => ({
            ...provider,
            factory: recordedSignInsOfAddedProvider(
              provider.factory,
              recordSignIn,
            ),
          })),
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
        for (const provider of plan.auxiliary) {
          providers.registerProvider({
            providerId: provider.providerId,
            factory: auxiliaryProviderFactory(provider.factory),
          });
          const unused = auxiliarySignInPaths(
            config.getConfig(`auth.providers.${provider.providerId}`),
          );
          logger.info(
            `Extra auth provider ${provider.title} (/api/auth/${
              provider.providerId
            }): issues its own tokens for integrations and signs nobody in${
              unused.length
                ? `; its ${unused
                    .map(p => `auth.providers.${provider.providerId}.${p}`)
                    .join(', ')} is not used`
                : ''
            }`,
          );
        }
        for (const key of plan.ignored) {
          logger.warn(
            identity
              ? `Ignoring auth.providers.${key}: only the providers of the selected identity preset "${identity.name}" are registered`
              : `Ignoring auth.providers.${key}: no identity preset is selected, so ${
                  guestSignInPolicy(process.env).allowed
                    ? 'only guest sign-in is'
                    : 'no provider is'
                } registered`,
          );
        }
        if (!identity) {
          reportGuestSignIn(logger, presets.presets);
        }
      },
    });
  },
});
