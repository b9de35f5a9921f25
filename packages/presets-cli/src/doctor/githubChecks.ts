import { Config } from '@backstage/config';
import {
  GithubAppCredentialsMux,
  GithubIntegrationConfig,
  ScmIntegrations,
  readGithubIntegrationConfigs,
} from '@backstage/integration';
import {
  DoctorCheck,
  DoctorCheckFactory,
  DoctorOutcome,
  DoctorRunContext,
  NameKey,
  errorMessage,
  providerBlocks,
} from './doctorCheck';

const KEY = 'integrations.github';
const DISCOVERY = 'catalog.providers.github';
const ORG_SYNC = 'catalog.providers.githubOrg';

/** What a GitHub catalog provider does, and what it needs of a credential. */
interface GithubNeed {
  /** How the operator knows it: `discovery` or `org sync`. */
  job: string;
  /** The classic OAuth scope it needs, and the scopes that include it. */
  scope: string;
  acceptedScopes: string[];
  /** The GitHub App permissions it needs on an installation. */
  permissions: Record<string, 'read' | 'write'>;
}

const NEEDS: Record<'discovery' | 'orgSync', GithubNeed> = {
  // Private repositories' files need `repo`; public_repo would see only public ones.
  discovery: {
    job: 'discovery',
    scope: 'repo',
    acceptedScopes: ['repo'],
    permissions: { contents: 'read', metadata: 'read' },
  },
  // Members and teams: read:org, or the scopes that include it.
  orgSync: {
    job: 'org sync',
    scope: 'read:org',
    acceptedScopes: ['read:org', 'write:org', 'admin:org'],
    permissions: { members: 'read' },
  },
};

/** One organization a GitHub catalog provider reads, and the key naming it. */
interface GithubOrgUse {
  need: GithubNeed;
  /** The provider's config key, e.g. `catalog.providers.github.default`. */
  provider: string;
  host: string;
  org: string;
  /** The config key of the organization's name. */
  orgKey: string;
}

/**
 * Every organization the GitHub catalog providers read: discovery
 * (`catalog.providers.github`, one provider or a map of them, upstream's
 * two shapes) and org sync (`catalog.providers.githubOrg`, one provider or
 * a list, each with its `orgs`).
 */
function githubOrgUses(config: Config): GithubOrgUse[] {
  const discovery = config.getOptionalConfig(DISCOVERY);
  const discoveries = discovery?.has('organization')
    ? [{ key: DISCOVERY, block: discovery }]
    : providerBlocks(config, DISCOVERY);
  const orgSyncs = Array.isArray(config.getOptional(ORG_SYNC))
    ? config
        .getConfigArray(ORG_SYNC)
        .map((provider, i) => ({ key: `${ORG_SYNC}[${i}]`, provider }))
    : (config.has(ORG_SYNC) ? [config.getConfig(ORG_SYNC)] : []).map(
        provider => ({ key: ORG_SYNC, provider }),
      );
  return [
    ...discoveries.map(({ key, block }) => ({
      need: NEEDS.discovery,
      provider: key,
      host: block.getOptionalString('host') ?? 'github.com',
      org: block.getString('organization'),
      orgKey: `${key}.organization`,
    })),
    ...orgSyncs.flatMap(({ key, provider }) =>
      (provider.getOptionalStringArray('orgs') ?? []).map((org, i) => ({
        need: NEEDS.orgSync,
        provider: key,
        host: new URL(
          provider.getOptionalString('githubUrl') ?? 'https://github.com',
        ).host,
        org,
        orgKey: `${key}.orgs[${i}]`,
      })),
    ),
  ];
}

/** A GET of GitHub's REST API with a token. */
function githubGet(
  apiBaseUrl: string,
  path: string,
  token: string,
  signal: AbortSignal,
): Promise<Response> {
  return fetch(`${apiBaseUrl.replace(/\/+$/, '')}${path}`, {
    headers: {
      Authorization: `token ${token}`,
      Accept: 'application/vnd.github+json',
    },
    signal,
  });
}

/** The jobs of the providers on this host that a token lacks a scope for. */
function missingScopes(
  scopes: string[],
  uses: GithubOrgUse[],
): { need: GithubNeed; providers: string[] }[] {
  const lacking = uses.filter(
    use => !use.need.acceptedScopes.some(s => scopes.includes(s)),
  );
  return [...new Set(lacking.map(use => use.need))].map(need => ({
    need,
    providers: [
      ...new Set(lacking.filter(u => u.need === need).map(u => u.provider)),
    ],
  }));
}

/**
 * A token's validity and its scopes against what the providers on its host
 * need: `GET /user` with it, GitHub's OAuth scopes in the `X-OAuth-Scopes`
 * header (fine-grained tokens have none; their permissions show in the
 * organization checks).
 */
async function checkToken(
  apiBaseUrl: string,
  token: string,
  key: string,
  uses: GithubOrgUse[],
  name: NameKey,
  { signal }: DoctorRunContext,
): Promise<DoctorOutcome> {
  const response = await githubGet(apiBaseUrl, '/user', token, signal);
  if (response.status === 401) {
    return {
      status: 'problem',
      message: `${apiBaseUrl} refused the token (401 Bad credentials)`,
      fix: `Set ${name(`${key}.token`)} to a valid token`,
    };
  }
  if (!response.ok) {
    return {
      status: 'problem',
      message: `GET ${apiBaseUrl}/user answered ${response.status}`,
      fix: `Check ${name(`${key}.apiBaseUrl`)} and ${name(`${key}.token`)}`,
    };
  }
  const { login } = (await response.json()) as { login: string };
  const header = response.headers.get('x-oauth-scopes');
  const takes = `${new URL(apiBaseUrl).host} takes the token, ${login}'s`;
  if (header === null) {
    return {
      status: 'ok',
      message: `${takes}; scopes: (none reported: a fine-grained token)`,
    };
  }
  const scopes = header.split(',').map(s => s.trim());
  const missing = missingScopes(scopes, uses);
  if (missing.length > 0) {
    return {
      status: 'problem',
      message: `${takes}, but it lacks ${missing
        .map(
          ({ need, providers }) =>
            `${need.scope}, which ${need.job} (${providers.join(', ')}) needs`,
        )
        .join(', and ')}; scopes: ${header || '(none)'}`,
      fix: `Give the token in ${name(`${key}.token`)} the scope${
        missing.length > 1 ? 's' : ''
      } ${missing
        .map(m => m.need.scope)
        .join(', ')}, or set it to a token that has them`,
    };
  }
  const jobs = [...new Set(uses.map(use => use.need))];
  return {
    status: 'ok',
    message: `${takes}; scopes: ${header || '(none)'}${
      jobs.length > 0
        ? `; enough for ${jobs
            .map(need => `${need.job} (${need.scope})`)
            .join(' and ')}`
        : ''
    }`,
  };
}

/**
 * A GitHub App's key: a JWT signed with it lists the App's installations,
 * through Backstage's own App client (`GithubAppCredentialsMux`, on
 * @octokit/auth-app), as the integration does.
 */
async function checkApp(
  integration: GithubIntegrationConfig,
  index: number,
  key: string,
  name: NameKey,
): Promise<DoctorOutcome> {
  const app = integration.apps![index];
  const appKey = `${key}.apps[${index}]`;
  let installations: Awaited<
    ReturnType<GithubAppCredentialsMux['getAllInstallations']>
  >;
  try {
    installations = await new GithubAppCredentialsMux({
      ...integration,
      apps: [app],
    }).getAllInstallations();
  } catch (error) {
    return {
      status: 'problem',
      message: `${integration.host} refused the JWT of the GitHub App ${
        app.appId
      }: ${errorMessage(error)}`,
      fix: `Check ${name(`${appKey}.appId`)} and ${name(
        `${appKey}.privateKey`,
      )}: the key must be a private key of that App`,
    };
  }
  const accounts = installations.map(
    i => (i.account && 'login' in i.account && i.account.login) || `#${i.id}`,
  );
  return accounts.length > 0
    ? {
        status: 'ok',
        message: `${integration.host} takes the JWT of the GitHub App ${
          app.appId
        }; installed on ${accounts.join(', ')}`,
      }
    : {
        status: 'problem',
        message: `${integration.host} takes the JWT of the GitHub App ${app.appId}, but it is installed nowhere`,
        fix: `Install the App on the organizations it should read (its settings page, Install App)`,
      };
}

/**
 * `integrations.github`: per integration, whether GitHub takes its token
 * and whether the token's scopes cover what the catalog providers on its
 * host need, and per GitHub App whether a JWT signed with its key is
 * accepted and where the App is installed. Read by Backstage's own
 * integration config reader (which also fills in `apiBaseUrl` for
 * github.com).
 */
export const githubChecks: DoctorCheckFactory = (config, name) => {
  const entries = config.getOptionalConfigArray(KEY) ?? [];
  const uses = githubOrgUses(config);
  // The reader appends a default github.com entry when none is listed:
  // only the configured ones are checked.
  return readGithubIntegrationConfigs(entries)
    .slice(0, entries.length)
    .flatMap((integration, index): DoctorCheck[] => {
      const { token, apiBaseUrl } = integration;
      if (!apiBaseUrl) {
        return [];
      }
      const key = `${KEY}[${index}]`;
      const hostUses = uses.filter(use => use.host === integration.host);
      return [
        ...(token
          ? [
              {
                id: key,
                title: 'GitHub token',
                run: (_config: Config, context: DoctorRunContext) =>
                  checkToken(apiBaseUrl, token, key, hostUses, name, context),
              },
            ]
          : []),
        ...(integration.apps ?? []).map((_app, appIndex) => ({
          id: `${key}.apps[${appIndex}]`,
          title: 'GitHub App',
          run: () => checkApp(integration, appIndex, key, name),
        })),
      ];
    });
};

/** The permissions an installation lacks of those a job needs. */
function missingPermissions(
  granted: Record<string, string | undefined>,
  need: GithubNeed,
): string[] {
  return Object.entries(need.permissions)
    .filter(
      ([permission, level]) =>
        !(
          granted[permission] === level ||
          (level === 'read' && granted[permission] === 'write') ||
          granted[permission] === 'admin'
        ),
    )
    .map(([permission, level]) => `${permission}: ${level}`);
}

/**
 * A GitHub App's installation on the organization, with the permissions
 * the job needs, and the organization read with its installation token;
 * undefined when the App is not installed there (a token may stand in).
 */
async function checkAppInstallation(
  integration: GithubIntegrationConfig,
  integrationKey: string,
  use: GithubOrgUse,
  name: NameKey,
  { signal }: DoctorRunContext,
): Promise<DoctorOutcome | undefined> {
  const mux = new GithubAppCredentialsMux(integration);
  const installation = (await mux.getAllInstallations()).find(
    i =>
      i.account &&
      'login' in i.account &&
      i.account.login?.toLowerCase() === use.org.toLowerCase(),
  );
  if (!installation) {
    return undefined;
  }
  const app = name(`${integrationKey}.apps[0].appId`);
  if (installation.suspended_by) {
    return {
      status: 'problem',
      message: `the GitHub App ${installation.app_slug} is suspended on ${use.org}`,
      fix: `Unsuspend the installation on ${use.org} of the App of ${app}`,
    };
  }
  const missing = missingPermissions(
    installation.permissions as Record<string, string | undefined>,
    use.need,
  );
  if (missing.length > 0) {
    return {
      status: 'problem',
      message: `the GitHub App ${installation.app_slug} is installed on ${
        use.org
      } without ${missing.join(', ')}, which ${use.need.job} needs`,
      fix: `Grant the App of ${app} ${missing.join(
        ', ',
      )} in its settings, then accept the new permissions on ${use.org}`,
    };
  }
  const token = await mux.getAppToken(use.org);
  const response = await githubGet(
    integration.apiBaseUrl!,
    `/orgs/${encodeURIComponent(use.org)}`,
    token!,
    signal,
  );
  if (!response.ok) {
    return {
      status: 'problem',
      message: `GET /orgs/${use.org} with the App's installation token answered ${response.status}`,
      fix: `Check the installation on ${use.org} of the App of ${app}`,
    };
  }
  return {
    status: 'ok',
    message: `the GitHub App ${installation.app_slug} is installed on ${
      use.org
    } with ${Object.entries(use.need.permissions)
      .map(([permission, level]) => `${permission}: ${level}`)
      .join(', ')}`,
  };
}

/**
 * The organization read with the integration's token, and for org sync
 * the token account's membership: a non-member sees only public members
 * and no teams.
 */
async function checkTokenAccess(
  integration: GithubIntegrationConfig,
  integrationKey: string,
  use: GithubOrgUse,
  name: NameKey,
  { signal }: DoctorRunContext,
): Promise<DoctorOutcome> {
  const { apiBaseUrl, token } = integration;
  const tokenName = name(`${integrationKey}.token`);
  const org = encodeURIComponent(use.org);
  const response = await githubGet(apiBaseUrl!, `/orgs/${org}`, token!, signal);
  if (response.status === 401) {
    return {
      status: 'problem',
      message: `${use.host} refused the token (401 Bad credentials)`,
      fix: `Set ${tokenName} to a valid token`,
    };
  }
  if (response.status === 404) {
    return {
      status: 'problem',
      message: `${use.host} has no organization ${use.org} that the token can see`,
      fix: `Check ${name(use.orgKey)}`,
    };
  }
  if (!response.ok) {
    return {
      status: 'problem',
      message: `GET /orgs/${use.org} answered ${response.status}`,
      fix: `Check ${tokenName} and ${name(use.orgKey)}`,
    };
  }
  if (use.need !== NEEDS.orgSync) {
    return {
      status: 'ok',
      message: `the token sees the organization ${use.org} on ${use.host}`,
    };
  }
  const membership = await githubGet(
    apiBaseUrl!,
    `/user/memberships/orgs/${org}`,
    token!,
    signal,
  );
  const { state, role, user } = membership.ok
    ? ((await membership.json()) as {
        state: string;
        role: string;
        user: { login: string };
      })
    : { state: undefined, role: undefined, user: undefined };
  if (state === 'active') {
    return {
      status: 'ok',
      message: `the token's account ${user!.login} is a member (${role}) of ${
        use.org
      }: the org sync sees its members and teams`,
    };
  }
  return {
    status: 'problem',
    message: `the token's account is ${
      state === 'pending'
        ? 'invited to but not yet a member of'
        : 'no member of'
    } ${use.org}: the org sync would see only its public members and no teams`,
    fix: `Make the account a member of ${use.org}, or set ${tokenName} to a member's token (scope read:org)`,
  };
}

/** One organization a provider reads, with the credential the integration for its host has. */
async function checkOrgAccess(
  config: Config,
  use: GithubOrgUse,
  name: NameKey,
  context: DoctorRunContext,
): Promise<DoctorOutcome> {
  const entries = config.getOptionalConfigArray(KEY) ?? [];
  const index = readGithubIntegrationConfigs(entries)
    .slice(0, entries.length)
    .findIndex(i => i.host === use.host);
  const integration = ScmIntegrations.fromConfig(config).github.byHost(
    use.host,
  )?.config;
  if (index < 0 || !integration || !(integration.token || integration.apps)) {
    return {
      status: 'problem',
      message: `no token or GitHub App for ${use.host} in ${KEY}`,
      fix: `Give ${KEY} an entry for ${use.host} with a token or a GitHub App`,
    };
  }
  const integrationKey = `${KEY}[${index}]`;
  if (integration.apps?.length) {
    let outcome: DoctorOutcome | undefined;
    try {
      outcome = await checkAppInstallation(
        integration,
        integrationKey,
        use,
        name,
        context,
      );
    } catch (error) {
      return {
        status: 'problem',
        message: `the GitHub App's installations could not be read: ${errorMessage(
          error,
        )}`,
        fix: `Check ${name(`${integrationKey}.apps[0].privateKey`)}`,
      };
    }
    if (outcome) {
      return outcome;
    }
    // Backstage's integration falls back to the token where the App is not installed.
    if (!integration.token) {
      return {
        status: 'problem',
        message: `the GitHub App ${integration.apps
          .map(app => app.appId)
          .join(', ')} is not installed on ${use.org}`,
        fix: `Install the App of ${name(
          `${integrationKey}.apps[0].appId`,
        )} on ${use.org}, or remove ${use.org} from ${name(use.orgKey)}`,
      };
    }
  }
  return checkTokenAccess(integration, integrationKey, use, name, context);
}

/**
 * Per organization the providers of one job read, access with the
 * credential the integration for its host has: the App's installation on
 * it with the permissions the job needs, or the organization read with the
 * token (and for org sync, the token's account a member).
 */
function orgAccessChecks(need: GithubNeed): DoctorCheckFactory {
  return (config, name) =>
    githubOrgUses(config)
      .filter(use => use.need === need)
      .map(use => ({
        id: use.orgKey.replace(/\.organization$/, ''),
        title: `GitHub ${need.job} access`,
        run: (finalConfig, context) =>
          checkOrgAccess(finalConfig, use, name, context),
      }));
}

/** `catalog.providers.github`: each discovery provider's organization. */
export const githubDiscoveryChecks = orgAccessChecks(NEEDS.discovery);

/** `catalog.providers.githubOrg`: each organization the org sync reads. */
export const githubOrgSyncChecks = orgAccessChecks(NEEDS.orgSync);
