/*
 * Starts the scratch backend (`node index.js` in its folder) on a free
 * loopback port, with the same handle the repository backend's harness
 * gives, so the same catalog and HTTP helpers work against it.
 */
import { spawn } from 'child_process';
import { BackendProcess, freePort, watchBackend } from '../backendProcess';
import { CommandResult, runCommand } from './run';

/** Nothing inherited but what Node needs, plus the port and the test's variables. */
function backendEnv(
  port: number,
  env: Record<string, string>,
): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG'];
  return {
    ...Object.fromEntries(
      keep
        .filter(k => process.env[k] !== undefined)
        .map(k => [k, process.env[k]]),
    ),
    BACKEND_PORT: String(port),
    ...env,
  };
}

/** Starts the scratch backend in `dir` and returns a handle to it. */
export async function startScratchBackend(
  dir: string,
  env: Record<string, string> = {},
): Promise<BackendProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['index.js'], {
    cwd: dir,
    env: backendEnv(port, env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return watchBackend(child, port, {
    signal: signal => child.kill(signal),
    readyTimeoutMs: 90_000,
  });
}

/** Runs the scratch backend until it exits by itself (a refused boot). */
export async function runScratchBackendToExit(
  dir: string,
  env: Record<string, string>,
): Promise<CommandResult> {
  const port = await freePort();
  return runCommand(process.execPath, ['index.js'], {
    cwd: dir,
    env: backendEnv(port, env),
    timeoutMs: 60_000,
  });
}
