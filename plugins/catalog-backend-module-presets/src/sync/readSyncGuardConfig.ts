import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import { stringifyError } from '@backstage/errors';
import {
  PresetProblem,
  PresetsConfigError,
} from '@devportal/plugin-presets-common';

/**
 * How much a sync may lose, against the last applied one and the window's peak, before it is refused.
 *
 * @public
 */
export interface SyncGuardConfig {
  /** Apply a sync that returns no users (or groups, or discovered entities) although the last one had some. */
  allowEmpty: boolean;
  /**
   * Org sync: refuse a result with fewer users or groups than this share
   * of the last applied sync, or of the largest one applied within
   * `peakWindowMs` (0..1); 0 turns the check off.
   */
  minRetainedShare: number;
  /**
   * Org sync: how far back (in milliseconds) the largest applied sync
   * still counts for `minRetainedShare`; 0 compares with the last applied
   * sync alone.
   */
  peakWindowMs: number;
}

/**
 * Fewer than half the users of the last good sync is a collapse by default.
 *
 * @public
 */
export const DEFAULT_MIN_RETAINED_SHARE = 0.5;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A week: long enough that walking a directory down in halvings takes
 * weeks rather than two runs, short enough that a real shrink is accepted
 * without the operator by the next week.
 *
 * @public
 */
export const DEFAULT_PEAK_WINDOW_MS = 7 * DAY_MS;

const ALLOW_EMPTY_KEY = 'identityPresets.orgSync.allowEmpty';
const SHARE_KEY = 'identityPresets.orgSync.minRetainedShare';
const WINDOW_KEY = 'identityPresets.orgSync.peakWindow';

/** A window for a log line, in its largest whole unit: `7 days`, `36 hours`. */
export function describeWindow(ms: number): string {
  const units: Array<[string, number]> = [
    ['days', DAY_MS],
    ['hours', 60 * 60 * 1000],
    ['minutes', 60 * 1000],
    ['seconds', 1000],
  ];
  for (const [unit, size] of units) {
    if (ms >= size && ms % size === 0) {
      return `${ms / size} ${unit}`;
    }
  }
  return `${ms} ms`;
}

/** Runs a config getter; a value it cannot convert becomes a problem naming the key. */
function read<T>(
  problems: PresetProblem[],
  get: () => T,
  hint: string,
): T | undefined {
  try {
    return get();
  } catch (error) {
    problems.push({
      kind: 'invalid-config',
      // The key is in the message; the error's class name is noise to an operator.
      message: stringifyError(error).replace(/^[A-Za-z]*Error: /, ''),
      hint,
    });
    return undefined;
  }
}

/**
 * Reads `identityPresets.orgSync`, with Backstage's own conversions (so
 * `"true"` or `"0.3"` from an env substitution work, and `peakWindow`
 * takes every duration form Backstage config does: `7d`, `P7D`,
 * `{ days: 7 }`). A value of the wrong
 * type or out of range refuses startup (exit 78) naming the key: a guard
 * that silently fell back to its default would protect differently from
 * what the operator asked for.
 *
 * @public
 */
export function readSyncGuardConfig(config: Config): SyncGuardConfig {
  const problems: PresetProblem[] = [];
  const allowEmpty = read(
    problems,
    () => config.getOptionalBoolean(ALLOW_EMPTY_KEY),
    `set ${ALLOW_EMPTY_KEY} to true or false, or remove it (default false)`,
  );
  const shareHint = `set ${SHARE_KEY} to a number from 0 to 1, e.g. 0.5 (refuse a sync with fewer than half the users or groups of the last applied one) or 0 (no such check), or remove it (default ${DEFAULT_MIN_RETAINED_SHARE})`;
  const share = read(
    problems,
    () => config.getOptionalNumber(SHARE_KEY),
    shareHint,
  );
  if (share !== undefined && (share < 0 || share > 1)) {
    problems.push({
      kind: 'invalid-config',
      message: `${SHARE_KEY} is ${share}, outside 0..1`,
      hint: shareHint,
    });
  }
  const windowHint = `set ${WINDOW_KEY} to a duration, e.g. 7d, P7D or { days: 7 } (how long the largest applied sync still counts for minRetainedShare), 0ms (compare with the last applied sync alone), or remove it (default 7 days)`;
  const windowMs = read(
    problems,
    () =>
      config.has(WINDOW_KEY)
        ? durationToMilliseconds(
            readDurationFromConfig(config, { key: WINDOW_KEY }),
          )
        : undefined,
    windowHint,
  );
  if (windowMs !== undefined && !(windowMs >= 0 && Number.isFinite(windowMs))) {
    problems.push({
      kind: 'invalid-config',
      message: `${WINDOW_KEY} is negative; it must be a duration of 0 or more`,
      hint: windowHint,
    });
  }
  if (problems.length > 0) {
    throw new PresetsConfigError(problems);
  }
  return {
    allowEmpty: allowEmpty ?? false,
    minRetainedShare: share ?? DEFAULT_MIN_RETAINED_SHARE,
    peakWindowMs: windowMs ?? DEFAULT_PEAK_WINDOW_MS,
  };
}
