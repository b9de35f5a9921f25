import { configKeyVariables } from './configKeyVariables';
import { Preset } from './types';

const preset = (appConfig: Preset['appConfig']): Preset => ({
  name: 'scm',
  description: 'scm',
  version: '1.0.0',
  requires: { presets: [], groups: {}, oneOf: [], variables: {} },
  derived: {},
  plugins: [],
  appConfig,
  source: '/presets/scm.yaml',
});

describe('configKeyVariables', () => {
  it('names the variables of a key inside a $each block, for every entry it makes', () => {
    const presets = [
      preset({
        catalog: {
          providers: {
            scm: {
              $each: 'SCM_ORG',
              $key: 'default',
              $value: {
                organization: '${SCM_ORG}',
                host: '${SCM_HOST}',
                orgs: { $each: 'SCM_TEAMS', $value: '${SCM_TEAMS}' },
              },
            },
          },
        },
      }),
    ];
    for (const id of ['default', 'default-globex']) {
      expect(
        configKeyVariables(presets, `catalog.providers.scm.${id}.organization`),
      ).toEqual(['SCM_ORG']);
      expect(
        configKeyVariables(presets, `catalog.providers.scm.${id}.orgs[1]`),
      ).toEqual(['SCM_TEAMS']);
    }
    expect(
      configKeyVariables(presets, 'catalog.providers.scm.default'),
    ).toEqual(['SCM_ORG', 'SCM_HOST', 'SCM_TEAMS']);
  });
});
