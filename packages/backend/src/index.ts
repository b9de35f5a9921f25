/*
 * The DevPortal backend entry point. The preset boot gate runs first and
 * ends the process with exit code 78 and every problem listed when the
 * selection cannot be honoured; only then is the backend itself loaded.
 */
// The gate's own entry point: a refused boot loads the preset catalog and
// selection code only, not the whole library (config-loader, lodash ...).
import { runBootGate } from '@devportal/plugin-presets-node/gate';

const resolution = runBootGate();

// Loaded only after the gate passed: a refused boot never pays for them.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startBackend } = require('./backend') as typeof import('./backend');
const { checkDatabaseOrExit } =
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('./checkDatabase') as typeof import('./checkDatabase');

// An unreachable database: one line and exit, before any plugin's traces.
checkDatabaseOrExit(resolution).then(() => startBackend(resolution));
