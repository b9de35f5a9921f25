import { getAsUser } from './__testUtils__/startPresetsBackend';
import { helloPluginFixture, listedHello } from './__testUtils__/helloPlugin';

describe('presetsBackend', () => {
  const { start } = helloPluginFixture();

  it('adds the npm plugin a selected preset names', async () => {
    const backend = await start('hello');
    try {
      const ping = await getAsUser(backend, '/api/hello/ping');
      expect(ping.status).toBe(200);
      expect(ping.body).toEqual({ pong: true });
    } finally {
      await backend.stop();
    }
  });

  it('adds nothing for a preset that is not selected', async () => {
    const backend = await start('');
    try {
      const ping = await getAsUser(backend, '/api/hello/ping');
      expect(ping.status).toBe(404);
      const plugins = await getAsUser(backend, '/api/presets/plugins');
      expect(plugins.body).toEqual([]);
    } finally {
      await backend.stop();
    }
  });

  it('registers a plugin the backend adds itself once, crediting the preset that names it', async () => {
    // The backend "adds" the hello plugin itself here by listing it as
    // built in without adding it: the loader must not add it either.
    const backend = await start('hello', ['@acme/plugin-hello-backend']);
    try {
      const ping = await getAsUser(backend, '/api/hello/ping');
      expect(ping.status).toBe(404);
      const plugins = await getAsUser(backend, '/api/presets/plugins');
      expect(plugins.body).toEqual([listedHello]);
    } finally {
      await backend.stop();
    }
  });
});
