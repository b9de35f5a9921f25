import request from 'supertest';
import { getAsUser } from './__testUtils__/startPresetsBackend';
import { helloPluginFixture, listedHello } from './__testUtils__/helloPlugin';

describe('presetsPlugin', () => {
  const { start } = helloPluginFixture();

  it('lists the npm plugin a selected preset added, with version, role and preset', async () => {
    const backend = await start('hello');
    try {
      const plugins = await getAsUser(backend, '/api/presets/plugins');
      expect(plugins.status).toBe(200);
      expect(plugins.body).toEqual([listedHello]);
    } finally {
      await backend.stop();
    }
  });

  it('answers only authenticated callers', async () => {
    const backend = await start('hello');
    try {
      expect(
        (await request(backend.server).get('/api/presets/plugins')).status,
      ).toBe(401);
    } finally {
      await backend.stop();
    }
  });
});
