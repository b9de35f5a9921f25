/*
 * The scoping variables of the shipped identity and SCM presets land at
 * the config keys their upstream providers read (issue 18, "Scoped
 * syncs"); unset, the keys are absent and the providers keep their
 * defaults. The e2e tests prove that the providers send the scope in their
 * requests.
 */
import { resolve } from 'path';
import { loadPresetConfig } from '../__testUtils__/loadDatabaseConfig';

/** The repository root, whose presets/ is the shipped catalog. */
const rootDir = resolve(__dirname, '../../../..');
const config = async (env: Record<string, string>) =>
  (await loadPresetConfig(rootDir, env)).config;

const githubEnv = {
  VEECODE_PRESETS: 'github,github-auth',
  GITHUB_PAT: 'ghp_for-the-test',
  GITHUB_AUTH_CLIENT_ID: 'client-id',
  GITHUB_AUTH_CLIENT_SECRET: 'client-secret',
};
const gitlabEnv = {
  VEECODE_PRESETS: 'gitlab',
  GITLAB_HOST: 'gitlab.example.com',
  GITLAB_AUTH_CLIENT_ID: 'client-id',
  GITLAB_AUTH_CLIENT_SECRET: 'client-secret',
  GITLAB_TOKEN: 'glpat-for-the-test',
};
const azureEnv = {
  VEECODE_PRESETS: 'azure-auth',
  AZURE_AUTH_TENANT_ID: 'tenant',
  AZURE_AUTH_CLIENT_ID: 'client-id',
  AZURE_AUTH_CLIENT_SECRET: 'client-secret',
};
const keycloakEnv = {
  VEECODE_PRESETS: 'keycloak',
  KEYCLOAK_BASE_URL: 'https://keycloak.example.com',
  KEYCLOAK_REALM: 'acme',
  KEYCLOAK_CLIENT_ID: 'backstage',
  KEYCLOAK_CLIENT_SECRET: 'client-secret',
  AUTH_SESSION_SECRET: 'a-session-secret-for-the-test-only',
};

describe('scoped syncs in the shipped catalog', () => {
  it('keeps one organization of GITHUB_ORG as it was: discovery provider `default`, one org synced', async () => {
    const c = await config({ ...githubEnv, GITHUB_ORG: 'acme' });
    expect(c.getConfig('catalog.providers.github').keys()).toEqual(['default']);
    expect(c.getString('catalog.providers.github.default.organization')).toBe(
      'acme',
    );
    expect(c.getStringArray('catalog.providers.githubOrg.orgs')).toEqual([
      'acme',
    ]);
  });

  it('discovers and syncs each organization of a comma list in GITHUB_ORG', async () => {
    const c = await config({ ...githubEnv, GITHUB_ORG: 'acme, globex' });
    const discovery = c.getConfig('catalog.providers.github');
    expect(discovery.keys()).toEqual(['default', 'default-globex']);
    expect(discovery.getString('default.organization')).toBe('acme');
    expect(discovery.getString('default-globex.organization')).toBe('globex');
    // every entry is complete, not only the first
    expect(discovery.getString('default-globex.host')).toBe('github.com');
    expect(discovery.getString('default-globex.filters.repository')).toBe('.*');
    expect(c.getStringArray('catalog.providers.githubOrg.orgs')).toEqual([
      'acme',
      'globex',
    ]);
  });

  it('syncs each group path of a comma list in GITLAB_GROUP', async () => {
    const single = await config({ ...gitlabEnv, GITLAB_GROUP: 'acme' });
    expect(single.getConfig('catalog.providers.gitlab').keys()).toEqual([
      'default',
    ]);
    const c = await config({
      ...gitlabEnv,
      GITLAB_GROUP: 'acme,data/warehouse',
    });
    const gitlab = c.getConfig('catalog.providers.gitlab');
    expect(gitlab.keys()).toEqual(['default', 'default-data-warehouse']);
    expect(gitlab.getString('default.group')).toBe('acme');
    expect(gitlab.getString('default-data-warehouse.group')).toBe(
      'data/warehouse',
    );
    expect(gitlab.getBoolean('default-data-warehouse.orgEnabled')).toBe(true);
  });

  it('passes the Microsoft Graph user and group filters to the org sync, and none when unset', async () => {
    const unset = await config(azureEnv);
    expect(
      unset.getOptional(
        'catalog.providers.microsoftGraphOrg.default.user.filter',
      ),
    ).toBeUndefined();
    expect(
      unset.getOptional(
        'catalog.providers.microsoftGraphOrg.default.group.filter',
      ),
    ).toBeUndefined();
    const c = await config({
      ...azureEnv,
      AZURE_AUTH_USER_FILTER: "accountEnabled eq true and userType eq 'Member'",
      AZURE_AUTH_GROUP_FILTER: 'securityEnabled eq true',
    });
    const graph = c.getConfig('catalog.providers.microsoftGraphOrg.default');
    expect(graph.getString('user.filter')).toBe(
      "accountEnabled eq true and userType eq 'Member'",
    );
    expect(graph.getString('group.filter')).toBe('securityEnabled eq true');
  });

  it('passes the Keycloak page sizes and concurrency to the org sync, and none when unset', async () => {
    const unset = await config(keycloakEnv);
    const defaults = unset.getConfig('catalog.providers.keycloakOrg.default');
    expect(defaults.getOptional('userQuerySize')).toBeUndefined();
    expect(defaults.getOptional('groupQuerySize')).toBeUndefined();
    expect(defaults.getOptional('maxConcurrency')).toBeUndefined();
    const c = await config({
      ...keycloakEnv,
      KEYCLOAK_USER_QUERY_SIZE: '2',
      KEYCLOAK_GROUP_QUERY_SIZE: '3',
      KEYCLOAK_MAX_CONCURRENCY: '1',
    });
    const keycloak = c.getConfig('catalog.providers.keycloakOrg.default');
    expect(keycloak.getNumber('userQuerySize')).toBe(2);
    expect(keycloak.getNumber('groupQuerySize')).toBe(3);
    expect(keycloak.getNumber('maxConcurrency')).toBe(1);
  });

  it.each([
    ['ldap', '(objectClass=inetOrgPerson)', '(objectClass=groupOfNames)'],
    [
      'ldap,ldap-ad',
      '(&(objectClass=user)(!(objectClass=computer)))',
      '(objectClass=group)',
    ],
  ])(
    'passes LDAP_USERS_FILTER and LDAP_GROUPS_FILTER to the %s org sync, and its defaults when unset',
    async (presets, usersDefault, groupsDefault) => {
      const ldapEnv = {
        VEECODE_PRESETS: presets,
        LDAP_URL: 'ldaps://ldap.example.com',
        LDAP_DN: 'cn=reader,dc=example,dc=com',
        LDAP_SECRET: 'bind-password',
        LDAP_USERS_BASE_DN: 'ou=people,dc=example,dc=com',
        LDAP_GROUPS_BASE_DN: 'ou=groups,dc=example,dc=com',
      };
      const filters = async (env: Record<string, string>) => {
        const ldap = (await config(env)).getConfig(
          'catalog.providers.ldapOrg.default',
        );
        return [
          ldap.getConfigArray('users')[0].getString('options.filter'),
          ldap.getConfigArray('groups')[0].getString('options.filter'),
        ];
      };
      expect(await filters(ldapEnv)).toEqual([usersDefault, groupsDefault]);
      expect(
        await filters({
          ...ldapEnv,
          LDAP_USERS_FILTER: '(&(objectClass=inetOrgPerson)(ou=platform))',
          LDAP_GROUPS_FILTER: '(cn=platform*)',
        }),
      ).toEqual([
        '(&(objectClass=inetOrgPerson)(ou=platform))',
        '(cn=platform*)',
      ]);
    },
  );
});
