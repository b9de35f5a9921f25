import fs from 'fs';
import {
  parsePresetFile,
  parsePresetFileWithPositions,
} from '../catalog/parsePresetFile';

/**
 * Asserts that the parser reads a valid preset file on its fast path (no
 * position-keeping YAML document) into exactly what the position-keeping
 * parse gives.
 */
export function expectFastParse(file: string): void {
  // The module object the parser calls into, not an import's copy of it.
  const yaml: typeof import('yaml') = require('yaml');
  const text = fs.readFileSync(file, 'utf8');
  const parseDocument = jest.spyOn(yaml, 'parseDocument');
  const fast = parsePresetFile(file, text);
  expect(parseDocument).not.toHaveBeenCalled();
  parseDocument.mockRestore();
  expect(fast.problems).toEqual([]);
  expect(fast).toEqual(parsePresetFileWithPositions(file, text));
}
