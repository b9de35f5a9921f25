/*
 * The boot gate validates preset files with a precompiled validator; it
 * must be the one Ajv generates from the schema as it is now.
 */
import fs from 'fs';
import path from 'path';
import {
  PRESET_FILE_VALIDATOR_FILE,
  presetFileValidatorSource,
} from './presetFileValidatorSource';

describe('the precompiled preset file validator', () => {
  it('is generated from the current schema (regenerate: node scripts/write-preset-schema.cjs)', () => {
    const committed = fs.readFileSync(
      path.resolve(__dirname, '../..', PRESET_FILE_VALIDATOR_FILE),
      'utf8',
    );
    expect(committed).toBe(presetFileValidatorSource());
  });
});
