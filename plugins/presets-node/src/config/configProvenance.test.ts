import { createMockDirectory } from '@backstage/backend-test-utils';
import { stringify } from 'yaml';
import { loadPresets, presetFile } from '../__testUtils__/configPresets';
import { ResolvedPluginEntry } from '@devportal/plugin-presets-common';
import {
  PresetConfigSourceOptions,
  presetConfigLayers,
} from './createPresetConfigSource';
import {
  REDACTED,
  configProvenance,
  readConfigLayers,
  redactText,
} from './configProvenance';

describe('configProvenance', () => {
  const mockDir = createMockDirectory();
  beforeEach(() => mockDir.clear());

  /** Reads the real layers of a backend rooted in the mock directory. */
  async function explain(
    options: Partial<PresetConfigSourceOptions> & { presetNames?: string[] },
    secrets: string[] = [],
  ) {
    const env = options.env ?? {};
    const layers = await readConfigLayers(
      presetConfigLayers({
        presets: loadPresets(mockDir, options.presetNames ?? []),
        argv: [],
        rootDir: mockDir.path,
        watch: false,
        ...options,
        env,
      }),
    );
    const leaves = configProvenance(layers, { secrets, env });
    return {
      layers,
      leaves,
      leaf: (path: string) => leaves.find(l => l.path === path),
    };
  }

  it('reports the highest of three layers, and a key only a preset sets', async () => {
    mockDir.setContent({
      'app-config.yaml': stringify({ app: { title: 'base', baseOnly: 1 } }),
      presets: {
        'one.yaml': presetFile('one', {
          app: { title: 'preset', presetOnly: 'one' },
        }),
      },
    });
    const { leaf } = await explain({
      presetNames: ['one'],
      env: { APP_CONFIG_app_title: 'from env' },
    });
    expect(leaf('app.title')).toEqual({
      path: 'app.title',
      value: 'from env',
      from: 'APP_CONFIG_app_title',
    });
    expect(leaf('app.presetOnly')).toEqual({
      path: 'app.presetOnly',
      value: 'one',
      from: 'one preset',
    });
    expect(leaf('app.baseOnly')).toMatchObject({
      value: 1,
      from: 'app-config.yaml',
    });
  });

  it('names every layer the backend merges, in its order', async () => {
    mockDir.setContent({
      'app-config.yaml': stringify({ k: 'base', base: 1 }),
      'base.yaml': stringify({ k: 'base-config', baseConfig: 1 }),
      presets: {
        'one.yaml': presetFile('one', { k: 'one', one: 1 }),
        'two.yaml': presetFile('two', { k: 'two', two: 1 }),
      },
      'app-config.local.yaml': stringify({ k: 'local', local: 1 }),
      'override.yaml': stringify({ k: 'config', config: 1 }),
    });
    const plugin: ResolvedPluginEntry = {
      package: '@acme/plugin-a-backend',
      packageReference: '@acme/plugin-a-backend',
      kind: 'npm',
      preset: 'one',
      pluginConfig: { k: 'plugin', plugin: 1 },
    };
    const { layers, leaves } = await explain({
      presetNames: ['one', 'two'],
      plugins: [plugin],
      argv: [
        '--base-config',
        mockDir.resolve('base.yaml'),
        '--config',
        mockDir.resolve('override.yaml'),
      ],
      veecodeAppConfig: { k: 'veecode', veecode: 1 },
      env: { APP_CONFIG_k: 'env' },
    });
    expect(layers.map(l => l.label)).toEqual([
      'app-config.yaml',
      'guest sign-in (NODE_ENV, DEVPORTAL_ALLOW_GUEST)',
      '--base-config base.yaml',
      'one preset',
      'one preset, plugin @acme/plugin-a-backend',
      'two preset',
      'app-config.local.yaml',
      '--config override.yaml',
      'VEECODE_APP_CONFIG',
      'APP_CONFIG_*',
    ]);
    expect(leaves).toEqual([
      {
        path: 'auth.providers.guest.dangerouslyAllowOutsideDevelopment',
        value: true,
        from: 'guest sign-in (NODE_ENV, DEVPORTAL_ALLOW_GUEST)',
      },
      { path: 'base', value: 1, from: 'app-config.yaml' },
      { path: 'baseConfig', value: 1, from: '--base-config base.yaml' },
      { path: 'config', value: 1, from: '--config override.yaml' },
      { path: 'k', value: 'env', from: 'APP_CONFIG_k' },
      { path: 'local', value: 1, from: 'app-config.local.yaml' },
      { path: 'one', value: 1, from: 'one preset' },
      {
        path: 'plugin',
        value: 1,
        from: 'one preset, plugin @acme/plugin-a-backend',
      },
      { path: 'two', value: 1, from: 'two preset' },
      { path: 'veecode', value: 1, from: 'VEECODE_APP_CONFIG' },
    ]);
  });

  it('merges objects deeply and replaces arrays and scalars whole, as Backstage does', async () => {
    mockDir.setContent({
      'app-config.yaml': stringify({
        list: ['a', 'b'],
        becomesScalar: { x: 1, y: 2 },
        becomesObject: 'scalar',
        merged: { low: 1, both: 'low' },
      }),
      presets: {
        'one.yaml': presetFile('one', {
          list: ['c'],
          becomesScalar: 'scalar',
          becomesObject: { z: 3 },
          merged: { high: 2, both: 'high' },
        }),
      },
    });
    const { leaves } = await explain({ presetNames: ['one'] });
    expect(leaves).toEqual([
      {
        path: 'auth.providers.guest.dangerouslyAllowOutsideDevelopment',
        value: true,
        from: 'guest sign-in (NODE_ENV, DEVPORTAL_ALLOW_GUEST)',
      },
      { path: 'becomesObject.z', value: 3, from: 'one preset' },
      { path: 'becomesScalar', value: 'scalar', from: 'one preset' },
      { path: 'list', value: ['c'], from: 'one preset' },
      { path: 'merged.both', value: 'high', from: 'one preset' },
      { path: 'merged.high', value: 2, from: 'one preset' },
      { path: 'merged.low', value: 1, from: 'app-config.yaml' },
    ]);
  });

  it('names the APP_CONFIG_* variable that holds a JSON object', async () => {
    mockDir.setContent({ presets: {} });
    const { leaf } = await explain({
      env: { APP_CONFIG_backend_listen: '{"port": 8080}' },
    });
    expect(leaf('backend.listen.port')).toEqual({
      path: 'backend.listen.port',
      value: 8080,
      from: 'APP_CONFIG_backend_listen',
    });
  });

  it('redacts values holding a secret and keys named like a credential, not the rest', async () => {
    mockDir.setContent({
      'app-config.yaml': [
        'integrations:',
        '  github:',
        '    - host: github.com',
        '      token: ${GITHUB_PAT}',
        'auth:',
        '  clientSecret: literally-written',
        '  keys: [{ secret: also-literal }]',
        'cors:',
        '  credentials: true',
        'radar: [{ key: typescript }]',
        'org: ${GITHUB_ORG}',
        'url: https://x:${GITHUB_PAT}@example.com',
        '',
      ].join('\n'),
      presets: {},
    });
    const { leaves, leaf } = await explain(
      { env: { GITHUB_PAT: 'ghp_top-secret', GITHUB_ORG: 'acme' } },
      ['ghp_top-secret'],
    );
    expect(leaf('org')?.value).toBe('acme');
    expect(leaf('url')?.value).toBe(REDACTED);
    expect(leaf('auth.clientSecret')?.value).toBe(REDACTED);
    expect(leaf('auth.keys')?.value).toEqual([{ secret: REDACTED }]);
    // Not credentials: a flag, and an identifier named key.
    expect(leaf('cors.credentials')?.value).toBe(true);
    expect(leaf('radar')?.value).toEqual([{ key: 'typescript' }]);
    expect(leaf('integrations.github')?.value).toEqual([
      { host: 'github.com', token: REDACTED },
    ]);
    const text = JSON.stringify(leaves);
    expect(text).not.toContain('ghp_top-secret');
    expect(text).not.toContain('literally-written');
    expect(text).not.toContain('also-literal');
  });

  it('reads every layer it can and records why another cannot be read', async () => {
    mockDir.setContent({
      'app-config.yaml': stringify({ base: 1 }),
      presets: {},
    });
    const { layers, leaf } = await explain({
      argv: ['--config', mockDir.resolve('missing.yaml')],
      env: { APP_CONFIG_env: 'yes' },
    });
    expect(
      layers.find(l => l.label === '--config missing.yaml')?.error,
    ).toMatch(/missing\.yaml" does not exist/);
    expect(leaf('base')?.from).toBe('app-config.yaml');
    expect(leaf('env')?.from).toBe('APP_CONFIG_env');
  });
});

describe('redactText', () => {
  it('replaces every secret value, ignoring empty ones', () => {
    expect(redactText('a s3cr3t b s3cr3t', ['s3cr3t', '', ' '])).toBe(
      `a ${REDACTED} b ${REDACTED}`,
    );
  });
});
