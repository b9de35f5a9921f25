import {
  SchedulerServiceTaskFunction,
  SchedulerServiceTaskRunner,
  SchedulerServiceTaskScheduleDefinition,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { EntityProvider } from '@backstage/plugin-catalog-node';
import {
  PresetCatalogProvider,
  PresetCatalogSource,
} from '@devportal/plugin-preset-providers-node';
import { randomUUID } from 'crypto';
import { ScmIntegrations } from '@backstage/integration';
import { AzureDevOpsEntityProvider } from './azureDevOps';
import {
  gitlabGroupEntitiesTransformer,
  gitlabUserTransformer,
} from './gitlab/transformers';

/** Hourly, like the shipped presets, when a provider config has no schedule. */
export const DEFAULT_SYNC_SCHEDULE: SchedulerServiceTaskScheduleDefinition = {
  frequency: { minutes: 60 },
  timeout: { minutes: 15 },
};

/** Named in errors when another module adds a provider under the same key. */
const BUILTIN_MODULE = '@devportal/plugin-catalog-backend-module-presets';

/** The `schedule` of one provider's config block, or the default. */
function scheduleOf(
  block: Config | undefined,
): SchedulerServiceTaskScheduleDefinition {
  const schedule = block?.getOptionalConfig('schedule');
  return schedule
    ? readSchedulerServiceTaskScheduleDefinitionFromConfig(schedule)
    : DEFAULT_SYNC_SCHEDULE;
}

function idOf(provider: EntityProvider): string {
  const name = provider.getProviderName();
  return name.slice(name.indexOf(':') + 1);
}

/**
 * For upstream providers that insist on a task runner: one that never runs
 * anything, since the catalog module runs `refresh` on its own, guarded
 * schedule.
 */
const manualTaskRunner: SchedulerServiceTaskRunner = {
  async run() {},
};

/**
 * A task runner that keeps the task functions providers hand it instead of
 * scheduling them, for a provider whose sync is reachable only through its
 * task (upstream's GitLab org provider keeps `refresh` private).
 */
class CapturingTaskRunner implements SchedulerServiceTaskRunner {
  private readonly tasks = new Map<string, SchedulerServiceTaskFunction>();

  async run(task: {
    id: string;
    fn: SchedulerServiceTaskFunction;
  }): Promise<void> {
    this.tasks.set(task.id, task.fn);
  }

  /** Runs the task a provider registered on connect: `<providerName>:refresh`. */
  async runFor(providerName: string): Promise<void> {
    const fn = this.tasks.get(`${providerName}:refresh`);
    if (!fn) {
      throw new Error(`${providerName} is not connected to the catalog yet`);
    }
    await fn(new AbortController().signal);
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
function keyedSource(
  config: Config,
  configKey: string,
  kind: PresetCatalogSource['kind'],
  provider: EntityProvider,
  refresh: PresetCatalogSource['refresh'],
): PresetCatalogSource {
  return {
    name: provider.getProviderName(),
    kind,
    provider,
    refresh,
    schedule: scheduleOf(
      config.getOptionalConfig(
        `catalog.providers.${configKey}.${idOf(provider)}`,
      ),
    ),
  };
}

/*
 * Each provider's upstream module is required inside its createSources,
 * which runs only for a provider a selected preset configures: a backend
 * that syncs GitHub never loads the GitLab, Keycloak, LDAP or Microsoft
 * modules (a few hundred modules, about 0.2 s of every boot). A package
 * name, not a file of ours, so the build keeps the require as it is.
 */
/* eslint-disable @typescript-eslint/no-require-imports */

/**
 * The catalog providers of the shipped presets: org sync for the identity
 * presets, repository discovery for the SCM presets.
 */
export const builtinCatalogProviders: PresetCatalogProvider[] = [
  {
    configKey: 'ldapOrg',
    title: 'LDAP',
    module: BUILTIN_MODULE,
    async createSources({ config, logger }) {
      const { LdapOrgEntityProvider } =
        require('@backstage/plugin-catalog-backend-module-ldap') as typeof import('@backstage/plugin-catalog-backend-module-ldap');
      return LdapOrgEntityProvider.fromConfig(config, {
        logger,
        schedule: 'manual',
      }).map(provider =>
        keyedSource(config, 'ldapOrg', 'org', provider, log =>
          provider.read({ logger: log }),
        ),
      );
    },
  },
  {
    configKey: 'keycloakOrg',
    title: 'Keycloak',
    module: BUILTIN_MODULE,
    async createSources({ config, logger }) {
      const { KeycloakOrgEntityProvider } =
        require('@backstage-community/plugin-catalog-backend-module-keycloak') as typeof import('@backstage-community/plugin-catalog-backend-module-keycloak');
      return KeycloakOrgEntityProvider.fromConfig(
        { config, logger },
        { schedule: manualTaskRunner },
      ).map(provider =>
        keyedSource(config, 'keycloakOrg', 'org', provider, log =>
          provider.read({ logger: log, taskInstanceId: randomUUID() }),
        ),
      );
    },
  },
  {
    configKey: 'microsoftGraphOrg',
    title: 'Microsoft Graph',
    module: BUILTIN_MODULE,
    async createSources({ config, logger }) {
      const { MicrosoftGraphOrgEntityProvider } =
        require('@backstage/plugin-catalog-backend-module-msgraph') as typeof import('@backstage/plugin-catalog-backend-module-msgraph');
      return MicrosoftGraphOrgEntityProvider.fromConfig(config, {
        logger,
        schedule: 'manual',
      }).map(provider =>
        keyedSource(config, 'microsoftGraphOrg', 'org', provider, log =>
          provider.read({ logger: log }),
        ),
      );
    },
  },
  {
    configKey: 'githubOrg',
    title: 'GitHub organizations',
    module: BUILTIN_MODULE,
    async createSources({ config, logger }) {
      const { GithubMultiOrgEntityProvider } =
        require('@backstage/plugin-catalog-backend-module-github') as typeof import('@backstage/plugin-catalog-backend-module-github');
      // Same shapes as @backstage/plugin-catalog-backend-module-github-org:
      // one object, or a list of objects, each with its own id.
      return configList(config, 'catalog.providers.githubOrg').map(
        (entry): PresetCatalogSource => {
          const provider = GithubMultiOrgEntityProvider.fromConfig(config, {
            id: entry.getString('id'),
            githubUrl: entry.getString('githubUrl'),
            orgs: entry.getOptionalStringArray('orgs'),
            logger,
            schedule: 'manual',
          });
          return {
            name: provider.getProviderName(),
            kind: 'org',
            provider,
            refresh: log => provider.read({ logger: log }),
            schedule: scheduleOf(entry),
          };
        },
      );
    },
  },
  {
    configKey: 'github',
    title: 'GitHub repository discovery',
    module: BUILTIN_MODULE,
    async createSources({ config, logger }) {
      const { GithubEntityProvider } =
        require('@backstage/plugin-catalog-backend-module-github') as typeof import('@backstage/plugin-catalog-backend-module-github');
      return GithubEntityProvider.fromConfig(config, {
        logger,
        schedule: manualTaskRunner,
      }).map(provider =>
        keyedSource(config, 'github', 'discovery', provider, log =>
          provider.refresh(log),
        ),
      );
    },
  },
  {
    configKey: 'gitlab',
    title: 'GitLab groups and repository discovery',
    module: BUILTIN_MODULE,
    async createSources({ config, logger }) {
      const {
        GitlabDiscoveryEntityProvider,
        GitlabOrgDiscoveryEntityProvider,
      } =
        require('@backstage/plugin-catalog-backend-module-gitlab') as typeof import('@backstage/plugin-catalog-backend-module-gitlab');
      // One config block, two upstream providers: repository discovery
      // always, org sync where `orgEnabled` is set.
      const discovery = GitlabDiscoveryEntityProvider.fromConfig(config, {
        logger,
        schedule: manualTaskRunner,
      }).map(provider =>
        keyedSource(config, 'gitlab', 'discovery', provider, log =>
          provider.refresh(log),
        ),
      );
      const runner = new CapturingTaskRunner();
      const gitlab = ScmIntegrations.fromConfig(config).gitlab;
      const org = GitlabOrgDiscoveryEntityProvider.fromConfig(config, {
        logger,
        schedule: runner,
        userTransformer: gitlabUserTransformer,
        groupEntitiesTransformer: gitlabGroupEntitiesTransformer(
          host => gitlab.byHost(host)!.config.baseUrl,
        ),
      }).map(provider =>
        keyedSource(config, 'gitlab', 'org', provider, () =>
          runner.runFor(provider.getProviderName()),
        ),
      );
      return [...discovery, ...org];
    },
  },
  {
    configKey: 'azureDevOps',
    title: 'Azure DevOps repository discovery',
    module: BUILTIN_MODULE,
    async createSources({ config, logger }) {
      return AzureDevOpsEntityProvider.fromConfig(config, { logger }).map(
        provider =>
          keyedSource(config, 'azureDevOps', 'discovery', provider, log =>
            provider.refresh(log),
          ),
      );
    },
  },
];
