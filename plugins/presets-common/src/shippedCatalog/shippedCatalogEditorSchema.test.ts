/*
 * The JSON Schema editors use (presets/preset.schema.json) is the one the
 * library validates with, and every shipped preset points its editor at it.
 */
import fs from 'fs';
import path from 'path';
import { presetFileSchema } from '../model/schema';

const presetsDir = path.resolve(__dirname, '../../../../presets');

describe('the editor schema of preset files', () => {
  it('is the schema the library validates with (regenerate: node scripts/write-preset-schema.cjs)', () => {
    const committed = JSON.parse(
      fs.readFileSync(path.join(presetsDir, 'preset.schema.json'), 'utf8'),
    );
    expect(committed).toEqual(presetFileSchema);
  });

  it.each(fs.readdirSync(presetsDir).filter(f => f.endsWith('.yaml')))(
    '%s names it for yaml-language-server',
    file => {
      const firstLine = fs
        .readFileSync(path.join(presetsDir, file), 'utf8')
        .split('\n')[0];
      expect(firstLine).toBe(
        '# yaml-language-server: $schema=./preset.schema.json',
      );
    },
  );
});
