/*
 * Values a preset cannot write with `${VAR}` and `${VAR:-default}` alone,
 * computed from the variables operators set. Backstage's integrations want a
 * host in one place and URLs in others, and github.com's API lives on
 * another host than GitHub Enterprise Server's: one operator variable
 * (`GITHUB_BASE_URL`) feeds all of them through these entries.
 */
import { randomBytes } from 'crypto';
import { isHttpUrl, isUnset } from './variableValues';
import { DATABASE_DERIVED_VARIABLES } from './databaseConfig';

/**
 * One random token per process, for credentials between parts of this same
 * backend that the operator did not set: stable for the life of the
 * process, never written anywhere.
 */
const processToken = randomBytes(32).toString('hex');

/** A variable computed from others; presets reference it like any `${VAR}`. @public */
export interface DerivedVariable {
  name: string;
  /** What it holds, for the preset reference. */
  description: string;
  /** Its value is a credential: hidden in logs like the values of preset variables. */
  secret?: boolean;
  /** The value, or undefined to leave config keys that reference it unset. */
  derive(env: Record<string, string | undefined>): string | undefined;
}

const GITHUB_COM = 'https://github.com';

/** `GITHUB_BASE_URL` without a trailing slash, or github.com when unset or not a URL. */
function githubBaseUrl(env: Record<string, string | undefined>): URL {
  const value = env.GITHUB_BASE_URL;
  return new URL(
    !isUnset(value) && isHttpUrl(value!) ? value!.trim() : GITHUB_COM,
  );
}

function withoutTrailingSlash(url: URL): string {
  return url.href.replace(/\/+$/, '');
}

/** The port app-config.yaml listens on. */
function loopbackPort(env: Record<string, string | undefined>): string {
  return isUnset(env.BACKEND_PORT) ? '7007' : env.BACKEND_PORT!.trim();
}

/** `BACKEND_BASE_URL` without a trailing slash, or app-config.yaml's default. */
function backendUrl(env: Record<string, string | undefined>): string {
  return isUnset(env.BACKEND_BASE_URL)
    ? 'http://localhost:7007'
    : env.BACKEND_BASE_URL!.trim().replace(/\/+$/, '');
}

function isGithubCom(url: URL): boolean {
  return url.host === 'github.com';
}

/**
 * The derived variables every preset can reference. The environment cannot
 * override them: they always follow the variables they are derived from
 * (`APP_BASE_URL`, derived from itself, keeps the operator's value).
 *
 * @public
 */
export const DERIVED_VARIABLES: readonly DerivedVariable[] = [
  {
    name: 'GITHUB_HOST',
    description:
      'host (and port) of GITHUB_BASE_URL: the GitHub integration and discovery key',
    derive: env => githubBaseUrl(env).host,
  },
  {
    name: 'GITHUB_API_URL',
    description:
      'REST API of GITHUB_BASE_URL: https://api.github.com for github.com, <GITHUB_BASE_URL>/api/v3 for GitHub Enterprise Server (GraphQL is derived from it by the GitHub client)',
    derive: env => {
      const url = githubBaseUrl(env);
      return isGithubCom(url)
        ? 'https://api.github.com'
        : `${withoutTrailingSlash(url)}/api/v3`;
    },
  },
  {
    name: 'GITHUB_ENTERPRISE_URL',
    description:
      'GITHUB_BASE_URL when it is a GitHub Enterprise Server, unset for github.com (the GitHub sign-in then uses github.com endpoints)',
    derive: env => {
      const url = githubBaseUrl(env);
      return isGithubCom(url) ? undefined : withoutTrailingSlash(url);
    },
  },
  {
    name: 'GITLAB_URL',
    description:
      'GITLAB_BASE_URL when set, otherwise https://<GITLAB_HOST>: the GitLab instance for the integration and sign-in',
    derive: env => {
      if (!isUnset(env.GITLAB_BASE_URL)) {
        return env.GITLAB_BASE_URL!.trim().replace(/\/+$/, '');
      }
      return isUnset(env.GITLAB_HOST)
        ? undefined
        : `https://${env.GITLAB_HOST!.trim()}`;
    },
  },
  {
    name: 'BACKEND_URL',
    description:
      "the backend's own base URL as app-config.yaml sets backend.baseUrl: BACKEND_BASE_URL, or http://localhost:7007",
    derive: backendUrl,
  },
  {
    // The one derived variable that is also the operator's: an operator's
    // value is kept, and an unset one follows the backend's URL, in
    // app-config.yaml and in presets alike.
    name: 'APP_BASE_URL',
    description:
      "the app's base URL (app.baseUrl): APP_BASE_URL when set, otherwise the backend's own URL (BACKEND_URL), where the backend serves the built app",
    derive: env =>
      isUnset(env.APP_BASE_URL)
        ? backendUrl(env)
        : env.APP_BASE_URL!.trim().replace(/\/+$/, ''),
  },
  {
    name: 'BACKEND_LOOPBACK_HOST',
    description:
      'where the backend reaches itself without leaving the machine: 127.0.0.1 and the port app-config.yaml listens on (BACKEND_PORT, or 7007)',
    derive: env => `127.0.0.1:${loopbackPort(env)}`,
  },
  {
    name: 'TECH_RADAR_DATA_URL',
    description:
      "the tech radar's data: TECH_RADAR_URL, or the sample radar the recommended preset ships, which this backend serves to itself over loopback",
    derive: env =>
      isUnset(env.TECH_RADAR_URL)
        ? `http://127.0.0.1:${loopbackPort(
            env,
          )}/api/presets/tech-radar/sample.json`
        : env.TECH_RADAR_URL!.trim(),
  },
  {
    name: 'MCP_CHAT_SERVICE_TOKEN',
    description:
      'the token the MCP chat backend presents to the MCP server of the same backend: MCP_CHAT_MCP_TOKEN, or a random token of this process (enough for one replica; several replicas behind one URL need MCP_CHAT_MCP_TOKEN)',
    secret: true,
    derive: env =>
      isUnset(env.MCP_CHAT_MCP_TOKEN)
        ? processToken
        : env.MCP_CHAT_MCP_TOKEN!.trim(),
  },
  ...DATABASE_DERIVED_VARIABLES,
];

/** The derived variables' values for an environment. @public */
export function deriveVariables(
  env: Record<string, string | undefined>,
): Map<string, string | undefined> {
  return new Map(DERIVED_VARIABLES.map(v => [v.name, v.derive(env)]));
}
