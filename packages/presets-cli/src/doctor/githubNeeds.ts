/*
 * What the GitHub catalog providers need of a credential, and which
 * organizations they read: the ground of the doctor's GitHub checks.
 */
import { Config } from '@backstage/config';
import { apiGet, providerBlocks } from './doctorCheck';

/** Backstage's GitHub integrations. */
export const KEY = 'integrations.github';
const DISCOVERY = 'catalog.providers.github';
const ORG_SYNC = 'catalog.providers.githubOrg';

/** What a GitHub catalog provider does, and what it needs of a credential. */
export interface GithubNeed {
  /** How the operator knows it: `discovery` or `org sync`. */
  job: string;
  /** The classic OAuth scope it needs, and the scopes that include it. */
  scope: string;
  acceptedScopes: string[];
  /** The GitHub App permissions it needs on an installation. */
  permissions: Record<string, 'read' | 'write'>;
}

export const NEEDS: Record<'discovery' | 'orgSync', GithubNeed> = {
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
export interface GithubOrgUse {
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
export function githubOrgUses(config: Config): GithubOrgUse[] {
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
    // One without an organization fails at boot with upstream's own message.
    ...discoveries.flatMap(({ key, block }) => {
      const org = block.getOptionalString('organization');
      return org
        ? [
            {
              need: NEEDS.discovery,
              provider: key,
              host: block.getOptionalString('host') ?? 'github.com',
              org,
              orgKey: `${key}.organization`,
            },
          ]
        : [];
    }),
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
export function githubGet(
  apiBaseUrl: string,
  path: string,
  token: string,
  signal: AbortSignal,
): Promise<Response> {
  return apiGet(
    apiBaseUrl,
    path,
    { Authorization: `token ${token}`, Accept: 'application/vnd.github+json' },
    signal,
  );
}
