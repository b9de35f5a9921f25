import { screen, within } from '@testing-library/react';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { PresetsPage } from './PresetsPage';

const status = {
  presets: [
    { name: 'recommended', version: '1.2.0' },
    { name: 'ldap', version: '1.0.1' },
  ],
  auth: { preset: 'ldap', providers: [{ id: 'ldap', title: 'LDAP bind' }] },
  sync: [
    {
      provider: 'LdapOrgEntityProvider:default',
      kind: 'org',
      lastRun: {
        at: '2026-12-07T11:23:28.000Z',
        outcome: 'refused',
        durationMs: 16,
        counts: { users: 1, groups: 3, entities: 4 },
      },
      lastApplied: {
        at: '2026-12-07T11:23:13.000Z',
        outcome: 'applied',
        durationMs: 20,
        counts: { users: 4, groups: 3, entities: 7 },
      },
    },
    {
      provider: 'GithubEntityProvider:acme',
      kind: 'discovery',
      lastRun: 'never run',
      lastApplied: 'never run',
    },
  ],
};

const plugins = [
  {
    package: '@backstage/plugin-catalog-backend',
    version: '4.0.0',
    role: 'backend-plugin',
  },
  {
    package: '@backstage/plugin-scaffolder-backend-module-gitlab',
    version: '0.9.0',
    role: 'backend-plugin-module',
    preset: 'gitlab',
  },
];

/** The presets backend's two routes, at the URL discovery names. */
function presetsBackend(answers: Record<string, [number, unknown]>) {
  return jest.fn(async (input: RequestInfo | URL) => {
    const url = String(input instanceof Request ? input.url : input);
    const [code, body] = answers[url] ?? [
      404,
      { error: { message: 'Not found' } },
    ];
    return {
      ok: code === 200,
      status: code,
      statusText: code === 200 ? 'OK' : 'Error',
      json: async () => body,
    } as Response;
  });
}

function renderPage(answers: Record<string, [number, unknown]>) {
  return renderInTestApp(<PresetsPage />, {
    apis: [
      mockApis.discovery({ baseUrl: 'http://portal.test' }),
      mockApis.fetch({
        baseImplementation: presetsBackend(answers) as typeof fetch,
      }),
    ],
  });
}

describe('PresetsPage', () => {
  it('lists the presets, the sign-in provider, each source’s last and last applied run, and the plugins', async () => {
    renderPage({
      'http://portal.test/api/presets/status': [200, status],
      'http://portal.test/api/presets/plugins': [200, plugins],
    });

    const presets = await screen.findByRole('table', {
      name: 'Selected presets',
    });
    expect(
      within(presets)
        .getAllByRole('row')
        .map(r => r.textContent),
    ).toEqual(['PresetVersion', 'recommended1.2.0', 'ldap1.0.1']);

    expect(screen.getByRole('table', { name: 'Sign-in' })).toHaveTextContent(
      'ldapLDAP bind (ldap)',
    );

    const sync = screen.getByRole('table', { name: 'Org sync and discovery' });
    const [ldapRow, githubRow] = within(sync).getAllByRole('row').slice(1);
    const cells = within(ldapRow)
      .getAllByRole('cell')
      .map(c => c.textContent);
    expect(cells[0]).toBe('LdapOrgEntityProvider:default');
    expect(cells[1]).toBe('org sync');
    expect(cells[2]).toMatch(
      /^refused: 1 user, 3 groups, 4 entities \(.*, 16 ms\)$/,
    );
    expect(cells[3]).toMatch(
      /^applied: 4 users, 3 groups, 7 entities \(.*, 20 ms\)$/,
    );
    expect(githubRow).toHaveTextContent(
      'GithubEntityProvider:acmediscoverynever runnever run',
    );

    const pluginRows = within(
      screen.getByRole('table', { name: 'Plugins' }),
    ).getAllByRole('row');
    expect(pluginRows[1]).toHaveTextContent('the backend (built in)');
    expect(pluginRows[2]).toHaveTextContent('preset gitlab');
  });

  it('says which route failed and why', async () => {
    renderPage({
      'http://portal.test/api/presets/status': [
        401,
        {
          error: {
            name: 'AuthenticationError',
            message: 'Missing credentials',
          },
        },
      ],
      'http://portal.test/api/presets/plugins': [200, plugins],
    });
    expect(
      await screen.findByText(
        /GET \/api\/presets\/status answered 401: Missing credentials/,
      ),
    ).toBeInTheDocument();
  });
});
