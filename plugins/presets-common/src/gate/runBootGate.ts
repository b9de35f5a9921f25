import { EXIT_CONFIG, formatProblems } from '../model/problems';
import {
  PresetResolution,
  ResolvePresetsOptions,
  resolvePresets,
} from '../selection/resolvePresets';

// The types the gate's answer is made of, so the entry point is complete on
// its own (its callers load nothing else of the library).
export type {
  PresetResolution,
  ResolvePresetsOptions,
} from '../selection/resolvePresets';
export type { PresetOverride } from '../catalog/loadPresetCatalog';
export type {
  PluginEntryKind,
  ResolvedPluginEntry,
} from '../plugins/resolvePluginEntries';
export type {
  Preset,
  PresetFile,
  PresetFilePluginEntry,
  PresetFileRequires,
  PresetFileVariable,
  PresetPluginEntry,
  PresetVariable,
} from '../model/types';
export type { PresetProblem, PresetProblemKind } from '../model/problems';
// Type-only: PresetFile is inferred from the schema; the gate validates with
// the precompiled validator and never loads the schema itself.
export type { presetFileSchema } from '../model/schema';

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
