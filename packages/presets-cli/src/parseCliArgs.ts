import parseArgs from 'minimist';

/** The exit code of a command line the CLI does not understand: EX_USAGE from sysexits(3). */
export const EXIT_USAGE = 64;

/** The commands `presets` knows. */
export type PresetsCommand = 'list' | 'check' | 'explain' | 'lint' | 'doctor';

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

Options:
  --json                   machine-readable output on stdout
  --presets a,b            the selection to use instead of VEECODE_PRESETS (check, explain,
                           doctor)
  --backend <dir>          the backend package whose node_modules hold the npm plugins
                           (check, explain, doctor); defaults to the workspace's backend package
                           (Backstage role "backend"), else the current directory
  --timeout <seconds>      each live check's time (doctor); default 10
  --help                   this text
`;

const JSON_OPTION = `  --json           machine-readable output on stdout`;
const SELECTION_OPTIONS = `  --presets a,b    the selection to use instead of VEECODE_PRESETS
  --backend <dir>  the backend package whose node_modules hold the npm plugins;
                   defaults to the workspace's backend package (Backstage role
                   "backend"), else the current directory`;
const HELP_OPTION = `  --help           this text`;

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
};

const FLAGS: Record<PresetsCommand, string[]> = {
  list: ['json'],
  check: ['json', 'presets', 'backend'],
  explain: ['json', 'presets', 'backend'],
  lint: ['json'],
  doctor: ['json', 'presets', 'backend', 'timeout'],
};

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
  | { help: true; command?: PresetsCommand }
  | { error: string } {
  const parsed = parseArgs(argv, {
    boolean: ['json', 'help'],
    string: ['presets', 'backend', 'timeout'],
  });
  const [command, ...extra] = parsed._.map(String);
  if (parsed.help) {
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
  if (command !== 'lint' && extra.length > 0) {
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
  for (const flag of ['presets', 'backend', 'timeout']) {
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
  return {
    args: {
      command,
      json: Boolean(parsed.json),
      ...(parsed.presets !== undefined && { presets: parsed.presets }),
      ...(parsed.backend !== undefined && { backend: parsed.backend }),
      ...(command === 'lint' && { paths: extra }),
      ...(timeoutSeconds !== undefined && { timeoutSeconds }),
    },
  };
}
