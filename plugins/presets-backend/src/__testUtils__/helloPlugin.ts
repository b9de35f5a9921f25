import { createMockDirectory } from '@backstage/backend-test-utils';
import { startPresetsBackend } from './startPresetsBackend';

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

/**
 * A folder with the hello plugin installed and a `hello` preset that names
 * it (and a dynamic plugin entry, which the npm loader leaves alone).
 */
export function helloPluginFixture() {
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

  return {
    start(selection: string, builtIn: string[] = []) {
      return startPresetsBackend({
        selection,
        presetsPath: mockDir.resolve('presets'),
        builtIn,
        pluginsFrom: [mockDir.path],
      });
    },
  };
}

/** How /api/presets/plugins lists the hello plugin. */
export const listedHello = {
  package: '@acme/plugin-hello-backend',
  version: '1.2.3',
  role: 'backend-plugin',
  preset: 'hello',
};
