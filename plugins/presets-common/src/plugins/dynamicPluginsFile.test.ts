import fs from 'fs';
import { parse } from 'yaml';
import { createMockDirectory } from '@backstage/backend-test-utils';
import { ResolvedPluginEntry } from './resolvePluginEntries';
import { writeDynamicPluginsFile } from './dynamicPluginsFile';

const entry = (more: Partial<ResolvedPluginEntry>): ResolvedPluginEntry => ({
  package: 'x',
  packageReference: 'x',
  preset: 'p',
  kind: 'dynamic',
  ...more,
});

describe('writeDynamicPluginsFile', () => {
  const mockDir = createMockDirectory();

  it('writes the dynamic entries, resolved, as a dynamic-plugins include file; npm entries stay out', () => {
    const file = mockDir.resolve('nested/dynamic-plugins.presets.yaml');
    const count = writeDynamicPluginsFile(file, [
      entry({
        package: 'oci://quay.io/veecode/jenkins:bs_1.55.0!jenkins',
        packageReference:
          'oci://${PLUGIN_REGISTRY}/jenkins:bs_${BACKSTAGE_VERSION}!jenkins',
        pluginConfig: { dynamicPlugins: { frontend: { jenkins: {} } } },
      }),
      entry({
        package: './dynamic-plugins/dist/local',
        disabled: true,
        integrity: 'sha512-abc',
      }),
      entry({ package: '@backstage/plugin-jenkins-backend', kind: 'npm' }),
    ]);
    expect(count).toBe(2);
    expect(parse(fs.readFileSync(file, 'utf8'))).toEqual({
      plugins: [
        {
          package: 'oci://quay.io/veecode/jenkins:bs_1.55.0!jenkins',
          disabled: false,
          pluginConfig: { dynamicPlugins: { frontend: { jenkins: {} } } },
        },
        {
          package: './dynamic-plugins/dist/local',
          disabled: true,
          integrity: 'sha512-abc',
        },
      ],
    });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });
});
