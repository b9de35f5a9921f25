import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  createMockDirectory,
  mockServices,
  TestDatabases,
} from '@backstage/backend-test-utils';
import {
  EntityProvider,
  EntityProviderMutation,
} from '@backstage/plugin-catalog-node';
import { findPresetProblems } from '@devportal/plugin-presets-common';
import { presetCatalogProvidersExtensionPoint } from '@devportal/plugin-preset-providers-node';
import { FIXTURE_CATALOG_ROOT } from '@devportal/test-utils/src/fixtures/presetCatalog';
import { wire as wireFrom } from './__testUtils__/wire';
import {
  ACME_DIRECTORY_PRESET,
  ACME_DIRECTORY_SOURCE,
  acmeDirectoryModule,
} from './testUtils';

const wire = (selection: string, options?: Parameters<typeof wireFrom>[2]) =>
  wireFrom(FIXTURE_CATALOG_ROOT, selection, options);

describe('catalogModulePresets', () => {
  it('ignores, with one log line each, provider keys that no selected preset names', async () => {
    const { names, logged } = await wire('recommended', {
      env: {
        APP_CONFIG_catalog_providers: JSON.stringify({
          githubOrg: { id: 'x', githubUrl: 'http://127.0.0.1:9' },
          azureDevOps: { default: { organization: 'a', project: 'b' } },
          somethingElse: { default: {} },
        }),
      },
    });
    expect(names).toEqual([]);
    expect(logged.warn).toEqual([
      expect.stringMatching(
        /^Ignoring catalog\.providers\.githubOrg: no selected preset names it/,
      ),
      expect.stringMatching(
        /^Ignoring catalog\.providers\.azureDevOps: no selected preset names it/,
      ),
    ]);
  });

  describe('with presets and modules of its own', () => {
    const mockDir = createMockDirectory();
    beforeEach(() => {
      mockDir.setContent({
        'acme-scm.yaml': [
          'name: acme-scm',
          'description: Acme code hosting',
          'version: 1.0.0',
          'appConfig:',
          '  catalog:',
          '    providers:',
          '      acmeRepos:',
          '        default:',
          '          org: acme',
          '',
        ].join('\n'),
      });
    });

    function acmeModule(moduleId: string, configKey = 'acmeRepos') {
      return createBackendModule({
        pluginId: 'catalog',
        moduleId,
        register(reg) {
          reg.registerInit({
            deps: { providers: presetCatalogProvidersExtensionPoint },
            async init({ providers }) {
              providers.addProvider({
                configKey,
                title: 'Acme repositories',
                module: moduleId,
                async createSources() {
                  const provider: EntityProvider = {
                    getProviderName: () => 'AcmeRepos:default',
                    connect: async () => {},
                  };
                  return [
                    {
                      name: 'AcmeRepos:default',
                      kind: 'discovery',
                      provider,
                      refresh: async () => {},
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
    const env = () => ({ VEECODE_PRESETS_PATH: mockDir.path });

    it('activates a provider another module adds, when a selected preset names it', async () => {
      const { names, scheduled } = await wire('acme-scm', {
        env: env(),
        extra: [acmeModule('acme-repos')],
      });
      expect(names).toEqual(['AcmeRepos:default']);
      expect(scheduled).toEqual([
        {
          id: 'AcmeRepos:default:refresh',
          frequency: { minutes: 5 },
          timeout: { minutes: 1 },
        },
      ]);
    });

    it('lets a module replace a built-in provider, and says so', async () => {
      const { names, logged } = await wire('github', {
        extra: [acmeModule('acme-github', 'github')],
      });
      expect(names).toEqual(['AcmeRepos:default']);
      expect(logged.info).toContainEqual(
        'catalog.providers.github: Acme repositories from acme-github replaces the built-in provider',
      );
    });

    it('refuses startup naming preset and key when no module provides the key', async () => {
      const error = await wire('acme-scm', { env: env() }).catch(e => e);
      expect((findPresetProblems(error) ?? []).map(p => p.message)).toEqual([
        expect.stringContaining(
          'preset "acme-scm" names catalog.providers.acmeRepos, but no backend module provides it',
        ),
      ]);
    });

    it('refuses startup naming both modules when two add the same key', async () => {
      const error = await wire('acme-scm', {
        env: env(),
        extra: [acmeModule('acme-repos'), acmeModule('acme-repos-fork')],
      }).catch(e => e);
      const messages = (findPresetProblems(error) ?? []).map(p => p.message);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toContain('"acme-repos"');
      expect(messages[0]).toContain('"acme-repos-fork"');
      expect(messages[0]).toContain('catalog.providers.acmeRepos');
    });
  });
  describe('guarding org sync across restarts', () => {
    const databases = TestDatabases.create({
      ids: ['SQLITE_3'],
      disableDocker: true,
    });
    const mockDir = createMockDirectory();
    beforeEach(() => {
      mockDir.setContent(ACME_DIRECTORY_PRESET);
    });

    const SOURCE = ACME_DIRECTORY_SOURCE;

    /** A directory of this many people, which the org source below reads at each run. */
    let people = 0;

    /** A module whose org source returns `people` users, each run. */
    const directoryModule = acmeDirectoryModule(() =>
      Array.from({ length: people }, (_, i) => ({
        locationKey: 'acme',
        entity: {
          apiVersion: 'backstage.io/v1alpha1',
          kind: 'User',
          metadata: { name: `person-${i}` },
          spec: {},
        },
      })),
    );

    /**
     * Starts the module on `knex` as the catalog's database, runs one sync
     * of a directory of `count` people and stops: one process lifetime.
     * Says how many users reached the catalog and what was logged.
     */
    async function lifetime(
      knex: Awaited<ReturnType<typeof databases.init>>,
      count: number,
      orgSync: Record<string, unknown> = {},
    ) {
      people = count;
      const applied: EntityProviderMutation[] = [];
      const { runTask, logged } = await wire('acme-directory', {
        env: {
          VEECODE_PRESETS_PATH: mockDir.path,
          APP_CONFIG_identityPresets_orgSync: JSON.stringify(orgSync),
        },
        extra: [directoryModule],
        database: mockServices.database.factory({ knex }),
        connection: {
          applyMutation: async m => void applied.push(m),
          refresh: async () => {},
        },
      });
      await runTask(`${SOURCE}:refresh`);
      return {
        users: applied.map(m => (m.type === 'full' ? m.entities.length : -1)),
        logged,
      };
    }

    it('refuses, after a restart, a sync that lost most people, logging both counts; a lower share lets it through', async () => {
      const knex = await databases.init('SQLITE_3');
      expect((await lifetime(knex, 120)).users).toEqual([120]);

      const restarted = await lifetime(knex, 3);
      expect(restarted.users).toEqual([]);
      expect(restarted.logged.warn).toContainEqual(
        `${SOURCE}: the source returned 3 users where the last sync had 120 (below 50%); not applied, the catalog keeps the last good entities. If the directory really shrank, approve this run (yarn presets sync approve ${SOURCE}, or on the presets page); to let such runs through without a person, set identityPresets.orgSync.minRetainedShare (now 0.5) lower, or 0 to turn this check off`,
      );

      expect((await lifetime(knex, 0)).users).toEqual([]);
      expect(
        (await lifetime(knex, 3, { minRetainedShare: 0.02 })).users,
      ).toEqual([3]);
      expect((await lifetime(knex, 0, { allowEmpty: true })).users).toEqual([
        0,
      ]);
    });

    it('refuses startup naming the key when the share is not a number from 0 to 1', async () => {
      const knex = await databases.init('SQLITE_3');
      const error = await lifetime(knex, 1, { minRetainedShare: 50 }).catch(
        e => e,
      );
      expect(findPresetProblems(error)).toEqual([
        expect.objectContaining({
          message:
            'identityPresets.orgSync.minRetainedShare is 50, outside 0..1',
        }),
      ]);
    });
  });
});
