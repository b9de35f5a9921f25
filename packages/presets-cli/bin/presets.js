#!/usr/bin/env node
/*
 * `presets <command>`: answers what a preset selection needs and whether it
 * boots, without starting the backend. The library returns an exit code;
 * only this file ends the process.
 *
 * In this repository the source is present and runs through the TypeScript
 * transform Backstage's own `package start` uses (as packages/backend/bin/
 * start.js does), so the command never lags behind an edit. The published
 * package carries no source, only the build (`dist/index.cjs.js`), so `npx`
 * from the package runs that.
 */
const fs = require('fs');
const path = require('path');

function loadCli() {
  const source = path.resolve(__dirname, '../src/index.ts');
  if (fs.existsSync(source)) {
    require('@backstage/cli-node/config/nodeTransform.cjs');
    return require(source);
  }
  return require('../dist/index.cjs.js');
}

loadCli()
  .runPresetsCli(process.argv.slice(2))
  .then(code => {
    process.exitCode = code;
  });
