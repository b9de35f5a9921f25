#!/usr/bin/env node
/*
 * Runs the backend from source without a watcher, under the TypeScript
 * transform Backstage's own `package start` uses. The preset boot gate runs
 * first and ends a refused boot with exit code 78 and every problem listed
 * before anything heavy is loaded. Then the app (packages/app/dist) is
 * built if it is missing or out of date, and the backend starts with the
 * gate's resolution. Exit codes pass straight through.
 */
require('@backstage/cli-node/config/nodeTransform.cjs');
const { runBootGate } = require('@devportal/plugin-presets-common');
const { ensureAppBuilt } = require('./appBuild');

const resolution = runBootGate();

// The frontend this backend serves: built now when missing or out of date,
// once the selection is accepted (a refused boot never waits for a build).
const appBuildCode = ensureAppBuilt();
if (appBuildCode !== 0) {
  process.exit(appBuildCode);
}

require('../src/backend.ts').startBackend(resolution);
