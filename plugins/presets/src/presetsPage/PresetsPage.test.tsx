import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { PendingSyncList } from '@devportal/plugin-presets-sync-common';
import { SWRConfig } from 'swr';
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

/**
 * The presets backend's routes, at the URL discovery names: a GET by its
 * URL, another method as "POST <url>".
 */
function presetsBackend(answers: Record<string, [number, unknown]>) {
  return jest.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input instanceof Request ? input.url : input);
    const method = input instanceof Request ? input.method : init?.method;
    const key = !method || method === 'GET' ? url : `${method} ${url}`;
    const [code, body] = answers[key] ?? [
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

function renderPage(
  answers: Record<string, [number, unknown]>,
  authorize:
    | AuthorizeResult.ALLOW
    | AuthorizeResult.DENY = AuthorizeResult.ALLOW,
) {
  const backend = presetsBackend(answers);
  // usePermission caches its answers in SWR's global cache: a cache per
  // test keeps one test's DENY from answering the next one.
  renderInTestApp(
    <SWRConfig value={{ provider: () => new Map() }}>
      <PresetsPage />
    </SWRConfig>,
    {
      apis: [
        mockApis.discovery({ baseUrl: 'http://portal.test' }),
        mockApis.fetch({ baseImplementation: backend as typeof fetch }),
        mockApis.permission({ authorize }),
      ],
    },
  );
  return backend;
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

const PENDING = 'http://portal.test/api/presets/sync/pending';
const APPROVE = `POST ${PENDING}/LdapOrgEntityProvider%3Adefault/approve`;
const REJECT = `POST ${PENDING}/LdapOrgEntityProvider%3Adefault/reject`;

/** A refused run that would remove 15 of 16 people and add one group. */
const pending: PendingSyncList = {
  items: [
    {
      provider: 'LdapOrgEntityProvider:default',
      refusedAt: '2026-12-07T11:23:28.000Z',
      reason: 'the run found 1 of 16 users (6%), below minRetainedShare 0.5',
      users: { last: 16, now: 1 },
      groups: { last: 3, now: 4 },
      removed: Array.from(
        { length: 15 },
        (_, i) => `user:default/person-${String(i + 2).padStart(2, '0')}`,
      ),
      added: ['group:acme/platform'],
    },
  ],
};

/** The backend's answer to a caller without the permission. */
function notAllowed(message: string): [number, unknown] {
  return [403, { error: { name: 'NotAllowedError', message } }];
}

function overviewAnd(answers: Record<string, [number, unknown]>) {
  return {
    'http://portal.test/api/presets/status': [200, status],
    'http://portal.test/api/presets/plugins': [200, plugins],
    ...answers,
  } as Record<string, [number, unknown]>;
}

describe('PresetsPage, refused org syncs', () => {
  it('shows each pending change: provider, when and why refused, the counts, and the names it would remove and add', async () => {
    renderPage(overviewAnd({ [PENDING]: [200, pending] }));

    const item = await screen.findByRole('region', {
      name: 'LdapOrgEntityProvider:default',
    });
    expect(item).toHaveTextContent(
      /Refused .+: the run found 1 of 16 users \(6%\), below minRetainedShare 0\.5/,
    );
    expect(item).toHaveTextContent(
      'Users 16 → 1, groups 3 → 4 (last applied → refused run)',
    );
    const removes = within(item).getByLabelText('Approving removes');
    expect(removes).toHaveTextContent(
      'person-02 (user), person-03 (user), person-04 (user), person-05 (user), person-06 (user), person-07 (user), person-08 (user), person-09 (user), person-10 (user), person-11 (user) and 5 more',
    );
    expect(item).toHaveTextContent('Approving removes: 15 entities');
    expect(within(item).getByLabelText('Approving adds')).toHaveTextContent(
      /^acme\/platform \(group\)$/,
    );

    await userEvent.click(
      within(removes).getByRole('button', { name: 'Show all' }),
    );
    expect(removes).toHaveTextContent(/person-16 \(user\)$/);
    expect(removes).not.toHaveTextContent('more');
  });

  it('offers approve and reject only to those the permission framework allows', async () => {
    renderPage(
      overviewAnd({ [PENDING]: [200, pending] }),
      AuthorizeResult.DENY,
    );
    const item = await screen.findByRole('region', {
      name: 'LdapOrgEntityProvider:default',
    });
    expect(within(item).queryByRole('button', { name: 'Approve' })).toBeNull();
    expect(within(item).queryByRole('button', { name: 'Reject' })).toBeNull();
  });

  it('asks before approving, approves, and reads the list again', async () => {
    const answers = overviewAnd({
      [PENDING]: [200, pending],
      [APPROVE]: [200, { provider: 'LdapOrgEntityProvider:default' }],
    });
    const backend = renderPage(answers);
    const item = await screen.findByRole('region', {
      name: 'LdapOrgEntityProvider:default',
    });

    await userEvent.click(
      within(item).getByRole('button', { name: 'Approve' }),
    );
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent(
      '15 entities are deleted from it (users 16 → 1, groups 3 → 4) and 1 entity is added',
    );
    // Cancel does nothing.
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Cancel' }),
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(backend.mock.calls.some(([, init]) => init?.method === 'POST')).toBe(
      false,
    );

    answers[PENDING] = [200, { items: [] }];
    await userEvent.click(
      within(item).getByRole('button', { name: 'Approve' }),
    );
    await userEvent.click(
      within(await screen.findByRole('dialog')).getByRole('button', {
        name: 'Approve and delete',
      }),
    );
    expect(await screen.findByRole('status')).toHaveTextContent(
      'Approved LdapOrgEntityProvider:default: its held result is applied to the catalog.',
    );
    expect(
      await screen.findByText('No refused org sync is waiting for a person.'),
    ).toBeInTheDocument();
    expect(
      backend.mock.calls.filter(([, init]) => init?.method === 'POST'),
    ).toHaveLength(1);
  });

  it('rejects without asking', async () => {
    const answers = overviewAnd({
      [PENDING]: [200, pending],
      [REJECT]: [200, { provider: 'LdapOrgEntityProvider:default' }],
    });
    renderPage(answers);
    const item = await screen.findByRole('region', {
      name: 'LdapOrgEntityProvider:default',
    });
    answers[PENDING] = [200, { items: [] }];
    await userEvent.click(within(item).getByRole('button', { name: 'Reject' }));
    expect(await screen.findByRole('status')).toHaveTextContent(
      'Rejected LdapOrgEntityProvider:default: its held result is dropped',
    );
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('shows the backend’s refusal and who may approve when the page offered the button but the backend says 403', async () => {
    renderPage(
      overviewAnd({
        [PENDING]: [200, pending],
        [APPROVE]: notAllowed('Unauthorized: presets.sync.approve'),
      }),
    );
    const item = await screen.findByRole('region', {
      name: 'LdapOrgEntityProvider:default',
    });
    await userEvent.click(
      within(item).getByRole('button', { name: 'Approve' }),
    );
    await userEvent.click(
      within(await screen.findByRole('dialog')).getByRole('button', {
        name: 'Approve and delete',
      }),
    );
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(
      'Error: Could not approve LdapOrgEntityProvider:default',
    );
    // Open, not folded away in the panel.
    expect(within(alert).getByRole('button')).toHaveAttribute(
      'aria-expanded',
      'true',
    );
    expect(
      screen.getByText(
        /POST \/api\/presets\/sync\/pending\/LdapOrgEntityProvider%3Adefault\/approve answered 403: Unauthorized: presets\.sync\.approve/,
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/only a service principal .* does/),
    ).toBeInTheDocument();
    // Still pending: the list is read again and the change is still there.
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(
      screen.getByRole('region', { name: 'LdapOrgEntityProvider:default' }),
    ).toBeInTheDocument();
  });

  it('shows why the list could not be read, with who may read it on a 403 the page did not expect', async () => {
    renderPage(
      overviewAnd({
        [PENDING]: notAllowed('Unauthorized'),
      }),
    );
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent(
      'Error: Could not read the pending org syncs',
    );
    expect(alert).toHaveTextContent(
      'GET /api/presets/sync/pending answered 403: Unauthorized',
    );
    expect(alert).toHaveTextContent(
      'Approving and rejecting need the permission presets.sync.approve',
    );
  });

  it('shows no card to someone denied who may not read the list either', async () => {
    renderPage(
      overviewAnd({
        [PENDING]: notAllowed('Unauthorized'),
      }),
      AuthorizeResult.DENY,
    );
    await screen.findByRole('table', { name: 'Selected presets' });
    await waitFor(() =>
      expect(
        screen.queryByText('Refused org syncs waiting for approval'),
      ).toBeNull(),
    );
  });
});
