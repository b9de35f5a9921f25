/*
 * The DevPortal backend entry point. The preset boot gate runs first and
 * ends the process with exit code 78 and every problem listed when the
 * selection cannot be honoured; only then is the backend itself loaded.
 */
// The gate's own entry point: a refused boot loads the preset catalog and
// selection code only, not the whole library (config-loader, lodash ...).
import { runBootGate } from '@devportal/plugin-presets-common';

/**
 * The exports of a dynamically imported module of ours. Both from source
 * (bin/start.js) and from the build, Node loads it as CommonJS, and an
 * import() of CommonJS puts its exports under `default` (named exports only
 * where Node can detect them, which it cannot in the transformed source).
 */
async function load<T extends object>(imported: Promise<T>): Promise<T> {
  const module = (await imported) as T & { default?: T };
  return module.default ?? module;
}

const resolution = runBootGate();

// Loaded only after the gate passed: a refused boot never pays for them.
// import(), not require(): the production build (`backstage-cli package
// build`) emits an imported module as a file of its own and rewrites the
// import to it, but leaves a require('./backend') as it is, naming no file
// in dist/.
Promise.all([load(import('./checkDatabase')), load(import('./backend'))]).then(
  async ([{ checkDatabaseOrExit }, { startBackend }]) => {
    // An unreachable database: one line and exit, before any plugin's traces.
    await checkDatabaseOrExit(resolution);
    await startBackend(resolution);
  },
);
