/*
 * A Backstage backend of someone else's, outside this workspace: its own
 * package.json, npm as its package manager, the packed DevPortal packages
 * and the Backstage packages from the registry, and the entry file the
 * embedding section of docs/embedding.md shows.
 */
import fs from 'fs';
import path from 'path';
import { repoRoot } from '../backendProcess';
import { compileSnippet, importedPackages } from './embeddingSnippet';
import { PackedPackage } from './packPlugins';
import { runOrThrow } from './run';
import { cacheSqlitePrebuild } from './sqlitePrebuild';

/** A scratch backend, installed and ready to start with `node index.js`. */
export interface ScratchBackend {
  dir: string;
  /** How long `npm install` took. */
  installMs: number;
}

/** What the scratch backend is made of. */
export interface ScratchBackendOptions {
  /** An empty folder outside the workspace. */
  dir: string;
  packed: PackedPackage[];
  /** The entry file's TypeScript source (the snippet of docs/embedding.md). */
  snippet: string;
}

const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));

/**
 * The Backstage release every `@backstage/*` package is pinned to: the root
 * `resolutions`, which match backstage.json. npm `overrides` apply them to
 * the whole tree, so the scratch backend runs what this repository tests.
 */
function backstagePins(): Record<string, string> {
  return readJson(path.join(repoRoot, 'package.json')).resolutions;
}

/** The dependency spec of the SQLite driver, as this repository's backend declares it. */
function sqliteSpec(): string {
  return readJson(path.join(repoRoot, 'packages/backend/package.json'))
    .dependencies['better-sqlite3'];
}

/** The scratch backend's package.json: every tarball, and what the snippet imports. */
export function scratchPackageJson(
  packed: PackedPackage[],
  snippet: string,
): object {
  const pins = backstagePins();
  const tarballs = Object.fromEntries(
    packed.map(p => [p.name, `file:${p.tarball}`]),
  );
  const dependencies: Record<string, string> = {
    ...tarballs,
    // The database the app-config below names; a backend brings its own driver.
    'better-sqlite3': sqliteSpec(),
  };
  for (const name of importedPackages(snippet)) {
    if (tarballs[name]) {
      continue;
    }
    if (!pins[name]) {
      throw new Error(
        `the embedding snippet of docs/embedding.md imports ${name}, which is neither a package under plugins/ nor pinned in the root package.json "resolutions"; add it there`,
      );
    }
    dependencies[name] = pins[name];
  }
  return {
    name: 'scratch-backend',
    version: '0.0.0',
    private: true,
    dependencies,
    // The packed packages depend on each other by version (0.1.0), which
    // is not on the registry: point those edges at the tarballs too.
    overrides: { ...pins, ...tarballs },
  };
}

/** An app-config like any backend's: loopback only, SQLite in memory. */
const APP_CONFIG = `app:
  baseUrl: http://localhost:3000
backend:
  baseUrl: http://127.0.0.1:\${BACKEND_PORT}
  listen:
    host: 127.0.0.1
    port: \${BACKEND_PORT}
  database:
    client: better-sqlite3
    connection: ':memory:'
auth:
  environment: production
catalog:
  rules:
    - allow: [Component, System, API, Resource, Location, User, Group]
`;

/**
 * npm's environment: the caller's, without the variables Yarn sets for the
 * test run (npm would take Yarn's settings for its own). A better-sqlite3
 * that has to compile builds against this Node's own headers (no download).
 */
export function npmEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^npm_/i.test(key) || key === 'npm_config_cache',
    ),
  );
  if (fs.existsSync('/usr/include/node/node.h')) {
    env.npm_config_nodedir = '/usr';
  }
  return env;
}

/** Creates the scratch backend and installs it with npm (cached packages first). */
export async function createScratchBackend(
  options: ScratchBackendOptions,
): Promise<ScratchBackend> {
  const { dir, packed, snippet } = options;
  const write = (file: string, text: string) =>
    fs.writeFileSync(path.join(dir, file), text);

  write(
    'package.json',
    `${JSON.stringify(scratchPackageJson(packed, snippet), null, 2)}\n`,
  );
  write('app-config.yaml', APP_CONFIG);
  // A Backstage app names its release in backstage.json; presets read it
  // for ${BACKSTAGE_VERSION}.
  fs.copyFileSync(
    path.join(repoRoot, 'backstage.json'),
    path.join(dir, 'backstage.json'),
  );
  write('index.ts', snippet);
  write('index.js', compileSnippet(snippet));

  const started = Date.now();
  await runOrThrow(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--loglevel=error',
    ],
    { cwd: dir, env: npmEnv(), timeoutMs: 1_500_000 },
  );
  const installMs = Date.now() - started;
  await cacheSqlitePrebuild(dir, npmEnv());

  // The install step of docs/embedding.md: the shipped catalog, from the library package.
  fs.cpSync(
    path.join(dir, 'node_modules/@devportal/plugin-presets-common/presets'),
    path.join(dir, 'presets'),
    { recursive: true },
  );
  return { dir, installMs };
}
