import { createMockDirectory } from '@backstage/backend-test-utils';
import { configKeyVariables } from './configKeyVariables';
import { Preset } from './types';

const preset = (
  appConfig: Preset['appConfig'],
  derived: Preset['derived'] = {},
): Preset => ({
  name: 'scm',
  description: 'scm',
  version: '1.0.0',
  requires: { presets: [], groups: {}, oneOf: [], variables: {} },
  derived,
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

  it('names the variables a derived value is computed from, not the derived value', () => {
    const presets = [
      preset(
        { scm: { policy: '${SCM_POLICY_PATH:-}', url: '${SCM_URL}' } },
        {
          SCM_POLICY_PATH: {
            description: 'the policy file',
            cases: [
              { when: { set: 'SCM_POLICY' }, value: '${SCM_POLICY}' },
              { when: { file: '/app/policy.csv' }, value: '/app/policy.csv' },
            ],
          },
          SCM_URL: {
            description: 'the URL, keeping an operator value',
            cases: [
              { when: { set: 'SCM_URL' }, value: '${SCM_URL}' },
              { value: '${SCM_POLICY_PATH}/${SCM_HOST}' },
            ],
          },
        },
      ),
    ];
    expect(configKeyVariables(presets, 'scm.policy')).toEqual(['SCM_POLICY']);
    expect(configKeyVariables(presets, 'scm.url')).toEqual([
      'SCM_URL',
      'SCM_POLICY',
      'SCM_HOST',
    ]);
  });

  it("names the variables of a key inside an $include, the environment's pick of its fragment too", () => {
    const mockDir = createMockDirectory({
      content: {
        'presets/data/app.yaml': [
          'app:',
          '  - appId: ${SCM_APP_ID}',
          '    privateKey: ${SCM_APP_KEY}',
          '',
        ].join('\n'),
        'secret.yaml': 'app:\n  - appId: ${OUTSIDE}\n',
      },
    });
    const withInclude = (include: string) => ({
      ...preset({
        integrations: {
          scm: [{ token: '${SCM_TOKEN}', apps: { $include: include } }],
        },
      }),
      source: mockDir.resolve('presets/scm.yaml'),
    });
    for (const include of ['data/app.yaml#${SCM_PICK}', 'data/app.yaml#app']) {
      const presets = [withInclude(include)];
      expect(
        configKeyVariables(presets, 'integrations.scm[0].apps[0].privateKey'),
      ).toEqual(['SCM_APP_KEY']);
      expect(configKeyVariables(presets, 'integrations.scm[0].token')).toEqual([
        'SCM_TOKEN',
      ]);
    }
    // Only the preset's own folder and below: a file elsewhere is not read.
    expect(
      configKeyVariables(
        [withInclude('../secret.yaml#app')],
        'integrations.scm[0].apps[0].appId',
      ),
    ).toEqual([]);
  });
});
