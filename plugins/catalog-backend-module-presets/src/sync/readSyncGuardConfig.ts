import { Config } from '@backstage/config';
import { stringifyError } from '@backstage/errors';
import {
  PresetProblem,
  PresetsConfigError,
} from '@devportal/plugin-presets-node';

/** How much a sync may lose, against the last applied one, before it is refused. */
export interface SyncGuardConfig {
  /** Apply a sync that returns no users (or groups, or discovered entities) although the last one had some. */
  allowEmpty: boolean;
  /**
   * Org sync: refuse a result with fewer users or groups than this share
   * of the last applied sync (0..1); 0 turns the check off.
   */
  minRetainedShare: number;
}

/** Fewer than half the users of the last good sync is a collapse by default. */
export const DEFAULT_MIN_RETAINED_SHARE = 0.5;

const ALLOW_EMPTY_KEY = 'identityPresets.orgSync.allowEmpty';
const SHARE_KEY = 'identityPresets.orgSync.minRetainedShare';

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
      message: stringifyError(error).replace(/^Error: /, ''),
      hint,
    });
    return undefined;
  }
}

/**
 * Reads `identityPresets.orgSync`, with Backstage's own conversions (so
 * `"true"` or `"0.3"` from an env substitution work). A value of the wrong
 * type or out of range refuses startup (exit 78) naming the key: a guard
 * that silently fell back to its default would protect differently from
 * what the operator asked for.
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
  if (problems.length > 0) {
    throw new PresetsConfigError(problems);
  }
  return {
    allowEmpty: allowEmpty ?? false,
    minRetainedShare: share ?? DEFAULT_MIN_RETAINED_SHARE,
  };
}
