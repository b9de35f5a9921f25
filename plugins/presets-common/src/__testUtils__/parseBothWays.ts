import fs from 'fs';
import {
  parsePresetFile,
  parsePresetFileWithPositions,
} from '../catalog/parsePresetFile';

/**
 * Parses a preset file on the parser's fast path and with positions kept,
 * and says whether the fast parse built a position-keeping YAML document.
 */
export function parseBothWays(file: string) {
  // The module object the parser calls into, not an import's copy of it.
  const yaml: typeof import('yaml') = require('yaml');
  const text = fs.readFileSync(file, 'utf8');
  const parseDocument = jest.spyOn(yaml, 'parseDocument');
  const fast = parsePresetFile(file, text);
  const builtPositions = parseDocument.mock.calls.length > 0;
  parseDocument.mockRestore();
  return {
    fast,
    builtPositions,
    withPositions: parsePresetFileWithPositions(file, text),
  };
}
