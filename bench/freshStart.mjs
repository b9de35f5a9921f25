/*
 * `yarn bench --only fresh-start`: what a new user waits for.
 *
 * A clean `git clone` of this repository into a temporary folder (committed
 * files only: no node_modules, no packages/app/dist), then `npm start` there
 * until the portal answers: its index.html at the backend's URL and the
 * readiness endpoint, both 200. That is the install (Yarn, from its global
 * cache when warm: the output says whether anything came from the
 * registry), the native build, the app build and the backend's boot, against
 * the issue's goal of 4 minutes on the 2-core machine. Then a second
 * `npm start` in the same clone: it must say the app is up to date and not
 * rebuild it, and its time to ready is what every later start costs.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  cleanEnv,
  ms,
  msSince,
  root,
  runToExit,
  startBackend,
  waitFor200,
} from './lib.mjs';

/** The issue's goal for the first start of a fresh machine. */
const FIRST_START_GOAL_MS = 4 * 60_000;
/** How long a first start may take before the figure gives up. */
const FIRST_START_TIMEOUT_MS = 15 * 60_000;
/** What bin/appBuild.js logs when it reuses the build. */
const UP_TO_DATE = 'up to date; not rebuilding';

const seconds = value => `${(value / 1000).toFixed(0)} s`;

/**
 * `npm start` in `dir` on a free port until index.html and readiness both
 * answer 200; resolves with the wall time and the process's output, the
 * process stopped (its whole process group: npm, scripts/portal.mjs and the
 * backend).
 */
async function npmStartUntilServed(dir, timeoutMs) {
  const handle = await startBackend('npm', ['start'], { cwd: dir });
  const { baseUrl, started } = handle;
  // When each phase began, from the lines scripts/portal.mjs and
  // bin/appBuild.js log ("[portal] ..."), in ms since the start.
  const phases = {};
  const markers = {
    install: /installing dependencies/,
    appBuild: /building the app into/,
    appBuilt: /app built in/,
  };
  const watch = chunk => {
    for (const [name, marker] of Object.entries(markers)) {
      if (phases[name] === undefined && marker.test(String(chunk))) {
        phases[name] = msSince(started);
      }
    }
  };
  handle.child.stdout.on('data', watch);
  handle.child.stderr.on('data', watch);
  try {
    await waitFor200(handle.readinessUrl, started, handle, timeoutMs);
    const wall = await waitFor200(`${baseUrl}/`, started, handle, timeoutMs);
    const index = await (await fetch(`${baseUrl}/`)).text();
    if (!/<div id="root">/.test(index)) {
      throw new Error(
        `${baseUrl}/ answered 200 without the app's index.html:\n${index.slice(
          0,
          300,
        )}`,
      );
    }
    if (process.env.BENCH_FRESH_LOG) {
      fs.appendFileSync(process.env.BENCH_FRESH_LOG, handle.output());
    }
    return { wall, phases, output: handle.output() };
  } finally {
    await handle.stop();
  }
}

/**
 * How many packages Yarn's fetch step did not find in its cache and fetched
 * from the registry: its YN0013 line ("N packages were added to the
 * project"), which it prints only when there were cache misses or cache
 * cleanups; no line, or "No new packages", is a warm cache.
 */
function yarnCacheMisses(output) {
  const line = output.split('\n').find(l => /YN0013/.test(l));
  if (!line || /No new packages/.test(line)) return { misses: 0, line };
  if (/A package was added/.test(line)) return { misses: 1, line };
  const added = /([\d,]+) packages were added/.exec(line);
  return {
    misses: added ? Number(added[1].replace(/,/g, '')) : undefined,
    line: line.replace(/^.*YN0013:\s*[│|]?\s*/, '').trim(),
  };
}

/** Yarn's own summary of the install ("Done in ..."), if it printed one. */
function yarnDone(output) {
  const line = output.split('\n').find(l => /YN0000: . Done/.test(l));
  return line?.replace(/^.*YN0000:\s*.\s*/, '').trim();
}

/** The fresh-start figures. */
export async function freshStartBench({ report, notes, log }) {
  log(
    'a fresh machine: git clone, then npm start (install, app build, boot); then a second npm start',
  );
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-bench-fresh-'));
  const clone = path.join(work, 'portal');
  try {
    const cloned = await runToExit(
      'git',
      ['clone', '--quiet', '--no-hardlinks', root, clone],
      { cwd: work, env: cleanEnv() },
    );
    if (cloned.code !== 0) {
      throw new Error(`git clone failed:\n${cloned.stderr}`);
    }
    const commit = (
      await runToExit('git', ['rev-parse', '--short', 'HEAD'], {
        cwd: clone,
        env: cleanEnv(),
      })
    ).stdout.trim();
    const globalCache = path.join(os.homedir(), '.yarn/berry/cache');
    const cachedBefore = fs.existsSync(globalCache)
      ? fs.readdirSync(globalCache).filter(n => n.endsWith('.zip')).length
      : 0;

    const prebuilds = path.join(os.homedir(), '.npm/_prebuilds');
    const prebuiltBefore =
      fs.existsSync(prebuilds) &&
      fs.readdirSync(prebuilds).some(n => n.includes('better-sqlite3'));

    process.stdout.write(`  first npm start in ${clone}\n`);
    const first = await npmStartUntilServed(clone, FIRST_START_TIMEOUT_MS);
    if (first.phases.install === undefined) {
      throw new Error(
        'the first npm start of a fresh clone did not install dependencies',
      );
    }
    if (first.phases.appBuilt === undefined) {
      throw new Error('the first npm start of a fresh clone built no app');
    }
    const { misses, line: missLine } = yarnCacheMisses(first.output);
    // better-sqlite3's install script takes a prebuilt binary
    // (prebuild-install: from its cache when there, else downloaded) or,
    // failing that, compiles it (node-gyp, which leaves a Makefile).
    const sqliteBuild = path.join(clone, 'node_modules/better-sqlite3/build');
    let nativeBuild = 'better-sqlite3 compiled from source by node-gyp';
    if (!fs.existsSync(path.join(sqliteBuild, 'Makefile'))) {
      nativeBuild = prebuiltBefore
        ? "better-sqlite3 a prebuilt binary from prebuild-install's cache (~/.npm/_prebuilds)"
        : 'better-sqlite3 a prebuilt binary downloaded by prebuild-install';
    }
    const cache =
      misses === 0
        ? `Yarn's global cache warm: ${cachedBefore} archives in ~/.yarn/berry/cache, no package fetched from the registry`
        : `Yarn's cache not warm: ${missLine}`;
    report({
      figure: `fresh start: git clone, then npm start until index.html and readiness answer 200 (install, native build, app build, boot; ${cache})`,
      ours: seconds(first.wall),
      baseline: '-',
      ratio: '-',
      goal: '≤ 240 s',
      verdict: first.wall <= FIRST_START_GOAL_MS ? 'met' : 'MISSED',
    });

    process.stdout.write('  second npm start in the same clone\n');
    const second = await npmStartUntilServed(clone, 5 * 60_000);
    const reused = second.output.includes(UP_TO_DATE);
    const reinstalled = second.phases.install !== undefined;
    report({
      figure: `later start: npm start again in the same clone until index.html and readiness answer 200 (says "${UP_TO_DATE}"${
        reinstalled ? '; but it reinstalled dependencies' : ''
      })`,
      ours: ms(second.wall),
      baseline: '-',
      ratio: '-',
      goal: 'no app build',
      verdict: reused && !reinstalled ? 'met' : 'MISSED',
    });

    // What the frontend costs a later start: the up-to-date check alone.
    const check = await runToExit(
      process.execPath,
      [
        '-e',
        `const s = process.hrtime.bigint();
         const code = require('./packages/backend/bin/appBuild.js').ensureAppBuilt();
         console.log(JSON.stringify({ code, ms: Number(process.hrtime.bigint() - s) / 1e6 }));`,
      ],
      { cwd: clone, env: cleanEnv() },
    );
    const checked = JSON.parse(check.stdout.trim().split('\n').pop());
    const { phases } = first;
    const span = (from, to) =>
      from === undefined || to === undefined ? '?' : seconds(to - from);
    notes.push(
      `Fresh start of commit ${commit} (HEAD, committed files only) in a clean clone (the clone itself ${ms(
        cloned.ms,
      )}): the first \`npm start\` served the portal after ${seconds(
        first.wall,
      )}: install ${span(phases.install, phases.appBuild)} (Yarn: ${
        yarnDone(first.output) ?? 'no summary'
      }; ${cache}; ${nativeBuild}), app build ${span(
        phases.appBuild,
        phases.appBuilt,
      )}, backend boot to index.html and readiness ${span(
        phases.appBuilt,
        first.wall,
      )}. Second \`npm start\`: ${ms(
        second.wall,
      )} to ready, no install and no build; of it, the app's up-to-date check (hashing the app's inputs, bin/appBuild.js) takes ${ms(
        checked.ms,
      )}${checked.code === 0 ? '' : ` and FAILED with exit ${checked.code}`}.`,
    );
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
