#!/usr/bin/env node
/*
 * Writes presets/preset.schema.json from the JSON Schema the preset library
 * validates with (presetFileSchema), so editors check preset files against
 * the very same rules as the boot gate. A unit test fails when the
 * committed file and the library disagree: run this script then.
 *
 *   node scripts/write-preset-schema.cjs
 */
const fs = require('fs');
const path = require('path');

require('@backstage/cli-node/config/nodeTransform.cjs');
const {
  presetFileSchema,
} = require('../plugins/presets-node/src/model/schema.ts');

const file = path.resolve(__dirname, '../presets/preset.schema.json');
fs.writeFileSync(file, `${JSON.stringify(presetFileSchema, null, 2)}\n`);
process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
