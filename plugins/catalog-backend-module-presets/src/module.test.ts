import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  createMockDirectory,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  catalogProcessingExtensionPoint,
  EntityProvider,
} from '@backstage/plugin-catalog-node';
import {
  findPresetProblems,
  presetsRootConfigServiceFactory,
  presetsServiceFactory,
  resolvePresetsOrThrow,
} from '@devportal/plugin-presets-node';
import { presetCatalogProvidersExtensionPoint } from '@devportal/plugin-identity-presets-node';
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
      ...(options.extra ?? []),
    ],
  });
  for (const provider of providers) {
    await provider.connect({
      applyMutation: async () => {},
      refresh: async () => {},
    });
  }
  await backend.stop();
  const scheduled = scheduler.scheduleTask.mock.calls.map(([task]) => ({
    id: task.id,
    frequency: task.frequency,
    timeout: task.timeout,
  }));
  return {
    names: providers.map(p => p.getProviderName()),
    scheduled,
    logged: {
      warn: logger.warn.mock.calls.map(([message]) => message),
      info: logger.info.mock.calls.map(([message]) => message),
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
});
