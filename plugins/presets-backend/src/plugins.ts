import {
  BackendFeature,
  coreServices,
  createBackendFeatureLoader,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { presetsServiceRef } from '@devportal/plugin-presets-node';
import { presetSyncStatusServiceRef } from '@devportal/plugin-preset-providers-node';
import { Router } from 'express';
import { LoadedPlugin, planPluginLoading } from './loadedPlugins';
import { warnAboutOAuthServerSetup } from './oauthServerChecks';
import { oauthServerGuardModule } from './oauthServerGuard/module';
import { serveTechRadarSample } from './techRadarSample';
import { statusHandler } from './status';

/** Options for {@link presetsBackend}. @public */
export interface PresetsBackendOptions {
  /**
   * Packages the backend adds itself. A preset that names one of them does
   * not add it a second time (Backstage refuses a plugin registered twice);
   * it is reported instead.
   */
  builtIn: string[];
  /** Folders the plugin packages are imported from; defaults to the current directory. */
  from?: string[];
}

/**
 * `GET /api/presets/plugins`: what this backend runs, and which preset
 * enabled it; `GET /api/presets/status`: presets, sign-in and sync runs.
 * Also warns once at startup about a setup in which
 * Backstage's OAuth server cannot serve MCP clients well, whichever preset
 * or config turned it on.
 */
function presetsPlugin(loaded: () => LoadedPlugin[]) {
  return createBackendPlugin({
    pluginId: 'presets',
    register(reg) {
      reg.registerInit({
        deps: {
          httpRouter: coreServices.httpRouter,
          config: coreServices.rootConfig,
          logger: coreServices.logger,
          presets: presetsServiceRef,
          syncStatus: presetSyncStatusServiceRef,
        },
        async init({ httpRouter, config, logger, presets, syncStatus }) {
          warnAboutOAuthServerSetup({ config, logger });
          serveTechRadarSample({ httpRouter, config });
          const router = Router();
          router.get('/plugins', (_req, res) => {
            res.json(loaded().map(({ entry: _, ...plugin }) => plugin));
          });
          router.get('/status', statusHandler({ presets, syncStatus }));
          httpRouter.use(router);
        },
      });
    },
  });
}

/**
 * `GET /api/dynamic-plugins-info/loaded-plugins`, in the shape Red Hat
 * Developer Hub serves, so VeeCode's smoke tests and dashboards read it
 * unchanged.
 */
function dynamicPluginsInfoPlugin(loaded: () => LoadedPlugin[]) {
  return createBackendPlugin({
    pluginId: 'dynamic-plugins-info',
    register(reg) {
      reg.registerInit({
        deps: { httpRouter: coreServices.httpRouter },
        async init({ httpRouter }) {
          const router = Router();
          router.get('/loaded-plugins', (_req, res) => {
            res.json(
              loaded().map(p => ({
                name: p.package,
                version: p.version,
                role: p.role,
                platform: 'node',
              })),
            );
          });
          httpRouter.use(router);
        },
      });
    },
  });
}

/**
 * Adds the npm backend plugins the selected presets name (entries whose
 * `package` is an npm package and that are not disabled), and nothing
 * else, through Backstage's feature loader; plus the two routes that say
 * what is loaded. Both routes need an authenticated caller. Also adds the
 * auth module that guards Backstage's OAuth authorization server (see
 * `oauthServerGuardModule`).
 *
 * @public
 */
export function presetsBackend(options: PresetsBackendOptions) {
  const from = options.from ?? [process.cwd()];
  return createBackendFeatureLoader({
    deps: { presets: presetsServiceRef, logger: coreServices.rootLogger },
    async loader({ presets, logger }) {
      const plan = planPluginLoading({
        plugins: presets.plugins,
        builtIn: options.builtIn,
        from,
      });
      for (const p of plan.alreadyAdded) {
        logger.info(
          `Preset "${p.preset}" enables ${p.package}, which this backend always adds; registered once`,
        );
      }
      const features: BackendFeature[] = [];
      for (const p of plan.load) {
        // require, not import(): Backstage backends run as CommonJS, and so
        // do the tests (Jest's VM has no dynamic import without a flag).
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const imported = require(p.entry!);
        features.push(imported.default);
        logger.info(
          `Preset "${p.preset}" adds ${p.package}@${p.version} (${p.role})`,
        );
      }
      const loaded = () => plan.all;
      return [
        ...features,
        presetsPlugin(loaded),
        dynamicPluginsInfoPlugin(loaded),
        // Guards the auth plugin's OAuth server (MCP clients) whenever it
        // is on, whichever preset or config turned it on.
        oauthServerGuardModule,
      ];
    },
  });
}
