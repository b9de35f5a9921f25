import { Config } from '@backstage/config';
import {
  GitLabIntegrationConfig,
  ScmIntegrations,
  readGitLabIntegrationConfigs,
} from '@backstage/integration';
import {
  DoctorCheck,
  DoctorCheckFactory,
  DoctorOutcome,
  DoctorRunContext,
  NameKey,
  apiGet,
  providerBlocks,
} from './doctorCheck';

const KEY = 'integrations.gitlab';
const PROVIDERS = 'catalog.providers.gitlab';

/**
 * The scopes that let discovery and org sync read groups, projects and
 * members through the API (`api` includes `read_api`).
 */
const API_SCOPES = ['read_api', 'api'];
/** Enough for the integration alone, which reads files (the repository files API). */
const FILE_SCOPES = [...API_SCOPES, 'read_repository'];

/** A GitLab catalog provider: its key, host and group path (none: the whole instance). */
interface GitlabProvider {
  key: string;
  host: string;
  group?: string;
  orgEnabled: boolean;
}

/** The providers of `catalog.providers.gitlab`, a map of provider ids. */
function gitlabProviders(config: Config): GitlabProvider[] {
  // One without a host fails at boot with upstream's own message.
  return providerBlocks(config, PROVIDERS).flatMap(({ key, block }) => {
    const host = block.getOptionalString('host');
    return host
      ? [
          {
            key,
            host,
            group: block.getOptionalString('group') || undefined,
            orgEnabled: block.getOptionalBoolean('orgEnabled') ?? false,
          },
        ]
      : [];
  });
}

/** A GET of GitLab's REST API with a token. */
function gitlabGet(
  apiBaseUrl: string,
  path: string,
  token: string,
  signal: AbortSignal,
): Promise<Response> {
  return apiGet(apiBaseUrl, path, { 'PRIVATE-TOKEN': token }, signal);
}

/** What `GET /personal_access_tokens/self` tells of a token. */
interface TokenSelf {
  name: string;
  scopes: string[];
  active: boolean;
  expires_at: string | null;
}

/**
 * A token's validity and its scopes against what the providers on its
 * host need, from `GET /personal_access_tokens/self` (personal, group and
 * project access tokens alike).
 */
async function checkToken(
  integration: GitLabIntegrationConfig,
  key: string,
  providers: GitlabProvider[],
  name: NameKey,
  { signal }: DoctorRunContext,
): Promise<DoctorOutcome> {
  const { apiBaseUrl, host } = integration;
  const token = integration.token!;
  const tokenName = name(`${key}.token`);
  const response = await gitlabGet(
    apiBaseUrl,
    '/personal_access_tokens/self',
    token,
    signal,
  );
  if (response.status === 401) {
    return {
      status: 'problem',
      message: `${host} refused the token (401 Unauthorized): unknown, revoked or expired`,
      fix: `Set ${tokenName} to a valid access token`,
    };
  }
  if (!response.ok) {
    return {
      status: 'problem',
      message: `GET ${apiBaseUrl}/personal_access_tokens/self answered ${response.status}`,
      fix: `Check ${name(`${key}.apiBaseUrl`)} and ${tokenName}`,
    };
  }
  const self = (await response.json()) as TokenSelf;
  const [needed, job] =
    providers.length > 0
      ? [
          API_SCOPES,
          `discovery and org sync (${providers.map(p => p.key).join(', ')})`,
        ]
      : [FILE_SCOPES, 'reading catalog files'];
  const described = `${host} takes the token "${self.name}"${
    self.expires_at ? `, expiring on ${self.expires_at}` : ''
  }; scopes: ${self.scopes.join(', ') || '(none)'}`;
  if (!self.scopes.some(scope => needed.includes(scope))) {
    return {
      status: 'problem',
      message: `${described}; ${job} needs ${needed.join(' or ')}`,
      fix: `Give the token in ${tokenName} the scope ${needed[0]}, or set it to a token that has it`,
    };
  }
  return {
    status: 'ok',
    message: `${described}; enough for ${job}`,
  };
}

/** The integration a provider's host uses, with its key; undefined when none is configured. */
function integrationOf(
  config: Config,
  host: string,
): { integration: GitLabIntegrationConfig; key: string } | undefined {
  const entries = config.getOptionalConfigArray(KEY) ?? [];
  const index = readGitLabIntegrationConfigs(entries).findIndex(
    i => i.host === host,
  );
  const integration =
    ScmIntegrations.fromConfig(config).gitlab.byHost(host)?.config;
  return index >= 0 && integration
    ? { integration, key: `${KEY}[${index}]` }
    : undefined;
}

/**
 * A provider's group read with the integration's token, and for org sync
 * its members: a group the token cannot see is a 404 on GitLab.
 */
async function checkGroup(
  config: Config,
  provider: GitlabProvider,
  name: NameKey,
  { signal }: DoctorRunContext,
): Promise<DoctorOutcome> {
  const found = integrationOf(config, provider.host);
  if (!found?.integration.token) {
    return {
      status: 'problem',
      message: `no token for ${provider.host} in ${KEY}`,
      fix: `Give ${KEY} an entry for ${provider.host} with a token`,
    };
  }
  const { integration, key } = found;
  const group = encodeURIComponent(provider.group!);
  const response = await gitlabGet(
    integration.apiBaseUrl,
    `/groups/${group}`,
    integration.token!,
    signal,
  );
  if (response.status === 401) {
    return {
      status: 'problem',
      message: `${provider.host} refused the token (401 Unauthorized)`,
      fix: `Set ${name(`${key}.token`)} to a valid access token`,
    };
  }
  if (response.status === 404) {
    return {
      status: 'problem',
      message: `${provider.host} has no group ${provider.group} that the token can see`,
      fix: `Check ${name(
        `${provider.key}.group`,
      )} (a group's full path), or make the token's account a member of the group`,
    };
  }
  if (!response.ok) {
    return {
      status: 'problem',
      message: `GET /groups/${provider.group} answered ${response.status}`,
      fix: `Check ${name(`${key}.token`)} (scope read_api)`,
    };
  }
  const { full_name: fullName } = (await response.json()) as {
    full_name: string;
  };
  const sees = `the token sees the group ${provider.group} (${fullName})`;
  if (!provider.orgEnabled) {
    return { status: 'ok', message: sees };
  }
  const members = await gitlabGet(
    integration.apiBaseUrl,
    `/groups/${group}/members/all?per_page=1`,
    integration.token!,
    signal,
  );
  if (!members.ok) {
    return {
      status: 'problem',
      message: `${sees}, but not its members (GET /groups/${provider.group}/members/all answered ${members.status})`,
      fix: `Give the token in ${name(
        `${key}.token`,
      )} the scope read_api, or make its account a member of the group`,
    };
  }
  const total = members.headers.get('x-total');
  return {
    status: 'ok',
    message: `${sees} and its members${total ? ` (${total})` : ''}`,
  };
}

/**
 * `integrations.gitlab`: per integration with a token, whether GitLab
 * takes it and whether its scopes cover what the catalog providers on its
 * host need (or reading files, without providers). Read by Backstage's own
 * integration config reader.
 */
export const gitlabChecks: DoctorCheckFactory = (config, name) => {
  const providers = gitlabProviders(config);
  return readGitLabIntegrationConfigs(
    config.getOptionalConfigArray(KEY) ?? [],
  ).flatMap((integration, index): DoctorCheck[] => {
    if (!integration.token) {
      return [];
    }
    const key = `${KEY}[${index}]`;
    return [
      {
        id: key,
        title: 'GitLab token',
        run: (_config, context) =>
          checkToken(
            integration,
            key,
            providers.filter(p => p.host === integration.host),
            name,
            context,
          ),
      },
    ];
  });
};

/**
 * `catalog.providers.gitlab`: per provider scoped to a group, the group
 * (and for org sync its members) read with the token of the integration
 * for its host.
 */
export const gitlabGroupChecks: DoctorCheckFactory = (config, name) =>
  gitlabProviders(config)
    .filter(provider => provider.group)
    .map(provider => ({
      id: provider.key,
      title: 'GitLab group access',
      run: (finalConfig, context) =>
        checkGroup(finalConfig, provider, name, context),
    }));
