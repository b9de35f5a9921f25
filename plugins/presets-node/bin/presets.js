#!/usr/bin/env node
/*
 * `presets <command>`: answers what a preset selection needs and whether it
 * boots, without starting the backend. Runs from TypeScript source the way
 * the backend does (packages/backend/bin/start.js), so both use the same
 * library code. The library returns an exit code; only this file ends the
 * process.
 */
require('@backstage/cli-node/config/nodeTransform.cjs');
const { runPresetsCli } = require('../src/cli/runPresetsCli.ts');

runPresetsCli(process.argv.slice(2)).then(code => {
  process.exitCode = code;
});
