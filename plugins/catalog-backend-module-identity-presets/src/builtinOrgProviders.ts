import {
  SchedulerServiceTaskFunction,
  SchedulerServiceTaskRunner,
  SchedulerServiceTaskScheduleDefinition,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { EntityProvider } from '@backstage/plugin-catalog-node';
import { LdapOrgEntityProvider } from '@backstage/plugin-catalog-backend-module-ldap';
import { KeycloakOrgEntityProvider } from '@backstage-community/plugin-catalog-backend-module-keycloak';
import { GithubMultiOrgEntityProvider } from '@backstage/plugin-catalog-backend-module-github';
import { GitlabOrgDiscoveryEntityProvider } from '@backstage/plugin-catalog-backend-module-gitlab';
import { MicrosoftGraphOrgEntityProvider } from '@backstage/plugin-catalog-backend-module-msgraph';
import {
  IdentityOrgProvider,
  IdentityOrgSource,
} from '@devportal/plugin-identity-presets-node';
import { randomUUID } from 'crypto';

/** Hourly, like the shipped presets, when a provider config has no schedule. */
export const DEFAULT_ORG_SCHEDULE: SchedulerServiceTaskScheduleDefinition = {
  frequency: { minutes: 60 },
  timeout: { minutes: 15 },
};

/** The `schedule` of one provider's config block, or the default. */
function scheduleOf(
  block: Config | undefined,
): SchedulerServiceTaskScheduleDefinition {
  const schedule = block?.getOptionalConfig('schedule');
  return schedule
    ? readSchedulerServiceTaskScheduleDefinitionFromConfig(schedule)
    : DEFAULT_ORG_SCHEDULE;
}

function idOf(provider: EntityProvider): string {
  const name = provider.getProviderName();
  return name.slice(name.indexOf(':') + 1);
}

/**
 * A task runner that runs nothing by itself: it keeps the task functions
 * providers hand it, so the identity module can run them on its own,
 * guarded schedule. For providers without a public `read`.
 */
class CapturingTaskRunner implements SchedulerServiceTaskRunner {
  private readonly tasks = new Map<string, SchedulerServiceTaskFunction>();

  async run(task: {
    id: string;
    fn: SchedulerServiceTaskFunction;
  }): Promise<void> {
    this.tasks.set(task.id, task.fn);
  }

  /** Runs the task a provider registered; its id starts with the provider name. */
  async runFor(providerName: string): Promise<void> {
    const entry = [...this.tasks].find(([id]) => id.startsWith(providerName));
    if (!entry) {
      throw new Error(`${providerName} is not connected to the catalog yet`);
    }
    await entry[1](new AbortController().signal);
  }
}

function configList(config: Config, path: string): Config[] {
  if (!config.has(path)) {
    return [];
  }
  return Array.isArray(config.get(path))
    ? config.getConfigArray(path)
    : [config.getConfig(path)];
}

/**
 * A source for a provider configured under `catalog.providers.<configKey>.<id>`,
 * whose schedule is read from that same block.
 */
function keyedSource<P extends EntityProvider>(
  config: Config,
  configKey: string,
  provider: P,
  refresh: IdentityOrgSource['refresh'],
): IdentityOrgSource {
  return {
    name: provider.getProviderName(),
    provider,
    refresh,
    schedule: scheduleOf(
      config.getOptionalConfig(
        `catalog.providers.${configKey}.${idOf(provider)}`,
      ),
    ),
  };
}

/** The org-sync providers of the shipped identity presets. */
export const builtinIdentityOrgProviders: IdentityOrgProvider[] = [
  {
    configKey: 'ldapOrg',
    title: 'LDAP',
    async createSources({ config, logger }) {
      return LdapOrgEntityProvider.fromConfig(config, {
        logger,
        schedule: 'manual',
      }).map(provider =>
        keyedSource(config, 'ldapOrg', provider, log =>
          provider.read({ logger: log }),
        ),
      );
    },
  },
  {
    configKey: 'keycloakOrg',
    title: 'Keycloak',
    async createSources({ config, logger }) {
      return KeycloakOrgEntityProvider.fromConfig(
        { config, logger },
        { schedule: new CapturingTaskRunner() },
      ).map(provider =>
        keyedSource(config, 'keycloakOrg', provider, log =>
          provider.read({ logger: log, taskInstanceId: randomUUID() }),
        ),
      );
    },
  },
  {
    configKey: 'microsoftGraphOrg',
    title: 'Microsoft Graph',
    async createSources({ config, logger }) {
      return MicrosoftGraphOrgEntityProvider.fromConfig(config, {
        logger,
        schedule: 'manual',
      }).map(provider =>
        keyedSource(config, 'microsoftGraphOrg', provider, log =>
          provider.read({ logger: log }),
        ),
      );
    },
  },
  {
    configKey: 'githubOrg',
    title: 'GitHub organizations',
    async createSources({ config, logger }) {
      // Same shapes as @backstage/plugin-catalog-backend-module-github-org:
      // one object, or a list of objects, each with its own id.
      return configList(config, 'catalog.providers.githubOrg').map(
        (entry): IdentityOrgSource => {
          const provider = GithubMultiOrgEntityProvider.fromConfig(config, {
            id: entry.getString('id'),
            githubUrl: entry.getString('githubUrl'),
            orgs: entry.getOptionalStringArray('orgs'),
            logger,
            schedule: 'manual',
          });
          return {
            name: provider.getProviderName(),
            provider,
            refresh: log => provider.read({ logger: log }),
            schedule: scheduleOf(entry),
          };
        },
      );
    },
  },
  {
    configKey: 'gitlab',
    title: 'GitLab groups',
    async createSources({ config, logger }) {
      const runner = new CapturingTaskRunner();
      return GitlabOrgDiscoveryEntityProvider.fromConfig(config, {
        logger,
        schedule: runner,
      }).map(provider =>
        keyedSource(config, 'gitlab', provider, () =>
          runner.runFor(provider.getProviderName()),
        ),
      );
    },
  },
];
