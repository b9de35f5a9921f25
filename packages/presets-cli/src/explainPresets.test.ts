import {
  keysNamedByPreset,
  loadPresetCatalog,
} from '@devportal/plugin-presets-common';
import { resolve } from 'path';
import { createMockDirectory } from '@backstage/backend-test-utils';
import { paintFor } from './terminal';
import {
  explainPresets,
  explainPresetsWithConfig,
  formatExplanation,
  providersNamed,
} from './explainPresets';
import {
  FIXTURE_CATALOG_ROOT,
  FIXTURE_PRESETS_DIR,
} from '@devportal/test-utils/src/fixtures/presetCatalog';

const rootDir = FIXTURE_CATALOG_ROOT;
/** Where the backend's npm plugins are installed. */
const backendDir = resolve(__dirname, '../../backend');
const catalog = loadPresetCatalog({ shippedDir: FIXTURE_PRESETS_DIR });
const preset = (name: string) => catalog.presets.get(name)!;

describe('keysNamedByPreset', () => {
  it('reads the provider keys a preset writes', () => {
    expect(
      keysNamedByPreset(preset('keycloak'), ['auth', 'providers']),
    ).toEqual(['oidc']);
    expect(
      keysNamedByPreset(preset('keycloak'), ['catalog', 'providers']),
    ).toEqual(['keycloakOrg']);
  });

  it('is empty where the path is missing or not an object', () => {
    expect(
      keysNamedByPreset(preset('recommended'), ['auth', 'providers']),
    ).toEqual([]);
    // mcp-chat writes a list below mcpChat.providers, not named providers.
    expect(
      keysNamedByPreset(preset('mcp-chat'), ['mcpChat', 'providers']),
    ).toEqual([]);
  });
});

describe('providersNamed', () => {
  it('lists a key once with every preset naming it, in selection order', () => {
    expect(
      providersNamed(
        [preset('ldap'), preset('ldap-ad')],
        ['catalog', 'providers'],
      ),
    ).toEqual([{ key: 'ldapOrg', presets: ['ldap', 'ldap-ad'] }]);
  });
});

describe('explainPresets', () => {
  const env = {
    VEECODE_PRESETS: 'recommended,github,github-auth',
    GITHUB_PAT: 'ghp_never-shown',
    GITHUB_ORG: 'acme',
    GITHUB_AUTH_CLIENT_ID: 'client',
    GITHUB_AUTH_CLIENT_SECRET: 'never-shown-either',
    PLUGIN_REGISTRY: 'user:registry-password@registry.example.com',
  };

  it('names the plugins and the providers the selection would register', () => {
    const result = explainPresets({
      env,
      rootDir,
      pluginsFrom: [backendDir],
    });
    expect(result.ok).toBe(true);
    expect(result.presets.map(p => p.name)).toEqual([
      'recommended',
      'github',
      'github-auth',
    ]);
    expect(result.plugins).toContainEqual({
      package: '@backstage/plugin-scaffolder-backend-module-github',
      kind: 'npm',
      preset: 'github',
      enabled: true,
    });
    expect(result.providers).toEqual({
      auth: [{ key: 'github', presets: ['github-auth'] }],
      catalog: [
        { key: 'github', presets: ['github'] },
        { key: 'githubOrg', presets: ['github-auth'] },
      ],
    });
    const text = `${JSON.stringify(result)}${formatExplanation(
      result,
      paintFor(false),
    )}`;
    expect(text).not.toContain('ghp_never-shown');
    expect(text).not.toContain('never-shown-either');
    // Plugin references stay as written: a registry credential never shows.
    expect(text).not.toContain('registry-password');
    expect(text).toContain('oci://${PLUGIN_REGISTRY}/github');
  });

  it('renders the providers by config key and preset', () => {
    const result = explainPresets({
      env,
      rootDir,
      pluginsFrom: [backendDir],
    });
    const text = formatExplanation(result, paintFor(false));
    expect(text).toContain('Presets (config layers, in order): recommended@');
    expect(text).toMatch(/^ {2}PACKAGE +KIND +PRESET +STATE$/m);
    expect(text).toContain(
      'Sign-in provider (auth.providers): github (github-auth)',
    );
    expect(text).toContain(
      'Org-sync and discovery providers (catalog.providers): github (github), githubOrg (github-auth)',
    );
  });

  it('still explains a refused selection, with its problems', () => {
    const result = explainPresets({
      env: {},
      rootDir,
      selection: 'keycloak,ldap',
      pluginsFrom: [backendDir],
    });
    expect(result.ok).toBe(false);
    expect(result.providers.auth.map(p => p.key)).toEqual(['oidc', 'ldap']);
    expect(result.problems.map(p => p.kind)).toContain('exclusive-group');
  });
});

describe('explainPresetsWithConfig', () => {
  const pluginsFrom = [backendDir];
  const env = {
    VEECODE_PRESETS: 'veecode-theme,github',
    GITHUB_PAT: 'ghp_never-shown',
    GITHUB_ORG: 'acme-payments',
    APP_CONFIG_app_title: 'Acme Portal',
  };

  it('tells each config key with the layer it came from, secrets redacted', async () => {
    const result = await explainPresetsWithConfig({
      env,
      rootDir,
      pluginsFrom,
    });
    expect(result.ok).toBe(true);
    const leaf = (path: string) => result.config?.find(l => l.path === path);
    // Set in app-config.yaml, the veecode-theme preset and APP_CONFIG_*.
    expect(leaf('app.title')).toEqual({
      path: 'app.title',
      value: 'Acme Portal',
      from: 'APP_CONFIG_app_title',
    });
    // Set by the github preset alone, from a non-secret variable.
    expect(leaf('catalog.providers.github.default.organization')).toEqual({
      path: 'catalog.providers.github.default.organization',
      value: 'acme-payments',
      from: 'github preset',
    });
    expect(leaf('backend.database.client')?.from).toBe('app-config.yaml');

    const json = JSON.stringify(result);
    const text = formatExplanation(result, paintFor(false));
    for (const output of [json, text]) {
      expect(output).not.toContain('ghp_never-shown');
      expect(output).toContain('acme-payments');
    }
    expect(text).toMatch(/^ {2}KEY +FROM +VALUE$/m);
    expect(text).toMatch(
      /^ {2}app\.title +APP_CONFIG_app_title +"Acme Portal"$/m,
    );
    expect(text).toMatch(
      /^ {2}integrations\.github +github preset +\[\{"host":"github\.com".*"token":"<secret>"\}\]$/m,
    );
  });

  describe('with variables from files and aliases', () => {
    const dir = createMockDirectory();
    const password = 'pg-password-from-a-file-never-shown';

    it('shows which name supplied each variable, and masks a secret read from a file', async () => {
      dir.setContent({ 'pg-password': `${password}\n` });
      const result = await explainPresetsWithConfig({
        env: {
          VEECODE_PRESETS: 'postgres',
          PG_HOST: 'pg.example.com',
          POSTGRES_USER: 'backstage',
          PG_PASSWORD_FILE: dir.resolve('pg-password'),
        },
        rootDir,
        pluginsFrom,
      });
      expect(result.ok).toBe(true);
      expect(result.variables).toEqual([
        { name: 'POSTGRES_HOST', from: 'PG_HOST' },
        { name: 'POSTGRES_USER', from: 'POSTGRES_USER' },
        { name: 'POSTGRES_PASSWORD', from: 'PG_PASSWORD_FILE' },
      ]);
      const leaf = (path: string) =>
        result.config?.find(l => l.path === path)?.value;
      expect(leaf('backend.database.connection.host')).toBe('pg.example.com');
      expect(leaf('backend.database.connection.password')).toBe('<secret>');
      const text = formatExplanation(result, paintFor(false));
      expect(text).toContain(
        'Variables set (and the name, alias or _FILE each came from): POSTGRES_HOST (from PG_HOST), POSTGRES_USER, POSTGRES_PASSWORD (from PG_PASSWORD_FILE)',
      );
      for (const output of [JSON.stringify(result), text]) {
        expect(output).not.toContain(password);
      }
    });
  });

  it('without the variable, the preset wins over app-config.yaml', async () => {
    const { APP_CONFIG_app_title: _, ...withoutOverride } = env;
    const result = await explainPresetsWithConfig({
      env: withoutOverride,
      rootDir,
      pluginsFrom,
    });
    expect(result.config?.find(l => l.path === 'app.title')).toEqual({
      path: 'app.title',
      value: 'VeeCode DevPortal',
      from: 'veecode-theme preset',
    });
  });

  it('explains app.extensions as the backend serves it: every layer’s list, lowest first', async () => {
    const result = await explainPresetsWithConfig({
      env: {
        VEECODE_PRESETS: 'recommended,kubernetes',
        K8S_CLUSTER_NAME: 'dev',
        K8S_CLUSTER_URL: 'https://k8s.example.com',
        K8S_CLUSTER_TOKEN: 'k8s-token-never-shown',
      },
      rootDir,
      pluginsFrom,
    });
    const extensions = result.config?.find(l => l.path === 'app.extensions');
    expect(extensions?.from).toBe(
      'app.extensions of every layer, lowest first',
    );
    expect(extensions?.value).toEqual(
      expect.arrayContaining([
        { 'page:tech-radar': false },
        { 'entity-content:kubernetes/kubernetes': false },
        { 'page:tech-radar': true },
        { 'entity-content:kubernetes/kubernetes': true },
      ]),
    );
    const ids = (extensions?.value as object[]).map(e => Object.keys(e)[0]);
    expect(ids.lastIndexOf('page:tech-radar')).toBeGreaterThan(
      ids.indexOf('page:tech-radar'),
    );
  });

  it('lists the effective admins of the rbac preset, and says when permissions are off', async () => {
    const withRbac = await explainPresetsWithConfig({
      env: {
        VEECODE_PRESETS: 'ldap,rbac',
        LDAP_URL: 'ldap://127.0.0.1:9',
        LDAP_DN: 'cn=reader,dc=acme,dc=test',
        LDAP_SECRET: 'never-shown',
        LDAP_USERS_BASE_DN: 'ou=people,dc=acme,dc=test',
        LDAP_GROUPS_BASE_DN: 'ou=groups,dc=acme,dc=test',
        RBAC_ADMINS: 'group:default/platform, user:default/ana',
      },
      rootDir,
      pluginsFrom,
    });
    expect(withRbac.permissions).toEqual({
      enabled: true,
      admins: ['group:default/platform', 'user:default/ana'],
    });
    expect(formatExplanation(withRbac, paintFor(false))).toContain(
      'Permissions (permission.enabled): on; admins (permission.rbac.admin.users): group:default/platform, user:default/ana',
    );

    const without = await explainPresetsWithConfig({
      env,
      rootDir,
      pluginsFrom,
    });
    expect(without.permissions).toEqual({ enabled: false, admins: [] });
    expect(formatExplanation(without, paintFor(false))).toContain(
      'Permissions (permission.enabled): off, every signed-in person may do everything',
    );
  });

  it('reports a config layer it cannot read as a problem naming it', async () => {
    const result = await explainPresetsWithConfig({
      env,
      rootDir,
      pluginsFrom,
      argv: ['--config', '/nonexistent/override.yaml'],
    });
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      expect.objectContaining({
        kind: 'invalid-config',
        message: expect.stringContaining(
          'Cannot read the config layer --config /nonexistent/override.yaml',
        ),
      }),
    ]);
    expect(result.config?.find(l => l.path === 'app.title')?.from).toBe(
      'APP_CONFIG_app_title',
    );
  });

  it('shows only the first line of a config layer error, not the source the YAML parser quotes', async () => {
    const mockDir = createMockDirectory({
      content: {
        'override.yaml':
          'app:\n  title: x\nhash: root:$6$ExplainS3cretHash:19000:0:99999:7:::\n',
      },
    });
    try {
      const result = await explainPresetsWithConfig({
        env,
        rootDir,
        pluginsFrom,
        argv: ['--config', mockDir.resolve('override.yaml')],
      });
      expect(result.problems).toHaveLength(1);
      const [{ message }] = result.problems;
      expect(message).toMatch(
        /^Cannot read the config layer --config \S*override\.yaml: .*YAML.* at line \d+, column \d+$/,
      );
      expect(message).not.toContain('ExplainS3cretHash');
    } finally {
      mockDir.remove();
    }
  });
});
