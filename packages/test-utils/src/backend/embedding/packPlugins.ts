/*
 * Builds and packs every publishable package (the plugins/ packages and the
 * presets CLI under packages/) the way a release does:
 * `backstage-cli package build`, then `yarn pack`, which applies each
 * package's publishConfig and replaces `workspace:^` with real versions.
 */
import fs from 'fs';
import path from 'path';
import { repoRoot } from '../backendProcess';
import { runOrThrow } from './run';

const yarnRelease = path.join(repoRoot, '.yarn/releases/yarn-4.18.1.cjs');

/** A packed package: what npm installs from. */
export interface PackedPackage {
  name: string;
  version: string;
  /** Absolute path of the .tgz. */
  tarball: string;
}

interface PluginPackage {
  dir: string;
  name: string;
  version: string;
  /** The names its package.json lists under `dependencies`. */
  dependencies: string[];
}

/** The publishable packages under plugins/, then packages/, in folder order. */
export function pluginPackages(): PluginPackage[] {
  return ['plugins', 'packages']
    .map(folder => path.join(repoRoot, folder))
    .flatMap(parent =>
      fs
        .readdirSync(parent)
        .sort()
        .map(entry => path.join(parent, entry)),
    )
    .filter(dir => fs.existsSync(path.join(dir, 'package.json')))
    .map(dir => ({
      dir,
      pkg: JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')),
    }))
    .filter(({ pkg }) => !pkg.private)
    .map(({ dir, pkg }) => ({
      dir,
      name: pkg.name,
      version: pkg.version,
      dependencies: Object.keys(pkg.dependencies ?? {}),
    }));
}

/**
 * `names` and every publishable package of ours they depend on, directly or
 * through one another: none of them is on the registry, so npm must be
 * handed all their tarballs together.
 */
export function withOwnDependencies(names: string[]): string[] {
  const ours = new Map(pluginPackages().map(p => [p.name, p.dependencies]));
  const found = new Set<string>();
  const visit = (name: string) => {
    const dependencies = ours.get(name);
    if (!dependencies || found.has(name)) {
      return;
    }
    found.add(name);
    dependencies.forEach(visit);
  };
  names.forEach(visit);
  return [...found];
}

const yarn = (args: string[], cwd: string, timeoutMs: number) =>
  runOrThrow(process.execPath, [yarnRelease, ...args], {
    cwd,
    env: process.env,
    timeoutMs,
  });

/**
 * The type build bundles the declarations `yarn tsc` writes to dist-types/.
 * `npm test` type-checks first, so they are normally there; a run of this
 * test alone on a fresh clone writes them.
 */
async function ensureDeclarations(plugins: PluginPackage[]) {
  const missing = plugins.some(
    ({ dir }) =>
      !fs.existsSync(
        path.join(
          repoRoot,
          'dist-types',
          path.relative(repoRoot, dir),
          'src/index.d.ts',
        ),
      ),
  );
  if (missing) {
    // Type errors elsewhere still emit declarations; the build checks what it needs.
    await yarn(['tsc'], repoRoot, 600_000).catch(() => undefined);
  }
}

/** Builds and packs every plugin package into `outDir`. */
export async function buildAndPackPlugins(
  outDir: string,
): Promise<PackedPackage[]> {
  const plugins = pluginPackages();
  await ensureDeclarations(plugins);
  const packed: PackedPackage[] = [];
  // One at a time: each build is a bundler run and the machine is shared.
  for (const plugin of plugins) {
    await yarn(['backstage-cli', 'package', 'build'], plugin.dir, 300_000);
    const tarball = path.join(
      outDir,
      `${plugin.name.replace(/^@/, '').replace('/', '-')}-${
        plugin.version
      }.tgz`,
    );
    await yarn(['pack', '--out', tarball], plugin.dir, 120_000);
    packed.push({ name: plugin.name, version: plugin.version, tarball });
  }
  return packed;
}
