/**
 * The items of a comma-separated list as operators write them in a
 * variable (`VEECODE_PRESETS`, `BACKSTAGE_ENV`, a preset's list of refs): blanks
 * around items and empty items ignored.
 *
 * @public
 */
export function splitList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map(item => item.trim())
    .filter(Boolean);
}
