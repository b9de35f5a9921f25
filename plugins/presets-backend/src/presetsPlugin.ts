import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { presetsServiceRef } from '@devportal/plugin-presets-node';
import {
  presetSyncPendingServiceRef,
  presetSyncStatusServiceRef,
} from '@devportal/plugin-preset-providers-node';
import { presetsPermissions } from '@devportal/plugin-presets-sync-common';
import { Router } from 'express';
import { LoadedPlugin } from './planPluginLoading';
import { warnAboutOAuthServerSetup } from './oauthServerChecks';
import { serveTechRadarSample } from './techRadarSample';
import { statusHandler } from './status';
import { pendingSyncRouter } from './pendingSync';

/**
 * `GET /api/presets/plugins`: what this backend runs, and which preset
 * enabled it; `GET /api/presets/status`: presets, sign-in and sync runs;
 * `/api/presets/sync/pending`: refused org syncs a person approves or
 * rejects (see {@link pendingSyncRouter}).
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
          pending: presetSyncPendingServiceRef,
          httpAuth: coreServices.httpAuth,
          permissions: coreServices.permissions,
          permissionsRegistry: coreServices.permissionsRegistry,
          auditor: coreServices.auditor,
        },
        async init({
          httpRouter,
          config,
          logger,
          presets,
          syncStatus,
          pending,
          httpAuth,
          permissions,
          permissionsRegistry,
          auditor,
        }) {
          warnAboutOAuthServerSetup({ config, logger });
          serveTechRadarSample({ httpRouter, config });
          const router = Router();
          router.get('/plugins', (_req, res) => {
            res.json(loaded().map(({ entry: _, ...plugin }) => plugin));
          });
          router.get('/status', statusHandler({ presets, syncStatus }));
          permissionsRegistry.addPermissions(presetsPermissions);
          router.use(
            pendingSyncRouter({
              config,
              httpAuth,
              permissions,
              auditor,
              pending,
            }),
          );
          httpRouter.use(router);
        },
      });
    },
  });
}
