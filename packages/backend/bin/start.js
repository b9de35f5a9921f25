#!/usr/bin/env node
/*
 * Runs the backend from source without a watcher, under the TypeScript
 * transform Backstage's own `package start` uses. The preset boot gate runs
 * first and ends a refused boot with exit code 78 and every problem listed
 * before anything heavy is loaded; so does a proxy variable that is not a
 * URL (src/outboundProxy.ts), or a metrics port that is not a port
 * (src/metrics.ts). Then the app (packages/app/dist) is
 * built if it is missing or out of date, and the backend starts with the
 * gate's resolution. Exit codes pass straight through.
 */
require('@backstage/cli-node/config/nodeTransform.cjs');
const { runBootGate } = require('@devportal/plugin-presets-common');
const { ensureAppBuilt } = require('./appBuild');

const resolution = runBootGate();
const { useProxiesFromEnvironmentOrExit } = require('../src/outboundProxy.ts');
// Before any client of the backend exists, so that every one takes the
// proxy (HTTP_PROXY, HTTPS_PROXY, NO_PROXY) the environment names.
const outboundProxy = useProxiesFromEnvironmentOrExit();

// The metrics provider comes first: meters created before it never report.
require('../src/metrics.ts')
  .startMetricsOrExit()
  .then(() => {
    // The frontend this backend serves: built now when missing or out of
    // date, once the selection is accepted (a refused boot never waits for
    // a build).
    const appBuildCode = ensureAppBuilt();
    if (appBuildCode !== 0) {
      process.exit(appBuildCode);
    }
    require('../src/backend.ts').startBackend(resolution, outboundProxy);
  });
