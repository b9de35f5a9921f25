import { Config } from '@backstage/config';
import {
  DefaultAzureDevOpsCredentialsProvider,
  ScmIntegrations,
  readAzureIntegrationConfigs,
} from '@backstage/integration';
import {
  AzureDevOpsConfig,
  azureDevOpsCodeSearchBody,
  azureDevOpsCodeSearchUrl,
  readAzureDevOpsConfig,
} from '@devportal/plugin-presets-sources-node';
import {
  DoctorCheckFactory,
  DoctorOutcome,
  DoctorRunContext,
  NameKey,
} from './doctorCheck';

const KEY = 'catalog.providers.azureDevOps';
const INTEGRATIONS = 'integrations.azure';

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
  source: AzureDevOpsConfig,
  name: NameKey,
  { signal }: DoctorRunContext,
): Promise<DoctorOutcome> {
  const base = `${KEY}.${source.id}`;
  const integrations = ScmIntegrations.fromConfig(config);
  const credentials =
    await DefaultAzureDevOpsCredentialsProvider.fromIntegrations(
      integrations,
    ).getCredentials({ url: `https://${source.host}/${source.organization}` });
  const entries = config.getOptionalConfigArray(INTEGRATIONS) ?? [];
  // Backstage adds an entry for dev.azure.com when the config has none.
  const index = readAzureIntegrationConfigs(entries)
    .slice(0, entries.length)
    .findIndex(entry => entry.host === source.host);
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
  const where = `${source.organization}/${source.project}`;
  const response = await fetch(azureDevOpsCodeSearchUrl(source), {
    method: 'POST',
    headers: { ...credentials.headers, 'Content-Type': 'application/json' },
    body: JSON.stringify(
      azureDevOpsCodeSearchBody(source, { skip: 0, top: 1 }),
    ),
    signal,
  });
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
          fix: `Check ${name(`${base}.project`)}`,
        }
      : {
          status: 'problem',
          message: `${source.host} has no organization ${source.organization} with code search`,
          fix: `Check ${name(`${base}.organization`)} and ${name(
            `${base}.host`,
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
      fix: `Check ${name(`${base}.host`)} and ${token}`,
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
  config
    .getConfig(KEY)
    .keys()
    .map(id => ({
      id: `${KEY}.${id}`,
      title: 'Azure DevOps discovery access',
      // Read here, so that a block missing a key fails its own check only.
      run: (finalConfig, context) =>
        checkSource(
          finalConfig,
          readAzureDevOpsConfig(finalConfig, id),
          name,
          context,
        ),
    }));
