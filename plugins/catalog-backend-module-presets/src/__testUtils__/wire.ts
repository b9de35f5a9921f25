import { createBackendModule } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  catalogProcessingExtensionPoint,
  EntityProvider,
  EntityProviderConnection,
} from '@backstage/plugin-catalog-node';
import { presetsTestServices } from '@devportal/plugin-presets-node/testUtils';
import catalogModulePresets from '../index';

/**
 * Values for the variables of the shipped presets (and of the fixture
 * catalog, which names them alike); every endpoint on a closed loopback port.
 */
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
  OKTA_ORG_URL: 'http://127.0.0.1:9',
  OKTA_CLIENT_ID: 'okta-client',
  OKTA_CLIENT_SECRET: 'okta-secret',
  OKTA_API_TOKEN: 'okta-api-token',
};

/**
 * Starts the catalog module on the config the presets of `rootDir` (a
 * folder laid out as the repository) that `selection` names produce,
 * with a scheduler mock, and connects the providers it adds, as the catalog
 * would: what it added, and what it scheduled.
 */
export async function wire(
  rootDir: string,
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
      ...presetsTestServices({ env, rootDir }),
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
