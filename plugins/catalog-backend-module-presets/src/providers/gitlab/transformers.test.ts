import { FieldFormatEntityPolicy } from '@backstage/catalog-model';
import {
  gitlabGroupEntitiesTransformer,
  gitlabUserTransformer,
} from './transformers';

const providerConfig = {
  host: 'gitlab.example.com:8443',
  group: 'acme',
} as Parameters<typeof gitlabUserTransformer>[0]['providerConfig'];
const groupNameTransformer = ({ group }: { group: { full_path: string } }) =>
  group.full_path.replaceAll('/', '-');
const acme = { id: 1, name: 'Acme', full_path: 'acme' };
const platform = {
  id: 2,
  name: 'Platform',
  full_path: 'acme/platform',
  parent_id: 1,
  visibility: 'private',
};

describe('GitLab transformers for an instance with a port', () => {
  const policy = new FieldFormatEntityPolicy();

  it('makes Users the catalog accepts, keyed by the host name sign-in looks up', async () => {
    const user = gitlabUserTransformer({
      user: {
        id: 42,
        username: 'ana',
        name: 'Ana Lima',
        email: 'ana@acme.example',
        state: 'active',
        web_url: 'https://gitlab.example.com:8443/ana',
        avatar_url: '',
        groups: [platform],
      },
      integrationConfig: {
        host: 'gitlab.example.com:8443',
        baseUrl: 'https://gitlab.example.com:8443',
        apiBaseUrl: 'https://gitlab.example.com:8443/api/v4',
      },
      providerConfig,
      groupNameTransformer,
    });
    await expect(policy.enforce(user)).resolves.toBe(user);
    // what upstream's default transformer writes, and the catalog refuses
    await expect(
      policy.enforce({
        ...user,
        metadata: {
          name: 'ana',
          annotations: { 'gitlab.example.com:8443/user-id': '42' },
        },
      }),
    ).rejects.toThrow(/annotation/i);
    expect(user.metadata.annotations).toEqual({
      'gitlab.example.com/user-login': 'https://gitlab.example.com:8443/ana',
      'gitlab.example.com/user-id': '42',
    });
    expect(user.spec).toEqual({
      profile: { displayName: 'Ana Lima', email: 'ana@acme.example' },
      memberOf: ['acme-platform'],
    });
  });

  it('makes Groups the catalog accepts, with parents and their GitLab location', async () => {
    const groups = gitlabGroupEntitiesTransformer(
      () => 'https://gitlab.example.com:8443',
    )({ groups: [acme, platform], providerConfig, groupNameTransformer });
    for (const group of groups) {
      await expect(policy.enforce(group)).resolves.toBe(group);
    }
    expect(groups[1].metadata.annotations).toEqual({
      'gitlab.example.com/team-path': 'acme/platform',
      'gitlab.example.com/visibility': 'private',
      'backstage.io/managed-by-location':
        'url:https://gitlab.example.com:8443/acme/platform',
      'backstage.io/managed-by-origin-location':
        'url:https://gitlab.example.com:8443/acme/platform',
    });
    expect(groups.map(g => [g.metadata.name, g.spec.parent])).toEqual([
      ['acme', undefined],
      ['acme-platform', 'acme'],
    ]);
  });
});
