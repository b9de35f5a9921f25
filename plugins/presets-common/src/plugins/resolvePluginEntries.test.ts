import { createMockDirectory } from '@backstage/backend-test-utils';
import { Preset, PresetPluginEntry } from '../model/types';
import { resolvePresets } from '../selection/resolvePresets';
import {
  DEFAULT_PLUGIN_REGISTRY,
  pluginEntryKind,
  resolvePluginEntries,
} from './resolvePluginEntries';

function preset(name: string, plugins: PresetPluginEntry[]): Preset {
  return {
    name,
    description: name,
    version: '1.0.0',
    requires: { presets: [], groups: {}, oneOf: [], variables: {} },
    derived: {},
    plugins,
    appConfig: {},
    source: `/presets/${name}.yaml`,
  };
}

const placeholders = {
  PLUGIN_REGISTRY: 'registry.example.com/acme',
  BACKSTAGE_VERSION: '1.55.0',
};

/** The entries without the reference as written and the kind, which tests check on their own. */
function withoutReference(
  plugins: Array<{ packageReference: string; kind: string }>,
) {
  return plugins.map(({ packageReference: _, kind: __, ...rest }) => rest);
}

describe('pluginEntryKind', () => {
  it.each([
    ['@backstage-community/plugin-jenkins-backend', 'npm'],
    ['@backstage/plugin-scaffolder-backend-module-github', 'npm'],
    ['some-plugin', 'npm'],
    [
      'oci://quay.io/veecode/jenkins:bs_1.55.0!backstage-community-plugin-jenkins-backend',
      'dynamic',
    ],
    ['./dynamic-plugins/dist/local-plugin', 'dynamic'],
    ['@scope/Upper', 'dynamic'],
    ['https://example.com/plugin.tgz', 'dynamic'],
  ])('%s is %s', (reference, kind) => {
    expect(pluginEntryKind(reference)).toBe(kind);
  });
});

describe('resolvePluginEntries', () => {
  it('resolves ${PLUGIN_REGISTRY} and ${BACKSTAGE_VERSION} in package references', () => {
    const { plugins, problems } = resolvePluginEntries(
      [
        preset('a', [
          {
            package:
              'oci://${PLUGIN_REGISTRY}/github:bs_${BACKSTAGE_VERSION}!backstage-community-plugin-github-actions',
            disabled: false,
            pluginConfig: { some: 'config' },
          },
          { package: './dynamic-plugins/dist/local-plugin' },
          // every occurrence, not just the first
          {
            package:
              '${PLUGIN_REGISTRY}/${PLUGIN_REGISTRY}:${BACKSTAGE_VERSION}',
          },
        ]),
      ],
      placeholders,
    );
    expect(problems).toEqual([]);
    expect(plugins[0].packageReference).toMatch(/\$\{PLUGIN_REGISTRY\}/);
    expect(withoutReference(plugins)).toEqual([
      {
        package:
          'oci://registry.example.com/acme/github:bs_1.55.0!backstage-community-plugin-github-actions',
        disabled: false,
        pluginConfig: { some: 'config' },
        preset: 'a',
      },
      { package: './dynamic-plugins/dist/local-plugin', preset: 'a' },
      {
        package: 'registry.example.com/acme/registry.example.com/acme:1.55.0',
        preset: 'a',
      },
    ]);
  });

  it('inserts placeholder values literally', () => {
    const { plugins } = resolvePluginEntries(
      [preset('a', [{ package: 'oci://${PLUGIN_REGISTRY}/x' }])],
      { PLUGIN_REGISTRY: "$&$1$'", BACKSTAGE_VERSION: '1' },
    );
    expect(plugins[0].package).toBe("oci://$&$1$'/x");
  });

  it('merges entries by package, a later preset replacing the whole entry', () => {
    const { plugins, problems } = resolvePluginEntries(
      [
        preset('first', [
          {
            package:
              'oci://${PLUGIN_REGISTRY}/shared:bs_${BACKSTAGE_VERSION}!shared',
            disabled: false,
            integrity: 'sha512-first',
            pluginConfig: { from: 'first', deep: { a: 1 } },
          },
          { package: 'only-in-first' },
        ]),
        preset('second', [
          // the same package once placeholders are resolved
          {
            package: 'oci://registry.example.com/acme/shared:bs_1.55.0!shared',
            disabled: true,
          },
          { package: 'only-in-second', pluginConfig: { b: 2 } },
        ]),
      ],
      placeholders,
    );
    expect(problems).toEqual([]);
    expect(withoutReference(plugins)).toEqual([
      // no integrity, no pluginConfig left over from "first"
      {
        package: 'oci://registry.example.com/acme/shared:bs_1.55.0!shared',
        disabled: true,
        preset: 'second',
      },
      { package: 'only-in-first', preset: 'first' },
      { package: 'only-in-second', pluginConfig: { b: 2 }, preset: 'second' },
    ]);
  });

  it('does not change the presets it is given', () => {
    const input = preset('a', [{ package: 'oci://${PLUGIN_REGISTRY}/x' }]);
    const copy = JSON.parse(JSON.stringify(input));
    resolvePluginEntries([input], placeholders);
    expect(input).toEqual(copy);
  });

  it('reports an enabled entry with an unresolved placeholder, naming preset and entry', () => {
    const { plugins, problems } = resolvePluginEntries(
      [
        preset('good', [{ package: 'oci://${PLUGIN_REGISTRY}/ok' }]),
        preset('bad', [
          {
            package: 'oci://${PLUGIN_REGISTRY}/x:${PLUGIN_TAG}!x',
            disabled: false,
          },
          // `disabled` absent means enabled
          { package: 'oci://${REGISTRY}/y' },
        ]),
      ],
      placeholders,
    );
    expect(plugins).toHaveLength(3);
    expect(problems).toHaveLength(2);
    expect(problems.map(p => p.kind)).toEqual([
      'unresolved-plugin',
      'unresolved-plugin',
    ]);
    expect(problems[0].message).toContain('preset "bad"');
    expect(problems[0].message).toContain(
      '"oci://${PLUGIN_REGISTRY}/x:${PLUGIN_TAG}!x"',
    );
    expect(problems[0].message).toContain('${PLUGIN_TAG}');
    expect(problems[1].message).toContain('preset "bad"');
    expect(problems[1].message).toContain('"oci://${REGISTRY}/y"');
    expect(problems[0].hint).toContain('disabled: true');
  });

  it('accepts a disabled entry with an unresolved placeholder', () => {
    const { plugins, problems } = resolvePluginEntries(
      [preset('a', [{ package: 'oci://${NOPE}/x', disabled: true }])],
      placeholders,
    );
    expect(problems).toEqual([]);
    expect(withoutReference(plugins)).toEqual([
      { package: 'oci://${NOPE}/x', disabled: true, preset: 'a' },
    ]);
  });

  it('judges the entry that wins the merge', () => {
    const enabled = { package: 'oci://${NOPE}/x' };
    const disabled = { package: 'oci://${NOPE}/x', disabled: true };

    // a later preset disabling the entry clears the problem
    expect(
      resolvePluginEntries(
        [preset('a', [enabled]), preset('b', [disabled])],
        placeholders,
      ).problems,
    ).toEqual([]);

    // a later preset enabling it is reported, against that preset
    const { problems } = resolvePluginEntries(
      [preset('a', [disabled]), preset('b', [enabled])],
      placeholders,
    );
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toContain('preset "b"');
  });

  it('reports an unresolved placeholder value, e.g. a missing backstage.json', () => {
    const { problems } = resolvePluginEntries(
      [
        preset('a', [
          { package: 'oci://${PLUGIN_REGISTRY}/x:bs_${BACKSTAGE_VERSION}' },
        ]),
      ],
      { PLUGIN_REGISTRY: 'r', BACKSTAGE_VERSION: '${BACKSTAGE_VERSION}' },
    );
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toContain('${BACKSTAGE_VERSION}');
  });
});

describe('plugin placeholders in resolvePresets', () => {
  const mockDir = createMockDirectory();
  beforeEach(() => mockDir.clear());

  const pluginPreset = [
    'name: plugged',
    'description: has a plugin',
    'version: 1.0.0',
    'plugins:',
    '  - package: oci://${PLUGIN_REGISTRY}/p:bs_${BACKSTAGE_VERSION}!p',
    '',
  ].join('\n');

  function resolveWith(env: Record<string, string>) {
    return resolvePresets({
      rootDir: mockDir.path,
      env: { VEECODE_PRESETS: 'plugged', ...env },
    });
  }

  it('defaults to quay.io/veecode and the version in backstage.json', () => {
    mockDir.setContent({
      'backstage.json': '{"version": "1.2.3"}',
      'presets/plugged.yaml': pluginPreset,
    });
    expect(DEFAULT_PLUGIN_REGISTRY).toBe('quay.io/veecode');
    const resolution = resolveWith({});
    expect(resolution.problems).toEqual([]);
    expect(resolution.plugins.map(p => p.package)).toEqual([
      'oci://quay.io/veecode/p:bs_1.2.3!p',
    ]);
  });

  it('takes PLUGIN_REGISTRY and BACKSTAGE_VERSION from the environment', () => {
    mockDir.setContent({
      'backstage.json': '{"version": "1.2.3"}',
      'presets/plugged.yaml': pluginPreset,
    });
    const resolution = resolveWith({
      PLUGIN_REGISTRY: 'ghcr.io/acme',
      BACKSTAGE_VERSION: '1.99.0',
    });
    expect(resolution.problems).toEqual([]);
    expect(resolution.plugins.map(p => p.package)).toEqual([
      'oci://ghcr.io/acme/p:bs_1.99.0!p',
    ]);
  });

  it('treats empty values as unset', () => {
    mockDir.setContent({
      'backstage.json': '{"version": "1.2.3"}',
      'presets/plugged.yaml': pluginPreset,
    });
    const resolution = resolveWith({
      PLUGIN_REGISTRY: ' ',
      BACKSTAGE_VERSION: '',
    });
    expect(resolution.plugins.map(p => p.package)).toEqual([
      'oci://quay.io/veecode/p:bs_1.2.3!p',
    ]);
  });

  it.each([
    ['is missing', undefined],
    ['is not JSON', '{version: 1.2.3'],
    ['has no string version', '{"version": 1}'],
  ])(
    'reports the enabled entry when backstage.json %s and BACKSTAGE_VERSION is unset',
    (_, backstageJson) => {
      mockDir.setContent({
        ...(backstageJson !== undefined
          ? { 'backstage.json': backstageJson }
          : {}),
        'presets/plugged.yaml': pluginPreset,
      });
      const resolution = resolveWith({});
      expect(resolution.problems).toHaveLength(1);
      expect(resolution.problems[0].kind).toBe('unresolved-plugin');
      expect(resolution.problems[0].message).toContain('preset "plugged"');
      expect(resolution.problems[0].message).toContain('${BACKSTAGE_VERSION}');
      // the environment still works without backstage.json
      expect(resolveWith({ BACKSTAGE_VERSION: '1.0.0' }).problems).toEqual([]);
    },
  );
});

describe('npm plugin packages in resolvePresets', () => {
  const mockDir = createMockDirectory();
  beforeEach(() => mockDir.clear());

  function resolveWithPlugins(entries: string[]) {
    mockDir.setContent({
      'backstage.json': '{"version": "1.55.0"}',
      'presets/plugged.yaml': [
        'name: plugged',
        'description: has npm plugins',
        'version: 1.0.0',
        'plugins:',
        ...entries,
        '',
      ].join('\n'),
    });
    return resolvePresets({
      rootDir: mockDir.path,
      env: { VEECODE_PRESETS: 'plugged' },
      pluginsFrom: [__dirname],
    });
  }

  it('accepts an installed package, and a missing one that is disabled', () => {
    const resolution = resolveWithPlugins([
      '  - package: yaml',
      '  - package: "@devportal/no-such-plugin-backend"',
      '    disabled: true',
    ]);
    expect(resolution.problems).toEqual([]);
    expect(resolution.plugins.map(p => [p.package, p.kind])).toEqual([
      ['yaml', 'npm'],
      ['@devportal/no-such-plugin-backend', 'npm'],
    ]);
  });

  it('refuses an enabled package that is not installed, naming preset, package and the fix', () => {
    const resolution = resolveWithPlugins([
      '  - package: "@devportal/no-such-plugin-backend"',
    ]);
    expect(resolution.problems).toEqual([
      {
        kind: 'plugin-not-installed',
        message:
          'preset "plugged" enables the backend plugin @devportal/no-such-plugin-backend, which is not installed in this backend',
        hint: 'install it in the backend package (npm install @devportal/no-such-plugin-backend; in the DevPortal repository: yarn --cwd packages/backend add @devportal/no-such-plugin-backend), or set disabled: true on that entry in your own preset',
      },
    ]);
  });
});
