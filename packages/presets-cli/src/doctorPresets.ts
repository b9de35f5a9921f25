import { PresetProblem } from '@devportal/plugin-presets-common';
import {
  SelectionOptions,
  resolveSelection,
  selectedPresets,
} from './checkPresets';
import { configOfLayers, readSelectionLayers } from './explainPresets';
import { DOCTOR_CHECKS } from './doctor/checkTable';
import { DoctorCheckFactory } from './doctor/doctorCheck';
import { DoctorCheckResult, runChecks } from './doctor/runChecks';

/** The outcome of `presets doctor`; the `--json` shape, so keep it stable. */
export interface DoctorResult {
  /** Every check passed (info lines do not count) and the selection boots. */
  ok: boolean;
  presets: { name: string; version: string }[];
  checks: DoctorCheckResult[];
  /** Why the selection would not boot: then no live check runs. */
  problems: PresetProblem[];
}

/** Options of {@link doctorPresets}. */
export type DoctorOptions = SelectionOptions & {
  /** Each check's time, in milliseconds. */
  timeoutMs: number;
  /** The checks to run; every check `doctor` knows by default. */
  table?: Record<string, DoctorCheckFactory>;
};

/**
 * `presets doctor`: the gate's resolution, the config layers the backend
 * merges, then live checks of the credentials and endpoints that config
 * names. A selection the gate refuses gets its problems and no checks.
 */
export async function doctorPresets(
  options: DoctorOptions,
): Promise<DoctorResult> {
  const { timeoutMs, table = DOCTOR_CHECKS, ...selection } = options;
  const resolution = resolveSelection(selection);
  const presets = selectedPresets(resolution);
  const { layers, problems } = await readSelectionLayers(resolution, {
    env: selection.env,
    rootDir: selection.rootDir,
  });
  const refused = [...resolution.problems, ...problems];
  if (refused.length > 0) {
    return { ok: false, presets, checks: [], problems: refused };
  }
  const checks = await runChecks({
    config: configOfLayers(layers),
    presets: resolution.presets,
    table,
    timeoutMs,
    secrets: resolution.secrets,
  });
  return {
    ok: checks.every(check => check.status !== 'problem'),
    presets,
    checks,
    problems: [],
  };
}
