#!/usr/bin/env node
/*
 * Writes the two generated forms of the JSON Schema the preset library
 * validates with (presetFileSchema):
 *   - presets/preset.schema.json, so editors check preset files against the
 *     very same rules as the boot gate;
 *   - the library's precompiled validator (Ajv standalone code), so no
 *     process compiles the schema at start-up.
 * Unit tests fail when a committed file and the schema disagree: run this
 * script then.
 *
 *   node scripts/write-preset-schema.cjs
 */
const fs = require('fs');
const path = require('path');

require('@backstage/cli-node/config/nodeTransform.cjs');
const {
  presetFileSchema,
} = require('../plugins/presets-common/src/model/schema.ts');
const {
  PRESET_FILE_VALIDATOR_FILE,
  presetFileValidatorSource,
} = require('../plugins/presets-common/src/model/presetFileValidatorSource.ts');

function write(file, text) {
  fs.writeFileSync(file, text);
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}

write(
  path.resolve(__dirname, '../presets/preset.schema.json'),
  `${JSON.stringify(presetFileSchema, null, 2)}\n`,
);
write(
  path.resolve(
    __dirname,
    '../plugins/presets-common',
    PRESET_FILE_VALIDATOR_FILE,
  ),
  presetFileValidatorSource(),
);
