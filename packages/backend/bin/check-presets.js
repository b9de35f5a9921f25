#!/usr/bin/env node
/*
 * The preset boot gate alone: exits 78 with every problem listed, or 0.
 * `yarn dev` runs it first because the watcher of `backstage-cli repo
 * start` keeps waiting for file changes when the backend exits.
 */
require('@backstage/cli-node/config/nodeTransform.cjs');
const { runBootGate } = require('@devportal/plugin-presets-common');

runBootGate();
