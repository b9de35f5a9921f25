import { createMockDirectory } from '@backstage/backend-test-utils';
import { loadConfigSchema } from '@backstage/config-loader';
import { stringify } from 'yaml';
import { loadPresets, presetFile } from '../__testUtils__/configPresets';
import { presetFrontendConfigs } from './presetFrontendConfig';

// The shipped presets' frontend config, end to end with the app's schema,
// is in shippedCatalogFrontendConfig.test.ts.
describe('presetFrontendConfigs', () => {
  const mockDir = createMockDirectory();

  it('with watch, yields the config again when a layer’s file changes', async () => {
    mockDir.setContent({
      'app-config.yaml': stringify({ app: { title: 'First' } }),
      presets: {
        'theme.yaml': presetFile('theme', {
          app: { support: { url: 'https://help.example.com' } },
          secretKey: 'not-for-the-frontend',
        }),
      },
    });
    const schema = await loadConfigSchema({
      serialized: {
        backstageConfigSchemaVersion: 1,
        schemas: [
          {
            path: 'test',
            value: {
              type: 'object',
              properties: {
                app: {
                  type: 'object',
                  properties: {
                    title: { type: 'string', visibility: 'frontend' },
                    support: {
                      type: 'object',
                      properties: {
                        url: { type: 'string', visibility: 'frontend' },
                      },
                    },
                  },
                },
                secretKey: { type: 'string', visibility: 'secret' },
              },
            },
          },
        ],
      },
    });
    const controller = new AbortController();
    const configs = presetFrontendConfigs({
      presets: loadPresets(mockDir, ['theme']),
      argv: ['node', 'dev'],
      env: {},
      rootDir: mockDir.path,
      schema,
      watch: true,
      signal: controller.signal,
    });
    try {
      const first = await configs.next();
      expect(first.value).toEqual({
        app: { title: 'First', support: { url: 'https://help.example.com' } },
      });
      mockDir.addContent({
        'app-config.yaml': stringify({ app: { title: 'Second' } }),
      });
      const second = await configs.next();
      expect(second.value).toEqual({
        app: { title: 'Second', support: { url: 'https://help.example.com' } },
      });
    } finally {
      controller.abort();
      await configs.return(undefined);
    }
  });
});
