#!/usr/bin/env node
/*
 * Runs the backend from source without a watcher. The preset boot gate runs
 * first, under a light CommonJS transform, and ends a refused boot with exit
 * code 78 and every problem listed before anything heavy is loaded. Then the
 * app (packages/app/dist) is built if it is missing or out of date, then
 * the TypeScript transform Backstage's own `package start` uses, and
 * src/index.ts, whose own call of the gate gets the resolution kept from
 * this one, and starts the backend. Exit codes pass straight through.
 */
const removeGateTransform = require('./gateTransform')();
const { runBootGate } = require('@devportal/plugin-presets-common');
const { ensureAppBuilt } = require('./appBuild');

runBootGate();
removeGateTransform();

// The frontend this backend serves: built now when missing or out of date,
// once the selection is accepted (a refused boot never waits for a build).
const appBuildCode = ensureAppBuilt();
if (appBuildCode !== 0) {
  process.exit(appBuildCode);
}

require('@backstage/cli-node/config/nodeTransform.cjs');
require('../src/index.ts');
