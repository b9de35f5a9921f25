import fs from 'fs';
import {
  findInstalledPackage,
  ResolvedPluginEntry,
} from '@devportal/plugin-presets-common';

/** A backend feature package this backend runs, and why. @public */
export interface LoadedPlugin {
  /** Where its entry module is, to import it from the same place it was checked. */
  entry?: string;
  package: string;
  version: string;
  /** The package's Backstage role, e.g. `backend-plugin`. */
  role: string;
  /** The preset that enabled it; undefined for what the backend always adds. */
  preset?: string;
}

function readManifest(name: string, from: string[]) {
  const file = findInstalledPackage(name, from);
  const manifest = file
    ? (JSON.parse(fs.readFileSync(file, 'utf8')) as {
        version?: string;
        backstage?: { role?: string };
      })
    : {};
  return {
    version: manifest.version ?? 'unknown',
    role: manifest.backstage?.role ?? 'unknown',
  };
}

/**
 * What the preset plugin loader loads: every enabled npm entry of the
 * selection that the backend does not already add itself, with its
 * version and role from its own package.json; then the packages the
 * backend adds itself.
 */
export function planPluginLoading(options: {
  plugins: ReadonlyArray<ResolvedPluginEntry>;
  /** Packages the backend adds itself, e.g. `@backstage/plugin-catalog-backend`. */
  builtIn: ReadonlyArray<string>;
  from: string[];
}): {
  load: LoadedPlugin[];
  alreadyAdded: LoadedPlugin[];
  all: LoadedPlugin[];
} {
  const enabled = options.plugins.filter(p => p.kind === 'npm' && !p.disabled);
  const describe = (name: string, preset?: string): LoadedPlugin => ({
    package: name,
    ...readManifest(name, options.from),
    ...(preset !== undefined && { preset }),
  });
  const withEntry = (p: LoadedPlugin): LoadedPlugin => ({
    ...p,
    entry: require.resolve(p.package, { paths: options.from }),
  });
  const load = enabled
    .filter(p => !options.builtIn.includes(p.package))
    .map(p => withEntry(describe(p.package, p.preset)));
  const alreadyAdded = enabled
    .filter(p => options.builtIn.includes(p.package))
    .map(p => describe(p.package, p.preset));
  const builtIn = options.builtIn.map(name => {
    const byPreset = alreadyAdded.find(p => p.package === name);
    return describe(name, byPreset?.preset);
  });
  return { load, alreadyAdded, all: [...builtIn, ...load] };
}
