import { resolve } from 'path';
import { paintFor } from './terminal';
import {
  configKeysAt,
  explainPresets,
  formatExplanation,
  providersNamed,
} from './explainPresets';
import { loadPresetCatalog } from '../catalog/loadPresetCatalog';

const rootDir = resolve(__dirname, '../../../..');
const catalog = loadPresetCatalog({ shippedDir: resolve(rootDir, 'presets') });
const shipped = (name: string) => catalog.presets.get(name)!;

describe('configKeysAt', () => {
  it('reads the provider keys a preset writes', () => {
    expect(configKeysAt(shipped('keycloak'), ['auth', 'providers'])).toEqual([
      'oidc',
    ]);
    expect(configKeysAt(shipped('keycloak'), ['catalog', 'providers'])).toEqual(
      ['keycloakOrg'],
    );
  });

  it('is empty where the path is missing or not an object', () => {
    expect(configKeysAt(shipped('recommended'), ['auth', 'providers'])).toEqual(
      [],
    );
    // mcp-chat writes a list below mcpChat.providers, not named providers.
    expect(configKeysAt(shipped('mcp-chat'), ['mcpChat', 'providers'])).toEqual(
      [],
    );
  });
});

describe('providersNamed', () => {
  it('lists a key once with every preset naming it, in selection order', () => {
    expect(
      providersNamed(
        [shipped('ldap'), shipped('ldap-ad')],
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
      pluginsFrom: [resolve(rootDir, 'packages/backend')],
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
      pluginsFrom: [resolve(rootDir, 'packages/backend')],
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
      pluginsFrom: [resolve(rootDir, 'packages/backend')],
    });
    expect(result.ok).toBe(false);
    expect(result.providers.auth.map(p => p.key)).toEqual(['oidc', 'ldap']);
    expect(result.problems.map(p => p.kind)).toContain('exclusive-group');
  });
});
