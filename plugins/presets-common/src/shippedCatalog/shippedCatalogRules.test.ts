/*
 * Users and groups decide permissions (the rbac preset grants by them), so
 * no shipped config may let a location someone registered through the
 * catalog API carry them: only the org sync of an identity preset, or a
 * catalog.locations entry the operator configured with its own rules,
 * brings them (issue 15, item 1).
 */
import fs from 'fs';
import path from 'path';
import { JsonObject } from '@backstage/types';
import { loadPresetCatalog } from '../catalog/loadPresetCatalog';
import { yaml } from '../catalog/lazyYaml';

const repoRoot = path.resolve(__dirname, '../../../..');
const ORG_KINDS = ['user', 'group'];

interface CatalogRule {
  allow?: string[];
  locations?: unknown[];
}

/** The kinds a `catalog.rules` list allows from any location. */
function kindsAllowedEverywhere(config: JsonObject): string[] {
  const catalog = config.catalog as JsonObject | undefined;
  const rules = (catalog?.rules ?? []) as CatalogRule[];
  return rules
    .filter(rule => !rule.locations)
    .flatMap(rule => rule.allow ?? [])
    .map(kind => kind.toLocaleLowerCase('en-US'));
}

describe('shipped catalog rules', () => {
  it('keep User and Group out of locations in the base app-config', () => {
    const base = yaml().parse(
      fs.readFileSync(path.join(repoRoot, 'app-config.yaml'), 'utf8'),
    ) as JsonObject;
    const allowed = kindsAllowedEverywhere(base);
    expect(allowed).toEqual(expect.arrayContaining(['component', 'location']));
    expect(allowed.filter(kind => ORG_KINDS.includes(kind))).toEqual([]);
  });

  it('keep User and Group out of locations in every shipped preset', () => {
    const catalog = loadPresetCatalog({
      shippedDir: path.join(repoRoot, 'presets'),
    });
    expect(catalog.presets.size).toBeGreaterThan(10);
    const widening = [...catalog.presets.values()]
      .filter(preset =>
        kindsAllowedEverywhere(preset.appConfig).some(kind =>
          ORG_KINDS.includes(kind),
        ),
      )
      .map(preset => preset.name);
    expect(widening).toEqual([]);
  });
});
