/**
 * How many characters of a file's text a problem message may quote: enough
 * to recognise a key or value, too few to turn an error about a file that
 * is not a preset (a linked `/etc/shadow`) into a way of reading it.
 */
export const EXCERPT_LENGTH = 40;

/**
 * How much of a plugin `package` reference of a valid preset a message
 * quotes: OCI references run to some 140 characters, and a message that
 * cuts one off does not say which entry it is about.
 *
 * @public
 */
export const REFERENCE_EXCERPT_LENGTH = 200;

/**
 * Characters a terminal or log viewer would act on instead of showing:
 * C0 and C1 controls (newlines, escape sequences), line and paragraph
 * separators, bidirectional overrides.
 */
/* eslint-disable no-control-regex -- matching them is the point */
const CONTROL =
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** The same, and the quote and backslash, so a quoted excerpt cannot end its quotes. */
const UNSAFE_IN_QUOTES =
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069"\\]/g;
/* eslint-enable no-control-regex */

const SHORT_ESCAPES: Record<string, string> = {
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '"': '\\"',
  '\\': '\\\\',
};

function escapeCharacter(c: string): string {
  return (
    SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  );
}

/**
 * A file or folder name as a message shows it: whole, with the characters
 * a terminal would act on escaped, so a file named with a newline or an
 * escape sequence cannot forge or hide lines of the output.
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL, escapeCharacter);
}

/**
 * Text taken from a file (a key, a value, a parser message that quotes the
 * source) as a problem message may show it: at most `max` characters, cut
 * with an ellipsis, with control characters, quotes and backslashes
 * escaped, so it stays one line and cannot end its quotes. Every message
 * that quotes a file's content goes through here.
 *
 * @public
 */
export function excerpt(value: unknown, max: number = EXCERPT_LENGTH): string {
  const text = String(value);
  // Sliced before splitting into code points, so a huge value costs nothing.
  const chars = Array.from(text.slice(0, 2 * max + 2));
  const cut = chars.length > max;
  const kept = cut ? chars.slice(0, max).join('') : text;
  return `${kept.replace(UNSAFE_IN_QUOTES, escapeCharacter)}${cut ? '…' : ''}`;
}
