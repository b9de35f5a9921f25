import request from 'supertest';
import { createMockDirectory } from '@backstage/backend-test-utils';
import {
  getAsUser,
  startPresetsBackend,
} from './__testUtils__/startPresetsBackend';

/**
 * A real backend plugin package, installed in a folder of its own: it
 * answers GET /api/hello/ping. Its one dependency is resolved from this
 * repository, as a hoisted install would.
 */
function installHelloPlugin(dir: ReturnType<typeof createMockDirectory>) {
  const pluginApi = require.resolve('@backstage/backend-plugin-api');
  dir.addContent({
    'node_modules/@acme/plugin-hello-backend/package.json': JSON.stringify({
      name: '@acme/plugin-hello-backend',
      version: '1.2.3',
      main: 'index.js',
      backstage: { role: 'backend-plugin', pluginId: 'hello' },
    }),
    'node_modules/@acme/plugin-hello-backend/index.js': `
      const { coreServices, createBackendPlugin } = require(${JSON.stringify(
        pluginApi,
      )});
      exports.__esModule = true;
      exports.default = createBackendPlugin({
        pluginId: 'hello',
        register(reg) {
          reg.registerInit({
            deps: { httpRouter: coreServices.httpRouter },
            async init({ httpRouter }) {
              httpRouter.use((req, res, next) =>
                req.path === '/ping' ? res.json({ pong: true }) : next());
            },
          });
        },
      });
    `,
  });
}

describe('presetsBackend', () => {
  const mockDir = createMockDirectory();

  beforeEach(() => {
    mockDir.clear();
    installHelloPlugin(mockDir);
    mockDir.addContent({
      'presets/hello.yaml': [
        'name: hello',
        'description: says hello',
        'version: 1.0.0',
        'plugins:',
        '  - package: "@acme/plugin-hello-backend"',
        '  - package: oci://registry.example.com/hello:1!hello-frontend',
        '',
      ].join('\n'),
    });
  });

  function start(selection: string, builtIn: string[] = []) {
    return startPresetsBackend({
      selection,
      presetsPath: mockDir.resolve('presets'),
      builtIn,
      pluginsFrom: [mockDir.path],
    });
  }

  /** How /api/presets/plugins lists the hello plugin. */
  const listedHello = {
    package: '@acme/plugin-hello-backend',
    version: '1.2.3',
    role: 'backend-plugin',
    preset: 'hello',
  };

  it('adds the npm plugin a selected preset names, and lists it with version, role and preset', async () => {
    const backend = await start('hello');
    try {
      const ping = await getAsUser(backend, '/api/hello/ping');
      expect(ping.status).toBe(200);
      expect(ping.body).toEqual({ pong: true });

      const plugins = await getAsUser(backend, '/api/presets/plugins');
      expect(plugins.status).toBe(200);
      expect(plugins.body).toEqual([listedHello]);
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

  it('answers only authenticated callers', async () => {
    const backend = await start('hello');
    try {
      for (const route of [
        '/api/presets/plugins',
        '/api/dynamic-plugins-info/loaded-plugins',
      ]) {
        expect((await request(backend.server).get(route)).status).toBe(401);
      }
    } finally {
      await backend.stop();
    }
  });
});
