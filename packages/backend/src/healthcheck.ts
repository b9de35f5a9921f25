import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { Router } from 'express';

/**
 * `GET /healthcheck`, the path VeeCode's Helm chart probes. It answers like
 * Backstage's own readiness endpoint (`/.backstage/health/v1/readiness`),
 * which it delegates to, so both report the same state.
 */
export const healthcheckPlugin = createBackendPlugin({
  pluginId: 'healthcheck',
  register(env) {
    env.registerInit({
      deps: {
        rootHttpRouter: coreServices.rootHttpRouter,
        health: coreServices.rootHealth,
      },
      async init({ rootHttpRouter, health }) {
        const router = Router();
        router.get('/', async (_req, res) => {
          const { status, payload } = await health.getReadiness();
          res.status(status).json(payload);
        });
        rootHttpRouter.use('/healthcheck', router);
      },
    });
  },
});
