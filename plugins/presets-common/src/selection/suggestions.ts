/*
 * "Did you mean ...?" for the names an operator types: preset names in
 * VEECODE_PRESETS and variable names in the environment. Suggestions name
 * presets and variables only, never a value.
 */

/**
 * The optimal string alignment distance: insertions, deletions,
 * substitutions and swaps of two neighbouring characters each cost one, so
 * `githb` and `gihtub` are both one typo away from `github`.
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
  }
  for (let j = 1; j <= b.length; j++) {
    rows[0][j] = j;
  }
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      rows[i][j] = Math.min(
        rows[i - 1][j] + 1,
        rows[i][j - 1] + 1,
        rows[i - 1][j - 1] + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        rows[i][j] = Math.min(rows[i][j], rows[i - 2][j - 2] + 1);
      }
    }
  }
  return rows[a.length][b.length];
}

/**
 * How many typos a name of this length may hold and still be suggested:
 * one for short names, about one in four characters for longer ones, so a
 * short name is not "corrected" into an unrelated one.
 */
function allowedTypos(length: number): number {
  return Math.max(1, Math.floor(length / 4));
}

/**
 * The candidate closest to what was typed, ignoring case, when it is within
 * a few typos; `undefined` when nothing is close enough. Ties go to the
 * first candidate, so pass candidates in a stable order.
 *
 * @public
 */
export function closestName(
  typed: string,
  candidates: Iterable<string>,
): string | undefined {
  const wanted = typed.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    // Each typo changes the length by one at most: most candidates (every
    // variable in the environment) are ruled out without the distance.
    if (
      Math.abs(candidate.length - typed.length) > allowedTypos(candidate.length)
    ) {
      continue;
    }
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (distance === 0 && candidate === typed) {
      // Typed exactly: nothing to suggest.
      continue;
    }
    if (
      distance <= allowedTypos(candidate.length) &&
      (!best || distance < best.distance)
    ) {
      best = { name: candidate, distance };
    }
  }
  return best?.name;
}

/*
 * Last name segments that operators use for the same thing: a variable set
 * as ACME_TOKEN is almost certainly the ACME_PAT a preset asks for. No
 * edit distance finds that (TOKEN and PAT share no letter).
 */
const SYNONYMOUS_SUFFIXES: string[][] = [
  ['PAT', 'TOKEN', 'ACCESS_TOKEN', 'API_TOKEN', 'API_KEY', 'KEY'],
  ['SECRET', 'PASSWORD', 'PASS', 'PWD', 'CLIENT_SECRET'],
  ['URL', 'BASE_URL', 'HOST', 'ENDPOINT', 'SERVER'],
  ['ORG', 'ORGANIZATION', 'OWNER'],
  ['USER', 'USERNAME', 'LOGIN'],
];

/** Splits `GITHUB_API_TOKEN` into a prefix and a suffix that is one of the synonyms, longest suffix first. */
function splitSynonym(
  name: string,
): { prefix: string; group: number } | undefined {
  let found: { prefix: string; group: number; length: number } | undefined;
  SYNONYMOUS_SUFFIXES.forEach((suffixes, group) => {
    for (const suffix of suffixes) {
      if (
        name.endsWith(`_${suffix}`) &&
        (!found || suffix.length > found.length)
      ) {
        found = {
          prefix: name.slice(0, -suffix.length - 1),
          group,
          length: suffix.length,
        };
      }
    }
  });
  return found && { prefix: found.prefix, group: found.group };
}

/**
 * A variable that is set and probably meant as the missing one: a typo or
 * different case (`ACME_PTA`, `acme_pat`), or the same prefix with a
 * synonymous suffix (`ACME_TOKEN` for `ACME_PAT`). `setNames` are the
 * names that hold a value and that no selected preset declares.
 */
export function suggestSetVariable(
  missing: string,
  setNames: string[],
): string | undefined {
  const typo = closestName(missing, setNames);
  if (typo) {
    return typo;
  }
  const wanted = splitSynonym(missing);
  if (!wanted) {
    return undefined;
  }
  return setNames.find(name => {
    const other = splitSynonym(name.toUpperCase());
    return (
      other !== undefined &&
      other.group === wanted.group &&
      other.prefix === wanted.prefix
    );
  });
}
