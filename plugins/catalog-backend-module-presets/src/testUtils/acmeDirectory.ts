import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  DeferredEntity,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import { presetCatalogProvidersExtensionPoint } from '@devportal/plugin-preset-providers-node';

/**
 * The org sync of {@link acmeDirectoryModule}, as the status names it.
 *
 * @public
 */
export const ACME_DIRECTORY_SOURCE = 'AcmeDirectory:default';

/**
 * A preset file (`acme-directory.yaml`, for a `createMockDirectory` set as
 * `VEECODE_PRESETS_PATH`) that turns the Acme directory's org sync on.
 *
 * @public
 */
export const ACME_DIRECTORY_PRESET = {
  'acme-directory.yaml': [
    'name: acme-directory',
    'description: Acme directory',
    'version: 1.0.0',
    'appConfig:',
    '  catalog:',
    '    providers:',
    '      acmeDirectory:',
    '        default: {}',
    '',
  ].join('\n'),
};

/**
 * A catalog module that adds an org source under `acmeDirectory`, as a
 * third-party module would; each run applies what `entities()` returns
 * then, so a test changes the directory between runs.
 *
 * @public
 */
export function acmeDirectoryModule(entities: () => DeferredEntity[]) {
  return createBackendModule({
    pluginId: 'catalog',
    moduleId: 'acme-directory',
    register(reg) {
      reg.registerInit({
        deps: { providers: presetCatalogProvidersExtensionPoint },
        async init({ providers }) {
          providers.addProvider({
            configKey: 'acmeDirectory',
            title: 'Acme directory',
            module: 'acme-directory',
            async createSources() {
              let connection: EntityProviderConnection | undefined;
              return [
                {
                  name: ACME_DIRECTORY_SOURCE,
                  kind: 'org',
                  provider: {
                    getProviderName: () => ACME_DIRECTORY_SOURCE,
                    connect: async c => void (connection = c),
                  },
                  refresh: async () =>
                    connection!.applyMutation({
                      type: 'full',
                      entities: entities(),
                    }),
                  schedule: {
                    frequency: { minutes: 5 },
                    timeout: { minutes: 1 },
                  },
                },
              ];
            },
          });
        },
      });
    },
  });
}
