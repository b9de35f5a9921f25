/*
 * The shipped catalog must match VeeCode DevPortal's (issue 2, item 7): same
 * names, groups, dependencies and variables with the same `required` flags,
 * so an operator's existing env file works unchanged.
 */
import path from 'path';
import { JsonValue } from '@backstage/types';
import { readPlatformPreset } from '../catalog/platformPreset';
import { looksLikeSecretName } from '../model/secrets';
import { loadPresetCatalog } from '../catalog/loadPresetCatalog';

const shippedDir = path.resolve(__dirname, '../../../../presets');
const catalog = loadPresetCatalog({ shippedDir });
const platformDerived = readPlatformPreset(shippedDir).preset!.derived;

interface Expected {
  group?: string;
  requires?: string[];
  required: string[];
  /** `requires.oneOf`: exactly one of these sets, in full. */
  oneOf?: string[][];
  optional?: string[];
}

/** The PAT, or a GitHub App. */
const GITHUB_CREDENTIALS = [
  ['GITHUB_PAT'],
  [
    'GITHUB_APP_ID',
    'GITHUB_APP_CLIENT_ID',
    'GITHUB_APP_CLIENT_SECRET',
    'GITHUB_APP_PRIVATE_KEY',
  ],
];

// prettier-ignore
const TABLE: Record<string, Expected> = {
  recommended: { required: [], optional: ['TECH_RADAR_URL'] },
  'veecode-theme': { required: [] },
  github: { required: ['GITHUB_ORG'], oneOf: GITHUB_CREDENTIALS, optional: ['GITHUB_BASE_URL', 'GITHUB_APP_WEBHOOK_SECRET'] },
  'github-auth': { group: 'identity', required: ['GITHUB_ORG', 'GITHUB_AUTH_CLIENT_ID', 'GITHUB_AUTH_CLIENT_SECRET'], oneOf: GITHUB_CREDENTIALS, optional: ['GITHUB_BASE_URL', 'GITHUB_APP_WEBHOOK_SECRET'] },
  gitlab: { group: 'identity', required: ['GITLAB_HOST', 'GITLAB_AUTH_CLIENT_ID', 'GITLAB_AUTH_CLIENT_SECRET', 'GITLAB_TOKEN', 'GITLAB_GROUP'], optional: ['GITLAB_GROUP_PATTERN', 'GITLAB_BASE_URL'] },
  azure: { required: ['AZURE_DEVOPS_TOKEN', 'AZURE_DEVOPS_HOST', 'AZURE_DEVOPS_ORG', 'AZURE_DEVOPS_PROJECT'] },
  'azure-auth': { group: 'identity', required: ['AZURE_AUTH_TENANT_ID', 'AZURE_AUTH_CLIENT_ID', 'AZURE_AUTH_CLIENT_SECRET'], optional: ['AZURE_AUTH_AUTHORITY', 'MSGRAPH_BASE_URL'] },
  keycloak: { group: 'identity', required: ['KEYCLOAK_BASE_URL', 'KEYCLOAK_REALM', 'KEYCLOAK_CLIENT_ID', 'KEYCLOAK_CLIENT_SECRET', 'AUTH_SESSION_SECRET'] },
  oidc: { group: 'identity', required: ['OIDC_ISSUER_URL', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'], optional: ['OIDC_SCOPES', 'OIDC_PROMPT', 'OIDC_TITLE', 'AUTH_SESSION_SECRET'] },
  okta: { group: 'identity', required: ['OKTA_ORG_URL', 'OKTA_CLIENT_ID', 'OKTA_CLIENT_SECRET', 'OKTA_API_TOKEN'], optional: ['OKTA_AUTH_SERVER_ID', 'OKTA_USER_FILTER', 'OKTA_GROUP_FILTER'] },
  ldap: { group: 'identity', required: ['LDAP_URL', 'LDAP_DN', 'LDAP_SECRET', 'LDAP_USERS_BASE_DN', 'LDAP_GROUPS_BASE_DN'], optional: ['LDAP_USERS_FILTER', 'LDAP_GROUPS_FILTER', 'AUTH_SESSION_SECRET'] },
  'ldap-ad': { requires: ['ldap'], required: [] },
  jenkins: { required: ['JENKINS_URL', 'JENKINS_USERNAME', 'JENKINS_TOKEN'] },
  kubernetes: { required: ['K8S_CLUSTER_NAME', 'K8S_CLUSTER_URL', 'K8S_CLUSTER_TOKEN'] },
  sonarqube: { required: ['SONARQUBE_BASE_URL', 'SONARQUBE_API_KEY'] },
  mcp: { required: [], optional: ['MCP_ALLOWED_REDIRECT_URI_PATTERN'] },
  'mcp-chat': { requires: ['mcp'], required: ['MCP_CHAT_PROVIDER', 'MCP_CHAT_API_KEY', 'MCP_CHAT_MODEL'], optional: ['MCP_CHAT_BASE_URL', 'MCP_CHAT_MCP_TOKEN'] },
  rbac: { required: ['RBAC_ADMINS'], optional: ['RBAC_POLICIES_FILE', 'RBAC_MAX_DEPTH'] },
  postgres: { group: 'database', required: ['POSTGRES_HOST', 'POSTGRES_USER', 'POSTGRES_PASSWORD'], optional: ['POSTGRES_PORT', 'POSTGRES_DB_PREFIX', 'POSTGRES_DB', 'POSTGRES_SSL_CA'] },
};

function get(
  value: JsonValue | undefined,
  dotted: string,
): JsonValue | undefined {
  let current = value;
  for (const key of dotted.split('.')) {
    if (!current || typeof current !== 'object' || Array.isArray(current)) {
      return undefined;
    }
    current = current[key];
  }
  return current;
}

/** Every [path, value] pair of a JSON value, depth first. */
function* walk(value: JsonValue, at = ''): Generator<[string, JsonValue]> {
  yield [at, value];
  if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      yield* walk(child as JsonValue, at ? `${at}.${key}` : key);
    }
  }
}

describe('the shipped preset catalog', () => {
  it('loads without problems and holds exactly the presets of the table', () => {
    expect(catalog.problems).toEqual([]);
    expect([...catalog.presets.keys()].sort()).toEqual(
      Object.keys(TABLE).sort(),
    );
  });

  it.each(Object.entries(TABLE))(
    '%s has the group, dependencies and variables of the table',
    (name, expected) => {
      const preset = catalog.presets.get(name)!;
      expect(preset.exclusiveGroup).toBe(expected.group);
      expect(preset.requires.presets).toEqual(expected.requires ?? []);
      const variables = Object.entries(preset.requires.variables);
      expect(
        variables
          .filter(([, v]) => v.required)
          .map(([k]) => k)
          .sort(),
      ).toEqual([...expected.required].sort());
      expect(preset.requires.oneOf).toEqual(expected.oneOf ?? []);
      for (const variable of (expected.oneOf ?? []).flat()) {
        expect(preset.requires.variables[variable]?.required).toBe(false);
      }
      for (const optional of expected.optional ?? []) {
        expect(preset.requires.variables[optional]?.required).toBe(false);
      }
      for (const [, variable] of variables) {
        expect(variable.description.trim()).not.toBe('');
      }
    },
  );

  it.each([...catalog.presets.keys()])(
    '%s only uses variables it (or a preset it requires) declares, or derived ones',
    name => {
      const preset = catalog.presets.get(name)!;
      const declared = new Set([
        ...Object.keys(platformDerived),
        ...Object.keys(preset.derived),
        ...Object.keys(preset.requires.variables),
        ...preset.requires.presets.flatMap(dep =>
          Object.keys(catalog.presets.get(dep)!.requires.variables),
        ),
      ]);
      const text = JSON.stringify(preset.appConfig);
      const used = [
        ...text.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}/g),
      ].map(m => m[1]);
      for (const variable of used) {
        expect(declared).toContain(variable);
      }
      // every required variable is used somewhere in the config, itself or
      // through a derived value the config uses (e.g. with a transform)
      const throughDerived = used
        .filter(variable => variable in preset.derived)
        .flatMap(variable => [
          ...JSON.stringify(preset.derived[variable]).matchAll(
            /\$\{([A-Za-z_][A-Za-z0-9_]*)[|}:]/g,
          ),
        ])
        .map(m => m[1]);
      const required = Object.entries(preset.requires.variables)
        .filter(([, spec]) => spec.required)
        .map(([variable]) => variable);
      for (const variable of required) {
        expect([...used, ...throughDerived]).toContain(variable);
      }
      for (const plugin of preset.plugins) {
        for (const [placeholder] of plugin.package.matchAll(/\$\{[^}]*\}/g)) {
          expect(['${PLUGIN_REGISTRY}', '${BACKSTAGE_VERSION}']).toContain(
            placeholder,
          );
        }
      }
    },
  );

  // Only secrets are redacted from logs, so the flag decides what operators
  // can read; the shipped files never leave it to the name inference.
  it.each([...catalog.presets.keys()])(
    '%s marks every variable secret: true or false, and every secret-looking one true',
    name => {
      const variables = Object.entries(
        catalog.presets.get(name)!.requires.variables,
      );
      const unflagged = variables
        .filter(([, spec]) => typeof spec.secret !== 'boolean')
        .map(([variable]) => variable);
      const secretLookingNotSecret = variables
        .filter(([variable]) => looksLikeSecretName(variable))
        .filter(([, spec]) => spec.secret !== true)
        .map(([variable]) => variable);
      expect(unflagged).toEqual([]);
      expect(secretLookingNotSecret).toEqual([]);
    },
  );

  it('marks the credentials of the catalog secret and its names, orgs and hosts not', () => {
    const flags = new Map(
      [...catalog.presets.values()].flatMap(preset =>
        Object.entries(preset.requires.variables).map(
          ([variable, spec]) => [variable, spec.secret] as const,
        ),
      ),
    );
    // prettier-ignore
    for (const secret of ['GITHUB_PAT', 'GITHUB_AUTH_CLIENT_SECRET', 'GITLAB_TOKEN', 'LDAP_SECRET', 'SONARQUBE_API_KEY', 'AUTH_SESSION_SECRET', 'K8S_CLUSTER_TOKEN', 'MCP_CHAT_API_KEY']) {
      expect([secret, flags.get(secret)]).toEqual([secret, true]);
    }
    // prettier-ignore
    for (const plain of ['GITHUB_ORG', 'KEYCLOAK_REALM', 'KEYCLOAK_CLIENT_ID', 'LDAP_DN', 'GITLAB_HOST', 'AZURE_DEVOPS_ORG']) {
      expect([plain, flags.get(plain)]).toEqual([plain, false]);
    }
  });

  // [preset, auth provider, catalog org provider]
  const identityPresets: Array<[string, string, string]> = [
    ['github-auth', 'github', 'githubOrg'],
    ['gitlab', 'gitlab', 'gitlab'],
    ['azure-auth', 'microsoft', 'microsoftGraphOrg'],
    ['keycloak', 'oidc', 'keycloakOrg'],
    ['okta', 'okta', 'oktaOrg'],
    ['ldap', 'ldap', 'ldapOrg'],
  ];

  // prettier-ignore
  it.each(identityPresets)('identity preset %s carries sign-in (%s) and org sync (%s)', (name, provider, orgProvider) => {
    const { appConfig } = catalog.presets.get(name)!;
    expect(get(appConfig, `auth.providers.${provider}.production`)).toBeDefined();
    expect(typeof get(appConfig, 'signInPage')).toBe('string');
    expect(get(appConfig, `catalog.providers.${orgProvider}`)).toBeDefined();
    expect(get(appConfig, 'platform.guest.enabled')).toBe(false);
  });

  // ldap signs users in through its own authenticator, without resolvers
  // prettier-ignore
  it.each(identityPresets.filter(([, provider]) => provider !== 'ldap'))('identity preset %s configures sign-in resolvers for %s', (name, provider) => {
    const { appConfig } = catalog.presets.get(name)!;
    const resolvers = get(appConfig, `auth.providers.${provider}.production.signIn.resolvers`);
    expect(Array.isArray(resolvers) && resolvers.length > 0).toBe(true);
  });

  it.each([
    ['github', 'integrations.github', 'catalog.providers.github'],
    ['azure', 'integrations.azure', 'catalog.providers.azureDevOps'],
  ])('SCM preset %s carries %s and %s', (name, integration, provider) => {
    const { appConfig } = catalog.presets.get(name)!;
    expect(get(appConfig, integration)).toBeDefined();
    expect(get(appConfig, provider)).toBeDefined();
  });

  it('ldap-ad overrides ldap for Active Directory', () => {
    const text = JSON.stringify(catalog.presets.get('ldap-ad')!.appConfig);
    expect(text).toContain('sAMAccountName');
    expect(text).toContain('objectClass=user');
    expect(text).toContain('objectClass=group');
  });

  it('ships no insecure defaults', () => {
    // the only safe value of each security-relevant setting
    const safeValues = new Map<string, boolean>([
      ['rejectUnauthorized', true],
      ['secure', true],
      ['skipTLSVerify', false],
      ['dangerouslyAllowSignInWithoutUserInCatalog', false],
    ]);
    const settings = [...catalog.presets.values()].flatMap(preset =>
      [...walk(preset.appConfig)]
        .filter(([at]) => safeValues.has(at.split('.').pop()!))
        .map(([at, value]) => ({ preset: preset.name, at, value })),
    );
    for (const { preset, at, value } of settings) {
      const safe = safeValues.get(at.split('.').pop()!);
      expect([preset, at, value]).toEqual([preset, at, safe]);
    }
    // ldap's sign-in TLS and cookie settings, kubernetes' skipTLSVerify at least
    expect(settings.length).toBeGreaterThanOrEqual(3);
  });
});
