/*
 * GitHub org sync added by hand, as upstream's
 * @backstage/plugin-catalog-backend-module-github-org does (that package is
 * not installed here): one GithubMultiOrgEntityProvider per
 * `catalog.providers.githubOrg` entry, on the scheduler.
 */
import {
  coreServices,
  createBackendModule,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { GithubMultiOrgEntityProvider } from '@backstage/plugin-catalog-backend-module-github';

export const githubOrgModule = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'github-org-by-hand',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
        catalog: catalogProcessingExtensionPoint,
      },
      async init({ config, logger, scheduler, catalog }) {
        const entry = config.getConfig('catalog.providers.githubOrg');
        catalog.addEntityProvider(
          GithubMultiOrgEntityProvider.fromConfig(config, {
            id: entry.getString('id'),
            githubUrl: entry.getString('githubUrl'),
            orgs: entry.getOptionalStringArray('orgs'),
            logger,
            schedule: scheduler.createScheduledTaskRunner(
              readSchedulerServiceTaskScheduleDefinitionFromConfig(
                entry.getConfig('schedule'),
              ),
            ),
          }),
        );
      },
    });
  },
});
