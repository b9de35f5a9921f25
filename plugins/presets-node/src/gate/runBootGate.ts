import { EXIT_CONFIG, formatProblems } from '../model/problems';
import {
  PresetResolution,
  ResolvePresetsOptions,
  resolvePresets,
} from '../selection/resolvePresets';

/** Options for {@link runBootGate}. @public */
export interface BootGateOptions extends ResolvePresetsOptions {
  /** Where problems are printed; defaults to `process.stderr`. */
  stderr?: { write(text: string): unknown };
  /** How the process ends; defaults to `process.exit`. */
  exit?: (code: number) => never;
}

/**
 * The first thing a DevPortal backend runs, before anything heavy is
 * loaded: resolves the preset selection and, on any problem, prints every
 * problem to stderr and ends the process with exit code 78 (EX_CONFIG).
 * Returns the resolution when the selection is usable; a backend hands it
 * on to its service factories instead of resolving again.
 *
 * @public
 */
export function runBootGate(options: BootGateOptions = {}): PresetResolution {
  const stderr = options.stderr ?? process.stderr;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const resolution = resolvePresets(options);
  if (resolution.problems.length > 0) {
    stderr.write(`${formatProblems(resolution.problems)}\n`);
    return exit(EXIT_CONFIG);
  }
  return resolution;
}
