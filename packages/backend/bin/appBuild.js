/*
 * The frontend the backend serves (packages/app/dist, through
 * @backstage/plugin-app-backend), built when it is missing or out of date
 * and reused otherwise.
 *
 * "Out of date" is a content hash of what goes into the bundle: packages/app
 * and every workspace package it depends on (their sources and package.json,
 * not their tests or READMEs), yarn.lock, and the `app:` block of
 * app-config.yaml and app-config.local.yaml (the build reads `app.packages`
 * there to discover the app's plugins). The hash is written next to the
 * build, so a deleted or half-written dist/ is rebuilt, and switching
 * branches back and forth rebuilds only when the content differs.
 *
 * Several processes may start at once (the process-level tests, an operator
 * and a test): one builds under a lock, the others wait and reuse its build.
 *
 * Plain CommonJS with Node's own modules only: scripts/portal.mjs
 * (`build-app`) loads it without a TypeScript transform.
 */
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '../../..');
const appDir = path.join(root, 'packages/app');
const distDir = path.join(appDir, 'dist');
/** The inputs' hash of the build in dist/. express.static serves no dotfiles. */
const STAMP_NAME = '.devportal-app-inputs';
const stampFile = path.join(distDir, STAMP_NAME);
const lockDir = path.join(root, 'node_modules/.cache/devportal-app-build.lock');

/** Folders and files that never reach the bundle. */
const SKIPPED_DIRS = new Set([
  'node_modules',
  'dist',
  'dist-types',
  'coverage',
  '__snapshots__',
  '__fixtures__',
]);
const SKIPPED_FILE = /(\.(test|spec)\.[cm]?[jt]sx?|^setupTests\.[jt]s|\.md)$/;

function log(message) {
  process.stderr.write(`[portal] ${message}\n`);
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** Workspace packages by name, from the folders the root package.json names. */
function workspacePackages(rootDir) {
  const byName = new Map();
  for (const parent of ['packages', 'plugins']) {
    const dir = path.join(rootDir, parent);
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir)) {
      const manifest = path.join(dir, name, 'package.json');
      if (fs.existsSync(manifest)) {
        byName.set(readJson(manifest).name, path.join(dir, name));
      }
    }
  }
  return byName;
}

/** packages/app and the workspace packages it depends on, directly or not. */
function appPackageDirs(rootDir) {
  const workspace = workspacePackages(rootDir);
  const dirs = [];
  const seen = new Set();
  const visit = dir => {
    if (seen.has(dir)) return;
    seen.add(dir);
    dirs.push(dir);
    const manifest = readJson(path.join(dir, 'package.json'));
    for (const dep of Object.keys({
      ...manifest.dependencies,
      ...manifest.peerDependencies,
    })) {
      const depDir = workspace.get(dep);
      if (depDir) visit(depDir);
    }
  };
  visit(path.join(rootDir, 'packages/app'));
  return dirs;
}

function listFiles(dir, into) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) listFiles(full, into);
    } else if (entry.isFile() && !SKIPPED_FILE.test(entry.name)) {
      into.push(full);
    }
  }
  return into;
}

/** The top-level `app:` block of a config file, or '' when it has none. */
function appBlock(file) {
  if (!fs.existsSync(file)) return '';
  const match = /^app:.*\n((?:[ \t#].*\n|[ \t]*\n)*)/m.exec(
    fs.readFileSync(file, 'utf8'),
  );
  return match ? match[0] : '';
}

/** The hash of everything the app's build in the repository at `rootDir` depends on. */
function appInputsHash(rootDir = root) {
  const hash = crypto.createHash('sha256');
  const files = appPackageDirs(rootDir)
    .flatMap(dir => listFiles(dir, []))
    .concat(path.join(rootDir, 'yarn.lock'))
    .sort();
  for (const file of files) {
    hash.update(`${path.relative(rootDir, file)}\0`);
    hash.update(fs.existsSync(file) ? fs.readFileSync(file) : '');
    hash.update('\0');
  }
  for (const name of ['app-config.yaml', 'app-config.local.yaml']) {
    hash.update(`${name}\0${appBlock(path.join(rootDir, name))}\0`);
  }
  return hash.digest('hex');
}

/**
 * Why the app's dist/ in the repository at `rootDir` must be rebuilt for
 * these inputs, or undefined when it is current.
 */
function staleness(inputs, rootDir = root) {
  const dist = path.join(rootDir, 'packages/app/dist');
  if (!fs.existsSync(path.join(dist, 'index.html'))) {
    return 'not built yet';
  }
  let stamp;
  try {
    stamp = fs.readFileSync(path.join(dist, STAMP_NAME), 'utf8').trim();
  } catch {
    return 'built by something else, without a record of its sources';
  }
  return stamp === inputs ? undefined : 'its sources changed since the build';
}

/**
 * Records that the app's dist/ in the repository at `rootDir` was built
 * from these inputs.
 */
function recordBuild(inputs, rootDir = root) {
  fs.writeFileSync(
    path.join(rootDir, 'packages/app/dist', STAMP_NAME),
    `${inputs}\n`,
  );
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/**
 * Takes the build lock, waiting while a live process holds it. A lock whose
 * holder has died (a killed build) is taken over.
 */
function acquireLock() {
  fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  let announced = false;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    let holder;
    try {
      holder = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'));
    } catch {
      // Taken a moment ago: the holder writes its pid next.
    }
    const age =
      Date.now() -
      (fs.statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if ((holder && !isAlive(holder)) || (!holder && age > 10_000)) {
      fs.rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!announced) {
      log(`waiting for the app build of another process (pid ${holder})`);
      announced = true;
    }
    sleep(500);
  }
}

function releaseLock() {
  fs.rmSync(lockDir, { recursive: true, force: true });
}

/**
 * Builds packages/app into packages/app/dist when it is missing or out of
 * date, and says in one line which it was. Returns the build's exit code:
 * 0 when dist/ is current.
 */
function ensureAppBuilt() {
  let inputs = appInputsHash();
  let reason = staleness(inputs);
  if (!reason) {
    log('the app in packages/app/dist is up to date; not rebuilding');
    return 0;
  }
  acquireLock();
  try {
    // Another process may have built it while this one waited.
    inputs = appInputsHash();
    reason = staleness(inputs);
    if (!reason) {
      log('the app in packages/app/dist is up to date; not rebuilding');
      return 0;
    }
    log(
      `building the app into packages/app/dist (${reason}); this takes a minute or two`,
    );
    const started = Date.now();
    fs.rmSync(stampFile, { force: true });
    const yarnRelease = /^yarnPath:\s*(\S+)/m.exec(
      fs.readFileSync(path.join(root, '.yarnrc.yml'), 'utf8'),
    )[1];
    // The build's report (a hundred lines of chunk sizes) is kept for a
    // failure; a person starting the portal needs only the outcome.
    const result = spawnSync(
      process.execPath,
      [path.join(root, yarnRelease), 'backstage-cli', 'package', 'build'],
      {
        cwd: appDir,
        stdio: ['ignore', 'pipe', 'pipe'],
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const code = result.status ?? 1;
    if (code !== 0) {
      const output = `${result.stdout ?? ''}${result.stderr ?? ''}`
        .split('\n')
        .slice(-200)
        .join('\n');
      process.stderr.write(`${output}\n`);
      log(
        `the app build failed (exit code ${code}${
          result.error ? `, ${result.error.message}` : ''
        }): see its output above; fix packages/app or the plugins it uses`,
      );
      return code;
    }
    recordBuild(inputs);
    log(`app built in ${Math.round((Date.now() - started) / 1000)} s`);
    return 0;
  } finally {
    releaseLock();
  }
}

module.exports = {
  ensureAppBuilt,
  appInputsHash,
  staleness,
  recordBuild,
  distDir,
};
