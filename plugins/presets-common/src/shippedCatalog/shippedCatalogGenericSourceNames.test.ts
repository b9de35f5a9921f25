/*
 * Only presets map variables to config keys: no shipped preset's variable
 * (declared or derived) is named in the source of the library and modules,
 * which read config keys. Tests and their fixtures may name them.
 */
import fs from 'fs';
import { join, relative, resolve } from 'path';
import { loadPresetCatalog } from '../catalog/loadPresetCatalog';

const repoRoot = resolve(__dirname, '../../../..');
const catalog = loadPresetCatalog({ shippedDir: resolve(repoRoot, 'presets') });

/** Every variable the shipped presets declare or derive, and every alias. */
const names = [
  ...new Set(
    [...catalog.presets.values()].flatMap(preset => [
      ...Object.entries(preset.requires.variables).flatMap(([name, v]) => [
        name,
        ...(v.aliases ?? []),
      ]),
      ...Object.keys(preset.derived),
    ]),
  ),
].sort();

const TEST_FILE = /\.test\.tsx?$/;
const TEST_FOLDERS = new Set([
  '__fixtures__',
  '__testUtils__',
  'node_modules',
  'dist',
]);

/** The non-test source files below a folder. */
function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) {
    return [];
  }
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      return TEST_FOLDERS.has(entry.name) ? [] : sourceFiles(path);
    }
    return /\.(ts|tsx|js|cjs|mjs)$/.test(entry.name) &&
      !TEST_FILE.test(entry.name)
      ? [path]
      : [];
  });
}

/** The library and the modules: every package in plugins/, source and config schema. */
const files = fs.readdirSync(resolve(repoRoot, 'plugins')).flatMap(pkg => {
  const dir = resolve(repoRoot, 'plugins', pkg);
  return [
    ...sourceFiles(join(dir, 'src')),
    ...sourceFiles(join(dir, 'bin')),
    ...[join(dir, 'config.d.ts')].filter(f => fs.existsSync(f)),
  ];
});

describe('the generic source', () => {
  it('has the shipped presets and their variables to check', () => {
    expect(names).toEqual(
      expect.arrayContaining([
        'GITHUB_BASE_URL',
        'GITHUB_HOST',
        'RBAC_ADMINS',
        'PG_HOST',
      ]),
    );
    expect(files.length).toBeGreaterThan(50);
  });

  it('names no variable of a shipped preset', () => {
    const word = new RegExp(
      `(?<![A-Za-z0-9_])(${names.join('|')})(?![A-Za-z0-9_])`,
      'g',
    );
    const found = files.flatMap(file =>
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, index) =>
          [...line.matchAll(word)].map(
            ([name]) => `${relative(repoRoot, file)}:${index + 1}: ${name}`,
          ),
        ),
    );
    expect(found).toEqual([]);
  });
});
