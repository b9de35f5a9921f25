import type * as YamlModule from 'yaml';

/**
 * The `yaml` package (position-keeping documents), loaded on first use.
 * It is some 70 modules: every boot reads the catalog with js-yaml, and only
 * a file with something to report, a `VEECODE_APP_CONFIG` document or a
 * dynamic plugins file to write needs `yaml`, so a refused boot usually
 * does not load it.
 */
export function yaml(): typeof YamlModule {
  // A package, not a file of ours: the build keeps the require as it is.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('yaml');
}
