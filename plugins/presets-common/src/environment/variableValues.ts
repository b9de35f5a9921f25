/*
 * How the checks read a variable's value. Here, below both the selection
 * checks and the derived variables, so neither folder imports the other.
 */

/**
 * True when a variable counts as not set: unset, empty or only blanks.
 *
 * @public
 */
export function isUnset(value: string | undefined): boolean {
  return value === undefined || value.trim() === '';
}

/** Whether a value is an absolute http(s) URL. */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value.trim());
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
