import {
  LoggerService,
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
import { CapturingTaskRunner, manualTaskRunner } from '../upstream/taskRunners';
import { configIdOf } from '../upstream/upstreamProviderNames';
import { AzureDevOpsEntityProvider } from './azureDevOps';
import { OktaOrgEntityProvider } from './okta';
import {
  gitlabGroupEntitiesTransformer,
  gitlabUserTransformer,
} from './gitlab/transformers';

/**
 * Hourly, like the shipped presets, when a provider config has no schedule.
 *
 * @public
 */
export const DEFAULT_SYNC_SCHEDULE: SchedulerServiceTaskScheduleDefinition = {
  frequency: { minutes: 60 },
  timeout: { minutes: 15 },
};

/** Named in errors when another module adds a provider under the same key. */
const BUILTIN_MODULE = '@devportal/plugin-catalog-backend-module-presets';

/** One provider built from a config block: what it syncs and how one run starts. */
interface BuiltSource {
  kind: PresetCatalogSource['kind'];
  provider: EntityProvider;
  refresh: PresetCatalogSource['refresh'];
  /**
   * The block its `schedule` is read from; by default
   * `catalog.providers.<configKey>.<id>`, the id taken from the provider's
   * name.
   */
  block?: Config;
}

/** A built-in provider: the config key presets name, and what is built from it. */
interface BuiltinProviderRow {
  configKey: string;
  title: string;
  /** The providers the config under `catalog.providers.<configKey>` describes. */
  build(config: Config, logger: LoggerService): BuiltSource[];
}

function configList(config: Config, path: string): Config[] {
  if (!config.has(path)) {
    return [];
  }
  return Array.isArray(config.get(path))
    ? config.getConfigArray(path)
    : [config.getConfig(path)];
}

/*
 * Each provider's upstream module is required inside its `build`, which
 * runs only for a provider a selected preset configures: a backend that
 * syncs GitHub never loads the GitLab, Keycloak, LDAP or Microsoft
 * modules (a few hundred modules). A package name, not a file of ours, so
 * the build keeps the require as it is.
 */
/* eslint-disable @typescript-eslint/no-require-imports */

const rows: BuiltinProviderRow[] = [
  {
    configKey: 'ldapOrg',
    title: 'LDAP',
    build(config, logger) {
      const { LdapOrgEntityProvider } =
        require('@backstage/plugin-catalog-backend-module-ldap') as typeof import('@backstage/plugin-catalog-backend-module-ldap');
      return LdapOrgEntityProvider.fromConfig(config, {
        logger,
        schedule: 'manual',
      }).map(provider => ({
        kind: 'org',
        provider,
        refresh: log => provider.read({ logger: log }),
      }));
    },
  },
  {
    configKey: 'keycloakOrg',
    title: 'Keycloak',
    build(config, logger) {
      const { KeycloakOrgEntityProvider } =
        require('@backstage-community/plugin-catalog-backend-module-keycloak') as typeof import('@backstage-community/plugin-catalog-backend-module-keycloak');
      return KeycloakOrgEntityProvider.fromConfig(
        { config, logger },
        { schedule: manualTaskRunner },
      ).map(provider => ({
        kind: 'org',
        provider,
        refresh: log =>
          provider.read({ logger: log, taskInstanceId: randomUUID() }),
      }));
    },
  },
  {
    configKey: 'microsoftGraphOrg',
    title: 'Microsoft Graph',
    build(config, logger) {
      const { MicrosoftGraphOrgEntityProvider } =
        require('@backstage/plugin-catalog-backend-module-msgraph') as typeof import('@backstage/plugin-catalog-backend-module-msgraph');
      return MicrosoftGraphOrgEntityProvider.fromConfig(config, {
        logger,
        schedule: 'manual',
      }).map(provider => ({
        kind: 'org',
        provider,
        refresh: log => provider.read({ logger: log }),
      }));
    },
  },
  {
    configKey: 'oktaOrg',
    title: 'Okta',
    build(config, logger) {
      return OktaOrgEntityProvider.fromConfig(config, { logger }).map(
        provider => ({
          kind: 'org',
          provider,
          refresh: log => provider.read({ logger: log }),
        }),
      );
    },
  },
  {
    configKey: 'githubOrg',
    title: 'GitHub organizations',
    build(config, logger) {
      const { GithubMultiOrgEntityProvider } =
        require('@backstage/plugin-catalog-backend-module-github') as typeof import('@backstage/plugin-catalog-backend-module-github');
      // Same shapes as @backstage/plugin-catalog-backend-module-github-org:
      // one object, or a list of objects, each with its own id.
      return configList(config, 'catalog.providers.githubOrg').map(block => {
        const provider = GithubMultiOrgEntityProvider.fromConfig(config, {
          id: block.getString('id'),
          githubUrl: block.getString('githubUrl'),
          orgs: block.getOptionalStringArray('orgs'),
          logger,
          schedule: 'manual',
        });
        return {
          kind: 'org',
          provider,
          refresh: log => provider.read({ logger: log }),
          block,
        };
      });
    },
  },
  {
    configKey: 'github',
    title: 'GitHub repository discovery',
    build(config, logger) {
      const { GithubEntityProvider } =
        require('@backstage/plugin-catalog-backend-module-github') as typeof import('@backstage/plugin-catalog-backend-module-github');
      return GithubEntityProvider.fromConfig(config, {
        logger,
        schedule: manualTaskRunner,
      }).map(provider => ({
        kind: 'discovery',
        provider,
        refresh: log => provider.refresh(log),
      }));
    },
  },
  {
    configKey: 'gitlab',
    title: 'GitLab groups and repository discovery',
    build(config, logger) {
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
      }).map(
        (provider): BuiltSource => ({
          kind: 'discovery',
          provider,
          refresh: log => provider.refresh(log),
        }),
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
      }).map(
        (provider): BuiltSource => ({
          kind: 'org',
          provider,
          refresh: () => runner.runFor(provider.getProviderName()),
        }),
      );
      return [...discovery, ...org];
    },
  },
  {
    configKey: 'azureDevOps',
    title: 'Azure DevOps repository discovery',
    build(config, logger) {
      return AzureDevOpsEntityProvider.fromConfig(config, { logger }).map(
        provider => ({
          kind: 'discovery',
          provider,
          refresh: log => provider.refresh(log),
        }),
      );
    },
  },
];

/** The `schedule` of one provider's config block, or the default. */
function scheduleOf(
  block: Config | undefined,
): SchedulerServiceTaskScheduleDefinition {
  const schedule = block?.getOptionalConfig('schedule');
  return schedule
    ? readSchedulerServiceTaskScheduleDefinitionFromConfig(schedule)
    : DEFAULT_SYNC_SCHEDULE;
}

/** The registration of one row: its sources, each named and scheduled. */
function registrationOf(row: BuiltinProviderRow): PresetCatalogProvider {
  return {
    configKey: row.configKey,
    title: row.title,
    module: BUILTIN_MODULE,
    async createSources({ config, logger }) {
      return row.build(config, logger).map(built => {
        const name = built.provider.getProviderName();
        return {
          name,
          kind: built.kind,
          provider: built.provider,
          refresh: built.refresh,
          schedule: scheduleOf(
            built.block ??
              config.getOptionalConfig(
                `catalog.providers.${row.configKey}.${configIdOf(name)}`,
              ),
          ),
        };
      });
    },
  };
}

/**
 * The catalog providers of the shipped presets: org sync for the identity
 * presets, repository discovery for the SCM presets.
 *
 * @public
 */
export const builtinCatalogProviders: PresetCatalogProvider[] =
  rows.map(registrationOf);
