import fs from 'fs';
import os from 'os';
import { join } from 'path';
import { PendingSyncList } from '@devportal/plugin-presets-sync-common';
import { freePort } from '@devportal/test-utils/src/backend/backendProcess';
import { refusedLdapSync } from '@devportal/test-utils/src/fixtures/pendingSync';
import { FIXTURE_CATALOG_ROOT } from '@devportal/test-utils/src/fixtures/presetCatalog';
import { runCli } from './__testUtils__/runCli';
import {
  formatPendingSyncs,
  isPendingSyncList,
  readSyncToken,
  refusalHint,
  syncRoute,
} from './syncPresets';
import { paintFor } from './terminal';

const plain = paintFor(false);
const token = 'Sup3rS3cretStaticToken_do_not_print';

const pending: PendingSyncList = {
  items: [
    refusedLdapSync({ usersLast: 4, usersNow: 1 }),
    {
      provider: 'GithubMultiOrgEntityProvider:acme',
      refusedAt: '2026-12-07T11:30:00.000Z',
      reason: 'the run found no users',
      users: { last: 1, now: 0 },
      groups: { last: 1, now: 1 },
      removed: ['user:default/octocat'],
      added: ['group:acme/platform'],
    },
  ],
};

describe('formatPendingSyncs', () => {
  it('prints one block per held change: counts, what approving removes and adds, and the commands', () => {
    expect(formatPendingSyncs(pending, plain)).toBe(
      `LdapOrgEntityProvider:default
  refused at  2026-12-07T11:23:28.000Z
  reason      the run found 1 of 4 users (25%), below minRetainedShare 0.5
  users       4 → 1 (last applied → refused run)
  groups      3 → 3
  approving removes 3 entities
    user:default/person-02
    user:default/person-03
    user:default/person-04
  approving adds 0 entities
    none
  presets sync approve LdapOrgEntityProvider:default   or   presets sync reject LdapOrgEntityProvider:default

GithubMultiOrgEntityProvider:acme
  refused at  2026-12-07T11:30:00.000Z
  reason      the run found no users
  users       1 → 0 (last applied → refused run)
  groups      1 → 1
  approving removes 1 entity
    user:default/octocat
  approving adds 1 entity
    group:acme/platform
  presets sync approve GithubMultiOrgEntityProvider:acme   or   presets sync reject GithubMultiOrgEntityProvider:acme
`,
    );
  });

  it('says when nothing waits', () => {
    expect(formatPendingSyncs({ items: [] }, plain)).toBe(
      'No refused org sync is waiting for a person.\n',
    );
  });
});

describe('isPendingSyncList', () => {
  it('takes the pending-sync list, not a page or another JSON', () => {
    expect(isPendingSyncList(pending)).toBe(true);
    expect(isPendingSyncList({ items: [] })).toBe(true);
    expect(isPendingSyncList(undefined)).toBe(false);
    expect(isPendingSyncList({ items: [{ provider: 'x' }] })).toBe(false);
    expect(isPendingSyncList([])).toBe(false);
  });
});

describe('syncRoute', () => {
  it('names the provider URI-encoded in the approve and reject routes', () => {
    expect(syncRoute('pending')).toBe('/api/presets/sync/pending');
    expect(syncRoute('approve', 'LdapOrgEntityProvider:default')).toBe(
      '/api/presets/sync/pending/LdapOrgEntityProvider%3Adefault/approve',
    );
    expect(syncRoute('reject', 'a/b')).toBe(
      '/api/presets/sync/pending/a%2Fb/reject',
    );
  });
});

describe('refusalHint', () => {
  it('names the permission on 403, where a token comes from on 401, and what to list on 404 and 409', () => {
    expect(refusalHint(403, 'approve', 'p')).toContain(
      'the permission presets.sync.approve',
    );
    expect(refusalHint(401, 'pending')).toContain(
      'static token of backend.auth.externalAccess',
    );
    expect(refusalHint(404, 'reject', 'p')).toBe(
      'Nothing is pending for p: "presets sync pending" lists what is.',
    );
    expect(refusalHint(409, 'approve', 'p')).toContain('presets sync pending');
    expect(refusalHint(undefined, 'pending')).toContain('--url');
    expect(refusalHint(500, 'pending')).toBeUndefined();
  });
});

describe('readSyncToken', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(join(os.tmpdir(), 'presets-token-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads --token-file before PRESETS_TOKEN, without the trailing newline', () => {
    const file = join(dir, 'token');
    fs.writeFileSync(file, `${token}\n`);
    expect(readSyncToken(file, { PRESETS_TOKEN: 'other' })).toEqual({
      token,
    });
    expect(readSyncToken(undefined, { PRESETS_TOKEN: token })).toEqual({
      token,
    });
  });

  it('names the file or variable of a missing, empty or malformed token, never its value', () => {
    const empty = join(dir, 'empty');
    fs.writeFileSync(empty, '\n');
    const spaced = join(dir, 'spaced');
    fs.writeFileSync(spaced, `Bearer ${token}`);
    expect(readSyncToken(join(dir, 'absent'), {})).toEqual({
      problem: `cannot read --token-file ${join(dir, 'absent')}: ENOENT`,
    });
    expect(readSyncToken(empty, {})).toEqual({
      problem: `--token-file ${empty} is empty`,
    });
    const malformed = readSyncToken(spaced, {});
    expect(malformed).toEqual({
      problem: `the token in --token-file ${spaced} holds spaces or characters other than printable ASCII; a Backstage token has none`,
    });
    expect(readSyncToken(undefined, {})).toMatchObject({
      problem: expect.stringMatching(
        /^no token: set PRESETS_TOKEN, or pass --token-file <path>/,
      ),
    });
  });
});

describe('presets sync', () => {
  const run = (argv: string[], env: Record<string, string> = {}) =>
    runCli(FIXTURE_CATALOG_ROOT, argv, env);

  it('exits 78 without a token, before calling anything', async () => {
    const result = await run(['sync', 'pending']);
    expect(result).toMatchObject({ code: 78, stdout: '' });
    expect(result.stderr).toMatch(
      /^presets sync pending: no token: set PRESETS_TOKEN/,
    );
  });

  it('calls backend.baseUrl of the layered config without --url, and exits 1 with a hint when nothing answers', async () => {
    const port = await freePort();
    const result = await run(
      ['sync', 'approve', 'LdapOrgEntityProvider:default'],
      {
        PRESETS_TOKEN: token,
        BACKEND_BASE_URL: `http://127.0.0.1:${port}`,
      },
    );
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe(
      `presets sync approve: cannot reach http://127.0.0.1:${port}/api/presets/sync/pending/LdapOrgEntityProvider%3Adefault/approve: ECONNREFUSED
Is the backend running? Pass its base URL with --url.
`,
    );
    expect(result.stderr).not.toContain(token);
  });

  it('prefers --url to backend.baseUrl', async () => {
    const port = await freePort();
    const result = await run(
      ['sync', 'pending', '--url', `http://127.0.0.1:${port}/`],
      { PRESETS_TOKEN: token, BACKEND_BASE_URL: 'http://127.0.0.1:1' },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `cannot reach http://127.0.0.1:${port}/api/presets/sync/pending: ECONNREFUSED`,
    );
  });

  it('prints each sync command’s own help page', async () => {
    const overview = await run(['sync', '--help']);
    expect(overview).toMatchObject({ code: 0, stderr: '' });
    expect(overview.stdout).toMatch(
      /^Usage: presets sync \[options\] <command>/,
    );
    expect(overview.stdout).toMatch(/^ {2}approve <provider> {2}/m);
    for (const action of ['pending', 'approve', 'reject']) {
      const result = await run(['sync', action, '--help']);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(
        new RegExp(`^Usage: presets sync ${action} \\[options\\]`),
      );
      expect(result.stdout).toContain('--token-file <path>');
    }
  });
});
