/*
 * `yarn bench --only app`: what the portal's frontend costs.
 *
 * - the app build from scratch (`backstage-cli package build` of
 *   packages/app), in a staging copy of the sources so the working tree's
 *   packages/app/dist, which running backends serve, is left alone;
 * - the gzip size of the JavaScript the browser loads first (the scripts
 *   index.html names), against the same app built without our frontend
 *   package (@devportal/plugin-presets): goal within 10%;
 * - the time from navigation to a usable sign-in in Chromium, against the
 *   backend serving the working tree's app: the guest card's Enter button
 *   (no identity preset) and the LDAP form's Username field (ldap preset).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { stageSources } from '../scripts/build-production.mjs';
import {
  cleanEnv,
  median,
  ms,
  msSince,
  root,
  runToExit,
  startBackend,
  waitFor200,
} from './lib.mjs';

const OUR_FRONTEND_PACKAGE = '@devportal/plugin-presets';
const backstageCli = path.join(
  root,
  'node_modules/@backstage/cli/bin/backstage-cli',
);

/** Builds packages/app of a staged tree; resolves with the wall time. */
async function buildStagedApp(staging) {
  const result = await runToExit(
    process.execPath,
    [backstageCli, 'package', 'build'],
    { cwd: path.join(staging, 'packages/app'), env: cleanEnv() },
  );
  if (result.code !== 0) {
    throw new Error(
      `the app build failed (exit ${result.code}):\n${(
        result.stderr || result.stdout
      ).slice(-3000)}`,
    );
  }
  return result.ms;
}

/** Gzip sizes of the scripts index.html loads, and of every script of the build. */
function bundleSizes(distDir) {
  const html = fs.readFileSync(path.join(distDir, 'index.html'), 'utf8');
  const initial = [...html.matchAll(/<script[^>]+src="([^"]+\.js)"/g)].map(
    ([, src]) => src.replace(/^.*?\/static\//, 'static/'),
  );
  const gzip = file =>
    zlib.gzipSync(fs.readFileSync(path.join(distDir, file)), { level: 9 })
      .length;
  const all = fs
    .readdirSync(path.join(distDir, 'static'))
    .filter(name => name.endsWith('.js'))
    .map(name => `static/${name}`);
  const sum = files => files.reduce((total, f) => total + gzip(f), 0);
  return { initial: sum(initial), initialFiles: initial.length, all: sum(all) };
}

/**
 * The app without our frontend package: its dependency and the import in
 * App.tsx removed, so neither discovery (`app.packages: all`) nor the code
 * brings it in.
 */
function removeOurFrontendPackage(staging) {
  const manifestPath = path.join(staging, 'packages/app/package.json');
  const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  delete manifest.dependencies[OUR_FRONTEND_PACKAGE];
  fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  const appPath = path.join(staging, 'packages/app/src/App.tsx');
  let app = fs.readFileSync(appPath, 'utf8');
  const imported = [];
  app = app.replace(
    /^import\s+(?:\{([^}]*)\}|(\w+))\s+from\s+'@devportal\/plugin-presets[^']*';\n/gm,
    (_, names, name) => {
      imported.push(
        ...(names ?? name)
          .split(',')
          .map(n =>
            n
              .trim()
              .split(/\s+as\s+/)
              .pop(),
          )
          .filter(Boolean),
      );
      return '';
    },
  );
  for (const name of imported) {
    app = app.replace(new RegExp(`\\b${name}\\b,?\\s*`, 'g'), '');
  }
  fs.writeFileSync(appPath, app);
}

const kib = bytes => `${(bytes / 1024).toFixed(1)} KiB`;

async function buildFigures({ report, notes }) {
  const staging = fs.mkdtempSync(
    path.join(os.tmpdir(), 'devportal-bench-app-'),
  );
  try {
    stageSources(staging);
    const buildMs = await buildStagedApp(staging);
    const ours = bundleSizes(path.join(staging, 'packages/app/dist'));
    removeOurFrontendPackage(staging);
    await buildStagedApp(staging);
    const without = bundleSizes(path.join(staging, 'packages/app/dist'));
    report({
      figure: `app build from scratch (backstage-cli package build of packages/app)`,
      ours: ms(buildMs),
      baseline: '-',
      ratio: '-',
      goal: 'reported',
      verdict: '-',
    });
    const r = ours.initial / without.initial;
    report({
      figure: `app bundle, gzip of the scripts index.html loads (${ours.initialFiles} files)`,
      ours: kib(ours.initial),
      baseline: `the same app without ${OUR_FRONTEND_PACKAGE}: ${kib(
        without.initial,
      )}`,
      ratio: r.toFixed(2),
      goal: '≤ 1.1',
      verdict: r <= 1.1 ? 'met' : 'MISSED',
    });
    notes.push(
      `App bundle, every script gzipped (lazy chunks included): ${kib(
        ours.all,
      )}; without ${OUR_FRONTEND_PACKAGE}: ${kib(without.all)}.`,
    );
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * The sign-ins the figure times: the guest card (no identity preset) and
 * the LDAP form (the ldap preset; dummy directory settings, since the form
 * renders without asking the directory anything).
 */
const SIGN_INS = [
  {
    label: 'a usable sign-in (the guest Enter button), no identity preset',
    env: {},
    async usable(page, timeout) {
      await page
        .getByRole('button', { name: 'Enter' })
        .waitFor({ state: 'visible', timeout });
    },
  },
  {
    label:
      'a usable sign-in form (the Username field visible and enabled), VEECODE_PRESETS=ldap with an unreachable directory',
    env: {
      VEECODE_PRESETS: 'ldap',
      LDAP_URL: 'ldap://127.0.0.1:1',
      LDAP_DN: 'cn=admin,dc=bench,dc=test',
      LDAP_SECRET: 'bench-not-a-secret',
      LDAP_USERS_BASE_DN: 'ou=people,dc=bench,dc=test',
      LDAP_GROUPS_BASE_DN: 'ou=groups,dc=bench,dc=test',
    },
    async usable(page, timeout) {
      const username = page.getByLabel('Username');
      await username.waitFor({ state: 'visible', timeout });
      // Visible is not yet usable: the person must be able to type.
      const deadline = Date.now() + timeout;
      while (!(await username.isEnabled())) {
        if (Date.now() > deadline) {
          throw new Error('the Username field never became enabled');
        }
        await new Promise(r => setTimeout(r, 5));
      }
    },
  },
];

/** Time from navigation to a usable sign-in, median of `runs` fresh pages. */
async function signInFormFigure({ report, runs, signIn }) {
  // The working tree's app, as `npm start` would serve it.
  const appBuild = createRequire(import.meta.url)(
    path.join(root, 'packages/backend/bin/appBuild.js'),
  );
  if (appBuild.ensureAppBuilt() !== 0) {
    throw new Error('the app build failed');
  }
  const { chromium } = createRequire(
    path.join(root, 'packages/test-utils/package.json'),
  )('playwright-core');
  const handle = await startBackend(
    process.execPath,
    ['packages/backend/bin/start.js'],
    { env: signIn.env },
  );
  const { baseUrl } = handle;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    await waitFor200(handle.readinessUrl, process.hrtime.bigint(), handle);
    const times = [];
    // The first page warms the backend's static file cache; not counted.
    for (let i = 0; i <= runs; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const started = process.hrtime.bigint();
      await page.goto(`${baseUrl}/`);
      await signIn.usable(page, 60_000);
      if (i > 0) times.push(msSince(started));
      await context.close();
    }
    report({
      figure: `navigation to ${signIn.label}, in Chromium, fresh browser context, loopback (median of ${runs})`,
      ours: ms(median(times)),
      baseline: '-',
      ratio: '-',
      goal: 'reported',
      verdict: '-',
    });
  } finally {
    await browser.close();
    await handle.stop();
  }
}

/** Navigation to a usable sign-in, guest card and LDAP form, each on its own backend. */
export async function signInFigures({ report, quick }) {
  for (const signIn of SIGN_INS) {
    await signInFormFigure({ report, runs: quick ? 3 : 10, signIn });
  }
}

/** The app's figures: build time, bundle size against the app without our package, sign-in readiness (guest and LDAP form). */
export async function appBench({ report, notes, log, quick }) {
  log(
    'the app: build time, bundle size without our frontend package, sign-in readiness',
  );
  await buildFigures({ report, notes });
  await signInFigures({ report, quick });
}
