import fs from 'fs';
import path from 'path';
import { yaml } from '../catalog/lazyYaml';
import { ResolvedPluginEntry } from './resolvePluginEntries';

/** Where the dynamic plugin entries of the selection are written, when set. @public */
export const DYNAMIC_PLUGINS_FILE_ENV = 'VEECODE_DYNAMIC_PLUGINS_FILE';

/**
 * The dynamic plugin entries (OCI images, local paths) of the selection as
 * a `dynamic-plugins.yaml` include file, the format the RHDH/VeeCode
 * installer of a container image reads: `plugins:` entries with
 * `package`, `disabled`, `integrity` and `pluginConfig`.
 */
function dynamicPluginsInclude(plugins: ResolvedPluginEntry[]): {
  plugins: Array<{
    package: string;
    disabled: boolean;
    integrity?: string;
    pluginConfig?: object;
  }>;
} {
  return {
    plugins: plugins
      .filter(p => p.kind === 'dynamic')
      .map(p => ({
        package: p.package,
        disabled: p.disabled ?? false,
        ...(p.integrity !== undefined && { integrity: p.integrity }),
        ...(p.pluginConfig !== undefined && { pluginConfig: p.pluginConfig }),
      })),
  };
}

/** Writes `dynamicPluginsInclude` to a file, creating its folder. @public */
export function writeDynamicPluginsFile(
  file: string,
  plugins: ResolvedPluginEntry[],
): number {
  const include = dynamicPluginsInclude(plugins);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    `# Written by DevPortal Presets from VEECODE_PRESETS; do not edit.\n${yaml().stringify(
      include,
    )}`,
    { mode: 0o600 },
  );
  return include.plugins.length;
}
