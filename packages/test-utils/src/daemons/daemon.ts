/*
 * The process lifecycle shared by the harness's throwaway servers (slapd,
 * PostgreSQL): a private temp folder, a server process in the foreground on
 * 127.0.0.1 and free ports, readiness by connecting, stop/start/remove, and
 * cleanup when a test ends without remove() or its process dies.
 *
 * What a server is (its config, its data, its command line, which signal
 * stops it how) stays with each server's harness; this module only runs it.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../backend/backendProcess';

const OUTPUT_LIMIT = 64 * 1024;
const READY_POLL_MS = 50;
// A port found free can be taken before the server binds it; try a few.
const PORT_ATTEMPTS = 3;

/** How a server of the harness is named, started, probed and stopped. */
export interface DaemonSpec {
  /** Short name for messages, e.g. `slapd`. */
  name: string;
  /** Prefix of the temp folder under the OS temp dir, e.g. `devportal-slapd-`. */
  tempPrefix: string;
  /** How many ports on 127.0.0.1 the server listens on. */
  portCount: number;
  /** Signal of `stop()`; SIGKILL follows after `stopTimeoutMs`. */
  stopSignal: NodeJS.Signals;
  stopTimeoutMs: number;
  /**
   * Signal sent when the test process exits without `remove()`, from its
   * exit hook or, if it dies without one, from the watchdog. Nothing can
   * wait for the server then, so it must make the server go at once.
   */
  exitSignal: NodeJS.Signals;
  /** How long the server may take to accept connections on all its ports. */
  readyTimeoutMs: number;
  /** Besides accepting connections, the server's output must match this to count as ready. */
  readyOutput?: RegExp;
}

/** What the server's harness prepared in the temp folder: how to launch it. */
export interface DaemonLaunch {
  /** The command line (file and arguments) that serves on `ports`, in the foreground. */
  command(ports: readonly number[]): [string, string[]];
}

/** A running (or stopped) server started by {@link startDaemon}. */
export interface Daemon {
  /** The temp folder, deleted by `remove()`. */
  readonly dir: string;
  /** The ports on 127.0.0.1, fixed by the first successful start. */
  readonly ports: readonly number[];
  /** Starts the server again on the same ports and data after `stop()`. */
  start(): Promise<void>;
  /** Stops the server (`stopSignal`, then SIGKILL); the data stays for `start()`. */
  stop(): Promise<void>;
  /** Stops the server and deletes its temp folder. */
  remove(): Promise<void>;
}

type Running = { child: ChildProcess; watchdog: ChildProcess };
type LiveDaemon = { running?: Running; exitSignal: NodeJS.Signals };

// Every server of this process by temp folder, so that an exit without
// remove() (a crashed or interrupted test) leaves nothing behind.
const live = new Map<string, LiveDaemon>();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) {
    return;
  }
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [dir, state] of live) {
      killQuietly(state.running?.child, state.exitSignal);
      killQuietly(state.running?.watchdog, 'SIGKILL');
      removeDirQuietly(dir);
    }
  });
  // No signal handlers: they would override the host's own. A process
  // killed by a signal leaves its servers to their watchdogs.
}

function removeDirQuietly(dir: string) {
  try {
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // best effort on the way out
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function isRunning(child: ChildProcess | undefined): child is ChildProcess {
  return child !== undefined && Boolean(child.pid) && !hasExited(child);
}

function killQuietly(child: ChildProcess | undefined, signal: NodeJS.Signals) {
  if (isRunning(child)) {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

/** Kills a server and its watchdog at once, for a start that failed. */
function killRunning(state: LiveDaemon) {
  killQuietly(state.running?.child, 'SIGKILL');
  killQuietly(state.running?.watchdog, 'SIGKILL');
  state.running = undefined;
}

/**
 * Runs a command to completion; its output goes into the error only.
 *
 * @param label - names the command in the error, e.g. `initdb`
 */
export function runCommand(
  file: string,
  args: string[],
  label = `${file} ${args.join(' ')}`,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      file,
      args,
      { maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(
            new Error(`${label} failed: ${error.message}\n${stderr}${stdout}`),
          );
        } else {
          resolvePromise({ stdout, stderr });
        }
      },
    );
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function canConnect(port: number): Promise<boolean> {
  return new Promise(resolvePromise => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolvePromise(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolvePromise(false);
    });
  });
}

/**
 * Sends `signal` to `pid` when this process dies without running its exit
 * hooks (SIGKILL, OOM). perl-base is essential on Debian, and its sleep is
 * a builtin, so killing the watchdog leaves no orphaned child behind.
 */
function spawnWatchdog(pid: number, signal: NodeJS.Signals): ChildProcess {
  const watchdog = spawn(
    '/usr/bin/perl',
    [
      '-e',
      '($p, $c, $s) = @ARGV; sleep 1 while kill(0, $p) && kill(0, $c); kill($s, $c) unless kill(0, $p);',
      String(process.pid),
      String(pid),
      String(constants.signals[signal]),
    ],
    { stdio: 'ignore' },
  );
  watchdog.once('error', () => {});
  watchdog.unref();
  return watchdog;
}

/**
 * Spawns the server with piped output, once the OS has started it: a
 * watchdog needs its pid, and a pid-less child (missing binary) has none.
 */
function spawnServer(
  name: string,
  file: string,
  args: string[],
): Promise<ChildProcess> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.once('spawn', () => {
      // Later errors (a failed kill) must not crash the test process.
      child.on('error', () => {});
      resolvePromise(child);
    });
    child.once('error', error =>
      reject(new Error(`${name} could not be started: ${error.message}`)),
    );
  });
}

/** Keeps the first 64 KiB of a child's stdout and stderr, for error messages. */
function collectOutput(child: ChildProcess): () => string {
  let output = '';
  const collect = (chunk: Buffer) => {
    if (output.length < OUTPUT_LIMIT) {
      output += chunk.toString('utf8');
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  return () => output;
}

async function acceptsConnections(ports: readonly number[]): Promise<boolean> {
  for (const port of ports) {
    if (!(await canConnect(port))) {
      return false;
    }
  }
  return true;
}

/** Stops a running server: `signal`, then SIGKILL after `timeoutMs`. */
async function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals,
  timeoutMs: number,
): Promise<void> {
  if (!isRunning(child)) {
    return;
  }
  const exited = new Promise<void>(r => child.once('exit', () => r()));
  child.kill(signal);
  const timer = setTimeout(() => killQuietly(child, 'SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Creates a temp folder, lets `prepare` fill it (config, data) and say how
 * to launch the server, then starts it on free ports and waits until it
 * accepts connections. A failure anywhere removes the folder again.
 *
 * Until `remove()`, the server and its folder are registered for cleanup
 * when the test process exits, and a watchdog ends the server if the
 * process dies without running exit hooks.
 */
export async function startDaemon(
  spec: DaemonSpec,
  prepare: (dir: string) => Promise<DaemonLaunch>,
): Promise<Daemon> {
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), spec.tempPrefix));
  const state: LiveDaemon = { exitSignal: spec.exitSignal };
  live.set(dir, state);

  let ports: number[] = new Array(spec.portCount).fill(0);
  let portsFixed = false;

  const stop = async (): Promise<void> => {
    const running = state.running;
    if (!running) {
      return;
    }
    killQuietly(running.watchdog, 'SIGKILL');
    await stopChild(running.child, spec.stopSignal, spec.stopTimeoutMs);
    state.running = undefined;
  };

  const launchOnce = async (launch: DaemonLaunch): Promise<void> => {
    const child = await spawnServer(spec.name, ...launch.command(ports));
    const output = collectOutput(child);
    const exited = new Promise<void>(r => child.once('exit', () => r()));
    state.running = {
      child,
      watchdog: spawnWatchdog(child.pid!, spec.exitSignal),
    };

    const deadline = Date.now() + spec.readyTimeoutMs;
    for (;;) {
      if (hasExited(child)) {
        await exited;
        killRunning(state);
        throw new Error(
          `${spec.name} exited (code ${child.exitCode}, signal ${
            child.signalCode
          }) before accepting connections:\n${output()}`,
        );
      }
      if (
        (await acceptsConnections(ports)) &&
        (!spec.readyOutput || spec.readyOutput.test(output()))
      ) {
        return;
      }
      if (Date.now() > deadline) {
        await stop();
        throw new Error(
          `${spec.name} did not accept connections on 127.0.0.1:${ports.join(
            ',',
          )} within ${spec.readyTimeoutMs} ms:\n${output()}`,
        );
      }
      await new Promise(r => setTimeout(r, READY_POLL_MS));
    }
  };

  const startWith = async (launch: DaemonLaunch): Promise<void> => {
    if (isRunning(state.running?.child)) {
      return;
    }
    state.running = undefined;
    if (portsFixed) {
      await launchOnce(launch);
      return;
    }
    let lastError: unknown;
    for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
      ports = [];
      for (let i = 0; i < spec.portCount; i++) {
        ports.push(await freePort());
      }
      try {
        await launchOnce(launch);
        portsFixed = true;
        return;
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  };

  try {
    const launch = await prepare(dir);
    await startWith(launch);
    return {
      dir,
      get ports() {
        return ports;
      },
      start: () => startWith(launch),
      stop,
      async remove() {
        await stop();
        live.delete(dir);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    killRunning(state);
    live.delete(dir);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
