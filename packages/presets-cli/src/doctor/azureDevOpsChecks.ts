import { Config } from '@backstage/config';
import {
  DefaultAzureDevOpsCredentialsProvider,
  ScmIntegrations,
} from '@backstage/integration';
import {
  DoctorCheckFactory,
  DoctorOutcome,
  DoctorRunContext,
  NameKey,
  providerBlocks,
} from './doctorCheck';

const KEY = 'catalog.providers.azureDevOps';
const INTEGRATIONS = 'integrations.azure';

/** Azure DevOps Services, whose code search has a host of its own. */
const SERVICES_HOST = 'dev.azure.com';
const SERVICES_SEARCH_ORIGIN = 'https://almsearch.dev.azure.com';
/** The Search API version the discovery provider calls. */
const SEARCH_API_VERSION = '6.0-preview.1';

/** One discovery provider, as far as the check reads it. */
interface AzureDevOpsSource {
  key: string;
  host: string;
  organization: string;
  project: string;
  repository: string;
  path: string;
}

/** A provider's block as discovery reads it; a missing key fails the check that reads it. */
function sourceOf(key: string, block: Config): AzureDevOpsSource {
  return {
    key,
    host: block.getOptionalString('host') ?? SERVICES_HOST,
    organization: block.getString('organization'),
    project: block.getString('project'),
    repository: block.getOptionalString('repository') ?? '*',
    path: block.getOptionalString('path') ?? '/catalog-info.yaml',
  };
}

/** The message of Azure DevOps's JSON error body, if it has one. */
async function vssMessage(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as { message?: string };
    return body.message;
  } catch {
    return undefined;
  }
}

/**
 * The PAT against the organization and the project, asked as discovery
 * asks: the code search endpoint the discovery provider posts to (on
 * Azure DevOps Services, its search host), with the integration's
 * credential from Backstage's own credentials provider. One result is
 * enough: the count says how many catalog files discovery would find.
 */
async function checkSource(
  config: Config,
  source: AzureDevOpsSource,
  name: NameKey,
  { signal }: DoctorRunContext,
): Promise<DoctorOutcome> {
  const integrations = ScmIntegrations.fromConfig(config);
  const credentials =
    await DefaultAzureDevOpsCredentialsProvider.fromIntegrations(
      integrations,
    ).getCredentials({ url: `https://${source.host}/${source.organization}` });
  const entries = config.getOptionalConfigArray(INTEGRATIONS) ?? [];
  const index = entries.findIndex(
    entry => (entry.getOptionalString('host') ?? SERVICES_HOST) === source.host,
  );
  const token =
    index >= 0
      ? name(`${INTEGRATIONS}[${index}].credentials[0].personalAccessToken`)
      : INTEGRATIONS;
  if (!credentials) {
    return {
      status: 'problem',
      message: `no credential for ${source.host} in ${INTEGRATIONS}`,
      fix: `Give ${INTEGRATIONS} an entry for ${source.host} with a personal access token`,
    };
  }
  const origin =
    source.host === SERVICES_HOST
      ? SERVICES_SEARCH_ORIGIN
      : `https://${source.host}`;
  const where = `${source.organization}/${source.project}`;
  const response = await fetch(
    `${origin}/${source.organization
      .split('/')
      .map(encodeURIComponent)
      .join('/')}/${encodeURIComponent(
      source.project,
    )}/_apis/search/codesearchresults?api-version=${SEARCH_API_VERSION}`,
    {
      method: 'POST',
      headers: { ...credentials.headers, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        searchText: `path:${source.path} repo:${source.repository} proj:${source.project}`,
        $top: 1,
      }),
      signal,
    },
  );
  // 203 is Azure DevOps's sign-in page: the credential was not taken.
  if (response.status === 401 || response.status === 203) {
    return {
      status: 'problem',
      message: `${source.host} refused the personal access token for the organization ${source.organization} (${response.status})`,
      fix: `Set ${token} to a valid token of ${source.organization} (scope Code: Read)`,
    };
  }
  const message = response.ok ? undefined : await vssMessage(response);
  if (response.status === 404) {
    return /project/i.test(message ?? '')
      ? {
          status: 'problem',
          message: `${source.host}/${source.organization} has no project ${source.project} that the token can see`,
          fix: `Check ${name(`${source.key}.project`)}`,
        }
      : {
          status: 'problem',
          message: `${source.host} has no organization ${source.organization} with code search`,
          fix: `Check ${name(`${source.key}.organization`)} and ${name(
            `${source.key}.host`,
          )}`,
        };
  }
  if (response.status === 403) {
    return {
      status: 'problem',
      message: `the token may not search the code of ${where}${
        message ? `: ${message}` : ''
      }`,
      fix: `Give the token in ${token} the scope Code: Read`,
    };
  }
  if (!response.ok) {
    return {
      status: 'problem',
      message: `code search in ${where} answered ${response.status}${
        message ? `: ${message}` : ''
      }`,
      fix: `Check ${name(`${source.key}.host`)} and ${token}`,
    };
  }
  const { count } = (await response.json()) as { count: number };
  return {
    status: 'ok',
    message: `the token searches the code of ${where}; ${count} ${
      source.path
    } file${count === 1 ? '' : 's'} found`,
  };
}

/**
 * `catalog.providers.azureDevOps`: per discovery provider, the personal
 * access token of the integration for its host against its organization
 * and project, through the code search discovery runs.
 */
export const azureDevOpsChecks: DoctorCheckFactory = (config, name) =>
  providerBlocks(config, KEY).map(({ key, block }) => ({
    id: key,
    title: 'Azure DevOps discovery access',
    run: (finalConfig, context) =>
      checkSource(finalConfig, sourceOf(key, block), name, context),
  }));
