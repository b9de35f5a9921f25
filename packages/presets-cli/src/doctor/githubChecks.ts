import { readGithubIntegrationConfigs } from '@backstage/integration';
import {
  DoctorCheck,
  DoctorCheckFactory,
  DoctorOutcome,
  DoctorRunContext,
  NameKey,
} from './doctorCheck';

const KEY = 'integrations.github';

/**
 * A token's validity and its scopes: `GET /user` with it, GitHub's OAuth
 * scopes in the `X-OAuth-Scopes` header (fine-grained tokens have none).
 */
async function checkToken(
  apiBaseUrl: string,
  token: string,
  key: string,
  name: NameKey,
  { signal }: DoctorRunContext,
): Promise<DoctorOutcome> {
  const response = await fetch(`${apiBaseUrl.replace(/\/+$/, '')}/user`, {
    headers: {
      Authorization: `token ${token}`,
      Accept: 'application/vnd.github+json',
    },
    signal,
  });
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
  const scopes = response.headers.get('x-oauth-scopes');
  return {
    status: 'ok',
    message: `${
      new URL(apiBaseUrl).host
    } takes the token, ${login}'s; scopes: ${
      scopes === null
        ? '(none reported: a fine-grained token)'
        : scopes || '(none)'
    }`,
  };
}

/**
 * `integrations.github`: per integration with a token, whether GitHub
 * takes it, read by Backstage's own integration config reader (which
 * also fills in `apiBaseUrl` for github.com).
 */
export const githubChecks: DoctorCheckFactory = (config, name) => {
  const entries = config.getOptionalConfigArray(KEY) ?? [];
  // The reader appends a default github.com entry when none is listed:
  // only the configured ones are checked.
  return readGithubIntegrationConfigs(entries)
    .slice(0, entries.length)
    .flatMap((integration, index): DoctorCheck[] => {
      const { token, apiBaseUrl } = integration;
      if (!token || !apiBaseUrl) {
        return [];
      }
      const key = `${KEY}[${index}]`;
      return [
        {
          id: key,
          title: 'GitHub token',
          run: (_config, context) =>
            checkToken(apiBaseUrl, token, key, name, context),
        },
      ];
    });
};
