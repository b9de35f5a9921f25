#!/usr/bin/env node
/*
 * `yarn bench`: what the preset engine costs, each figure a ratio against a
 * baseline measured in the same run. Prints a table and writes
 * bench/results.md with the machine and the date: a full run rewrites the
 * file; an `--only` run adds its own section (replacing the section of an
 * earlier run with the same arguments) and leaves the other runs' figures
 * as they were, each under the run that measured it. Measurements, not tests:
 * nothing here fails on a missed goal, only on a broken setup.
 *
 *   node bench/run.mjs [--quick]
 *                      [--only refused,resolve,boot,boot-prod,image,ldap-sync,sign-in,app,fresh-start]
 *                      [--out <file>]   (default bench/results.md)
 *                      [--prod-dir <folder>]   (boot-prod: a folder built by
 *                        scripts/build-production.mjs; default: a fresh build)
 *
 *   BENCH_CPU_PROF=<folder>: each boot also writes a V8 CPU profile there.
 *   BENCH_FRESH_LOG=<file>: fresh-start appends both npm starts' output there.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import {
  cleanEnv,
  cpuMsOf,
  freePort,
  median,
  ms,
  msSince,
  nodeTransform,
  quantile,
  root,
  runToExit,
  startBackend,
  waitFor200,
} from './lib.mjs';
import {
  GROUPS,
  PEOPLE,
  SUFFIX,
  generateLdif,
  passwordOf,
  uidOf,
} from './ldap/generate.mjs';
import { appBench } from './app.mjs';
import { imageBench } from './image.mjs';
import { freshStartBench } from './freshStart.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const only = args.includes('--only')
  ? args[args.indexOf('--only') + 1].split(',')
  : undefined;
const wanted = name => !only || only.includes(name);
const prodDirArg = args.includes('--prod-dir')
  ? path.resolve(args[args.indexOf('--prod-dir') + 1])
  : undefined;
const out = args.includes('--out')
  ? path.resolve(args[args.indexOf('--out') + 1])
  : path.join(root, 'bench/results.md');

// The test kit (slapd, PostgreSQL) is TypeScript: load it through
// Backstage's transform, as bin/start.js loads the backend.
const require = createRequire(import.meta.url);
require(nodeTransform);
const harness = name =>
  require(path.join(root, 'packages/test-utils/src', `${name}.ts`));

const rows = [];
const notes = [];
function report(row) {
  rows.push(row);
  const line = `${row.figure}: ${row.ours} vs ${row.baseline} (ratio ${row.ratio}) goal ${row.goal} ${row.verdict}`;
  process.stdout.write(`  ${line}\n`);
}
const verdict = ok => (ok ? 'met' : 'MISSED');
const ratio = (a, b) => (a / b).toFixed(2);
const log = text => process.stdout.write(`\n== ${text}\n`);

// ---------------------------------------------------------------------------
// 1. Refused boot, whole process, against a bare Node start.

async function refusedBoot() {
  log('refused boot (whole process) vs bare node -e 0');
  const runs = quick ? 3 : 10;
  const bare = [];
  const refused = [];
  const env = cleanEnv({ VEECODE_PRESETS: 'github-auth,keycloak,ldap' });
  for (let i = 0; i < runs; i++) {
    bare.push((await runToExit(process.execPath, ['-e', '0'])).ms);
    const result = await runToExit(process.execPath, ['bin/start.js'], {
      cwd: path.join(root, 'packages/backend'),
      env,
    });
    if (result.code !== 78) {
      throw new Error(
        `refused boot: expected exit code 78, got ${result.code}:\n${result.stderr}`,
      );
    }
    refused.push(result.ms);
  }
  const ours = median(refused);
  const base = median(bare);
  notes.push(
    `Refused boot: fastest run ${ms(Math.min(...refused))}, bare Node ${ms(
      Math.min(...bare),
    )}.`,
  );
  report({
    figure: `refused boot, bin/start.js with VEECODE_PRESETS=github-auth,keycloak,ldap (median of ${runs})`,
    ours: ms(ours),
    baseline: `node -e 0: ${ms(base)}`,
    ratio: ratio(ours, base),
    goal: '≤ 500 ms',
    verdict: verdict(ours <= 500),
  });
}

// ---------------------------------------------------------------------------
// 2. Resolving the shipped catalog in-process against parsing it alone.

async function resolveInProcess() {
  log('resolving the shipped presets in-process vs parsing the files alone');
  const runs = quick ? 50 : 300;
  const result = await runToExit(process.execPath, [
    '-r',
    nodeTransform,
    'bench/resolve.ts',
    String(runs),
  ]);
  if (result.code !== 0) {
    throw new Error(`bench/resolve.ts failed:\n${result.stderr}`);
  }
  const figures = JSON.parse(result.stdout.trim().split('\n').pop());
  const ours = median(figures.resolve);
  const base = median(figures.parseFast);
  report({
    figure: `resolvePresets (${figures.files} files, recommended,github,github-auth; median of ${runs})`,
    ours: ms(ours),
    baseline: `js-yaml parse alone: ${ms(base)}`,
    ratio: ratio(ours, base),
    goal: '≤ 2 ms median',
    verdict: verdict(ours <= 2),
  });
  notes.push(
    `Parsing the same ${
      figures.files
    } files with \`yaml\`'s parseDocument (positions kept, the parser every boot used before) takes ${ms(
      median(figures.parseWithPositions),
    )} median; js-yaml ${ms(base)}. Resolution fastest run ${ms(
      Math.min(...figures.resolve),
    )} (parse alone ${ms(Math.min(...figures.parseFast))}), p95 ${ms(
      quantile(figures.resolve, 0.95),
    )}.`,
  );
}

// ---------------------------------------------------------------------------
// 3. Boot to readiness: the preset engine against the same backend by hand.

/** GitHub at a closed loopback port; no sync runs before readiness (no-sync.yaml). */
async function githubEnv() {
  const closed = await freePort();
  return {
    GITHUB_PAT: 'bench-not-a-token',
    GITHUB_ORG: 'acme',
    GITHUB_AUTH_CLIENT_ID: 'bench-client',
    GITHUB_AUTH_CLIENT_SECRET: 'bench-not-a-secret',
    GITHUB_BASE_URL: `http://127.0.0.1:${closed}`,
    // Derived by the engine; the hand-written config names them.
    GITHUB_HOST: `127.0.0.1:${closed}`,
    GITHUB_API_URL: `http://127.0.0.1:${closed}/api/v3`,
  };
}

const noSync = ['--config', 'bench/baseline/no-sync.yaml'];
const bootSides = {
  presets: {
    name: 'presets',
    label: 'VEECODE_PRESETS=recommended,github,github-auth (bin/start.js)',
    command: () => ['packages/backend/bin/start.js', ...noSync],
    env: { VEECODE_PRESETS: 'recommended,github,github-auth' },
  },
  baseline: {
    name: 'baseline',
    label: 'hand-written app-config + upstream modules (bench/baseline)',
    command: () => [
      '-r',
      nodeTransform,
      'bench/baseline/index.ts',
      '--config',
      'bench/baseline/app-config.yaml',
      ...noSync,
    ],
    env: {},
  },
};

/**
 * With BENCH_CPU_PROF=<folder>, every boot writes a V8 CPU profile (open it
 * in Chrome DevTools) under <folder>/<side>, to see where the time of a
 * figure goes.
 */
function cpuProfileArgs(side) {
  const folder = process.env.BENCH_CPU_PROF;
  return folder
    ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(folder, side.name)}`]
    : [];
}

async function bootOnce(side) {
  const handle = await startBackend(
    process.execPath,
    [...cpuProfileArgs(side), ...side.command()],
    { env: { ...(await githubEnv()), ...side.env }, cwd: side.cwd },
  );
  try {
    const wall = await waitFor200(handle.readinessUrl, handle.started, handle);
    return { wall, cpu: cpuMsOf(handle.child.pid) };
  } finally {
    await handle.stop();
  }
}

/**
 * Boots both sides alternately `runs` times and reports the wall-time and
 * CPU-time ratios; `how` names the way both were run ("from source").
 */
async function compareBoots(sides, how) {
  // Boots vary by a second from one to the next on a 2-core machine: five
  // pairs keep the ratio steady.
  const runs = quick ? 1 : 5;
  const times = { presets: [], baseline: [] };
  const cpu = { presets: [], baseline: [] };
  // Alternate, so a slow patch of a shared machine hits both sides.
  await bootOnce(sides.baseline); // warm the file cache and transform cache
  for (let i = 0; i < runs; i++) {
    for (const name of i % 2
      ? ['baseline', 'presets']
      : ['presets', 'baseline']) {
      const once = await bootOnce(sides[name]);
      times[name].push(once.wall);
      cpu[name].push(once.cpu);
    }
  }
  // Each pair ran back to back, so its ratio compares the two sides under
  // the same machine state; the figure is the median of the pairs' ratios.
  const pairedRatio = values =>
    median(values.presets.map((v, i) => v / values.baseline[i]));
  const wallRatio = pairedRatio(times);
  report({
    figure: `boot to readiness ${how} (${runs} alternated pairs; medians, and the median of the pairs' ratios)`,
    ours: `${sides.presets.label}: ${ms(median(times.presets))}`,
    baseline: `${sides.baseline.label}: ${ms(median(times.baseline))}`,
    ratio: wallRatio.toFixed(2),
    goal: '≤ 1.05',
    verdict: verdict(wallRatio <= 1.05),
  });
  const medians = { presets: median(times.presets) };
  if (cpu.presets.every(c => c !== undefined)) {
    const cpuRatio = pairedRatio(cpu);
    report({
      figure: `boot to readiness ${how}, CPU time of the backend process (user + system)`,
      ours: ms(median(cpu.presets)),
      baseline: ms(median(cpu.baseline)),
      ratio: cpuRatio.toFixed(2),
      goal: '≤ 1.05',
      verdict: verdict(cpuRatio <= 1.05),
    });
  }
  notes.push(
    `Boot runs ${how} (ms): presets ${times.presets
      .map(t => t.toFixed(0))
      .join(', ')}; baseline ${times.baseline
      .map(t => t.toFixed(0))
      .join(', ')}.`,
  );
  return medians;
}

async function bootToReadiness() {
  log('boot to readiness from source: presets vs the same backend by hand');
  // bin/start.js builds the app when it is out of date: build it now, so
  // that no boot below measures a build.
  const appBuild = require(path.join(root, 'packages/backend/bin/appBuild.js'));
  if (appBuild.ensureAppBuilt() !== 0) {
    throw new Error('the app build failed');
  }
  await compareBoots(bootSides, 'from source');
}

// ---------------------------------------------------------------------------
// 3b. The same comparison from the production build.

// Where the production folder holds the compiled baseline during the run.
const PROD_BASELINE_DIR = 'bench-baseline';

/**
 * The production folder: the one `--prod-dir` names (built beforehand with
 * scripts/build-production.mjs), or a fresh build in a temporary folder.
 */
async function productionDir() {
  if (prodDirArg) {
    if (!fs.existsSync(path.join(prodDirArg, 'packages/backend/dist'))) {
      throw new Error(
        `--prod-dir ${prodDirArg} holds no production build (packages/backend/dist): build one with node scripts/build-production.mjs ${prodDirArg}`,
      );
    }
    return { dir: prodDirArg, remove: () => {} };
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-bench-prod-'));
  const dir = path.join(work, 'app');
  const remove = () => fs.rmSync(work, { recursive: true, force: true });
  process.stdout.write(`  building the production folder in ${dir}\n`);
  const built = await runToExit(
    process.execPath,
    ['scripts/build-production.mjs', dir],
    { env: cleanEnv() },
  );
  if (built.code !== 0) {
    remove();
    throw new Error(
      `scripts/build-production.mjs failed (exit ${built.code}):\n${(
        built.stderr || built.stdout
      ).slice(-3000)}`,
    );
  }
  notes.push(
    `Production folder built by scripts/build-production.mjs in ${(
      built.ms / 1000
    ).toFixed(0)} s (build, production install, unpack).`,
  );
  return { dir, remove };
}

/**
 * The baseline compiled as the production build compiles our backend (SWC,
 * TypeScript to CommonJS, import() left to Node), beside the production
 * folder's node_modules so it loads the very same installed packages.
 */
function compileBaseline(prodDir) {
  const swc = createRequire(nodeTransform)('@swc/core');
  const outDir = path.join(prodDir, PROD_BASELINE_DIR);
  fs.mkdirSync(outDir, { recursive: true });
  for (const file of ['index.ts', 'githubOrgModule.ts']) {
    const source = path.join(root, 'bench/baseline', file);
    const { code } = swc.transformSync(fs.readFileSync(source, 'utf8'), {
      filename: source,
      module: { type: 'commonjs', ignoreDynamic: true },
      jsc: { target: 'es2023', parser: { syntax: 'typescript' } },
    });
    fs.writeFileSync(path.join(outDir, file.replace(/\.ts$/, '.js')), code);
  }
  for (const file of ['app-config.yaml', 'no-sync.yaml']) {
    fs.copyFileSync(
      path.join(root, 'bench/baseline', file),
      path.join(outDir, file),
    );
  }
  return () => fs.rmSync(outDir, { recursive: true, force: true });
}

/** Both sides started from the production folder, as docs/production.md starts it. */
function productionBootSides(prodDir) {
  const prodNoSync = ['--config', `${PROD_BASELINE_DIR}/no-sync.yaml`];
  return {
    presets: {
      name: 'presets-production',
      label:
        'VEECODE_PRESETS=recommended,github,github-auth (node packages/backend)',
      command: () => [
        'packages/backend',
        '--config',
        'app-config.yaml',
        ...prodNoSync,
      ],
      cwd: prodDir,
      env: bootSides.presets.env,
    },
    baseline: {
      name: 'baseline-production',
      label: 'the same hand-written backend, compiled (bench/baseline)',
      command: () => [
        `${PROD_BASELINE_DIR}/index.js`,
        '--config',
        `${PROD_BASELINE_DIR}/app-config.yaml`,
        ...prodNoSync,
      ],
      cwd: prodDir,
      env: {},
    },
  };
}

/** The production build's boot median of this run, beside the image's (`image`). */
let productionBootMs;

async function bootToReadinessProduction() {
  log('boot to readiness from the production build: presets vs by hand');
  const prod = await productionDir();
  const removeBaseline = compileBaseline(prod.dir);
  try {
    productionBootMs = (
      await compareBoots(
        productionBootSides(prod.dir),
        'from the production build',
      )
    ).presets;
  } finally {
    removeBaseline();
    prod.remove();
  }
}

// ---------------------------------------------------------------------------
// 4 and 5. LDAP: org sync of a large directory, sign-in latency.

async function withSlapd(size, fn) {
  const { startSlapd } = harness('daemons/slapd');
  const rootPassword = 'bench-admin-not-a-secret';
  const slapd = await startSlapd({
    suffix: SUFFIX,
    rootDn: `cn=admin,${SUFFIX}`,
    rootPassword,
    seedLdif: generateLdif(size),
  });
  try {
    return await fn({
      LDAP_URL: slapd.url,
      LDAP_DN: `cn=admin,${SUFFIX}`,
      LDAP_SECRET: rootPassword,
      LDAP_USERS_BASE_DN: PEOPLE,
      LDAP_GROUPS_BASE_DN: GROUPS,
    });
  } finally {
    await slapd.remove();
  }
}

async function syncOnce(mode, ldapEnv) {
  const result = await runToExit(
    process.execPath,
    ['-r', nodeTransform, 'bench/ldap/sync.ts', mode],
    { env: cleanEnv(ldapEnv) },
  );
  if (result.code !== 0) {
    throw new Error(`bench/ldap/sync.ts ${mode} failed:\n${result.stderr}`);
  }
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

async function ldapSync() {
  const size = quick
    ? { users: 1000, groups: 100 }
    : { users: 10000, groups: 1000 };
  log(`LDAP org sync of ${size.users} users and ${size.groups} groups`);
  const runs = quick ? 1 : 3;
  await withSlapd(size, async ldapEnv => {
    const results = { presets: [], upstream: [] };
    await syncOnce('upstream', ldapEnv); // warm slapd's caches
    for (let i = 0; i < runs; i++) {
      for (const mode of i % 2
        ? ['upstream', 'presets']
        : ['presets', 'upstream']) {
        const r = await syncOnce(mode, ldapEnv);
        if (r.users !== size.users || r.groups !== size.groups) {
          throw new Error(
            `${mode} sync applied ${r.users} users and ${r.groups} groups, expected ${size.users} and ${size.groups}`,
          );
        }
        results[mode].push(r);
      }
    }
    const med = (list, key) => median(list.map(r => r[key]));
    const ours = med(results.presets, 'ms');
    const base = med(results.upstream, 'ms');
    report({
      figure: `LDAP org sync, ${size.users} users / ${size.groups} groups from slapd (median of ${runs}, each in its own process)`,
      ours: `ldap preset's guarded provider: ${ms(ours)}`,
      baseline: `upstream LdapOrgEntityProvider by hand: ${ms(base)}`,
      ratio: ratio(ours, base),
      goal: '≤ 1.1',
      verdict: verdict(ours / base <= 1.1),
    });
    const mib = v => `${v.toFixed(0)} MiB`;
    report({
      figure:
        'LDAP org sync, peak memory (heap growth during the sync; peak RSS of the process)',
      ours: `${mib(med(results.presets, 'heapPeakMiB'))}; RSS ${mib(
        med(results.presets, 'maxRssMiB'),
      )}`,
      baseline: `${mib(med(results.upstream, 'heapPeakMiB'))}; RSS ${mib(
        med(results.upstream, 'maxRssMiB'),
      )}`,
      ratio: ratio(
        med(results.presets, 'heapPeakMiB'),
        med(results.upstream, 'heapPeakMiB'),
      ),
      goal: 'reported',
      verdict: '-',
    });
  });
}

const SIGN_IN_USERS = 40;
const CONCURRENCY = 20;

/** One request that signs someone in; resolves with its latency in ms. */
async function timedSignIn(url, init, who) {
  const started = process.hrtime.bigint();
  const res = await fetch(url, {
    ...init,
    headers: {
      ...init.headers,
      // Backstage's CSRF guard on refresh routes.
      'X-Requested-With': 'XMLHttpRequest',
    },
  });
  const body = await res.text();
  if (res.status !== 200) {
    throw new Error(
      `sign-in of ${who} answered HTTP ${res.status}: ${body.slice(0, 300)}`,
    );
  }
  return { ms: msSince(started), body };
}

/** An LDAP sign-in with username and password: the ldap preset's route. */
async function ldapSignIn(baseUrl, uid) {
  const { ms: took } = await timedSignIn(
    `${baseUrl}/api/auth/ldap/refresh?env=production`,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: uid, password: passwordOf(uid) }),
    },
    uid,
  );
  return took;
}

async function retryUnavailable(fn, attempts = 30) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts || !/HTTP 503/.test(String(error?.message))) {
        throw error;
      }
      await new Promise(r => setTimeout(r, 1000));
    }
  }
}

async function catalogUsers(baseUrl, token) {
  const res = await fetch(
    `${baseUrl}/api/catalog/entities/by-query?filter=kind=user&limit=1`,
    { headers: { Authorization: `Bearer ${token}` } },
  );
  if (res.status !== 200) return 0;
  return (await res.json()).totalItems ?? 0;
}

/**
 * The shape every sign-in figure shares: a warm-up sign-in of each person,
 * the same sign-in one at a time, then rounds of CONCURRENCY at once. Also
 * the backend's CPU time per concurrent sign-in: with one JavaScript thread,
 * the last of CONCURRENCY simultaneous sign-ins waits for about
 * CONCURRENCY times that.
 */
async function measureSignIns(signInAs, uids, pid) {
  for (const uid of uids) {
    // A backend that has just become ready may still answer 503 for a
    // moment (seen on PostgreSQL under load).
    await retryUnavailable(() => signInAs(uid));
  }
  const sequential = [];
  for (const uid of uids.slice(0, CONCURRENCY)) {
    sequential.push(await signInAs(uid));
  }
  const latencies = [];
  const rounds = quick ? 2 : 10;
  const cpuBefore = cpuMsOf(pid);
  for (let round = 0; round < rounds; round++) {
    const batch = uids.slice(
      (round % 2) * CONCURRENCY,
      (round % 2) * CONCURRENCY + CONCURRENCY,
    );
    latencies.push(...(await Promise.all(batch.map(u => signInAs(u)))));
  }
  const cpuAfter = cpuMsOf(pid);
  return {
    count: latencies.length,
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    sequentialP50: quantile(sequential, 0.5),
    cpuPerSignIn:
      cpuBefore === undefined || cpuAfter === undefined
        ? undefined
        : (cpuAfter - cpuBefore) / latencies.length,
  };
}

/** Starts a backend process, waits for readiness, runs `fn`, stops it. */
async function withBackend(side, fn) {
  const handle = await startBackend(
    process.execPath,
    [...cpuProfileArgs(side), ...side.command],
    { env: side.env },
  );
  try {
    await waitFor200(handle.readinessUrl, process.hrtime.bigint(), handle);
    return await fn(handle.baseUrl, handle.child.pid);
  } finally {
    await handle.stop();
  }
}

/**
 * The floor of any Backstage sign-in on this machine: upstream's guest
 * provider signing in a catalog User (catalog lookup and token, the part of
 * an LDAP sign-in that is Backstage's own), on bench/baseline/signIn.ts.
 */
async function signInFloor() {
  const side = {
    name: 'sign-in-floor',
    command: [
      '-r',
      nodeTransform,
      'bench/baseline/signIn.ts',
      '--config',
      'bench/baseline/sign-in.yaml',
    ],
    env: {},
  };
  return withBackend(side, async (baseUrl, pid) => {
    const guestSignIn = async () => {
      const { ms: took, body } = await timedSignIn(
        `${baseUrl}/api/auth/guest/refresh?env=production`,
        {},
        'the guest',
      );
      return { took, body };
    };
    // Until the catalog holds the User, the guest provider signs in
    // without it: wait for the group in the token's ownership.
    const deadline = Date.now() + 120_000;
    while (
      !JSON.parse(
        (await retryUnavailable(guestSignIn)).body,
      ).backstageIdentity?.identity?.ownershipEntityRefs?.includes(
        'group:default/bench-team',
      )
    ) {
      if (Date.now() > deadline) {
        throw new Error('the sign-in floor: the catalog never held the user');
      }
      await new Promise(r => setTimeout(r, 500));
    }
    const uids = Array.from({ length: SIGN_IN_USERS }, (_, i) => uidOf(i));
    return measureSignIns(async () => (await guestSignIn()).took, uids, pid);
  });
}

async function ldapSignInFigures(database, ldapEnv) {
  const { E2E_TOKEN, externalAccessEnv } = harness('backend/catalogClient');
  const side = {
    name: `sign-in-${database.presets.replace(/,/g, '-')}`,
    command: ['packages/backend/bin/start.js'],
    env: {
      VEECODE_PRESETS: database.presets,
      ...ldapEnv,
      ...database.env,
      ...externalAccessEnv(),
    },
  };
  return withBackend(side, async (baseUrl, pid) => {
    // The resolver signs in catalog Users only: wait for the first sync.
    const deadline = Date.now() + 180_000;
    while ((await catalogUsers(baseUrl, E2E_TOKEN)) < SIGN_IN_USERS) {
      if (Date.now() > deadline) {
        throw new Error(`the catalog never held the ${SIGN_IN_USERS} users`);
      }
      await new Promise(r => setTimeout(r, 500));
    }
    const uids = Array.from({ length: SIGN_IN_USERS }, (_, i) => uidOf(i));
    return measureSignIns(uid => ldapSignIn(baseUrl, uid), uids, pid);
  });
}

const cpuNote = figures =>
  figures.cpuPerSignIn === undefined
    ? ''
    : `, ${ms(figures.cpuPerSignIn)} of backend CPU per sign-in`;

function reportSignIn(name, ours, floor) {
  report({
    figure: `LDAP sign-in, ${CONCURRENCY} concurrent on loopback, ${name} (${ours.count} sign-ins)`,
    ours: `p50 ${ms(ours.p50)}, p95 ${ms(ours.p95)}`,
    baseline: floor
      ? `upstream guest sign-in (catalog User + token, no directory), SQLite: p50 ${ms(
          floor.p50,
        )}, p95 ${ms(floor.p95)}`
      : `one at a time: p50 ${ms(ours.sequentialP50)}`,
    ratio: floor
      ? ratio(ours.p95, floor.p95)
      : ratio(ours.p50, ours.sequentialP50),
    goal: 'p95 ≤ 100 ms',
    verdict: verdict(ours.p95 <= 100),
  });
  notes.push(
    `LDAP sign-in on ${name}: one at a time p50 ${ms(
      ours.sequentialP50,
    )}${cpuNote(ours)}.`,
  );
}

async function signIn() {
  log(`LDAP sign-in latency, ${CONCURRENCY} concurrent`);
  const floor = await signInFloor();
  notes.push(
    `Sign-in floor (bench/baseline/signIn.ts, upstream's guest provider signing in a catalog User, SQLite in memory): ${CONCURRENCY} concurrent p50 ${ms(
      floor.p50,
    )}, p95 ${ms(floor.p95)}; one at a time p50 ${ms(
      floor.sequentialP50,
    )}${cpuNote(floor)}.`,
  );
  await withSlapd({ users: SIGN_IN_USERS, groups: 4 }, async ldapEnv => {
    reportSignIn(
      'SQLite in memory',
      await ldapSignInFigures({ presets: 'ldap', env: {} }, ldapEnv),
      floor,
    );
    const { startPostgres } = harness('daemons/postgres');
    const pg = await startPostgres();
    try {
      reportSignIn(
        'PostgreSQL 15',
        await ldapSignInFigures(
          { presets: 'ldap,postgres', env: pg.presetEnv() },
          ldapEnv,
        ),
      );
    } finally {
      await pg.remove();
    }
  });
}

// ---------------------------------------------------------------------------

function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
  };
}

const RESULTS_TITLE = '# Benchmark results';
const RESULTS_INTRO =
  'Written by `yarn bench` (bench/run.mjs). Each section is one run: a full run rewrites the file, an `--only` run adds its own section and leaves the figures it did not measure under the run that measured them.';

/** One run's section: heading, machine, table, notes. */
function runSection(m, started, failures) {
  const table = [
    '| figure | ours | baseline | ratio | goal | |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      r =>
        `| ${r.figure} | ${r.ours} | ${r.baseline} | ${r.ratio} | ${r.goal} | ${r.verdict} |`,
    ),
  ];
  return [
    `## ${runName}, ${started.toISOString()}`,
    '',
    `Took ${(msSince(startedAt) / 1000).toFixed(0)} s.`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memory} memory, Node ${m.node}, ${
      m.os
    }. Load average (1 min) ${loadAtStart} at the start, ${os
      .loadavg()[0]
      .toFixed(
        1,
      )} at the end: figures are medians of alternated runs so both sides of a ratio see the same load, but absolute times on a loaded machine are long.`,
    '',
    ...table,
    '',
    ...notes.map(n => `- ${n}`),
    ...failures.map(f => `- Not measured: ${f}`),
    '',
  ].join('\n');
}

/** The earlier runs' sections of the results file, but one with our name. */
function earlierSections() {
  if (!only || !fs.existsSync(out)) return [];
  const text = fs.readFileSync(out, 'utf8');
  return text
    .split(/^(?=## )/m)
    .filter(section => section.startsWith('## '))
    .filter(section => !section.startsWith(`## ${runName}, `))
    .map(section => section.trimEnd());
}

function writeResults(m, started, failures) {
  const text = [
    RESULTS_TITLE,
    '',
    RESULTS_INTRO,
    '',
    ...earlierSections().flatMap(section => [section, '']),
    runSection(m, started, failures),
  ].join('\n');
  fs.writeFileSync(out, text);
}

/** The run's name in the results file: how it was started, --out aside. */
const runArgs = args.filter((a, i) => a !== '--out' && args[i - 1] !== '--out');
const runName = `\`yarn bench${
  runArgs.length ? ` ${runArgs.join(' ')}` : ''
}\``;

const startedAt = process.hrtime.bigint();
const loadAtStart = os.loadavg()[0].toFixed(1);
const started = new Date();
const m = machine();
process.stdout.write(
  `DevPortal presets benchmarks: ${m.cpu}, ${m.cores} cores, ${m.memory}, Node ${m.node}\n`,
);
const benchmarks = [
  ['refused', refusedBoot],
  ['resolve', resolveInProcess],
  ['boot', bootToReadiness],
  ['boot-prod', bootToReadinessProduction],
  [
    'image',
    () =>
      imageBench({
        report,
        notes,
        log,
        quick,
        harness,
        productionBootMs,
        bootEnv: async () => ({
          ...(await githubEnv()),
          ...bootSides.presets.env,
        }),
      }),
  ],
  ['ldap-sync', ldapSync],
  ['sign-in', signIn],
  ['app', () => appBench({ report, notes, log, quick })],
  // Last: it clones, installs and builds everything once more (minutes).
  ['fresh-start', () => freshStartBench({ report, notes, log })],
];
const failures = [];
for (const [name, fn] of benchmarks) {
  if (!wanted(name)) continue;
  try {
    await fn();
  } catch (error) {
    // One broken benchmark must not hide the others' figures.
    const first = String(error?.message ?? error).split('\n')[0];
    failures.push(`${name}: ${first}`);
    process.stderr.write(`${name} failed: ${error?.message ?? error}\n`);
  }
}
console.table(
  rows.map(r => ({
    figure: r.figure,
    ours: r.ours,
    baseline: r.baseline,
    ratio: r.ratio,
    goal: r.goal,
    '': r.verdict,
  })),
);
writeResults(m, started, failures);
process.stdout.write(`\nwrote ${path.relative(root, out)}\n`);
process.exit(failures.length > 0 ? 1 : 0);
