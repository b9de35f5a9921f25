import {
  RootConfigService,
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import {
  createMockDirectory,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  PresetsConfigError,
  resolvePresets,
} from '@devportal/plugin-presets-common';
import {
  presetsRootConfigServiceFactory,
  readPresetConfig,
} from './presetsRootConfigServiceFactory';

function capturingPlugin(captured: { config?: RootConfigService }) {
  return createBackendPlugin({
    pluginId: 'config-probe',
    register(reg) {
      reg.registerInit({
        deps: { config: coreServices.rootConfig },
        async init({ config }) {
          captured.config = config;
        },
      });
    },
  });
}

describe('presetsRootConfigServiceFactory', () => {
  const mockDir = createMockDirectory({
    content: {
      'backstage.json': '{"version": "1.55.0"}',
      'app-config.yaml':
        'app:\n  title: base\n  baseUrl: http://localhost:3000\n',
      presets: {
        'branding.yaml': [
          'name: branding',
          'description: sets the title',
          'version: 1.0.0',
          'requires:',
          '  variables:',
          '    BRANDING_TOKEN:',
          '      description: a token',
          '      required: true',
          'appConfig:',
          '  app:',
          '    title: from preset',
          '',
        ].join('\n'),
      },
    },
  });

  it('serves the base config with the selected presets layered in', async () => {
    const captured: { config?: RootConfigService } = {};
    const backend = await startTestBackend({
      features: [
        presetsRootConfigServiceFactory({
          env: {
            VEECODE_PRESETS: 'branding',
            BRANDING_TOKEN: 'x',
            APP_CONFIG_backend_baseUrl: 'http://localhost:7007',
          },
          rootDir: mockDir.path,
          argv: [],
          watch: false,
        }),
        capturingPlugin(captured),
      ],
    });
    try {
      expect(captured.config?.getString('app.title')).toBe('from preset');
      expect(captured.config?.getString('app.baseUrl')).toBe(
        'http://localhost:3000',
      );
      expect(captured.config?.getString('backend.baseUrl')).toBe(
        'http://localhost:7007',
      );
    } finally {
      await backend.stop();
    }
  });

  it('uses a resolution handed over by the boot gate', async () => {
    const captured: { config?: RootConfigService } = {};
    const resolution = resolvePresets({
      rootDir: mockDir.path,
      env: { VEECODE_PRESETS: '' },
    });
    const backend = await startTestBackend({
      features: [
        presetsRootConfigServiceFactory({
          resolution,
          env: { VEECODE_PRESETS: 'branding' },
          rootDir: mockDir.path,
          argv: [],
          watch: false,
        }),
        capturingPlugin(captured),
      ],
    });
    try {
      expect(captured.config?.getString('app.title')).toBe('base');
    } finally {
      await backend.stop();
    }
  });

  it('serves a config read beforehand as it is, resolving and reading nothing again', async () => {
    const captured: { config?: RootConfigService } = {};
    const config = await readPresetConfig({
      resolution: resolvePresets({
        rootDir: mockDir.path,
        env: { VEECODE_PRESETS: '' },
      }),
      rootDir: mockDir.path,
      argv: [],
      watch: false,
    });
    const backend = await startTestBackend({
      features: [
        // A selection with problems: resolved, it would refuse to start.
        presetsRootConfigServiceFactory({
          config,
          env: { VEECODE_PRESETS: 'branding' },
          rootDir: mockDir.path,
        }),
        capturingPlugin(captured),
      ],
    });
    try {
      expect(captured.config).toBe(config);
      expect(captured.config?.getString('app.title')).toBe('base');
    } finally {
      await backend.stop();
    }
  });

  it('refuses startup with a PresetsConfigError when the selection has problems', async () => {
    const error = await startTestBackend({
      features: [
        presetsRootConfigServiceFactory({
          env: { VEECODE_PRESETS: 'branding' },
          rootDir: mockDir.path,
          argv: [],
          watch: false,
        }),
        capturingPlugin({}),
      ],
    }).then(
      () => undefined,
      e => e,
    );
    let current: unknown = error;
    let found: PresetsConfigError | undefined;
    for (let i = 0; current && i < 20; i++) {
      if (current instanceof PresetsConfigError) {
        found = current;
        break;
      }
      current = (current as { cause?: unknown }).cause;
    }
    expect(found?.exitCode).toBe(78);
    expect(found?.problems.map(p => p.kind)).toEqual(['missing-variables']);
    expect(found?.message).toContain('BRANDING_TOKEN');
  });
});
