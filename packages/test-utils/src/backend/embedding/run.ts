/*
 * Running the tools a backend author runs (yarn, npm, node) as child
 * processes, with the output kept for the failure message.
 */
import { spawn } from 'child_process';

/** How a finished command ended, and what it printed. */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Where and how to run a command. */
export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Runs a command to its end; never rejects for a non-zero exit code. */
export function runCommand(
  command: string,
  args: string[],
  options: RunOptions,
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', chunk => (stdout += chunk));
    child.stderr.on('data', chunk => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${command} ${args.join(' ')} did not finish within ${
            options.timeoutMs
          } ms; output:\n${stdout}${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 120_000);
    child.on('error', error => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', code => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs a command and rejects, with the end of its output, unless it exits 0. */
export async function runOrThrow(
  command: string,
  args: string[],
  options: RunOptions,
): Promise<CommandResult> {
  const result = await runCommand(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} (in ${options.cwd}) exited ${
        result.code
      }:\n${`${result.stdout}\n${result.stderr}`.slice(-4000)}`,
    );
  }
  return result;
}
