import { Config } from '@backstage/config';
import {
  GithubAppCredentialsMux,
  GithubIntegrationConfig,
  readGithubIntegrationConfigs,
} from '@backstage/integration';
import {
  DoctorCheck,
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
  githubGet,
  githubOrgUses,
} from './githubNeeds';

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
