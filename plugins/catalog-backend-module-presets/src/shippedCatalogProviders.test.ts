/*
 * The shipped presets wire the catalog providers they name, each on the
 * schedule of its preset block.
 */
import path from 'path';
import { wire as wireFrom } from './__testUtils__/wire';

/** The repository root, whose presets/ is the shipped catalog. */
const repoRoot = path.resolve(__dirname, '../../..');
const wire = (selection: string) => wireFrom(repoRoot, selection);

describe('catalogModulePresets on the shipped presets', () => {
  it.each([
    [
      'recommended,github,github-auth',
      ['github-provider:default', 'GithubMultiOrgEntityProvider:production'],
    ],
    [
      'github,keycloak',
      ['github-provider:default', 'KeycloakOrgEntityProvider:default'],
    ],
    [
      'azure,azure-auth',
      [
        'AzureDevOpsEntityProvider:default',
        'MicrosoftGraphOrgEntityProvider:default',
      ],
    ],
    [
      'github,gitlab',
      [
        'github-provider:default',
        'GitlabDiscoveryEntityProvider:default',
        'GitlabOrgDiscoveryEntityProvider:default',
      ],
    ],
    [
      'github,azure,ldap',
      [
        'github-provider:default',
        'AzureDevOpsEntityProvider:default',
        'LdapOrgEntityProvider:default',
      ],
    ],
    [
      'github,okta',
      ['github-provider:default', 'OktaOrgEntityProvider:default'],
    ],
    ['recommended', []],
  ])(
    '%s adds exactly %j, each on its own schedule',
    async (selection, expected) => {
      const { names, scheduled } = await wire(selection);
      expect(names).toEqual(expected);
      expect(scheduled.map(s => s.id)).toEqual(
        expected.map(name => `${name}:refresh`),
      );
    },
  );

  it('schedules each source with the frequency and timeout of its preset block', async () => {
    const { scheduled } = await wire('github,azure-auth');
    expect(scheduled).toEqual([
      {
        id: 'github-provider:default:refresh',
        frequency: { minutes: 30 },
        timeout: { minutes: 3 },
      },
      {
        id: 'MicrosoftGraphOrgEntityProvider:default:refresh',
        frequency: { hours: 1 },
        timeout: { minutes: 5 },
      },
    ]);
  });
});
