/*
 * The DevPortal backend entry point. The preset boot gate runs first and
 * ends the process with exit code 78 and every problem listed when the
 * selection cannot be honoured; only then is the backend itself loaded.
 */
import { runBootGate } from '@devportal/plugin-presets-node';
import { checkDatabaseOrExit } from './checkDatabase';

const resolution = runBootGate();

// Loaded only after the gate passed: a refused boot never pays for it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startBackend } = require('./backend') as typeof import('./backend');

// An unreachable database: one line and exit, before any plugin's traces.
checkDatabaseOrExit(resolution).then(() => startBackend(resolution));
