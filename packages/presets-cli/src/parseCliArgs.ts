import parseArgs from 'minimist';
import { presetsSyncApprovePermission } from '@devportal/plugin-presets-sync-common';

/** The exit code of a command line the CLI does not understand: EX_USAGE from sysexits(3). */
export const EXIT_USAGE = 64;

/** The commands `presets` knows. */
export type PresetsCommand =
  | 'list'
  | 'check'
  | 'explain'
  | 'lint'
  | 'doctor'
  | 'sync';

/** `presets sync <action>`: the refused org syncs on a running backend. */
export type SyncAction = 'pending' | 'approve' | 'reject';

/** The environment variable `presets sync` reads its token from, when `--token-file` is not given. */
export const PRESETS_TOKEN_ENV = 'PRESETS_TOKEN';

/** A command line that was understood. */
export interface PresetsCliArgs {
  command: PresetsCommand;
  json: boolean;
  /** `--presets a,b` (check, explain): replaces `VEECODE_PRESETS` for this run. */
  presets?: string;
  /** `--backend <dir>` (check, explain): the backend package npm plugins are installed in. */
  backend?: string;
  /** `lint <file|dir>...`: the preset files and folders to lint. */
  paths?: string[];
  /** `--timeout <seconds>` (doctor): each live check's time. */
  timeoutSeconds?: number;
  /** `sync pending`, `sync approve <provider>`, `sync reject <provider>`. */
  sync?: { action: SyncAction; provider?: string };
  /** `--url <url>` (sync): the backend's base URL, instead of `backend.baseUrl`. */
  url?: string;
  /** `--token-file <path>` (sync): the file holding the token, instead of `PRESETS_TOKEN`. */
  tokenFile?: string;
}

/** `doctor`'s time per check when `--timeout` is not given. */
export const DEFAULT_DOCTOR_TIMEOUT_SECONDS = 10;

/** The usage text, printed on any command line the CLI does not understand. */
export const USAGE = `Usage: presets <command> [options]

Commands:
  list                     every available preset (shipped and VEECODE_PRESETS_PATH folders)
                           with version, group, dependencies, description, and each
                           required variable marked set or missing in this environment
  check [--presets a,b]    the boot gate's full validation without starting the backend;
                           the selection defaults to VEECODE_PRESETS; exit 0 or 78
  explain [--presets a,b]  what the selection would load: its plugins and the auth
                           and catalog providers its presets name; exit 0 or 78
  lint <file|dir>...       for preset authors: schema errors, undeclared variables,
                           plugins pinned to another Backstage release, required
                           variables without docs, requires.oneOf variables not
                           declared or marked required (errors: exit 78); unused,
                           unprefixed or unflagged secret variables (warnings: exit 0)
  doctor [--presets a,b]   live checks of the credentials and endpoints the selection's
                           config names (PostgreSQL, LDAP, GitHub, ...), one line each;
                           exit 0 when all pass, 78 otherwise
  sync pending|approve|reject  the org syncs the guard refused, on a running backend;
                           list them (pending), apply one (approve <provider>) or drop
                           it (reject <provider>); exit 0, 1 when the backend refuses,
                           78 without a token or a backend URL

Options:
  --json                   machine-readable output on stdout
  --presets a,b            the selection to use instead of VEECODE_PRESETS (check, explain,
                           doctor)
  --backend <dir>          the backend package whose node_modules hold the npm plugins
                           (check, explain, doctor); defaults to the workspace's backend package
                           (Backstage role "backend"), else the current directory
  --timeout <seconds>      each live check's time (doctor); default 10
  --url <url>              the backend's base URL (sync); defaults to backend.baseUrl of the
                           config the backend would read
  --token-file <path>      the file holding the token to call the backend with (sync);
                           defaults to the ${PRESETS_TOKEN_ENV} variable
  --help                   this text
`;

const JSON_OPTION = `  --json           machine-readable output on stdout`;
const SELECTION_OPTIONS = `  --presets a,b    the selection to use instead of VEECODE_PRESETS
  --backend <dir>  the backend package whose node_modules hold the npm plugins;
                   defaults to the workspace's backend package (Backstage role
                   "backend"), else the current directory`;
const HELP_OPTION = `  --help           this text`;
const SYNC_OPTIONS = `  --url <url>          the backend's base URL; defaults to backend.baseUrl of
                       the config the backend would read (app-config*.yaml,
                       APP_CONFIG_*, the presets of VEECODE_PRESETS)
  --token-file <path>  the file holding the token; defaults to the
                       ${PRESETS_TOKEN_ENV} variable. A static token of
                       backend.auth.externalAccess, or a user's Backstage token
  --json               the backend's answer, as JSON, on stdout
  --help               this text`;
const APPROVE_PERMISSION = presetsSyncApprovePermission.name;
const SYNC_EXIT = `Exit 0 when done, 1 when the backend refuses (no valid token, the
permission ${APPROVE_PERMISSION} missing, nothing pending, or approved
meanwhile) or cannot be reached, 78 without a token or a backend URL.`;

/**
 * `presets sync <action> --help`: each sync command's own page.
 */
export const SYNC_USAGE: Record<SyncAction, string> = {
  pending: `Usage: presets sync pending [options]

The org syncs the guard refused that wait for a person, on a running
backend (GET /api/presets/sync/pending): one block per provider with
the users and groups before and after, the entities approving would
remove and those it would add.

${SYNC_EXIT}

Options:
${SYNC_OPTIONS}
`,
  approve: `Usage: presets sync approve [options] <provider>

Applies the held result of a refused org sync now, without a restart.
It may delete users and groups from the catalog: read them first with
presets sync pending. Needs the permission ${APPROVE_PERMISSION} (RBAC
admins; with the permission framework off, a service principal such
as a static token of backend.auth.externalAccess).

${SYNC_EXIT}

Arguments:
  <provider>  the sync's id, as presets sync pending names it

Options:
${SYNC_OPTIONS}
`,
  reject: `Usage: presets sync reject [options] <provider>

Drops the held result of a refused org sync: the catalog keeps what it
has, and the sync's next run is guarded as before. Needs the
permission ${APPROVE_PERMISSION}, as approve does.

${SYNC_EXIT}

Arguments:
  <provider>  the sync's id, as presets sync pending names it

Options:
${SYNC_OPTIONS}
`,
};

const SYNC_ACTIONS = Object.keys(SYNC_USAGE) as SyncAction[];

/**
 * `presets <command> --help`, in the sections (`Usage:`, `Arguments:`,
 * `Options:`) Backstage's CLI reports read, so each command has its own page.
 */
export const COMMAND_USAGE: Record<PresetsCommand, string> = {
  list: `Usage: presets list [options]

Every available preset (shipped and VEECODE_PRESETS_PATH folders) with
version, group, dependencies, description, and each required variable
marked set or missing in this environment. Exit 0, or 78 when a preset
file is broken.

Options:
${JSON_OPTION}
${HELP_OPTION}
`,
  check: `Usage: presets check [options]

The boot gate's full validation without starting the backend. The
selection defaults to VEECODE_PRESETS. Exit 0 when the backend would
start, 78 when it would not.

Options:
${SELECTION_OPTIONS}
${JSON_OPTION}
${HELP_OPTION}
`,
  explain: `Usage: presets explain [options]

What the selection would load: its plugins, the auth and catalog
providers its presets name, and the config leaves with their layer
(secrets hidden). The selection defaults to VEECODE_PRESETS. Exit 0,
or 78 when the selection would not boot.

Options:
${SELECTION_OPTIONS}
${JSON_OPTION}
${HELP_OPTION}
`,
  lint: `Usage: presets lint [options] <file|dir>...

For preset authors: schema errors, undeclared variables, plugins pinned
to another Backstage release and required variables without docs are
errors (exit 78); unused, unprefixed or unflagged secret variables are
warnings (exit 0).

Arguments:
  <file|dir>...    the preset files, and folders of them, to lint

Options:
${JSON_OPTION}
${HELP_OPTION}
`,
  doctor: `Usage: presets doctor [options]

Live checks of the credentials and endpoints the selection's final
config names, with the environment and config layers the backend would
get, before a boot: one line per check, with a fix naming the variable
on a problem. Secret values are never shown. The selection defaults to
VEECODE_PRESETS. Exit 0 when every check passes, 78 otherwise.

Options:
${SELECTION_OPTIONS}
  --timeout <seconds>  each check's time (default ${DEFAULT_DOCTOR_TIMEOUT_SECONDS})
${JSON_OPTION}
${HELP_OPTION}
`,
  sync: `Usage: presets sync [options] <command>

On a running backend, the org syncs the guard refused (an empty,
collapsed or stepwise run), held until a person approves or rejects
them. Each command has its own page (presets sync <command> --help).

Commands:
  pending             the refused syncs waiting, with what approving changes
  approve <provider>  apply the held result now (may delete users and groups)
  reject <provider>   drop the held result; the catalog keeps what it has

Options:
${SYNC_OPTIONS}
`,
};

const FLAGS: Record<PresetsCommand, string[]> = {
  list: ['json'],
  check: ['json', 'presets', 'backend'],
  explain: ['json', 'presets', 'backend'],
  lint: ['json'],
  doctor: ['json', 'presets', 'backend', 'timeout'],
  sync: ['json', 'url', 'token-file'],
};

function isSyncAction(value: string | undefined): value is SyncAction {
  return value !== undefined && Object.hasOwn(SYNC_USAGE, value);
}

/** `sync <action> [<provider>]`: the operands after `sync`. */
function parseSyncOperands(
  operands: string[],
): { sync: { action: SyncAction; provider?: string } } | { error: string } {
  const [action, ...rest] = operands;
  if (!isSyncAction(action)) {
    return {
      error:
        action === undefined
          ? `sync needs a command: ${SYNC_ACTIONS.join(', ')}`
          : `unknown sync command "${action}" (${SYNC_ACTIONS.join(', ')})`,
    };
  }
  if (action === 'pending') {
    return rest.length > 0
      ? { error: `unexpected argument "${rest[0]}"` }
      : { sync: { action } };
  }
  const [provider, ...extra] = rest;
  if (!provider) {
    return {
      error: `sync ${action} needs the provider, as "presets sync pending" names it`,
    };
  }
  if (extra.length > 0) {
    return { error: `unexpected argument "${extra[0]}"` };
  }
  return { sync: { action, provider } };
}

/** `--url`: an http(s) URL, the backend's base URL. */
function urlError(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `--url needs the backend's base URL (http://host:7007), not "${url}"`;
  }
  return parsed.protocol === 'http:' || parsed.protocol === 'https:'
    ? undefined
    : `--url needs an http or https URL, not "${url}"`;
}

function isCommand(value: string): value is PresetsCommand {
  return Object.hasOwn(FLAGS, value);
}

/**
 * Reads the command line. Returns a usage error message instead of
 * throwing, so the entry point decides how to end.
 */
export function parseCliArgs(
  argv: string[],
):
  | { args: PresetsCliArgs }
  | { help: true; command?: PresetsCommand; syncAction?: SyncAction }
  | { error: string } {
  const parsed = parseArgs(argv, {
    boolean: ['json', 'help'],
    string: ['presets', 'backend', 'timeout', 'url', 'token-file'],
  });
  const [command, ...extra] = parsed._.map(String);
  if (parsed.help) {
    if (command === 'sync' && isSyncAction(extra[0])) {
      return { help: true, command, syncAction: extra[0] };
    }
    // An unknown command with --help gets the overview of every command.
    return command && isCommand(command)
      ? { help: true, command }
      : { help: true };
  }
  if (!command) {
    return { error: 'no command given' };
  }
  if (!isCommand(command)) {
    return { error: `unknown command "${command}"` };
  }
  // Only lint takes operands: the files and folders to lint.
  if (command === 'lint' && extra.length === 0) {
    return { error: 'lint needs at least one preset file or folder' };
  }
  const sync = command === 'sync' ? parseSyncOperands(extra) : undefined;
  if (sync && 'error' in sync) {
    return sync;
  }
  if (command !== 'lint' && command !== 'sync' && extra.length > 0) {
    return { error: `unexpected argument "${extra[0]}"` };
  }
  const allowed = new Set(FLAGS[command]);
  const unknown = Object.keys(parsed).find(
    key => key !== '_' && key !== 'help' && !allowed.has(key),
  );
  if (unknown) {
    return { error: `unknown option --${unknown} for "${command}"` };
  }
  // minimist turns a repeated flag into an array; one selection only.
  for (const flag of ['presets', 'backend', 'timeout', 'url', 'token-file']) {
    if (Array.isArray(parsed[flag])) {
      return { error: `--${flag} may be given once` };
    }
  }
  const timeoutSeconds =
    parsed.timeout === undefined ? undefined : Number(parsed.timeout);
  if (
    timeoutSeconds !== undefined &&
    !(Number.isFinite(timeoutSeconds) && timeoutSeconds > 0)
  ) {
    return {
      error: `--timeout needs a number of seconds above 0, not "${parsed.timeout}"`,
    };
  }
  if (parsed.url !== undefined) {
    const error = urlError(parsed.url);
    if (error) {
      return { error };
    }
  }
  if (parsed['token-file'] === '') {
    return {
      error: '--token-file needs the path of the file holding the token',
    };
  }
  return {
    args: {
      command,
      json: Boolean(parsed.json),
      ...(parsed.presets !== undefined && { presets: parsed.presets }),
      ...(parsed.backend !== undefined && { backend: parsed.backend }),
      ...(command === 'lint' && { paths: extra }),
      ...(timeoutSeconds !== undefined && { timeoutSeconds }),
      ...sync,
      ...(parsed.url !== undefined && { url: parsed.url }),
      ...(parsed['token-file'] !== undefined && {
        tokenFile: parsed['token-file'],
      }),
    },
  };
}
