/*
 * Helpers shared by the benchmarks: statistics, processes on loopback,
 * readiness polling. Plain ESM so `yarn bench` needs no build.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

/** The repository root. */
export const root = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
);

/** Backstage's TypeScript transform, as packages/backend/bin/start.js uses it. */
export const nodeTransform = createRequire(
  path.join(root, 'packages/backend/package.json'),
).resolve('@backstage/cli-node/config/nodeTransform.cjs');

/** Sorted copy; quantile by nearest rank. */
export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  ];
}

export const median = values => quantile(values, 0.5);

/** Milliseconds since `started` (a process.hrtime.bigint()). */
export function msSince(started) {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Only what Node needs from the caller's environment, so no secret leaks into a child. */
export function cleanEnv(extra = {}) {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG'];
  return {
    ...Object.fromEntries(
      keep
        .filter(k => process.env[k] !== undefined)
        .map(k => [k, process.env[k]]),
    ),
    ...extra,
  };
}

/**
 * Runs a command to its end; resolves with its exit code, output and wall
 * time. Output is kept only to explain a failure.
 */
export function runToExit(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, {
      cwd: options.cwd ?? root,
      env: options.env ?? cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', c => (stdout += c));
    child.stderr.on('data', c => (stderr += c));
    child.on('error', reject);
    child.on('close', code =>
      resolve({ code, stdout, stderr, ms: msSince(started) }),
    );
  });
}

/**
 * Starts a long-running process in its own process group (so stopping it
 * reaches its children) and returns a handle.
 */
export function startProcess(command, args, options = {}) {
  const child = spawn(command, args, {
    cwd: options.cwd ?? root,
    env: options.env ?? cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', c => (output += c));
  child.stderr.on('data', c => (output += c));
  const exited = new Promise(resolve =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  live.add(child);
  return {
    child,
    exited,
    output: () => output,
    async stop() {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 10_000);
      await exited;
      clearTimeout(timer);
      live.delete(child);
    },
  };
}

/**
 * Starts a backend (`command args` in `cwd`) on a free loopback port, with
 * warn-level logs and nothing of the caller's environment but what Node
 * needs and `env`. Returns the process handle, its base URL, its readiness
 * URL and `started`, taken just before the spawn, for timing the boot.
 */
export async function startBackend(command, args, { cwd, env = {} } = {}) {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const processEnv = cleanEnv({
    BACKEND_PORT: String(port),
    BACKEND_BASE_URL: baseUrl,
    LOG_LEVEL: 'warn',
    ...env,
  });
  const started = process.hrtime.bigint();
  const handle = startProcess(command, args, { cwd, env: processEnv });
  return {
    ...handle,
    baseUrl,
    readinessUrl: `${baseUrl}/.backstage/health/v1/readiness`,
    started,
  };
}

// A crashed benchmark must not leave backends holding ports.
const live = new Set();
process.on('exit', () => {
  for (const child of live) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/**
 * Polls `url` every `intervalMs` until it answers 200; resolves with the
 * milliseconds since `started`. Rejects when the process exits first.
 */
export async function waitFor200(url, started, handle, timeoutMs = 120_000) {
  let exited = false;
  handle.exited.then(() => (exited = true));
  for (;;) {
    if (exited) {
      throw new Error(
        `the process exited before ${url} answered 200:\n${handle
          .output()
          .slice(-3000)}`,
      );
    }
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) {
        return msSince(started);
      }
    } catch {
      // not listening yet
    }
    if (msSince(started) > timeoutMs) {
      throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    }
    await new Promise(r => setTimeout(r, 10));
  }
}

/** Formats milliseconds for the table. */
export function ms(value) {
  return value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(2)} ms`;
}

/**
 * CPU time (user + system) a live process has used so far, from
 * /proc/<pid>/stat; undefined where there is no /proc. Less sensitive than
 * wall time to other work on a shared machine.
 */
export function cpuMsOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces, in parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

// USER_HZ: 100 on every Linux Node supports.
const CLOCK_TICKS = 100;
