import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

export interface Config {
  catalog?: {
    providers?: {
      /**
       * Azure DevOps repository discovery (the `azure` preset), one block
       * per id. The token comes from the `integrations.azure` entry of the
       * same host.
       */
      azureDevOps?: {
        [id: string]: {
          /** Azure DevOps Services (`dev.azure.com`, the default) or an Azure DevOps Server host. */
          host?: string;
          /** The organization (Services) or collection (Server). */
          organization: string;
          /** The project whose repositories are searched. */
          project: string;
          /** A repository name, or `*` (the default) for every repository; may use `*` as a wildcard. */
          repository?: string;
          /** Only files on this branch; defaults to each repository's default branch. */
          branch?: string;
          /** The catalog file to find, from the repository root; defaults to `/catalog-info.yaml`. */
          path?: string;
          /** How often discovery runs; hourly by default. */
          schedule?: SchedulerServiceTaskScheduleDefinitionConfig;
        };
      };
    };
  };
  identityPresets?: {
    orgSync?: {
      /**
       * Apply a sync that returns no users although the last good sync had
       * some. Off by default: an empty answer from a directory is far more
       * often a wrong base DN or a lost permission than an empty company.
       */
      allowEmpty?: boolean;
    };
  };
}
