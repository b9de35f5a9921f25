import fs from 'fs';
import path from 'path';
import request from 'supertest';
import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Router } from 'express';
import { serveTechRadarSample } from './techRadarSample';

type ConfigData = NonNullable<
  Parameters<typeof mockServices.rootConfig.factory>[0]
>['data'];

/** A sample of the shape the `recommended` preset provides. */
const fixtureSample = JSON.parse(
  fs.readFileSync(
    path.resolve(__dirname, '__fixtures__/tech-radar-sample.json'),
    'utf8',
  ),
) as ConfigData;

/**
 * A `presets` plugin that serves the sample as the real one does, plus a
 * sibling route that keeps the default auth policy.
 */
const presetsPlugin = createBackendPlugin({
  pluginId: 'presets',
  register(reg) {
    reg.registerInit({
      deps: {
        httpRouter: coreServices.httpRouter,
        config: coreServices.rootConfig,
      },
      async init({ httpRouter, config }) {
        serveTechRadarSample({ httpRouter, config });
        const router = Router();
        router.get('/plugins', (_req, res) => {
          res.json([]);
        });
        httpRouter.use(router);
      },
    });
  },
});

async function start(data: ConfigData) {
  return startTestBackend({
    features: [
      presetsPlugin,
      mockServices.rootConfig.factory({ data }),
      // No caller is signed in unless a test says so.
      mockServices.httpAuth.factory({
        defaultCredentials: mockCredentials.none(),
      }),
    ],
  });
}

describe('serveTechRadarSample', () => {
  it('serves the sample a preset provides to callers without credentials', async () => {
    const backend = await start({
      presets: { techRadar: { sample: fixtureSample } },
    });
    try {
      const res = await request(backend.server).get(
        '/api/presets/tech-radar/sample.json',
      );
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(res.body).toEqual(fixtureSample);

      // only the sample is open: the plugin's other routes still need a caller
      const other = await request(backend.server).get('/api/presets/plugins');
      expect(other.status).toBe(401);
    } finally {
      await backend.stop();
    }
  });

  it('serves nothing when no preset provides a sample', async () => {
    const backend = await start({});
    try {
      const res = await request(backend.server)
        .get('/api/presets/tech-radar/sample.json')
        .set('Authorization', mockCredentials.user.header());
      expect(res.status).toBe(404);
    } finally {
      await backend.stop();
    }
  });

  it('refuses a sample that is not an object, naming the config key', async () => {
    await expect(
      start({ presets: { techRadar: { sample: 'tech-radar.json' } } }),
    ).rejects.toThrow(/presets\.techRadar\.sample/);
  });
});
