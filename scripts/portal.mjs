#!/usr/bin/env node
/*
 * The one entry point of a fresh machine (Node 20 and npm, nothing else):
 *
 *   npm start   installs what is missing, then starts the backend, which
 *               serves the portal (the app, built when missing or out of
 *               date) at its own URL, http://localhost:7007
 *   npm test    installs what is missing (Debian packages included), then
 *               type-checks, lints and runs every test
 *   yarn dev    the frontend dev server (http://localhost:3000) and the
 *               backend together, both reloading on changes
 *
 * `yarn start`, `yarn dev` and `yarn test` run the same script. Yarn itself
 * is the release committed under .yarn/releases, so neither a global yarn
 * nor corepack is needed.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const yarnPath = path.join(
  root,
  /^yarnPath:\s*(\S+)/m.exec(
    fs.readFileSync(path.join(root, '.yarnrc.yml'), 'utf8'),
  )[1],
);
const backendDir = path.join(root, 'packages/backend');
/** Where the dev server of `yarn dev` serves the app. */
const DEV_APP_BASE_URL = 'http://localhost:3000';

/** The app build shared with bin/start.js (plain CommonJS, no dependencies). */
function appBuild() {
  return createRequire(import.meta.url)(
    path.join(backendDir, 'bin/appBuild.js'),
  );
}

/** Debian packages the test suite needs, keyed by a file each one installs. */
const TEST_SYSTEM_PACKAGES = [
  {
    file: '/usr/sbin/slapd',
    packages: ['slapd', 'ldap-utils'],
    after: stopSystemSlapd,
  },
  { file: '/usr/bin/ldapsearch', packages: ['ldap-utils'] },
  { file: '/usr/bin/chromium', packages: ['chromium'] },
  // TechDocs' local builder: Debian's mkdocs and its material theme.
  { file: '/usr/bin/mkdocs', packages: ['mkdocs', 'mkdocs-material'] },
  // slapd's TLS tests issue throwaway certificates; its watchdog is perl.
  { file: '/usr/bin/openssl', packages: ['openssl'] },
  { file: '/usr/bin/perl', packages: ['perl'] },
  // The production-path tests (replicas, org-sync guard across restarts)
  // start their own throwaway cluster from these binaries.
  {
    file: '/usr/lib/postgresql/15/bin/initdb',
    packages: ['postgresql'],
    after: stopSystemPostgres,
  },
  // The container image test builds packages/backend/Dockerfile and runs
  // it with podman (runc: crun fails on this cgroup layout), on a base
  // image debootstrap makes, since no image registry is reachable.
  { file: '/usr/bin/podman', packages: ['podman', 'runc'] },
  { file: '/usr/sbin/runc', packages: ['runc'] },
  { file: '/usr/sbin/debootstrap', packages: ['debootstrap'] },
];

function log(message) {
  process.stderr.write(`[portal] ${message}\n`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) {
    throw result.error;
  }
  return result.status ?? 1;
}

function mustRun(command, args, options) {
  const code = run(command, args, options);
  if (code !== 0) {
    log(`${command} ${args.join(' ')} failed with exit code ${code}`);
    process.exit(code);
  }
}

function yarnEnv() {
  const env = { ...process.env };
  // Native modules (better-sqlite3) build against the machine's own Node
  // headers instead of downloading them.
  if (!env.npm_config_nodedir && fs.existsSync('/usr/include/node/node.h')) {
    env.npm_config_nodedir = '/usr';
  }
  return env;
}

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function workspaceManifests() {
  return ['packages', 'plugins'].flatMap(dir => {
    const full = path.join(root, dir);
    return fs.existsSync(full)
      ? fs
          .readdirSync(full)
          .map(name => path.join(full, name, 'package.json'))
          .filter(file => fs.existsSync(file))
      : [];
  });
}

/** Installs node_modules when they are missing or older than the manifests. */
function ensureDependencies() {
  const statePath = path.join(root, 'node_modules/.yarn-state.yml');
  const state = mtime(statePath);
  const inputs = [
    path.join(root, 'yarn.lock'),
    path.join(root, 'package.json'),
    ...workspaceManifests(),
  ].map(mtime);
  const nativeBuilt = fs.existsSync(
    path.join(
      root,
      'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
    ),
  );
  if (
    state &&
    nativeBuilt &&
    inputs.every(t => t === undefined || t <= state)
  ) {
    return;
  }
  log('installing dependencies (yarn install)');
  // Progress goes to stderr: stdout stays the backend's own.
  mustRun(
    process.execPath,
    [yarnPath, 'install', ...(process.env.CI ? ['--immutable'] : [])],
    {
      cwd: root,
      env: yarnEnv(),
      stdio: ['ignore', 2, 2],
    },
  );
  // Yarn leaves its state file alone when nothing needed linking (a
  // manifest saved without a dependency change): mark the install as
  // current, or every start would install again.
  if (fs.existsSync(statePath)) {
    const now = new Date();
    fs.utimesSync(statePath, now, now);
  }
}

function stopSystemSlapd() {
  // The Debian package starts a system daemon on port 389; tests run their own.
  run('sh', ['-c', 'service slapd stop >/dev/null 2>&1 || true']);
}

function stopSystemPostgres() {
  // Like slapd, the package starts a system cluster (port 5432) we do not use.
  run('sh', ['-c', 'service postgresql stop >/dev/null 2>&1 || true']);
}

/** Installs the Debian packages the tests need, when they are missing. */
function ensureSystemPackages() {
  const missing = TEST_SYSTEM_PACKAGES.filter(p => !fs.existsSync(p.file));
  if (missing.length === 0) {
    return;
  }
  const packages = [...new Set(missing.flatMap(p => p.packages))];
  if (process.getuid?.() !== 0) {
    log(
      `missing system packages: ${packages.join(
        ' ',
      )}; install them with apt-get as root`,
    );
    process.exit(1);
  }
  log(`installing system packages: ${packages.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  mustRun('apt-get', ['update', '-qq'], { env });
  mustRun(
    'apt-get',
    ['install', '-y', '-qq', '--no-install-recommends', ...packages],
    { env },
  );
  for (const p of missing) {
    p.after?.();
  }
}

/**
 * Makes `--config` and `--base-config` paths relative to where the operator
 * ran the command, not to the backend package the process runs in.
 */
function absoluteConfigArgs(args) {
  const base = process.env.INIT_CWD ?? process.cwd();
  const out = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const match = /^(--(?:base-)?config)(?:=(.*))?$/.exec(arg);
    if (!match) {
      out.push(arg);
      continue;
    }
    const value = match[2] ?? args[++i];
    const isUrl = value && /^[a-z][a-z0-9+.-]*:\/\/./i.test(value);
    out.push(match[1], value && !isUrl ? path.resolve(base, value) : value);
  }
  return out;
}

/** How often the launcher watch looks at the processes that started us. */
const LAUNCHER_POLL_MS = 500;

/**
 * What Linux says about a process: its parent and its start time (clock
 * ticks since boot; with the pid it names one process, even after the pid
 * is reused), or undefined once it is gone or only a zombie waiting to be
 * reaped.
 */
function procStat(pid) {
  let stat;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold anything.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') {
    return undefined;
  }
  return { ppid: Number(fields[1]), startTime: fields[19] };
}

function isShell(pid) {
  try {
    const [argv0, flag] = fs
      .readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0');
    return /(^|\/)(sh|bash|dash|zsh)$/.test(argv0) && flag === '-c';
  } catch {
    return false;
  }
}

/**
 * The processes between us and the package manager that ran us (npm or
 * yarn, and the `sh -c` npm puts in between), each with its start time.
 * Empty when we were not started by a package manager script: then our
 * parent is a shell or a process manager that signals us itself, and its
 * going away (`nohup`, a detached run) must not stop the backend.
 */
function launcherChain() {
  if (!process.env.npm_lifecycle_event || !fs.existsSync('/proc/self/stat')) {
    return [];
  }
  const chain = [];
  let pid = procStat(process.pid)?.ppid;
  while (pid > 1) {
    const stat = procStat(pid);
    if (!stat) {
      break;
    }
    chain.push({ pid, startTime: stat.startTime });
    if (!isShell(pid)) {
      break;
    }
    pid = stat.ppid;
  }
  return chain;
}

/**
 * Calls `onGone` once, when any process of the launcher chain has ended.
 *
 * npm answers a SIGTERM by ending itself and its `sh -c`, without passing
 * the signal on to us (and a SIGKILLed npm passes nothing at all), so a
 * process manager that signals npm alone would leave the backend running
 * and holding its port. No pipe or IPC channel connects npm to us
 * (`stdio: inherit` hands us npm's own descriptors, which the backend
 * keeps open), and Node has neither prctl(PR_SET_PDEATHSIG) nor pidfds,
 * so we poll /proc: cheap, and the start time guards against a reused pid.
 */
function watchLauncher(onGone) {
  const chain = launcherChain();
  if (chain.length === 0) {
    return;
  }
  const timer = setInterval(() => {
    const gone = chain.find(p => procStat(p.pid)?.startTime !== p.startTime);
    if (gone) {
      clearInterval(timer);
      onGone(gone.pid);
    }
  }, LAUNCHER_POLL_MS);
  // The child's exit ends this process; the watch must not keep it alive.
  timer.unref();
}

/**
 * Runs children to completion and exits with the code of the first one to
 * end, after stopping (SIGTERM) and waiting for the others: `yarn dev`'s
 * frontend dev server without its backend, or the other way round, is of no
 * use. Signals are passed on, and the children get SIGTERM when the package
 * manager that started us goes away, so that stopping npm stops the backend.
 */
function handOver(children) {
  const running = new Set();
  let firstExitCode;
  let launcherGone = false;
  for (const { command, args, options } of children) {
    const child = spawn(command, args, { stdio: 'inherit', ...options });
    running.add(child);
    child.on('exit', (code, signal) => {
      running.delete(child);
      const exitCode =
        code ?? (signal ? 128 + os.constants.signals[signal] : 1);
      if (firstExitCode === undefined) {
        firstExitCode = exitCode;
        for (const other of running) {
          other.kill('SIGTERM');
        }
      }
      if (running.size > 0) {
        return;
      }
      if (launcherGone) {
        // Nobody is left to report the exit code to: say it.
        log(`the backend exited with code ${firstExitCode}`);
      }
      process.exit(firstExitCode);
    });
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => running.forEach(child => child.kill(signal)));
  }
  watchLauncher(pid => {
    launcherGone = true;
    log(
      `the package manager that started this process (pid ${pid}) has exited; stopping the backend (SIGTERM)`,
    );
    running.forEach(child => child.kill('SIGTERM'));
  });
}

/**
 * The config file `yarn dev` writes for its frontend dev server: the
 * frontend-visible part of the backend's own layered config.
 */
const DEV_FRONTEND_CONFIG = path.join(
  root,
  'node_modules/.cache/devportal-dev/app-config.frontend.json',
);

/**
 * `yarn dev`: the frontend dev server and the backend, each started with
 * `backstage-cli repo start` as in any Backstage repository, both watching.
 *
 * The boot gate runs first (bin/dev-frontend-config.js, exit code 78 on a
 * refused selection): the backend's watcher would otherwise keep waiting for
 * file changes after a refused boot, and the dev server keep serving an app
 * without a backend. The same script then writes the dev server's config:
 * the dev server reads app-config files only, so without it the app would
 * miss what the presets set for the frontend (sign-in page, guest sign-in,
 * tool pages) and the derived variables; a second run of it stays and
 * writes the file again when a layer changes. The dev server and the
 * backend are started separately because `repo start --config` gives its
 * files to every package it starts (in place of app-config.yaml), and the
 * backend has all of it already, layered in its own order.
 */
function startDev(args) {
  const env = yarnEnv();
  // The app is the dev server's, not the backend's: sign-in popups post to
  // it and the backend lets it call (CORS). Set before the config is
  // layered, so that both sides derive their values from it.
  env.APP_BASE_URL ||= DEV_APP_BASE_URL;
  const frontendConfig = (watch = false) => ({
    command: process.execPath,
    args: [path.join(backendDir, 'bin/dev-frontend-config.js'), ...args],
    options: {
      cwd: backendDir,
      env: {
        ...env,
        DEVPORTAL_DEV_FRONTEND_CONFIG: DEV_FRONTEND_CONFIG,
        DEVPORTAL_DEV_FRONTEND_CONFIG_WATCH: String(watch),
      },
    },
  });
  const first = frontendConfig();
  const prepared = run(first.command, first.args, first.options);
  if (prepared !== 0) {
    process.exit(prepared);
  }
  // APP_CONFIG_* variables are layered into the file already (with the
  // concatenated app.extensions); read again on top, they would replace it.
  const frontendEnv = Object.fromEntries(
    Object.entries(env).filter(([name]) => !name.startsWith('APP_CONFIG_')),
  );
  handOver([
    // Rewrites the file when app-config.yaml, a preset or a --config file
    // changes, as the backend reloads its config; the dev server follows.
    frontendConfig(true),
    {
      command: process.execPath,
      args: [
        yarnPath,
        'backstage-cli',
        'repo',
        'start',
        'app',
        '--config',
        DEV_FRONTEND_CONFIG,
      ],
      options: { cwd: root, env: frontendEnv },
    },
    {
      command: process.execPath,
      args: [yarnPath, 'backstage-cli', 'repo', 'start', 'backend', ...args],
      options: { cwd: root, env },
    },
  ]);
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Runs one step of `npm test` as a child process. Its output is passed
 * through as it comes, or, with `keepOutput`, kept and printed in one piece
 * when the step ends, so that a step running beside another does not
 * interleave its lines with the other's. Resolves with the exit code.
 */
function runStep(step, keepOutput) {
  const started = Date.now();
  log(`${step.name}: ${step.display}`);
  const child = spawn(step.command, step.args, {
    cwd: root,
    env: yarnEnv(),
    stdio: keepOutput ? ['ignore', 'pipe', 'pipe'] : 'inherit',
  });
  const output = [];
  if (keepOutput) {
    child.stdout.on('data', chunk => output.push(chunk));
    child.stderr.on('data', chunk => output.push(chunk));
  }
  return new Promise(resolve => {
    child.on('error', error => {
      output.push(Buffer.from(`${error.message}\n`));
    });
    child.on('close', (code, signal) => {
      process.stdout.write(Buffer.concat(output));
      const exitCode =
        code ?? (signal ? 128 + os.constants.signals[signal] : 1);
      const seconds = Math.round((Date.now() - started) / 1000);
      log(
        exitCode === 0
          ? `${step.name}: done in ${seconds} s`
          : `${step.name} failed (exit code ${exitCode}) after ${seconds} s`,
      );
      resolve(exitCode);
    });
  });
}

/** The test files of the jest reports, slowest first, with their seconds. */
function slowestTestFiles(reports, count) {
  return reports
    .flatMap(report => report.testResults ?? [])
    .map(result => ({
      file: path.relative(root, result.name),
      seconds: (result.endTime - result.startTime) / 1000,
    }))
    .sort((a, b) => b.seconds - a.seconds)
    .slice(0, count);
}

/**
 * How many process-level test files run at once: one more than there are
 * cores, at most four. Each file starts its own backends, servers and
 * browsers on free ports and in temporary folders of its own, so files do
 * not share anything but the machine. A file keeps less than one core busy
 * on average (its steps wait on each other: the test on a request, the
 * backend on slapd or a fake, the test on a sync), so one file per core
 * leaves cores idle; a file's processes take up to a gigabyte of memory.
 */
function processTestWorkers() {
  return Math.max(1, Math.min(4, os.availableParallelism() + 1));
}

async function runTests(extraArgs) {
  const reports = fs.mkdtempSync(path.join(os.tmpdir(), 'portal-test-'));
  const PROCESS_TESTS = '@devportal/e2e-tests';
  const yarnStep = (name, args) => ({
    name,
    display: `yarn ${args.join(' ')}`,
    command: process.execPath,
    args: [yarnPath, ...args],
  });
  const jest = (name, selection) => {
    const report = path.join(reports, `${name.replace(/\W+/g, '-')}.json`);
    const args = [
      'backstage-cli',
      'repo',
      'test',
      '--watchAll=false',
      '--ci',
      ...selection,
    ];
    return {
      ...yarnStep(name, args),
      args: [
        yarnPath,
        ...args,
        '--json',
        `--outputFile=${report}`,
        ...extraArgs,
      ],
      report,
    };
  };
  // Three lanes side by side: the unit and module tests; the type check,
  // the API reports check and lint; and the app build, then the
  // process-level tests, the longest step of the run. Those start once the
  // app is built and both the unit tests and the API reports check have
  // ended, whatever their outcome: the unit tests' timeouts are not made
  // for sharing the cores with backends, and the API reports check is the
  // last step that writes the declarations in dist-types/, which the
  // embedding test packs the packages from. Lint then runs beside them
  // instead of before them. The unit tests and the last lane stream their
  // output, one after the other; the middle lane prints each step's output
  // in one piece when it ends, so that no two steps interleave their lines.
  const lanes = [
    [jest('unit and module tests', ['--ignoreProjects', PROCESS_TESTS])],
    [
      yarnStep('type check', ['tsc']),
      // The API reports of the published packages match their code
      // (scripts/api-reports.mjs; `yarn build:api-reports` rewrites them).
      yarnStep('API reports', ['build:api-reports', '--ci']),
      yarnStep('lint', ['backstage-cli', 'repo', 'lint']),
    ],
    [
      // Once per run, before the backends of the process-level tests
      // start: each of them then finds the app up to date and serves this
      // build.
      {
        name: 'app build',
        display: 'node scripts/portal.mjs build-app',
        command: process.execPath,
        args: [fileURLToPath(import.meta.url), 'build-app'],
      },
      {
        ...jest('process-level tests', [
          '--selectProjects',
          PROCESS_TESTS,
          `--maxWorkers=${processTestWorkers()}`,
        ]),
        needs: ['app build'],
        after: ['unit and module tests', 'API reports'],
      },
    ],
  ];
  /** Each step's exit code, once it has ended (undefined when not run). */
  const ended = new Map();
  const endOf = name => {
    if (!ended.has(name)) {
      let resolve;
      ended.set(name, { promise: new Promise(r => (resolve = r)), resolve });
    }
    return ended.get(name);
  };
  const failedNames = new Set();
  const runLane = async (steps, keepOutput) => {
    for (const step of steps) {
      const needs = step.needs ?? [];
      const codes = await Promise.all(
        [...needs, ...(step.after ?? [])].map(name => endOf(name).promise),
      );
      const failedNeed = needs.find((_, i) => codes[i] !== 0);
      const code = failedNeed ? undefined : await runStep(step, keepOutput);
      if (failedNeed) {
        log(`${step.name} not run: the ${failedNeed} failed`);
      }
      if (code !== 0) {
        failedNames.add(step.name);
      }
      endOf(step.name).resolve(code);
    }
  };
  await Promise.all(lanes.map((steps, i) => runLane(steps, i === 1)));
  const jestReports = lanes
    .flat()
    .filter(step => step.report)
    .map(step => readJson(step.report))
    .filter(Boolean);
  fs.rmSync(reports, { recursive: true, force: true });
  let passed = 0;
  let failed = 0;
  for (const report of jestReports) {
    passed += report.numPassedTests;
    failed += report.numFailedTests + report.numRuntimeErrorTestSuites;
  }
  const slowest = slowestTestFiles(jestReports, 10);
  if (slowest.length > 0) {
    process.stdout.write(
      `\nslowest test files:\n${slowest
        .map(
          ({ file, seconds }) => `${seconds.toFixed(1).padStart(7)} s  ${file}`,
        )
        .join('\n')}\n`,
    );
  }
  process.stdout.write(`\ntests: ${passed} passed, ${failed} failed\n`);
  process.exit(failedNames.size > 0 || failed > 0 || passed === 0 ? 1 : 0);
}

const [command = 'start', ...args] = process.argv.slice(2);
switch (command) {
  case 'setup':
    ensureDependencies();
    break;
  case 'start':
    ensureDependencies();
    handOver([
      {
        command: process.execPath,
        args: [
          path.join(backendDir, 'bin/start.js'),
          ...absoluteConfigArgs(args),
        ],
        options: { cwd: backendDir },
      },
    ]);
    break;
  case 'dev':
    ensureDependencies();
    startDev(absoluteConfigArgs(args));
    break;
  case 'build-app': {
    ensureDependencies();
    process.exit(appBuild().ensureAppBuilt());
    break;
  }
  case 'test':
    ensureSystemPackages();
    ensureDependencies();
    runTests(args).catch(error => {
      log(`the test run broke off: ${error.stack ?? error}`);
      process.exit(1);
    });
    break;
  default:
    log(
      `unknown command "${command}"; use setup, start, dev, build-app or test`,
    );
    process.exit(64);
}
