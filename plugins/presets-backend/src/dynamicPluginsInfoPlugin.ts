import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { Router } from 'express';
import { LoadedPlugin } from './planPluginLoading';

/**
 * `GET /api/dynamic-plugins-info/loaded-plugins`, in the shape Red Hat
 * Developer Hub serves, so VeeCode's smoke tests and dashboards read it
 * unchanged.
 */
export function dynamicPluginsInfoPlugin(loaded: () => LoadedPlugin[]) {
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
