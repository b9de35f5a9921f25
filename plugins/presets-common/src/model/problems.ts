import { CustomErrorBase } from '@backstage/errors';

/**
 * What kind of mistake a problem reports. Stable strings, so tooling (the
 * future `presets check --json`) can group them.
 *
 * @public
 */
export type PresetProblemKind =
  | 'invalid-file'
  | 'invalid-folder'
  | 'invalid-name'
  | 'duplicate-preset'
  | 'unknown-preset'
  | 'preset-order'
  | 'exclusive-group'
  | 'missing-group'
  | 'missing-variables'
  | 'invalid-variables'
  | 'unresolved-plugin'
  | 'plugin-not-installed'
  | 'invalid-config';

/**
 * One thing an operator must fix before the backend can start. `message`
 * names the file, preset, field or variable; `hint` says how to fix it.
 * Neither ever holds the value of a variable.
 *
 * @public
 */
export interface PresetProblem {
  kind: PresetProblemKind;
  message: string;
  hint?: string;
}

/**
 * The exit code of a refused boot: EX_CONFIG from sysexits(3).
 *
 * @public
 */
export const EXIT_CONFIG = 78;

/**
 * Thrown when the preset selection cannot be honoured. Carries every
 * problem found, not just the first, and the exit code the process should
 * end with.
 *
 * @public
 */
export class PresetsConfigError extends CustomErrorBase {
  name = 'PresetsConfigError' as const;
  readonly exitCode = EXIT_CONFIG;
  declare readonly problems: PresetProblem[];

  constructor(problems: PresetProblem[], cause?: Error) {
    super(formatProblems(problems), cause);
    // Not enumerable: a logger that prints an error's fields would print
    // every problem again after the message that already lists them.
    Object.defineProperty(this, 'problems', {
      value: problems,
      enumerable: false,
    });
    // A user's mistake gets no stack trace: Backstage logs a failed
    // module's error with its stack, which repeats the message too.
    this.stack = `${this.name}: exit code ${EXIT_CONFIG}`;
  }
}

/**
 * Renders problems the way the boot gate prints them.
 *
 * @public
 */
export function formatProblems(problems: PresetProblem[]): string {
  const count =
    problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const lines = [
    `DevPortal presets: refusing to start, ${count} found (fix them all, then restart):`,
  ];
  problems.forEach((problem, index) => {
    const [first, ...rest] = problem.message.split('\n');
    lines.push('', `  ${index + 1}. ${first}`);
    for (const line of rest) {
      lines.push(`     ${line}`);
    }
    if (problem.hint) {
      lines.push(`     Fix: ${problem.hint}`);
    }
  });
  return lines.join('\n');
}

function isPresetsConfigError(value: unknown): value is PresetsConfigError {
  return (
    value instanceof Error &&
    value.name === 'PresetsConfigError' &&
    Array.isArray((value as PresetsConfigError).problems)
  );
}

/**
 * Finds the `PresetsConfigError`s inside an error a backend start failed
 * with: in its `cause` chain and in the per-plugin and per-module failures
 * of Backstage's `BackendStartupError`. Returns every problem they carry,
 * or `undefined` when the failure was not about presets.
 *
 * @public
 */
export function findPresetProblems(
  error: unknown,
): PresetProblem[] | undefined {
  const found: PresetProblem[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown) => {
    if (!value || typeof value !== 'object' || seen.has(value)) {
      return;
    }
    seen.add(value);
    if (isPresetsConfigError(value)) {
      found.push(...value.problems);
      return;
    }
    visit((value as { cause?: unknown }).cause);
    const result = (value as { result?: { plugins?: unknown } }).result;
    if (result && Array.isArray(result.plugins)) {
      for (const plugin of result.plugins) {
        visit(plugin?.failure?.error);
        for (const module of plugin?.modules ?? []) {
          visit(module?.failure?.error);
        }
      }
    }
  };
  visit(error);
  return found.length > 0 ? found : undefined;
}
