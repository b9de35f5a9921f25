import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  createMockDirectory,
  mockServices,
  startTestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import {
  catalogProcessingExtensionPoint,
  EntityProvider,
  EntityProviderConnection,
  EntityProviderMutation,
} from '@backstage/plugin-catalog-node';
import {
  findPresetProblems,
  resolvePresetsOrThrow,
} from '@devportal/plugin-presets-common';
import {
  presetsRootConfigServiceFactory,
  presetsServiceFactory,
} from '@devportal/plugin-presets-node';
import { presetCatalogProvidersExtensionPoint } from '@devportal/plugin-preset-providers-node';
import path from 'path';
import catalogModulePresets from './index';

const repoRoot = path.resolve(__dirname, '../../..');

/** Values for the shipped presets' variables; every endpoint on a closed loopback port. */
const ENV: Record<string, string> = {
  GITHUB_PAT: 'ghp_test',
  GITHUB_ORG: 'acme',
  GITHUB_AUTH_CLIENT_ID: 'gh-client',
  GITHUB_AUTH_CLIENT_SECRET: 'gh-secret',
  GITHUB_BASE_URL: 'http://127.0.0.1:9',
  GITLAB_HOST: '127.0.0.1:9',
  GITLAB_BASE_URL: 'http://127.0.0.1:9',
  GITLAB_AUTH_CLIENT_ID: 'gl-client',
  GITLAB_AUTH_CLIENT_SECRET: 'gl-secret',
  GITLAB_TOKEN: 'glpat-test',
  GITLAB_GROUP: 'acme',
  AZURE_DEVOPS_TOKEN: 'ado-pat',
  AZURE_DEVOPS_HOST: '127.0.0.1:9',
  AZURE_DEVOPS_ORG: 'acme',
  AZURE_DEVOPS_PROJECT: 'portal',
  AZURE_AUTH_TENANT_ID: '00000000-0000-0000-0000-000000000000',
  AZURE_AUTH_CLIENT_ID: 'entra-client',
  AZURE_AUTH_CLIENT_SECRET: 'entra-secret',
  AZURE_AUTH_AUTHORITY: 'https://127.0.0.1:9',
  MSGRAPH_BASE_URL: 'https://127.0.0.1:9/v1.0',
  KEYCLOAK_BASE_URL: 'http://127.0.0.1:9',
  KEYCLOAK_REALM: 'acme',
  KEYCLOAK_CLIENT_ID: 'portal',
  KEYCLOAK_CLIENT_SECRET: 'kc-secret',
  AUTH_SESSION_SECRET: 'a-session-secret-of-enough-length',
  LDAP_URL: 'ldap://127.0.0.1:9',
  LDAP_DN: 'cn=admin,dc=example,dc=com',
  LDAP_SECRET: 'secret',
  LDAP_USERS_BASE_DN: 'ou=people,dc=example,dc=com',
  LDAP_GROUPS_BASE_DN: 'ou=groups,dc=example,dc=com',
};

/**
 * Starts the catalog module on the config the selected presets produce,
 * with a scheduler mock, and connects the providers it adds, as the catalog
 * would: what it added, and what it scheduled.
 */
async function wire(
  selection: string,
  options: {
    env?: Record<string, string>;
    extra?: ReturnType<typeof createBackendModule>[];
    /** The catalog's database; in memory, new for each backend, by default. */
    database?: ReturnType<typeof mockServices.database.factory>;
    /** The connection the catalog hands each provider. */
    connection?: EntityProviderConnection;
  } = {},
) {
  const env = { ...ENV, ...options.env, VEECODE_PRESETS: selection };
  const resolution = resolvePresetsOrThrow({ env, rootDir: repoRoot });
  const providers: EntityProvider[] = [];
  const scheduler = mockServices.scheduler.mock();
  const logger = mockServices.logger.mock();
  const backend = await startTestBackend({
    extensionPoints: [
      [
        catalogProcessingExtensionPoint,
        {
          addEntityProvider: (
            ...added: Array<EntityProvider | EntityProvider[]>
          ) => void providers.push(...added.flat()),
          addProcessor: () => {},
          addPlaceholderResolver: () => {},
          setOnProcessingErrorHandler: () => {},
        },
      ],
    ],
    features: [
      catalogModulePresets,
      presetsServiceFactory({ resolution }),
      presetsRootConfigServiceFactory({
        resolution,
        env,
        argv: [],
        rootDir: repoRoot,
        watch: false,
      }),
      scheduler.factory,
      logger.factory,
      ...(options.database ? [options.database] : []),
      ...(options.extra ?? []),
    ],
  });
  for (const provider of providers) {
    await provider.connect(
      options.connection ?? {
        applyMutation: async () => {},
        refresh: async () => {},
      },
    );
  }
  await backend.stop();
  const scheduled = scheduler.scheduleTask.mock.calls.map(([task]) => ({
    id: task.id,
    frequency: task.frequency,
    timeout: task.timeout,
  }));
  /** Runs a scheduled task as the scheduler would. */
  const runTask = async (id: string) => {
    const call = scheduler.scheduleTask.mock.calls.find(
      ([task]) => task.id === id,
    );
    if (!call) {
      throw new Error(`no task ${id} was scheduled`);
    }
    await call[0].fn(new AbortController().signal);
  };
  return {
    names: providers.map(p => p.getProviderName()),
    scheduled,
    runTask,
    // Getters: a task run after wiring logs too.
    logged: {
      get warn() {
        return logger.warn.mock.calls.map(([message]) => message);
      },
      get info() {
        return logger.info.mock.calls.map(([message]) => message);
      },
    },
  };
}

describe('catalogModulePresets', () => {
  it.each([
    [
      'recommended,github,github-auth',
      ['github-provider:default', 'GithubMultiOrgEntityProvider:production'],
    ],
    [
      'github,keycloak',
      ['github-provider:default', 'KeycloakOrgEntityProvider:default'],
    ],
    [
      'azure,azure-auth',
      [
        'AzureDevOpsEntityProvider:default',
        'MicrosoftGraphOrgEntityProvider:default',
      ],
    ],
    [
      'github,gitlab',
      [
        'github-provider:default',
        'GitlabDiscoveryEntityProvider:default',
        'GitlabOrgDiscoveryEntityProvider:default',
      ],
    ],
    [
      'github,azure,ldap',
      [
        'github-provider:default',
        'AzureDevOpsEntityProvider:default',
        'LdapOrgEntityProvider:default',
      ],
    ],
    ['recommended', []],
  ])(
    '%s adds exactly %j, each on its own schedule',
    async (selection, expected) => {
      const { names, scheduled } = await wire(selection);
      expect(names).toEqual(expected);
      expect(scheduled.map(s => s.id)).toEqual(
        expected.map(name => `${name}:refresh`),
      );
    },
  );

  it('schedules each source with the frequency and timeout of its preset block', async () => {
    const { scheduled } = await wire('github,azure-auth');
    expect(scheduled).toEqual([
      {
        id: 'github-provider:default:refresh',
        frequency: { minutes: 30 },
        timeout: { minutes: 3 },
      },
      {
        id: 'MicrosoftGraphOrgEntityProvider:default:refresh',
        frequency: { hours: 1 },
        timeout: { minutes: 5 },
      },
    ]);
  });

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
      mockDir.setContent({
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
      });
    });

    const SOURCE = 'AcmeDirectory:default';

    /** A directory of this many people, which the org source below reads at each run. */
    let people = 0;

    /** A module whose org source returns `people` users, each run. */
    const acmeDirectoryModule = createBackendModule({
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
                    name: SOURCE,
                    kind: 'org',
                    provider: {
                      getProviderName: () => SOURCE,
                      connect: async c => void (connection = c),
                    },
                    refresh: async () =>
                      connection!.applyMutation({
                        type: 'full',
                        entities: Array.from({ length: people }, (_, i) => ({
                          locationKey: 'acme',
                          entity: {
                            apiVersion: 'backstage.io/v1alpha1',
                            kind: 'User',
                            metadata: { name: `person-${i}` },
                            spec: {},
                          },
                        })),
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
        extra: [acmeDirectoryModule],
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
        `${SOURCE}: the source returned 3 users where the last sync had 120 (below 50%); not applied, the catalog keeps the last good entities. If the directory really shrank, set identityPresets.orgSync.minRetainedShare (now 0.5) lower, or 0 to turn this check off`,
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
