/*
 * Starts the scratch backend (`node index.js` in its folder) on a free
 * loopback port, with the same handle the repository backend's harness
 * gives, so the same catalog and HTTP helpers work against it.
 */
import { spawn } from 'child_process';
import { BackendProcess, freePort } from '../backendProcess';
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
  let output = '';
  let hasExited = false;
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    listeners.forEach(l => l());
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
  }>(resolve =>
    child.on('close', (code, signal) => {
      hasExited = true;
      listeners.forEach(l => l());
      resolve({ code, signal });
    }),
  );
  const baseUrl = `http://127.0.0.1:${port}`;

  const waitForOutput = (pattern: RegExp, timeoutMs = 30_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(
          new Error(`timed out waiting for ${pattern}; output:\n${output}`),
        );
      }, timeoutMs);
      function check() {
        if (pattern.test(output)) {
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        } else if (hasExited) {
          clearTimeout(timer);
          listeners.delete(check);
          reject(new Error(`exited before printing ${pattern}:\n${output}`));
        }
      }
      listeners.add(check);
      check();
    });

  const waitForReady = async (timeoutMs = 90_000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (hasExited) {
        throw new Error(`backend exited before it was ready:\n${output}`);
      }
      const status = await fetch(`${baseUrl}/.backstage/health/v1/readiness`)
        .then(res => res.status)
        .catch(() => 0);
      if (status === 200) {
        return;
      }
      await new Promise(r => setTimeout(r, 200));
    }
    throw new Error(`backend not ready after ${timeoutMs} ms:\n${output}`);
  };

  const stop = async () => {
    if (!hasExited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };

  return {
    port,
    baseUrl,
    output: () => output,
    waitForReady,
    waitForOutput,
    stop,
    exited,
  };
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
