/*
 * The DevPortal backend entry point, for `backstage-cli package start`
 * (`yarn dev`) and the production build. The preset boot gate runs first
 * and ends the process with exit code 78 and every problem listed when the
 * selection cannot be honoured; only then is the backend itself loaded,
 * with the gate's resolution. bin/start.js (`npm start`) does the same
 * with the app build in between. With --write-config-schema-cache it only
 * compiles the config schema into its cache, for an image build
 * (src/writeConfigSchemaCache.ts).
 */
// The gate's own entry point: a refused boot loads the preset catalog and
// selection code only, not the whole library (config-loader, lodash ...).
import { runBootGate } from '@devportal/plugin-presets-common';
import { useProxiesFromEnvironmentOrExit } from './outboundProxy';
import { startMetricsOrExit } from './metrics';
import {
  WRITE_CONFIG_SCHEMA_CACHE_ARG,
  writeConfigSchemaCacheAndExit,
} from './writeConfigSchemaCache';

if (process.argv.includes(WRITE_CONFIG_SCHEMA_CACHE_ARG)) {
  writeConfigSchemaCacheAndExit();
} else {
  boot();
}

function boot() {
  const resolution = runBootGate();
  // Before any client of the backend exists, so that every one takes the
  // proxy (HTTP_PROXY, HTTPS_PROXY, NO_PROXY) the environment names.
  const outboundProxy = useProxiesFromEnvironmentOrExit();

  // Loaded only after the gate passed: a refused boot never pays for it.
  // import(), not require(): the production build (`backstage-cli package
  // build`) emits an imported module as a file of its own and rewrites the
  // import to it, but leaves a require('./backend') as it is, naming no
  // file in dist/. Node loads the module as CommonJS both from source and
  // from the build, so its exports arrive under `default` (named exports
  // only where Node can detect them, which it cannot in the transformed
  // source). The metrics provider comes first: meters created before it
  // never report.
  startMetricsOrExit()
    .then(() => import('./backend'))
    .then(imported => {
      const { startBackend } =
        (imported as typeof imported & { default?: typeof imported }).default ??
        imported;
      return startBackend(resolution, outboundProxy);
    });
}
