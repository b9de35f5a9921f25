#!/usr/bin/env node
/*
 * `prepack`/`postpack` of this package: the shipped preset catalog lives at
 * the repository root (`presets/`, next to `backstage.json`), where the
 * backend and the docs read it, but a backend that installs the published
 * library needs it too. Packing copies it into the package folder (listed in
 * `files`) and removes the copy afterwards, so there is one catalog in git.
 *
 *   node bin/packCatalog.js copy|remove
 */
const fs = require('fs');
const path = require('path');

const packageDir = path.resolve(__dirname, '..');
const repoCatalog = path.resolve(packageDir, '../../presets');
const packedCatalog = path.join(packageDir, 'presets');

function copyCatalog() {
  if (!fs.existsSync(repoCatalog)) {
    process.stderr.write(
      `presets-common prepack: no preset catalog at ${repoCatalog}; pack from the repository checkout\n`,
    );
    process.exit(1);
  }
  fs.rmSync(packedCatalog, { recursive: true, force: true });
  // The preset files and the editor schema they reference; not the docs.
  fs.cpSync(repoCatalog, packedCatalog, {
    recursive: true,
    filter: src =>
      fs.statSync(src).isDirectory() || /\.(ya?ml|json)$/.test(src),
  });
}

function removeCatalog() {
  fs.rmSync(packedCatalog, { recursive: true, force: true });
}

const command = process.argv[2];
if (command === 'copy') {
  copyCatalog();
} else if (command === 'remove') {
  removeCatalog();
} else {
  process.stderr.write('usage: node bin/packCatalog.js copy|remove\n');
  process.exit(64);
}
