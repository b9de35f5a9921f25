import {
  guestInProductionWarning,
  PresetProblem,
  PresetResolution,
  PRESETS_ENV,
  resolvePresets,
  ResolvePresetsOptions,
} from '@devportal/plugin-presets-common';

/** The outcome of `presets check`; the `--json` shape, so keep it stable. */
export interface CheckResult {
  ok: boolean;
  /** The selected presets that were found, in selection order. */
  presets: { name: string; version: string }[];
  problems: PresetProblem[];
  /** Accepted, but what the gate would warn about at boot. */
  warnings: string[];
}

/** Options of the CLI commands that resolve a selection. */
export type SelectionOptions = ResolvePresetsOptions & {
  /** `--presets`: replaces `VEECODE_PRESETS` for this run only. */
  selection?: string;
};

/**
 * Runs the boot gate's resolution, and nothing else: the same call the
 * backend makes first, so `check`, `explain` and a boot cannot disagree.
 */
export function resolveSelection(options: SelectionOptions): PresetResolution {
  const { selection, ...resolveOptions } = options;
  const env = resolveOptions.env ?? process.env;
  return resolvePresets({
    ...resolveOptions,
    env: selection === undefined ? env : { ...env, [PRESETS_ENV]: selection },
  });
}

/** The selected presets that were found, by name and version. */
export function selectedPresets(
  resolution: PresetResolution,
): { name: string; version: string }[] {
  return resolution.presets.map(p => ({ name: p.name, version: p.version }));
}

/** `presets check`: the gate's verdict on a selection. */
export function checkPresets(options: SelectionOptions): CheckResult {
  const resolution = resolveSelection(options);
  const guest = guestInProductionWarning(
    options.env ?? process.env,
    resolution.presets,
  );
  return {
    ok: resolution.problems.length === 0,
    presets: selectedPresets(resolution),
    problems: resolution.problems,
    warnings: [...resolution.warnings, ...(guest ? [guest] : [])],
  };
}
