/*
 * In-process: resolving the shipped catalog (read, parse, validate, select,
 * check variables) against reading and parsing the same files alone with
 * the fast parser. Prints one JSON line for bench/run.mjs.
 *
 *   node -r @backstage/cli-node/config/nodeTransform.cjs bench/resolve.ts [runs]
 */
import fs from 'fs';
import { resolve } from 'path';
import { CORE_SCHEMA, load } from 'js-yaml';
import { parseDocument } from 'yaml';
import { resolvePresets } from '@devportal/plugin-presets-common';

const root = resolve(__dirname, '..');
const presetsDir = resolve(root, 'presets');
const runs = Number(process.argv[2] ?? 200);

const env = {
  VEECODE_PRESETS: 'recommended,github,github-auth',
  GITHUB_PAT: 'bench-not-a-token',
  GITHUB_ORG: 'acme',
  GITHUB_AUTH_CLIENT_ID: 'bench-client',
  GITHUB_AUTH_CLIENT_SECRET: 'bench-not-a-secret',
};

function presetFiles(): string[] {
  return fs
    .readdirSync(presetsDir)
    .filter(name => /\.ya?ml$/.test(name))
    .map(name => resolve(presetsDir, name));
}

/** Times `fn` `runs` times after a warm-up; milliseconds of each run. */
function time(fn: () => void): number[] {
  for (let i = 0; i < 20; i++) fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    fn();
    out.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return out;
}

const files = presetFiles();
const check = resolvePresets({ env, rootDir: root });
if (check.problems.length > 0) {
  throw new Error(
    `the benchmark selection is refused: ${check.problems
      .map(p => p.message)
      .join('; ')}`,
  );
}

const result = {
  files: files.length,
  resolve: time(() => resolvePresets({ env, rootDir: root })),
  parseFast: time(() => {
    for (const file of files)
      load(fs.readFileSync(file, 'utf8'), { schema: CORE_SCHEMA });
  }),
  // For reference: the position-keeping parse every boot used to pay for.
  parseWithPositions: time(() => {
    for (const file of files) parseDocument(fs.readFileSync(file, 'utf8'));
  }),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
