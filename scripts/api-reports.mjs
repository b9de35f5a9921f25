#!/usr/bin/env node
/*
 * API reports for every package we publish: the workspaces under plugins/
 * and packages/ that are not private. A library gets `report.api.md` beside
 * its package.json (API Extractor); a CLI (Backstage role `cli`) gets
 * `cli-report.md`, read from `<bin> --help` and each command's `--help`. The
 * list is read from the folders at each run, so a package added or split
 * there is covered without an edit here. The reports are Backstage's own
 * (`backstage-repo-tools api-reports`): a change of a published API shows up
 * as a diff of its report in review.
 *
 *   yarn build:api-reports         writes the reports
 *   yarn build:api-reports --ci    fails when a report is out of date (npm test runs this)
 *
 * Any other argument is passed on to `backstage-repo-tools api-reports`.
 */
import { spawnSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import { fileURLToPath } from 'url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The published packages: non-private workspaces under plugins/ and packages/. */
function publishedPackageDirs() {
  return ['plugins', 'packages']
    .flatMap(folder =>
      fs
        .readdirSync(path.join(root, folder), { withFileTypes: true })
        .filter(entry => entry.isDirectory())
        .map(entry => path.join(folder, entry.name)),
    )
    .filter(dir => {
      const file = path.join(root, dir, 'package.json');
      return (
        fs.existsSync(file) &&
        !JSON.parse(fs.readFileSync(file, 'utf8')).private
      );
    })
    .sort();
}

const dirs = publishedPackageDirs();
const options = [
  // The declarations API Extractor reads (dist-types/) are compiled fresh
  // for these packages, so a stale dist-types/ never decides a report.
  '--tsc',
  // Backstage's own settings for a plugin monorepo: workspace packages point
  // `types` at their TypeScript sources (ae-wrong-input-file-type), and a
  // member without TSDoc is not a problem of the API (ae-undocumented).
  // Every other API Extractor or TSDoc warning fails the run.
  '--omit-messages',
  'ae-wrong-input-file-type,ae-undocumented',
  // Everything an index exports is @public.
  '--validate-release-tags',
];
const result = spawnSync(
  path.join(root, 'node_modules/.bin/backstage-repo-tools'),
  ['api-reports', ...options, ...process.argv.slice(2), ...dirs],
  { cwd: root, stdio: 'inherit' },
);
if (result.error) {
  throw result.error;
}
process.exit(result.status ?? 1);
