/**
 * A stream the CLI writes to; `isTTY` decides whether colour is used.
 *
 * @public
 */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Colours text, or leaves it alone when colour is off. */
export interface Paint {
  bold(text: string): string;
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
}

/**
 * Colour only on a terminal, and never when `NO_COLOR` is set to a
 * non-empty value (https://no-color.org): pipes and CI logs get plain text.
 */
export function useColour(
  stream: OutputStream,
  env: Record<string, string | undefined>,
): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR;
}

const sgr = (code: number) => (text: string) =>
  `\u001b[${code}m${text}\u001b[0m`;
const plain = (text: string) => text;

/** The paint for a stream. */
export function paintFor(colour: boolean): Paint {
  return colour
    ? { bold: sgr(1), green: sgr(32), red: sgr(31), yellow: sgr(33) }
    : { bold: plain, green: plain, red: plain, yellow: plain };
}

/**
 * Aligns cells in columns two spaces apart. Widths are measured on the
 * plain text, so a coloured cell lines up with an uncoloured one; the last
 * column is not padded (no trailing blanks).
 */
export function formatTable(
  rows: { text: string; shown?: string }[][],
): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.text.length);
    });
  }
  return rows.map(row =>
    row
      .map((cell, i) => {
        const shown = cell.shown ?? cell.text;
        return i === row.length - 1
          ? shown
          : shown + ' '.repeat(widths[i] - cell.text.length);
      })
      .join('  '),
  );
}
