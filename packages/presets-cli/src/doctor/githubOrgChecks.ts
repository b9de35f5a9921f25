import { Config } from '@backstage/config';
import {
  GithubAppCredentialsMux,
  GithubIntegrationConfig,
  ScmIntegrations,
  readGithubIntegrationConfigs,
} from '@backstage/integration';
import {
  DoctorCheckFactory,
  DoctorOutcome,
  DoctorRunContext,
  NameKey,
  errorMessage,
} from './doctorCheck';
import {
  GithubNeed,
  GithubOrgUse,
  KEY,
  NEEDS,
  githubGet,
  githubOrgUses,
} from './githubNeeds';

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
