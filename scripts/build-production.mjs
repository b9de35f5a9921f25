#!/usr/bin/env node
/*
 * Builds the backend for production and lays it out in a folder of its own,
 * the way Backstage documents it (and its Dockerfile does):
 *
 *   1. `backstage-cli package build` in packages/backend, which builds every
 *      workspace package the backend depends on and writes
 *      packages/backend/dist/skeleton.tar.gz (their package.json files) and
 *      dist/bundle.tar.gz (their built code, packed as published). The app
 *      (packages/app, `app: link:../app` in the backend's dependencies) is
 *      one of them: built into its dist/, which the backend's app plugin
 *      serves at the backend's URL;
 *   2. in the target folder: the root package.json, yarn.lock, .yarnrc.yml,
 *      the committed Yarn, the skeleton, then
 *      `yarn workspaces focus --all --production`;
 *   3. the bundle unpacked over it, plus what the backend reads at runtime
 *      from its root: backstage.json, app-config.yaml and presets/.
 *
 * Start it from the target folder:
 *
 *   node packages/backend --config app-config.yaml
 *
 * The build runs in a staging copy of the sources (tracked and new files,
 * dependencies linked from this checkout), so it never rewrites the dist/
 * folders of the working tree while tests there may be reading them. With
 * --in-place it builds in the checkout itself instead: the build stage of
 * packages/backend/Dockerfile, a copy of the sources of its own with no git.
 *
 * The halves of the folder, for the image's build stages: --dependencies-only
 * installs step 2 alone, with the skeleton taken from the package.json files
 * (it needs no node_modules of the checkout); --code-only is steps 1 and 3.
 *
 *   node scripts/build-production.mjs <target folder>
 *     [--keep-staging | --in-place] [--dependencies-only | --code-only]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const YARN_RELEASE = '.yarn/releases/yarn-4.18.1.cjs';

/** What the backend reads from its root at runtime, besides packages and node_modules. */
const RUNTIME_ROOT_FILES = ['backstage.json', 'app-config.yaml', 'presets'];

/** What `yarn workspaces focus` needs before the skeleton is unpacked. */
const INSTALL_FILES = [
  'package.json',
  'yarn.lock',
  '.yarnrc.yml',
  YARN_RELEASE,
];

function log(text) {
  process.stdout.write(`build-production: ${text}\n`);
}

/** Runs a command with inherited output; throws a one-line error when it fails. */
function run(command, args, options) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    throw new Error(
      `${path.basename(command)} ${args.join(' ')} failed in ${
        options.cwd
      } with exit code ${result.status ?? result.signal}`,
    );
  }
}

/** The committed Yarn of the project at `projectRoot`, run in `cwd`. */
function yarn(args, { projectRoot, cwd = projectRoot, env = process.env }) {
  run(process.execPath, [path.join(projectRoot, YARN_RELEASE), ...args], {
    cwd,
    env,
  });
}

/** Environment for installs: native modules build against this Node's headers. */
function installEnv() {
  const env = { ...process.env };
  if (!env.npm_config_nodedir && fs.existsSync('/usr/include/node/node.h')) {
    env.npm_config_nodedir = '/usr';
  }
  return env;
}

/** The repository's files, tracked and new (not ignored), as git sees them. */
function sourceFiles() {
  const result = spawnSync(
    'git',
    ['ls-files', '--cached', '--others', '--exclude-standard', '-z'],
    { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (result.status !== 0) {
    throw new Error(`git ls-files failed in ${root}: ${result.stderr.trim()}`);
  }
  return result.stdout.split('\0').filter(Boolean);
}

/**
 * A copy of the sources with this checkout's installed dependencies linked
 * in: the build writes dist/ folders there, not in the working tree.
 */
export function stageSources(staging) {
  for (const file of sourceFiles()) {
    const from = path.join(root, file);
    if (!fs.existsSync(from)) continue; // deleted in the working tree
    fs.mkdirSync(path.dirname(path.join(staging, file)), { recursive: true });
    fs.copyFileSync(from, path.join(staging, file));
  }
  // Yarn reads where each package is installed from its install state.
  fs.copyFileSync(
    path.join(root, '.yarn/install-state.gz'),
    path.join(staging, '.yarn/install-state.gz'),
  );
  fs.symlinkSync(
    path.join(root, 'node_modules'),
    path.join(staging, 'node_modules'),
  );
}

/** Step 1: the backend build, with its workspace dependencies. */
function buildBackend(staging) {
  log('building packages/backend and its workspace dependencies');
  yarn(['backstage-cli', 'package', 'build'], {
    projectRoot: staging,
    cwd: path.join(staging, 'packages/backend'),
  });
}

function copyInto(from, to) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.cpSync(from, to, { recursive: true });
}

function untar(file, cwd) {
  run('tar', ['xzf', file], { cwd });
}

const LOCAL_LOAD = /\b(require|import)\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/**
 * Every module of our own the built backend loads must be a file in dist/.
 * The build rewrites static and dynamic imports to the emitted files but
 * leaves a require('./x') of a TypeScript module as it is, which works from
 * source and fails only when the production folder starts.
 */
export function findUnresolvedLoads(distDir) {
  const unresolved = [];
  for (const name of fs.readdirSync(distDir)) {
    if (!name.endsWith('.js')) continue;
    const text = fs.readFileSync(path.join(distDir, name), 'utf8');
    for (const [, how, spec] of text.matchAll(LOCAL_LOAD)) {
      if (!fs.existsSync(path.resolve(distDir, spec))) {
        unresolved.push({ file: name, how, spec });
      }
    }
  }
  return unresolved;
}

/** The app the backend serves at its URL: without it, `/` is a 404. */
function checkBuiltApp(target) {
  const index = path.join(target, 'packages/app/dist/index.html');
  if (!fs.existsSync(index)) {
    throw new Error(
      `${index} is missing: the backend build did not bring the app (packages/app) along; the backend must depend on it ("app": "link:../app")`,
    );
  }
}

function checkBuiltBackend(target) {
  const distDir = path.join(target, 'packages/backend/dist');
  const [first, ...more] = findUnresolvedLoads(distDir);
  if (first) {
    throw new Error(
      `packages/backend/dist/${first.file} loads ${first.how}('${
        first.spec
      }'), a file the build did not emit${
        more.length ? ` (and ${more.length} more)` : ''
      }: load modules of our own with import or import(), not require(), in packages/backend/src`,
    );
  }
}

/**
 * The workspace's package.json files, by package name, each with the
 * folder it is in (relative to `projectRoot`).
 */
function workspaceManifests(projectRoot) {
  const { workspaces } = JSON.parse(
    fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8'),
  );
  const byName = new Map();
  for (const pattern of workspaces) {
    // The root's workspaces are `<folder>/*`.
    const parent = pattern.replace(/\/\*$/, '');
    const parentDir = path.join(projectRoot, parent);
    if (!fs.existsSync(parentDir)) continue;
    for (const name of fs.readdirSync(parentDir)) {
      const file = path.join(parentDir, name, 'package.json');
      if (fs.existsSync(file)) {
        const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
        byName.set(manifest.name, { dir: `${parent}/${name}`, manifest });
      }
    }
  }
  return byName;
}

/**
 * The skeleton step 1 packs, taken from the package.json files instead of a
 * build: the backend and every workspace package it depends on, through
 * `dependencies`; a bundled package (the app, built into static files) with
 * no dependencies of its own, as step 1 packs it. It installs the same
 * production dependencies, so a container build can install them in a layer
 * that only yarn.lock and the package.json files decide.
 */
function writeManifestSkeleton(projectRoot, target) {
  const byName = workspaceManifests(projectRoot);
  const pending = ['backend'];
  const seen = new Set();
  while (pending.length > 0) {
    const name = pending.pop();
    if (seen.has(name) || !byName.has(name)) continue;
    seen.add(name);
    const { dir, manifest } = byName.get(name);
    const written = { ...manifest };
    if (manifest.bundled) {
      delete written.dependencies;
      delete written.devDependencies;
      delete written.peerDependencies;
    } else {
      pending.push(...Object.keys(manifest.dependencies ?? {}));
    }
    fs.mkdirSync(path.join(target, dir), { recursive: true });
    fs.writeFileSync(
      path.join(target, dir, 'package.json'),
      `${JSON.stringify(written, null, 2)}\n`,
    );
  }
}

/**
 * Step 2: the root files, the skeleton (`writeSkeleton` puts it into the
 * target) and the production dependencies.
 */
function installDependencies(projectRoot, target, writeSkeleton) {
  fs.mkdirSync(target, { recursive: true });
  for (const file of INSTALL_FILES) {
    copyInto(path.join(projectRoot, file), path.join(target, file));
  }
  writeSkeleton();
  log(`installing production dependencies in ${target}`);
  yarn(['workspaces', 'focus', '--all', '--production'], {
    projectRoot: target,
    env: installEnv(),
  });
}

/** Step 3: the built code and what the backend reads from its root. */
function placeCode(staging, target) {
  fs.mkdirSync(target, { recursive: true });
  untar(path.join(staging, 'packages/backend/dist/bundle.tar.gz'), target);
  checkBuiltBackend(target);
  checkBuiltApp(target);
  for (const file of RUNTIME_ROOT_FILES) {
    copyInto(path.join(root, file), path.join(target, file));
  }
}

/** Steps 2 and 3 (or one of them), after step 1 built into `staging`. */
function deploy(staging, target, { codeOnly }) {
  if (!codeOnly) {
    installDependencies(staging, target, () =>
      untar(
        path.join(staging, 'packages/backend/dist/skeleton.tar.gz'),
        target,
      ),
    );
  }
  placeCode(staging, target);
}

async function main() {
  const args = process.argv.slice(2);
  const targetArg = args.find(a => !a.startsWith('--'));
  if (!targetArg) {
    throw new Error(
      'name the folder to build into: node scripts/build-production.mjs <target folder>',
    );
  }
  const target = path.resolve(targetArg);
  if (fs.existsSync(target) && fs.readdirSync(target).length > 0) {
    throw new Error(
      `${target} is not empty: name a new or empty folder to build into`,
    );
  }
  const dependenciesOnly = args.includes('--dependencies-only');
  // The dependencies are installed from yarn.lock and the package.json
  // files alone; the build needs the workspace's.
  if (!dependenciesOnly && !fs.existsSync(path.join(root, 'node_modules'))) {
    throw new Error(
      `${root} has no node_modules: install the dependencies first (npm start, or node ${YARN_RELEASE} install)`,
    );
  }
  const started = Date.now();
  const codeOnly = args.includes('--code-only');
  if (dependenciesOnly) {
    installDependencies(root, target, () =>
      writeManifestSkeleton(root, target),
    );
  } else if (args.includes('--in-place')) {
    buildBackend(root);
    deploy(root, target, { codeOnly });
  } else {
    const staging = fs.mkdtempSync(
      path.join(os.tmpdir(), 'devportal-staging-'),
    );
    try {
      log(`staging the sources in ${staging}`);
      stageSources(staging);
      buildBackend(staging);
      deploy(staging, target, { codeOnly });
    } finally {
      if (!args.includes('--keep-staging')) {
        fs.rmSync(staging, { recursive: true, force: true });
      }
    }
  }
  log(
    `done in ${((Date.now() - started) / 1000).toFixed(
      0,
    )} s; start it with: cd ${target} && node packages/backend --config app-config.yaml`,
  );
}

if (
  process.argv[1] &&
  path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
) {
  main().catch(error => {
    process.stderr.write(`build-production: ${error.message}\n`);
    process.exit(1);
  });
}
