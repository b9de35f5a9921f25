/*
 * VeeCode's deployment names, kept as aliases of the shipped presets'
 * variables: the Helm chart's PG_* for postgres and the production
 * config's RBAC_POLICY_PATH for rbac.
 */
import { loadPresetCatalog } from '../catalog/loadPresetCatalog';
import { REPO_ROOT } from '../__testUtils__/presetRoots';
import path from 'path';

const catalog = loadPresetCatalog({
  shippedDir: path.join(REPO_ROOT, 'presets'),
});

function aliasesOf(preset: string): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(catalog.presets.get(preset)!.requires.variables)
      .filter(([, v]) => v.aliases)
      .map(([name, v]) => [name, v.aliases!]),
  );
}

describe("the shipped catalog's aliases", () => {
  it("postgres takes the Helm chart's PG_* names", () => {
    expect(aliasesOf('postgres')).toEqual({
      POSTGRES_HOST: ['PG_HOST'],
      POSTGRES_PORT: ['PG_PORT'],
      POSTGRES_USER: ['PG_USER'],
      POSTGRES_PASSWORD: ['PG_PASSWORD'],
      POSTGRES_DB: ['PG_DATABASE'],
    });
  });

  it("rbac takes VeeCode's RBAC_POLICY_PATH for its policy file", () => {
    expect(aliasesOf('rbac')).toEqual({
      RBAC_POLICIES_FILE: ['RBAC_POLICY_PATH'],
    });
  });

  it('no other preset declares aliases', () => {
    const withAliases = [...catalog.presets.values()]
      .filter(p => Object.values(p.requires.variables).some(v => v.aliases))
      .map(p => p.name)
      .sort();
    expect(withAliases).toEqual(['postgres', 'rbac']);
  });
});
