/*
 * Every boot parses every shipped preset: each one must take the parser's
 * fast path (no positions) and read the same as the position-keeping parse.
 */
import fs from 'fs';
import path from 'path';
import { itReadsOnTheFastPath } from '../__testUtils__/itReadsOnTheFastPath';

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

  itReadsOnTheFastPath(shippedFiles);
});
