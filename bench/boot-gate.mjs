#!/usr/bin/env node
/*
 * How fast a refused boot is: runs the backend entry point with a broken
 * selection N times (default 10) and prints wall-clock figures, plus the
 * time of the resolution alone inside one process.
 *
 *   node bench/boot-gate.mjs [runs]
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.argv[2] ?? 10);
const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  VEECODE_PRESETS: 'github-auth,keycloak,ldap',
};

function stats(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = q =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return `min ${sorted[0].toFixed(0)} ms, median ${at(0.5).toFixed(
    0,
  )} ms, p95 ${at(0.95).toFixed(0)} ms`;
}

const times = [];
for (let i = 0; i < runs; i++) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['bin/start.js'], {
    cwd: path.join(root, 'packages/backend'),
    env,
    encoding: 'utf8',
  });
  times.push(Number(process.hrtime.bigint() - started) / 1e6);
  if (result.status !== 78) {
    throw new Error(
      `expected exit code 78, got ${result.status}: ${result.stderr}`,
    );
  }
}
console.log(`refused boot, whole process (${runs} runs): ${stats(times)}`);

// The resolution alone, warm, in this process.
const require = createRequire(path.join(root, 'packages/backend/package.json'));
require('@backstage/cli-node/config/nodeTransform.cjs');
const { resolvePresets } = require('@devportal/plugin-presets-node');
const inProcess = [];
for (let i = 0; i < Math.max(runs, 20); i++) {
  const started = process.hrtime.bigint();
  resolvePresets({ env, rootDir: root });
  inProcess.push(Number(process.hrtime.bigint() - started) / 1e6);
}
console.log(
  `resolvePresets over the shipped catalog (${inProcess.length} runs): ${stats(
    inProcess,
  )}`,
);
console.log(
  `heap used after resolution: ${(
    process.memoryUsage().heapUsed / 1048576
  ).toFixed(1)} MiB`,
);
