/**
 * The only shape a preset name may take. Checked before a name is used for
 * anything, so a hostile selection such as `../x` never reaches the file
 * system.
 *
 * @public
 */
export const PRESET_NAME_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** @public */
export function isValidPresetName(name: string): boolean {
  return PRESET_NAME_PATTERN.test(name);
}
