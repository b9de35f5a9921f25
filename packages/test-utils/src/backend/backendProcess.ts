/*
 * Starts the DevPortal backend as a real process, with the command the
 * README gives operators (`npm start`), on a free loopback port.
 */
import { ChildProcess, spawn } from 'child_process';
import net from 'net';
import path from 'path';
// The harness runs only in tests of this private package, so its tools are devDependencies.
// eslint-disable-next-line @backstage/no-undeclared-imports
import { targetPaths } from '@backstage/cli-common';

/** The repository root. */
export const repoRoot = targetPaths.rootDir;

/** The commands an operator can start the backend with. */
export type StartCommand = 'npm start' | 'yarn start' | 'yarn dev';

const yarnRelease = path.join(repoRoot, '.yarn/releases/yarn-4.18.1.cjs');

function commandLine(
  command: StartCommand,
  args: string[],
): [string, string[]] {
  switch (command) {
    case 'npm start':
      return ['npm', ['--silent', 'start', '--', ...args]];
    case 'yarn start':
      return [process.execPath, [yarnRelease, 'start', ...args]];
    case 'yarn dev':
      return [process.execPath, [yarnRelease, 'dev', ...args]];
    default:
      throw new Error(`unknown command ${command}`);
  }
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The environment of a test backend: nothing inherited but what Node and npm need. */
function baseEnv(port: number, env: Record<string, string>): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'npm_config_cache'];
  const inherited = Object.fromEntries(
    keep
      .filter(k => process.env[k] !== undefined)
      .map(k => [k, process.env[k]]),
  );
  return {
    ...inherited,
    BACKEND_PORT: String(port),
    BACKEND_BASE_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'info',
    // Test backends run side by side: none takes the default metrics port.
    // A test that scrapes metrics sets a free port.
    DEVPORTAL_METRICS_PORT: 'off',
    ...env,
  };
}

/** Options for starting a backend process. */
export interface BackendProcessOptions {
  env?: Record<string, string>;
  args?: string[];
  command?: StartCommand;
  port?: number;
}

/** A running backend process. */
export interface BackendProcess {
  port: number;
  baseUrl: string;
  /** Everything the process printed so far, stdout and stderr together. */
  output(): string;
  /** Resolves when the readiness endpoint answers 200; rejects if the process exits first. */
  waitForReady(timeoutMs?: number): Promise<void>;
  /** Resolves when the output matches, within the timeout. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Stops the process tree and waits for it to exit. */
  stop(): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** A backend started by {@link startBackendProcess}, with the start command's pid. */
export interface LaunchedBackendProcess extends BackendProcess {
  /**
   * The pid of the start command itself (npm for `npm start`), the leader
   * of the process group the backend runs in: signal it alone to act as a
   * process manager does.
   */
  pid: number;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** Spawns the start command in a process group of its own, on a free port. */
async function spawnPortal(
  options: BackendProcessOptions,
): Promise<{ port: number; child: ChildProcess }> {
  const port = options.port ?? (await freePort());
  const [cmd, args] = commandLine(
    options.command ?? 'npm start',
    options.args ?? [],
  );
  const child = spawn(cmd, args, {
    cwd: repoRoot,
    env: baseEnv(port, options.env ?? {}),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group, so stopping reaches npm, the backend and its children.
    detached: true,
  });
  running.add(child);
  return { port, child };
}

/** How {@link watchBackend} stops the process it watches. */
export interface WatchOptions {
  /** Sends a signal to the process (or its group); may throw if it is gone. */
  signal(signal: NodeJS.Signals): void;
  /** The default of `waitForReady`'s timeout. */
  readyTimeoutMs: number;
}

/**
 * The handle on a spawned backend (piped stdout and stderr) that listens on
 * `port`: its output, readiness, and a stop that escalates to SIGKILL.
 */
export function watchBackend(
  child: ChildProcess,
  port: number,
  options: WatchOptions,
): BackendProcess {
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    listeners.forEach(l => l());
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let hasExited = false;
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
      let timer: NodeJS.Timeout | undefined = undefined;
      function check() {
        const done = pattern.test(output);
        if (done || hasExited) {
          clearTimeout(timer);
          listeners.delete(check);
          if (done) {
            resolve();
          } else {
            reject(
              new Error(
                `process exited before printing ${pattern}; output:\n${output}`,
              ),
            );
          }
        }
      }
      timer = setTimeout(() => {
        listeners.delete(check);
        reject(
          new Error(`timed out waiting for ${pattern}; output:\n${output}`),
        );
      }, timeoutMs);
      listeners.add(check);
      check();
    });

  const waitForReady = async (timeoutMs = options.readyTimeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (hasExited) {
        throw new Error(
          `backend exited before it was ready; output:\n${output}`,
        );
      }
      try {
        const res = await fetch(`${baseUrl}/.backstage/health/v1/readiness`);
        if (res.status === 200) {
          return;
        }
      } catch {
        // not listening yet
      }
      await new Promise(r => setTimeout(r, 200));
    }
    throw new Error(
      `backend not ready after ${timeoutMs} ms; output:\n${output}`,
    );
  };

  const send = (signal: NodeJS.Signals) => {
    try {
      options.signal(signal);
    } catch {
      // already gone
    }
  };
  const stop = async () => {
    if (!hasExited) {
      send('SIGTERM');
      const timer = setTimeout(() => send('SIGKILL'), 10_000);
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

/** Starts the backend the way the README does and returns a handle to it. */
export async function startBackendProcess(
  options: BackendProcessOptions = {},
): Promise<LaunchedBackendProcess> {
  const { port, child } = await spawnPortal(options);
  child.on('close', () => running.delete(child));
  return {
    pid: child.pid!,
    ...watchBackend(child, port, {
      signal: signal => process.kill(-child.pid!, signal),
      readyTimeoutMs: 60_000,
    }),
  };
}

/** Runs the start command until the process exits by itself. */
export async function runToExit(
  options: BackendProcessOptions & { timeoutMs?: number },
): Promise<{
  code: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}> {
  const started = Date.now();
  const { child } = await spawnPortal(options);
  const result = await outputToExit(
    child,
    () => process.kill(-child.pid!, 'SIGKILL'),
    options.timeoutMs,
  ).finally(() => running.delete(child));
  return { ...result, durationMs: Date.now() - started };
}

/**
 * Collects a process's output until it exits by itself; after `timeoutMs`
 * (60 s by default) it is killed with `kill` and the promise rejects with
 * the output so far.
 */
export function outputToExit(
  child: ChildProcess,
  kill: () => void,
  timeoutMs = 60_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', c => (stdout += c));
    child.stderr!.on('data', c => (stderr += c));
    const timer = setTimeout(() => {
      try {
        kill();
      } catch {
        // already gone
      }
      reject(
        new Error(
          `did not exit within ${timeoutMs} ms; output:\n${stdout}${stderr}`,
        ),
      );
    }, timeoutMs);
    child.on('close', code => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
