import { createBackend } from '@backstage/backend-defaults';
import {
  coreServices,
  createBackendFeatureLoader,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import {
  EXIT_CONFIG,
  findPresetProblems,
  formatProblems,
  PresetResolution,
} from '@devportal/plugin-presets-common';
import {
  presetsRootConfigServiceFactory,
  presetsServiceFactory,
  readPresetConfig,
} from '@devportal/plugin-presets-node';
import { presetsBackend } from '@devportal/plugin-presets-backend';
import { checkDatabaseOrExit } from './checkDatabase';
import { healthcheckPlugin } from './healthcheck';
import { drainingRootHttpRouterServiceFactory } from './drainInFlightRequests';
import { cachedSchemaRootLoggerServiceFactory } from './rootLogger';
import { BUILT_IN_FEATURES } from './features';
import { OutboundProxySummary } from './outboundProxy';

/** Says in the backend's log which proxies its outbound calls take (hosts only). */
function proxyLog(summary: OutboundProxySummary) {
  return createBackendFeatureLoader({
    deps: { logger: coreServices.rootLogger },
    *loader({ logger }) {
      logger.info(
        `Outbound HTTP goes through ${summary.proxies.join(
          ', ',
        )}; directly to loopback${
          summary.noProxy.length
            ? ` and NO_PROXY (${summary.noProxy.join(', ')})`
            : ''
        }`,
      );
    },
  });
}

/**
 * Assembles the DevPortal backend around an already checked preset
 * selection and the config read for it.
 */
export function createDevPortalBackend(
  resolution: PresetResolution,
  config: RootConfigService,
  outboundProxy?: OutboundProxySummary,
) {
  const backend = createBackend();
  if (outboundProxy) {
    backend.add(proxyLog(outboundProxy));
  }

  backend.add(presetsRootConfigServiceFactory({ config }));
  // Redacts the same secrets as Backstage's own, without compiling the
  // config schema at every boot (configSchemaCache.ts).
  backend.add(cachedSchemaRootLoggerServiceFactory);
  backend.add(presetsServiceFactory({ resolution }));
  // SIGTERM answers the requests in flight before the listener closes.
  backend.add(drainingRootHttpRouterServiceFactory());
  backend.add(healthcheckPlugin);

  // What every Backstage app has, and our preset-driven modules (features.ts).
  for (const load of Object.values(BUILT_IN_FEATURES)) {
    backend.add(load());
  }
  // The npm backend plugins the selected presets name, and the routes
  // that list what is loaded.
  backend.add(presetsBackend({ builtIn: Object.keys(BUILT_IN_FEATURES) }));

  return backend;
}

/**
 * Starts the backend for the resolution the boot gate returned. The config
 * is read once, for the database check and then for the backend itself. An
 * unreachable database ends the process with its one-line message before
 * any plugin's traces; a preset problem found by a module with exit code
 * 78; any other startup failure with 1, instead of leaving a process that
 * never becomes ready.
 */
export async function startBackend(
  resolution: PresetResolution,
  outboundProxy?: OutboundProxySummary,
) {
  try {
    const config = await readPresetConfig({ resolution });
    await checkDatabaseOrExit(config, resolution);
    await createDevPortalBackend(resolution, config, outboundProxy).start();
  } catch (error) {
    const problems = findPresetProblems(error);
    if (problems) {
      process.stderr.write(`${formatProblems(problems)}\n`);
      process.exit(EXIT_CONFIG);
    }
    process.stderr.write(
      `Backend failed to start: ${(error as Error)?.message ?? error}\n`,
    );
    process.exit(1);
  }
}
