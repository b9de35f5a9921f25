import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { presetsServiceRef } from '@devportal/plugin-presets-node';
import { presetSyncStatusServiceRef } from '@devportal/plugin-preset-providers-node';
import { Router } from 'express';
import { LoadedPlugin } from './planPluginLoading';
import { warnAboutOAuthServerSetup } from './oauthServerChecks';
import { serveTechRadarSample } from './techRadarSample';
import { statusHandler } from './status';

/**
 * `GET /api/presets/plugins`: what this backend runs, and which preset
 * enabled it; `GET /api/presets/status`: presets, sign-in and sync runs.
 * Also warns once at startup about a setup in which
 * Backstage's OAuth server cannot serve MCP clients well, whichever preset
 * or config turned it on.
 */
export function presetsPlugin(loaded: () => LoadedPlugin[]) {
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
