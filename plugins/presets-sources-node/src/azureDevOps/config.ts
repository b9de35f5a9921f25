import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

/** The Azure DevOps Services host; any other host is an Azure DevOps Server. */
export const AZURE_DEVOPS_SERVICES_HOST = 'dev.azure.com';

const KEY = 'catalog.providers.azureDevOps';

/**
 * One discovery source, read from `catalog.providers.azureDevOps.<id>`.
 * Same keys and defaults as upstream's
 * `@backstage/plugin-catalog-backend-module-azure`, so an existing config
 * block keeps working. The block's `schedule` is read by the module that
 * schedules the provider.
 *
 * @public
 */
export interface AzureDevOpsConfig {
  /** The key under `catalog.providers.azureDevOps`. */
  id: string;
  /** `host[:port]`, reached over https; defaults to `dev.azure.com`. */
  host: string;
  /** The organization (Azure DevOps Server: the collection). */
  organization: string;
  /** The project whose repositories discovery searches. */
  project: string;
  /** A repository name, or a code search pattern such as `service-*`; defaults to `*`. */
  repository: string;
  /** Searched and read on this branch; the repository's default branch when unset. */
  branch?: string;
  /** The catalog file to look for; defaults to `/catalog-info.yaml`. */
  path: string;
}

/**
 * Reads one discovery source, `catalog.providers.azureDevOps.<id>`, with
 * the defaults discovery applies; throws on a missing or wrong key, naming
 * it.
 *
 * @public
 */
export function readAzureDevOpsConfig(
  config: Config,
  id: string,
): AzureDevOpsConfig {
  const block = config.getConfig(KEY).getConfig(id);
  const path = block.getOptionalString('path') ?? '/catalog-info.yaml';
  if (!path.startsWith('/')) {
    // Code search paths are rooted; a relative one silently matches nothing.
    throw new InputError(
      `${KEY}.${id}.path must start with '/' (the repository root), got '${path}'; write '/${path}'`,
    );
  }
  return {
    id,
    host: block.getOptionalString('host') ?? AZURE_DEVOPS_SERVICES_HOST,
    organization: block.getString('organization'),
    project: block.getString('project'),
    repository: block.getOptionalString('repository') ?? '*',
    branch: block.getOptionalString('branch'),
    path,
  };
}

/**
 * Reads every discovery source under `catalog.providers.azureDevOps`; none
 * when the key is absent.
 *
 * @public
 */
export function readAzureDevOpsConfigs(config: Config): AzureDevOpsConfig[] {
  const providers = config.getOptionalConfig(KEY);
  if (!providers) {
    return [];
  }
  return providers.keys().map(id => readAzureDevOpsConfig(config, id));
}
