import fs from 'fs';
import path from 'path';
import {
  parsePresetFile,
  parsePresetFileWithPositions,
} from '../catalog/parsePresetFile';

/**
 * One test per valid preset file: the parser reads it on its fast path,
 * without building a position-keeping YAML document, into exactly what the
 * position-keeping parse gives.
 */
// Shared by the fixture tests and the shipped catalog's: a test helper, not a test file.
// eslint-disable-next-line jest/no-export
export function itReadsOnTheFastPath(files: string[]): void {
  it.each(files.map(file => [path.basename(file), file]))(
    'reads %s into the same preset as the position-keeping parse, without building positions',
    (_, file) => {
      // The module object the parser calls into, not an import's copy of it.
      const yaml: typeof import('yaml') = require('yaml');
      const text = fs.readFileSync(file, 'utf8');
      const parseDocument = jest.spyOn(yaml, 'parseDocument');
      const fast = parsePresetFile(file, text);
      expect(parseDocument).not.toHaveBeenCalled();
      parseDocument.mockRestore();
      expect(fast.problems).toEqual([]);
      expect(fast).toEqual(parsePresetFileWithPositions(file, text));
    },
  );
}
