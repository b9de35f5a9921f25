/*
 * Every boot parses every shipped preset: each one must take the parser's
 * fast path (no positions) and read the same as the position-keeping parse.
 */
import fs from 'fs';
import path from 'path';
import { parseBothWays } from '../__testUtils__/parseBothWays';

const shippedDir = path.resolve(__dirname, '../../../../presets');
const shippedFiles = fs
  .readdirSync(shippedDir)
  .filter(name => /\.ya?ml$/.test(name))
  .map(name => path.join(shippedDir, name));

describe('the fast path on the shipped catalog', () => {
  afterEach(() => jest.restoreAllMocks());

  it('has the shipped catalog to compare with', () => {
    expect(shippedFiles.length).toBeGreaterThanOrEqual(10);
  });

  it.each(shippedFiles.map(file => [path.basename(file), file]))(
    'reads %s into the same preset as the position-keeping parse, without building positions',
    (_, file) => {
      const { fast, builtPositions, withPositions } = parseBothWays(file);
      expect(builtPositions).toBe(false);
      expect(fast.problems).toEqual([]);
      expect(fast).toEqual(withPositions);
    },
  );
});
