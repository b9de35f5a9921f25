import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { metricsServiceRef } from '@backstage/backend-plugin-api/alpha';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { PresetsConfigError } from '@devportal/plugin-presets-common';
import { presetsServiceRef } from '@devportal/plugin-presets-node';
import {
  PresetCatalogProvider,
  PresetProviderRegistry,
  planPresetWiring,
  presetCatalogProvidersExtensionPoint,
  presetSyncPendingServiceRef,
  presetSyncStatusServiceRef,
} from '@devportal/plugin-preset-providers-node';
import { builtinCatalogProviders } from './providers/builtinCatalogProviders';
import { PendingSyncs } from './sync/PendingSyncs';
import { ScheduledSource } from './sync/ScheduledSource';
import { readSyncGuardConfig } from './sync/readSyncGuardConfig';
import { SyncStateStore } from './sync/SyncStateStore';
import { createOrgSyncMetrics } from './sync/syncMetrics';

/**
 * Schedules the catalog providers the selected presets name under
 * `catalog.providers`, and only those: the identity preset's org sync and
 * the SCM presets' repository discovery.
 *
 * @public
 */
export const catalogModulePresets = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'presets',
  register(reg) {
    const added: PresetCatalogProvider[] = [];
    reg.registerExtensionPoint(presetCatalogProvidersExtensionPoint, {
      addProvider(provider) {
        added.push(provider);
      },
    });

    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        // The catalog's database: what the last applied sync held is kept
        // there, so restarts and other replicas judge the next one alike.
        database: coreServices.database,
        presets: presetsServiceRef,
        syncStatus: presetSyncStatusServiceRef,
        pendingService: presetSyncPendingServiceRef,
        catalog: catalogProcessingExtensionPoint,
        metrics: metricsServiceRef,
        auditor: coreServices.auditor,
      },
      async init({
        config,
        logger,
        scheduler,
        database,
        presets,
        syncStatus,
        pendingService,
        catalog,
        metrics,
        auditor,
      }) {
        const registry = PresetProviderRegistry.create<PresetCatalogProvider>({
          configPath: ['catalog', 'providers'],
          extensionPoint: 'presetCatalogProvidersExtensionPoint',
          keyOf: p => p.configKey,
          builtin: builtinCatalogProviders,
          added,
          logger,
        });
        const plan = planPresetWiring({
          presets: [...presets.presets],
          registry,
          configuredKeys:
            config.getOptionalConfig('catalog.providers')?.keys() ?? [],
        });
        if (plan.problems.length > 0) {
          throw new PresetsConfigError(plan.problems);
        }

        const guard = readSyncGuardConfig(config);
        const store = SyncStateStore.create({ database });
        const pending = new PendingSyncs(store);
        pendingService.setHandler(pending);
        const orgSyncMetrics = createOrgSyncMetrics(
          metrics,
          async () => new Set((await pending.list()).map(p => p.provider)),
        );
        for (const { provider, presets: namedBy } of plan.activate) {
          const sources = await provider.createSources({
            config,
            logger,
            scheduler,
          });
          for (const source of sources) {
            catalog.addEntityProvider(
              new ScheduledSource(source, {
                logger,
                scheduler,
                guard,
                store,
                syncStatus,
                metrics: orgSyncMetrics,
                auditor,
                pending,
              }),
            );
            logger.info(
              `Preset "${namedBy.map(p => p.name).join('", "')}" ${
                source.kind === 'org'
                  ? 'syncs users and groups from'
                  : 'discovers catalog files with'
              } ${provider.title} (${source.name})`,
            );
          }
        }
        for (const key of plan.ignored) {
          logger.warn(
            `Ignoring catalog.providers.${key}: no selected preset names it (selected: ${
              presets.presets.map(p => p.name).join(', ') || 'none'
            })`,
          );
        }
      },
    });
  },
});
