import { resolve } from 'path';
import { targetPaths } from '@backstage/cli-common';
import { getPackagesSync } from '@manypkg/get-packages';
import {
  defaultShippedDir,
  EXIT_CONFIG,
  formatProblems,
  loadPresetCatalog,
  parsePresetsPath,
  PRESETS_ENV,
  PRESETS_PATH_ENV,
} from '@devportal/plugin-presets-common';
import { PendingSyncList } from '@devportal/plugin-presets-sync-common';
import { checkPresets } from './checkPresets';
import { doctorPresets } from './doctorPresets';
import { formatCheckResults } from './doctor/runChecks';
import { explainPresetsWithConfig, formatExplanation } from './explainPresets';
import { formatPresetList, listPresets } from './listPresets';
import { formatLintResult, lintPresets } from './lintPresets';
import {
  COMMAND_USAGE,
  DEFAULT_DOCTOR_TIMEOUT_SECONDS,
  EXIT_USAGE,
  PresetsCliArgs,
  SYNC_USAGE,
  USAGE,
  parseCliArgs,
} from './parseCliArgs';
import {
  callPresetsSync,
  describeDecision,
  formatPendingSyncs,
  isPendingSyncList,
  readSyncToken,
  refusalHint,
  syncBackendUrl,
} from './syncPresets';
import { OutputStream, paintFor, useColour } from './terminal';

export type { OutputStream } from './terminal';

/**
 * Where the CLI reads from and writes to; all default to the running process.
 *
 * @public
 */
export interface PresetsCliOptions {
  env?: Record<string, string | undefined>;
  stdout?: OutputStream;
  stderr?: OutputStream;
  /** The repository root holding `presets/`; defaults to the one around the current directory. */
  rootDir?: string;
}

interface CliContext {
  env: Record<string, string | undefined>;
  stdout: OutputStream;
  stderr: OutputStream;
  rootDir: string;
}

/** The exit code of `presets sync` when the backend refuses or cannot be reached. */
const EXIT_REFUSED = 1;

/**
 * Runs `presets <command>` and returns the exit code: 0, 78 (EX_CONFIG)
 * for a preset problem, 64 (EX_USAGE) for a command line it does not
 * understand, 1 when the backend `presets sync` calls refuses. Returns
 * rather than exits: the bin file ends the process.
 *
 * @public
 */
export async function runPresetsCli(
  argv: string[],
  options: PresetsCliOptions = {},
): Promise<number> {
  const context: CliContext = {
    env: options.env ?? process.env,
    stdout: options.stdout ?? process.stdout,
    stderr: options.stderr ?? process.stderr,
    rootDir: options.rootDir ?? targetPaths.rootDir,
  };
  const parsed = parseCliArgs(argv);
  if ('help' in parsed) {
    context.stdout.write(
      (parsed.syncAction && SYNC_USAGE[parsed.syncAction]) ??
        (parsed.command ? COMMAND_USAGE[parsed.command] : USAGE),
    );
    return 0;
  }
  if ('error' in parsed) {
    context.stderr.write(`presets: ${parsed.error}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const run = {
    list: runList,
    check: runCheck,
    explain: runExplain,
    lint: runLint,
    doctor: runDoctor,
    sync: runSync,
  }[parsed.args.command];
  return run(parsed.args, context);
}

function writeJson(stream: OutputStream, value: unknown) {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}

function runList(args: PresetsCliArgs, context: CliContext): number {
  const { env, stdout, stderr, rootDir } = context;
  const catalog = loadPresetCatalog({
    shippedDir: defaultShippedDir(rootDir),
    extraDirs: parsePresetsPath(env[PRESETS_PATH_ENV]),
  });
  const presets = listPresets(catalog, env);
  if (args.json) {
    writeJson(stdout, { presets, problems: catalog.problems });
  } else {
    stdout.write(formatPresetList(presets, paintFor(useColour(stdout, env))));
    // A broken preset file refuses every boot, whatever the selection.
    if (catalog.problems.length > 0) {
      stderr.write(`\n${formatProblems(catalog.problems)}\n`);
    }
  }
  return catalog.problems.length > 0 ? EXIT_CONFIG : 0;
}

/**
 * npm plugin packages are checked where the backend imports them from:
 * the `--backend` folder, else the backend package of the workspace around
 * `rootDir` (Backstage role `backend`), else the current directory (a
 * backend that installed the CLI).
 */
function pluginsFrom(rootDir: string, backend: string | undefined): string[] {
  if (backend !== undefined) {
    return [resolve(backend)];
  }
  return [workspaceBackendDir(rootDir) ?? process.cwd()];
}

function workspaceBackendDir(rootDir: string): string | undefined {
  let packages;
  try {
    ({ packages } = getPackagesSync(rootDir));
  } catch {
    // Not inside a package at all: nothing to derive the backend from.
    return undefined;
  }
  return packages.find(
    p =>
      (p.packageJson as { backstage?: { role?: string } }).backstage?.role ===
      'backend',
  )?.dir;
}

/** The selection `check` and `explain` resolve, as the command line names it. */
function selectionOptions(args: PresetsCliArgs, context: CliContext) {
  const { env, rootDir } = context;
  return {
    env,
    rootDir,
    pluginsFrom: pluginsFrom(rootDir, args.backend),
    selection: args.presets,
  };
}

function runCheck(args: PresetsCliArgs, context: CliContext): number {
  const { env, stdout, stderr } = context;
  const result = checkPresets(selectionOptions(args, context));
  const exitCode = result.ok ? 0 : EXIT_CONFIG;
  if (args.json) {
    writeJson(stdout, result);
    return exitCode;
  }
  if (!result.ok) {
    stderr.write(`${formatProblems(result.problems)}\n`);
    return exitCode;
  }
  const paint = paintFor(useColour(stdout, env));
  const names = result.presets.map(p => `${p.name}@${p.version}`);
  stdout.write(
    names.length > 0
      ? `${paint.green('ok')}: ${names.join(
          ', ',
        )} pass every check; the backend would start\n`
      : `${paint.green('ok')}: no presets selected (${
          args.presets === undefined ? PRESETS_ENV : '--presets'
        } is empty); the backend would start with core only\n`,
  );
  for (const warning of result.warnings) {
    stdout.write(`${paint.yellow('warning')}: ${warning}\n`);
  }
  return exitCode;
}

async function runExplain(
  args: PresetsCliArgs,
  context: CliContext,
): Promise<number> {
  const { env, stdout, stderr } = context;
  const result = await explainPresetsWithConfig(
    selectionOptions(args, context),
  );
  const exitCode = result.ok ? 0 : EXIT_CONFIG;
  if (args.json) {
    writeJson(stdout, result);
    return exitCode;
  }
  stdout.write(formatExplanation(result, paintFor(useColour(stdout, env))));
  if (!result.ok) {
    stderr.write(`\n${formatProblems(result.problems)}\n`);
  }
  return exitCode;
}

function runLint(args: PresetsCliArgs, context: CliContext): number {
  const { env, stdout, stderr, rootDir } = context;
  const result = lintPresets(args.paths ?? [], { rootDir });
  const exitCode = result.ok ? 0 : EXIT_CONFIG;
  if (args.json) {
    writeJson(stdout, result);
    return exitCode;
  }
  // Like check: a failing report on stderr, a passing one on stdout.
  const stream = result.ok ? stdout : stderr;
  stream.write(formatLintResult(result, paintFor(useColour(stream, env))));
  return exitCode;
}

async function runDoctor(
  args: PresetsCliArgs,
  context: CliContext,
): Promise<number> {
  const { env, stdout, stderr } = context;
  const result = await doctorPresets({
    ...selectionOptions(args, context),
    timeoutMs: (args.timeoutSeconds ?? DEFAULT_DOCTOR_TIMEOUT_SECONDS) * 1000,
  });
  const exitCode = result.ok ? 0 : EXIT_CONFIG;
  if (args.json) {
    writeJson(stdout, result);
    return exitCode;
  }
  if (result.problems.length > 0) {
    stderr.write(
      `${formatProblems(
        result.problems,
      )}\n\nNo live check ran: the backend would not start with this selection.\n`,
    );
    return exitCode;
  }
  const paint = paintFor(useColour(stdout, env));
  stdout.write(
    result.checks.length > 0
      ? formatCheckResults(result.checks, paint)
      : 'No live check applies: the selection configures nothing doctor can reach.\n',
  );
  return exitCode;
}

/**
 * `presets sync pending|approve|reject`: the pending-sync routes of a
 * running backend, over HTTP with the operator's token.
 */
async function runSync(
  args: PresetsCliArgs,
  context: CliContext,
): Promise<number> {
  const { env, stdout, stderr } = context;
  const { action, provider } = args.sync!;
  const token = readSyncToken(args.tokenFile, env);
  if ('problem' in token) {
    stderr.write(`presets sync ${action}: ${token.problem}\n`);
    return EXIT_CONFIG;
  }
  const url = await syncBackendUrl(args.url, selectionOptions(args, context));
  if ('problem' in url) {
    stderr.write(`presets sync ${action}: ${url.problem}\n`);
    return EXIT_CONFIG;
  }
  const answer = await callPresetsSync({
    url: url.url,
    token: token.token,
    action,
    provider,
  });
  if (!answer.ok) {
    const hint = refusalHint(answer.status, action, provider);
    stderr.write(
      `presets sync ${action}: ${
        answer.status === undefined
          ? answer.message
          : `the backend answered ${answer.status}: ${answer.message}`
      }\n${hint ? `${hint}\n` : ''}`,
    );
    return EXIT_REFUSED;
  }
  if (action === 'pending' && !isPendingSyncList(answer.body)) {
    // An app's index.html, say, where the backend was expected.
    stderr.write(
      `presets sync pending: the answer is not a list of pending syncs\n${refusalHint(
        404,
        action,
      )}\n`,
    );
    return EXIT_REFUSED;
  }
  if (args.json) {
    writeJson(stdout, answer.body ?? {});
  } else if (action === 'pending') {
    stdout.write(
      formatPendingSyncs(
        answer.body as PendingSyncList,
        paintFor(useColour(stdout, env)),
      ),
    );
  } else {
    stdout.write(describeDecision(action, provider!));
  }
  return 0;
}
