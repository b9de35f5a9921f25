import { createRequire } from 'module';
import { join, resolve } from 'path';
import { PresetProblem } from '../model/problems';
import { ResolvedPluginEntry } from './resolvePluginEntries';

/**
 * Where an npm plugin package is installed, if it is: its `package.json`,
 * as Node would find it from the given folders.
 *
 * @public
 */
export function findInstalledPackage(
  name: string,
  from: string[],
): string | undefined {
  return packageFinder(from)(name);
}

/**
 * {@link findInstalledPackage} for many names from the same folders: Node's
 * lookup paths are worked out once, not for every name.
 */
function packageFinder(from: string[]): (name: string) => string | undefined {
  const requires = from.map(dir =>
    createRequire(join(resolve(dir), 'noop.js')),
  );
  return name => {
    for (const req of requires) {
      try {
        return req.resolve(`${name}/package.json`);
      } catch {
        // not below this folder
      }
    }
    return undefined;
  };
}

/**
 * Every enabled npm entry must be installed where the backend runs: a
 * preset that switches on a plugin the backend cannot load refuses the
 * boot, naming preset and package, instead of failing half way through
 * startup.
 */
export function checkPluginsInstalled(
  plugins: ResolvedPluginEntry[],
  from: string[],
): PresetProblem[] {
  const find = packageFinder(from);
  return plugins
    .filter(p => p.kind === 'npm' && !p.disabled)
    .filter(p => !find(p.package))
    .map(p => ({
      kind: 'plugin-not-installed' as const,
      message: `preset "${p.preset}" enables the backend plugin ${p.package}, which is not installed in this backend`,
      hint: `install it in the backend package (npm install ${p.package}; in the DevPortal repository: yarn --cwd packages/backend add ${p.package}), or set disabled: true on that entry in your own preset`,
    }));
}
