import {
  LoggerService,
  SchedulerService,
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  EntityProvider,
  EntityProviderConnection,
  catalogProcessingExtensionPoint,
} from '@backstage/plugin-catalog-node';
import { presetsServiceRef } from '@devportal/plugin-presets-node';
import {
  IdentityOrgProvider,
  IdentityOrgSource,
  identityOrgProvidersExtensionPoint,
  keysNamedByPreset,
  selectedIdentityPreset,
} from '@devportal/plugin-identity-presets-node';
import { builtinIdentityOrgProviders } from './builtinOrgProviders';
import { GuardedConnection } from './GuardedConnection';

/**
 * Connects an org source to the catalog through a {@link GuardedConnection}
 * and runs it on the scheduler, so with several replicas on one database a
 * run happens once. Each run logs what it applied and how long it took;
 * a failing run applies nothing.
 */
class ScheduledOrgSource implements EntityProvider {
  constructor(
    private readonly source: IdentityOrgSource,
    private readonly deps: {
      logger: LoggerService;
      scheduler: SchedulerService;
      allowEmpty: boolean;
    },
  ) {}

  getProviderName(): string {
    return this.source.name;
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    const { logger, scheduler, allowEmpty } = this.deps;
    const guarded = new GuardedConnection(connection, {
      name: this.source.name,
      logger,
      allowEmpty,
    });
    await this.source.provider.connect(guarded);
    await scheduler.scheduleTask({
      id: `${this.source.name}:refresh`,
      ...this.source.schedule,
      fn: async () => {
        const started = Date.now();
        try {
          await this.source.refresh(logger);
        } catch (error) {
          guarded.takeRunOutcome();
          logger.error(
            `${this.source.name}: sync failed after ${
              Date.now() - started
            } ms, nothing applied; the catalog keeps the last good users and groups. ${
              (error as Error)?.name ?? 'Error'
            }: ${(error as Error)?.message ?? error}`,
          );
          return;
        }
        const { applied, refused } = guarded.takeRunOutcome();
        const ms = Date.now() - started;
        if (applied) {
          logger.info(
            `${this.source.name}: applied ${applied.users} users and ${applied.groups} groups in ${ms} ms`,
          );
        } else if (!refused) {
          logger.warn(
            `${this.source.name}: sync ended after ${ms} ms without applying anything; the catalog keeps the last good users and groups`,
          );
        }
      },
    });
  }
}

/**
 * Schedules the org-sync entity provider of the selected identity preset,
 * and only that one.
 *
 * @public
 */
export const catalogModuleIdentityPresets = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'identity-presets',
  register(reg) {
    const registry = new Map<string, IdentityOrgProvider>(
      builtinIdentityOrgProviders.map(p => [p.configKey, p]),
    );
    reg.registerExtensionPoint(identityOrgProvidersExtensionPoint, {
      addProvider(provider) {
        registry.set(provider.configKey, provider);
      },
    });

    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        presets: presetsServiceRef,
        catalog: catalogProcessingExtensionPoint,
      },
      async init({ config, logger, scheduler, presets, catalog }) {
        const identity = selectedIdentityPreset(presets);
        const named = identity
          ? keysNamedByPreset(identity, ['catalog', 'providers'])
          : [];
        const allowEmpty =
          config.getOptionalBoolean('identityPresets.orgSync.allowEmpty') ??
          false;

        for (const [key, provider] of registry) {
          if (named.includes(key)) {
            const sources = await provider.createSources({
              config,
              logger,
              scheduler,
            });
            for (const source of sources) {
              catalog.addEntityProvider(
                new ScheduledOrgSource(source, {
                  logger,
                  scheduler,
                  allowEmpty,
                }),
              );
              logger.info(
                `Identity preset "${
                  identity!.name
                }" syncs users and groups from ${provider.title} (${
                  source.name
                })`,
              );
            }
          } else if (config.has(`catalog.providers.${key}`)) {
            logger.warn(
              identity
                ? `Ignoring catalog.providers.${key}: only the org sync of the selected identity preset "${identity.name}" is registered`
                : `Ignoring catalog.providers.${key}: no identity preset is selected, so no org sync is registered`,
            );
          }
        }
      },
    });
  },
});
