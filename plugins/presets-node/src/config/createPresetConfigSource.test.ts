import fs from 'fs';
import { resolve } from 'path';
import { createMockDirectory } from '@backstage/backend-test-utils';
import { ConfigSources } from '@backstage/config-loader';
import { JsonObject } from '@backstage/types';
import { parse, stringify } from 'yaml';
import { loadPresets, presetFile } from '../__testUtils__/configPresets';
import {
  platformGuestConfig,
  readVeecodeAppConfig,
  ResolvedPluginEntry,
} from '@devportal/plugin-presets-common';
import { createPresetConfigSource } from './createPresetConfigSource';

/** The platform's guest sign-in layer outside production, in every config below. */
const TRIAL_GUEST = platformGuestConfig({});

/*
 * The layers, lowest precedence first. Each one sets `layers.l<n>` and the
 * shared key `winner`, so the merged config shows both that every layer was
 * read and which one is on top.
 */
const LEVELS = [
  'app-config.yaml',
  '--base-config',
  'first selected preset',
  'second selected preset',
  'app-config.local.yaml',
  '--config',
  'VEECODE_APP_CONFIG',
  'APP_CONFIG_* env',
] as const;

function layerData(n: number): JsonObject {
  return { winner: `l${n}`, layers: { [`l${n}`]: n } };
}

describe('createPresetConfigSource', () => {
  const mockDir = createMockDirectory();
  beforeEach(() => mockDir.clear());

  /** Sets up the levels given (1-based) and reads the merged config. */
  async function readLevels(levels: number[]) {
    const has = (n: number) => levels.includes(n);
    mockDir.setContent({
      ...(has(1) ? { 'app-config.yaml': stringify(layerData(1)) } : {}),
      ...(has(2) ? { 'base.yaml': stringify(layerData(2)) } : {}),
      presets: {
        'one.yaml': presetFile('one', layerData(3)),
        'two.yaml': presetFile('two', layerData(4)),
      },
      ...(has(5) ? { 'app-config.local.yaml': stringify(layerData(5)) } : {}),
      ...(has(6) ? { 'override.yaml': stringify(layerData(6)) } : {}),
    });
    const selected = [...(has(3) ? ['one'] : []), ...(has(4) ? ['two'] : [])];
    const argv = [
      'node',
      'packages/backend',
      ...(has(2) ? ['--base-config', mockDir.resolve('base.yaml')] : []),
      ...(has(6) ? ['--config', mockDir.resolve('override.yaml')] : []),
    ];
    const veecode = has(7)
      ? readVeecodeAppConfig({
          VEECODE_APP_CONFIG: Buffer.from(stringify(layerData(7))).toString(
            'base64',
          ),
        })
      : {};
    expect(veecode.problem).toBeUndefined();
    const env = has(8)
      ? { APP_CONFIG_winner: 'l8', APP_CONFIG_layers_l8: '8' }
      : {};

    const source = createPresetConfigSource({
      presets: loadPresets(mockDir, selected),
      veecodeAppConfig: veecode.data,
      argv,
      env,
      rootDir: mockDir.path,
      watch: false,
    });
    const config = await ConfigSources.toConfig(source);
    try {
      return {
        winner: config.getOptionalString('winner'),
        layers: config.getOptionalConfig('layers')?.keys().sort() ?? [],
        all: config.get() as JsonObject,
      };
    } finally {
      config.close();
    }
  }

  const all = [1, 2, 3, 4, 5, 6, 7, 8];

  it('reads every layer, the highest winning', async () => {
    const result = await readLevels(all);
    expect(result.winner).toBe('l8');
    expect(result.layers).toEqual([
      'l1',
      'l2',
      'l3',
      'l4',
      'l5',
      'l6',
      'l7',
      'l8',
    ]);
    // only appConfig of a preset file is config
    expect(result.all).not.toHaveProperty('name');
    expect(result.all).not.toHaveProperty('plugins');
    expect(result.all).not.toHaveProperty('appConfig');
  });

  it.each(all.slice(0, -1).map(top => [top, LEVELS[top - 1]]))(
    'with the layers above it removed, level %i (%s) wins',
    async top => {
      const levels = all.filter(n => n <= top);
      const result = await readLevels(levels);
      expect(result.winner).toBe(`l${top}`);
      expect(result.layers).toEqual(levels.map(n => `l${n}`));
    },
  );

  it.each(all.map(missing => [missing, LEVELS[missing - 1]]))(
    'without level %i (%s) the others still merge',
    async missing => {
      const levels = all.filter(n => n !== missing);
      const result = await readLevels(levels);
      expect(result.winner).toBe(missing === 8 ? 'l7' : 'l8');
      expect(result.layers).toEqual(levels.map(n => `l${n}`));
    },
  );

  it('layers presets in selection order', async () => {
    mockDir.setContent({
      presets: {
        'one.yaml': presetFile('one', { winner: 'one' }),
        'two.yaml': presetFile('two', { winner: 'two' }),
      },
    });
    for (const [order, expected] of [
      [['one', 'two'], 'two'],
      [['two', 'one'], 'one'],
    ] as const) {
      const config = await ConfigSources.toConfig(
        createPresetConfigSource({
          presets: loadPresets(mockDir, [...order]),
          argv: [],
          env: {},
          rootDir: mockDir.path,
          watch: false,
        }),
      );
      expect(config.getString('winner')).toBe(expected);
      config.close();
    }
  });

  it("layers an npm plugin's pluginConfig above its preset, below the next preset and the operator", async () => {
    mockDir.setContent({
      presets: {
        'one.yaml': presetFile('one', {
          fromPreset: 'one',
          shared: { byPreset: 'one', overridden: 'one' },
        }),
        'two.yaml': presetFile('two', { overriddenByTwo: 'two' }),
      },
      'override.yaml': 'fromOperator: yes\n',
    });
    const presets = loadPresets(mockDir, ['one', 'two']);
    const entry = (
      pkg: string,
      pluginConfig: JsonObject,
      more: Partial<ResolvedPluginEntry> = {},
    ): ResolvedPluginEntry => ({
      package: pkg,
      packageReference: pkg,
      kind: 'npm',
      preset: 'one',
      pluginConfig,
      ...more,
    });
    const config = await ConfigSources.toConfig(
      createPresetConfigSource({
        presets,
        plugins: [
          entry('@acme/plugin-a-backend', {
            shared: { overridden: 'plugin', byPlugin: 'plugin' },
            overriddenByTwo: 'plugin',
            fromOperator: 'plugin',
          }),
          entry('@acme/plugin-off-backend', { off: true }, { disabled: true }),
          entry('oci://registry/x:1!x', { dynamic: true }, { kind: 'dynamic' }),
        ],
        argv: ['node', 'backend', '--config', mockDir.resolve('override.yaml')],
        env: {},
        rootDir: mockDir.path,
        watch: false,
      }),
    );
    try {
      expect(config.get()).toEqual({
        ...TRIAL_GUEST,
        fromPreset: 'one',
        shared: { byPreset: 'one', overridden: 'plugin', byPlugin: 'plugin' },
        overriddenByTwo: 'two',
        fromOperator: 'yes',
      });
    } finally {
      config.close();
    }
  });

  it('deep-merges objects, replaces arrays and lets the last scalar win', async () => {
    mockDir.setContent({
      'app-config.yaml': stringify({
        app: { title: 'base', baseUrl: 'http://localhost:3000' },
        catalog: { rules: [{ allow: ['Component', 'API'] }], locations: [] },
        deep: { a: { b: 1, c: 1 } },
        list: [1, 2, 3],
      }),
      presets: {
        'one.yaml': presetFile('one', {
          app: { title: 'from preset' },
          catalog: { rules: [{ allow: ['Group'] }] },
          deep: { a: { c: 2, d: 2 } },
        }),
      },
      'app-config.local.yaml': stringify({ list: ['local'] }),
    });
    const config = await ConfigSources.toConfig(
      createPresetConfigSource({
        presets: loadPresets(mockDir, ['one']),
        argv: [],
        env: {},
        rootDir: mockDir.path,
        watch: false,
      }),
    );
    try {
      expect(config.get()).toEqual({
        ...TRIAL_GUEST,
        app: { title: 'from preset', baseUrl: 'http://localhost:3000' },
        catalog: { rules: [{ allow: ['Group'] }], locations: [] },
        deep: { a: { b: 1, c: 2, d: 2 } },
        list: ['local'],
      });
    } finally {
      config.close();
    }
  });

  describe('substitution in a preset appConfig', () => {
    const saved = { ...process.env };
    afterEach(() => {
      for (const key of Object.keys(process.env)) {
        if (!(key in saved)) delete process.env[key];
      }
      Object.assign(process.env, saved);
    });

    it('resolves ${VAR} and ${VAR:-default} with Backstage substitution', async () => {
      process.env.PRESETS_TEST_VALUE = 'from-env';
      delete process.env.PRESETS_TEST_UNSET;
      process.env.PRESETS_TEST_EMPTY = '';
      mockDir.setContent({
        presets: {
          'one.yaml': [
            'name: one',
            'description: substitutes',
            'version: 1.0.0',
            'appConfig:',
            '  subst:',
            '    plain: ${PRESETS_TEST_VALUE}',
            '    embedded: https://${PRESETS_TEST_VALUE}/path',
            '    fallback: ${PRESETS_TEST_UNSET:-fallback-value}',
            "    fallbackRegex: '${PRESETS_TEST_UNSET:-[\\s\\S]*}'",
            '    emptyFallback: ${PRESETS_TEST_EMPTY:-empty-fallback}',
            '    setWithDefault: ${PRESETS_TEST_VALUE:-unused}',
            '    escaped: $${PRESETS_TEST_VALUE}',
            '    dropped: ${PRESETS_TEST_UNSET}',
            '    fromFile:',
            '      $file: ./token.txt',
            '',
          ].join('\n'),
          'token.txt': 'file-token',
        },
      });
      const config = await ConfigSources.toConfig(
        createPresetConfigSource({
          presets: loadPresets(mockDir, ['one']),
          argv: [],
          env: process.env,
          rootDir: mockDir.path,
          watch: false,
        }),
      );
      try {
        expect(config.getConfig('subst').get()).toEqual({
          plain: 'from-env',
          embedded: 'https://from-env/path',
          fallback: 'fallback-value',
          fallbackRegex: '[\\s\\S]*',
          emptyFallback: 'empty-fallback',
          setWithDefault: 'from-env',
          escaped: '${PRESETS_TEST_VALUE}',
          fromFile: 'file-token',
        });
        // an unset variable drops the key, as in any app-config file
        expect(config.getOptional('subst.dropped')).toBeUndefined();
      } finally {
        config.close();
      }
    });
  });

  describe('derived variables', () => {
    // Derived values as the presets that declare them do, and the
    // platform's file: what a backend with those presets substitutes.
    const fixtures = resolve(__dirname, '../__fixtures__/derived');
    const fixtureDerived = parse(
      fs.readFileSync(resolve(fixtures, 'derived.yaml'), 'utf8'),
    );

    async function derivedConfig(env: Record<string, string>) {
      mockDir.setContent({
        presets: {
          platform: {
            'platform.yaml': fs.readFileSync(
              resolve(fixtures, 'platform.yaml'),
              'utf8',
            ),
          },
          'one.yaml': [
            'name: one',
            'description: derives',
            'version: 1.0.0',
            `derived: ${JSON.stringify(fixtureDerived)}`,
            'appConfig:',
            '  github:',
            '    host: ${GITHUB_HOST}',
            '    api: ${GITHUB_API_URL}',
            '    enterprise: ${GITHUB_ENTERPRISE_URL}',
            '  gitlab:',
            '    url: ${GITLAB_URL}',
            '  backend:',
            '    url: ${BACKEND_URL}',
            '    loopback: ${BACKEND_LOOPBACK_HOST}',
            '  radar: ${TECH_RADAR_DATA_URL}',
            '  chat:',
            '    token: ${MCP_CHAT_SERVICE_TOKEN}',
            '',
          ].join('\n'),
        },
      });
      const config = await ConfigSources.toConfig(
        createPresetConfigSource({
          presets: loadPresets(mockDir, ['one']),
          argv: [],
          env,
          rootDir: mockDir.path,
          watch: false,
        }),
      );
      try {
        return config.get() as JsonObject;
      } finally {
        config.close();
      }
    }

    it('points GitHub and GitLab at the public SaaS by default, and the backend at localhost', async () => {
      const config = await derivedConfig({ GITLAB_HOST: 'gitlab.com' });
      expect(config).toEqual({
        ...TRIAL_GUEST,
        github: { host: 'github.com', api: 'https://api.github.com' },
        gitlab: { url: 'https://gitlab.com' },
        backend: { url: 'http://localhost:7007', loopback: '127.0.0.1:7007' },
        radar: 'http://127.0.0.1:7007/api/presets/tech-radar/sample.json',
        chat: { token: expect.stringMatching(/^[0-9a-f]{64}$/) },
      });
      // one random token per process: the same in every config read
      expect((await derivedConfig({})).chat).toEqual(config.chat);
    });

    it("takes the backend URL and the chat's token from the operator when set", async () => {
      const config = await derivedConfig({
        BACKEND_BASE_URL: 'https://devportal.example.com/',
        BACKEND_PORT: '8080',
        MCP_CHAT_MCP_TOKEN: ' operator-token ',
        TECH_RADAR_URL: 'https://radar.example.com/data.json',
      });
      expect(config.backend).toEqual({
        url: 'https://devportal.example.com',
        loopback: '127.0.0.1:8080',
      });
      expect(config.chat).toEqual({ token: 'operator-token' });
      expect(config.radar).toBe('https://radar.example.com/data.json');
    });

    it('derives GitHub Enterprise Server and self-hosted GitLab endpoints from their base URLs', async () => {
      expect(
        await derivedConfig({
          GITHUB_BASE_URL: 'https://ghe.example.com:8443/',
          GITLAB_HOST: 'gitlab.example.com',
          GITLAB_BASE_URL: 'http://127.0.0.1:9000/',
          // the environment cannot override a derived value
          GITHUB_HOST: 'elsewhere.example.com',
        }),
      ).toEqual({
        ...TRIAL_GUEST,
        github: {
          host: 'ghe.example.com:8443',
          api: 'https://ghe.example.com:8443/api/v3',
          enterprise: 'https://ghe.example.com:8443',
        },
        gitlab: { url: 'http://127.0.0.1:9000' },
        backend: { url: 'http://localhost:7007', loopback: '127.0.0.1:7007' },
        radar: 'http://127.0.0.1:7007/api/presets/tech-radar/sample.json',
        chat: { token: expect.stringMatching(/^[0-9a-f]{64}$/) },
      });
    });
  });

  it('layers app-config.<BACKSTAGE_ENV>.yaml files next to their base files', async () => {
    mockDir.setContent({
      'app-config.yaml': stringify({
        a: 'base',
        b: 'base',
        c: 'base',
        d: 'base',
      }),
      'app-config.production.yaml': stringify({
        a: 'production',
        b: 'production',
        c: 'production',
        d: 'production',
      }),
      'base.yaml': stringify({
        b: 'base-config',
        c: 'base-config',
        d: 'base-config',
      }),
      presets: { 'one.yaml': presetFile('one', { c: 'preset', d: 'preset' }) },
      'app-config.local.yaml': stringify({ d: 'local' }),
      'app-config.production.local.yaml': stringify({ d: 'production-local' }),
    });
    const config = await ConfigSources.toConfig(
      createPresetConfigSource({
        presets: loadPresets(mockDir, ['one']),
        argv: ['--base-config', mockDir.resolve('base.yaml')],
        env: { BACKSTAGE_ENV: 'production' },
        rootDir: mockDir.path,
        watch: false,
      }),
    );
    try {
      expect(config.get()).toEqual({
        ...TRIAL_GUEST,
        a: 'production',
        b: 'base-config',
        c: 'preset',
        d: 'production-local',
      });
    } finally {
      config.close();
    }
  });

  it('keeps app-config.yaml below the presets even when passed with --config', async () => {
    mockDir.setContent({
      'app-config.yaml': stringify({ winner: 'app-config' }),
      presets: { 'one.yaml': presetFile('one', { winner: 'preset' }) },
    });
    const config = await ConfigSources.toConfig(
      createPresetConfigSource({
        presets: loadPresets(mockDir, ['one']),
        argv: ['--config', mockDir.resolve('app-config.yaml')],
        env: {},
        rootDir: mockDir.path,
        watch: false,
      }),
    );
    expect(config.getString('winner')).toBe('preset');
    config.close();
  });

  it('layers several --config files in command-line order', async () => {
    mockDir.setContent({
      'first.yaml': stringify({ winner: 'first', first: true }),
      'second.yaml': stringify({ winner: 'second', second: true }),
      presets: {},
    });
    const config = await ConfigSources.toConfig(
      createPresetConfigSource({
        presets: [],
        argv: [
          '--config',
          mockDir.resolve('first.yaml'),
          '--config',
          mockDir.resolve('second.yaml'),
        ],
        env: {},
        rootDir: mockDir.path,
        watch: false,
      }),
    );
    expect(config.get()).toEqual({
      ...TRIAL_GUEST,
      winner: 'second',
      first: true,
      second: true,
    });
    config.close();
  });
});
