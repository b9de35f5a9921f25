import request from 'supertest';
import { getAsUser } from './__testUtils__/startPresetsBackend';
import { helloPluginFixture } from './__testUtils__/helloPlugin';

describe('dynamicPluginsInfoPlugin', () => {
  const { start } = helloPluginFixture();

  it('lists the loaded plugins in the shape Red Hat Developer Hub serves', async () => {
    const backend = await start('hello');
    try {
      const info = await getAsUser(
        backend,
        '/api/dynamic-plugins-info/loaded-plugins',
      );
      expect(info.body).toEqual([
        {
          name: '@acme/plugin-hello-backend',
          version: '1.2.3',
          role: 'backend-plugin',
          platform: 'node',
        },
      ]);
    } finally {
      await backend.stop();
    }
  });

  it('answers only authenticated callers', async () => {
    const backend = await start('hello');
    try {
      expect(
        (
          await request(backend.server).get(
            '/api/dynamic-plugins-info/loaded-plugins',
          )
        ).status,
      ).toBe(401);
    } finally {
      await backend.stop();
    }
  });
});
