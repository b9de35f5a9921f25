import { createMockDirectory } from '@backstage/backend-test-utils';
import { ConfigSources } from '@backstage/config-loader';
import { stringify } from 'yaml';
import { loadPresets, presetFile } from '../__testUtils__/configPresets';
import { createPresetConfigSource } from './createPresetConfigSource';
import { readVeecodeAppConfig } from '@devportal/plugin-presets-common';
import {
  APP_EXTENSIONS_CONTEXT,
  withConcatenatedAppExtensions,
} from './appExtensionsLayer';

describe('app.extensions across config layers', () => {
  const mockDir = createMockDirectory();
  beforeEach(() => mockDir.clear());

  async function appExtensions(options: {
    selected: string[];
    env?: Record<string, string>;
    veecode?: object;
  }) {
    const veecode = options.veecode
      ? readVeecodeAppConfig({
          VEECODE_APP_CONFIG: Buffer.from(stringify(options.veecode)).toString(
            'base64',
          ),
        })
      : {};
    const config = await ConfigSources.toConfig(
      createPresetConfigSource({
        presets: loadPresets(mockDir, options.selected),
        veecodeAppConfig: veecode.data,
        argv: ['node', 'packages/backend'],
        env: options.env ?? {},
        rootDir: mockDir.path,
        watch: false,
      }),
    );
    try {
      return {
        list: config.getOptional('app.extensions'),
        title: config.getOptionalString('app.title'),
      };
    } finally {
      config.close();
    }
  }

  /**
   * Whether each extension ends up on, read as @backstage/frontend-app-api
   * reads the list: in order, a later entry for an id overriding an earlier
   * one.
   */
  function enabled(list: unknown): Record<string, boolean> {
    const state: Record<string, boolean> = {};
    for (const entry of list as Array<string | Record<string, unknown>>) {
      if (typeof entry === 'string') {
        state[entry] = true;
        continue;
      }
      const [[id, value]] = Object.entries(entry);
      state[id] =
        typeof value === 'boolean'
          ? value
          : !(value as { disabled?: boolean } | null)?.disabled;
    }
    return state;
  }

  function setUp() {
    mockDir.setContent({
      'app-config.yaml': stringify({
        app: {
          title: 'Base',
          extensions: [
            { 'page:catalog': { config: { path: '/' } } },
            { 'page:tech-radar': false },
            { 'entity-content:kubernetes/kubernetes': false },
          ],
        },
      }),
      presets: {
        'radar.yaml': presetFile('radar', {
          app: { extensions: [{ 'page:tech-radar': true }] },
        }),
        'kube.yaml': presetFile('kube', {
          app: {
            extensions: [{ 'entity-content:kubernetes/kubernetes': true }],
          },
        }),
        'plain.yaml': presetFile('plain', { app: { title: 'Plain' } }),
      },
    });
  }

  it('adds each preset’s list to the base list, lowest layer first', async () => {
    setUp();
    const { list, title } = await appExtensions({
      selected: ['radar', 'kube'],
    });
    expect(list).toEqual([
      { 'page:catalog': { config: { path: '/' } } },
      { 'page:tech-radar': false },
      { 'entity-content:kubernetes/kubernetes': false },
      { 'page:tech-radar': true },
      { 'entity-content:kubernetes/kubernetes': true },
    ]);
    expect(enabled(list)).toEqual({
      'page:catalog': true,
      'page:tech-radar': true,
      'entity-content:kubernetes/kubernetes': true,
    });
    // everything else still merges as Backstage merges it
    expect(title).toBe('Base');
  });

  it('leaves what no selected preset switches as the base config sets it', async () => {
    setUp();
    const { list, title } = await appExtensions({
      selected: ['kube', 'plain'],
    });
    expect(enabled(list)).toEqual({
      'page:catalog': true,
      'page:tech-radar': false,
      'entity-content:kubernetes/kubernetes': true,
    });
    expect(title).toBe('Plain');
  });

  it('keeps the base list as it is when no preset sets one', async () => {
    setUp();
    const { list } = await appExtensions({ selected: ['plain'] });
    expect(list).toEqual([
      { 'page:catalog': { config: { path: '/' } } },
      { 'page:tech-radar': false },
      { 'entity-content:kubernetes/kubernetes': false },
    ]);
  });

  it('lets the operator’s layers above the presets switch an extension back off', async () => {
    setUp();
    const { list } = await appExtensions({
      selected: ['radar', 'kube'],
      veecode: {
        app: {
          extensions: [{ 'entity-content:kubernetes/kubernetes': false }],
        },
      },
      env: { APP_CONFIG_app_extensions: '[{"page:tech-radar": false}]' },
    });
    expect(enabled(list)).toEqual({
      'page:catalog': true,
      'page:tech-radar': false,
      'entity-content:kubernetes/kubernetes': false,
    });
  });

  it('leaves an app.extensions that is not a list to the frontend to report', () => {
    const configs = [
      { data: { app: { extensions: ['page:one'] } }, context: 'base' },
      { data: { app: { extensions: { 'page:two': true } } }, context: 'bad' },
    ];
    expect(withConcatenatedAppExtensions(configs)).toBe(configs);
  });

  it('adds one layer on top, naming what it is', () => {
    const configs = [
      { data: { app: { extensions: ['page:one'] } }, context: 'base' },
      { data: { other: 1 }, context: 'middle' },
      { data: { app: { extensions: ['page:two'] } }, context: 'preset' },
    ];
    expect(withConcatenatedAppExtensions(configs)).toEqual([
      ...configs,
      {
        data: { app: { extensions: ['page:one', 'page:two'] } },
        context: APP_EXTENSIONS_CONTEXT,
      },
    ]);
  });
});
