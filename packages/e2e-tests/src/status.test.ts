/*
 * GET /api/presets/status against a running backend with the ldap preset
 * and a real slapd: what it says before a sync, after a sync that applied
 * and after a sync that failed, and that it says it to signed-in callers
 * only, without a secret or a config value.
 */
import { ldapToken } from '@devportal/test-utils/src/backend/ldapSignIn';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  BackendProcess,
  repoRoot,
  startBackendProcess,
} from '@devportal/test-utils/src/backend/backendProcess';
import {
  E2E_TOKEN,
  externalAccessEnv,
  runProviderRefresh,
  SYNC_FAILED,
  waitForCatalog,
} from '@devportal/test-utils/src/backend/catalogClient';
import {
  SlapdServer,
  slapdFixture,
  startSlapd,
} from '@devportal/test-utils/src/daemons/slapd';

jest.setTimeout(180_000);

const ORG_SYNC = 'LdapOrgEntityProvider:default';
const SUFFIX = 'dc=example,dc=com';
const ADMIN_DN = `cn=admin,${SUFFIX}`;
const ADMIN_PASSWORD = 'status-admin-secret-P4w';
/** What openldap.ldif holds: 4 users and 3 groups. */
const SEEDED = { users: 4, groups: 3, entities: 7 };

interface Run {
  at: string;
  outcome: string;
  durationMs: number;
  counts?: { users: number; groups: number; entities: number };
}

interface SourceStatus {
  provider: string;
  kind: string;
  lastRun: Run | 'never run';
  lastApplied: Run | 'never run';
}

const ldapPreset = parse(
  readFileSync(join(repoRoot, 'presets/ldap.yaml'), 'utf8'),
) as { version: string; description: string };

/** Every line a run of the org sync ends with, as the catalog module logs it. */
const ORG_SYNC_ENDED = new RegExp(
  `${ORG_SYNC}: (applied|sync failed|rate limited|sync ended|the source returned)`,
);

describe('GET /api/presets/status with VEECODE_PRESETS=ldap', () => {
  let slapd: SlapdServer;
  let backend: BackendProcess;

  async function status(
    headers: Record<string, string> = { Authorization: `Bearer ${E2E_TOKEN}` },
  ) {
    const res = await fetch(`${backend.baseUrl}/api/presets/status`, {
      headers,
    });
    const text = await res.text();
    return { status: res.status, text, json: JSON.parse(text) };
  }

  async function orgSync(): Promise<SourceStatus> {
    const res = await status();
    expect(res.status).toBe(200);
    return res.json.sync.find((s: SourceStatus) => s.provider === ORG_SYNC);
  }

  function expectNoSecretOrConfigValue(text: string) {
    expect(text).not.toContain(ADMIN_PASSWORD);
    expect(text).not.toContain(ADMIN_DN);
    expect(text).not.toContain(slapd.url);
    expect(text).not.toContain(`${slapd.port}`);
  }

  beforeAll(async () => {
    slapd = await startSlapd({
      suffix: SUFFIX,
      rootDn: ADMIN_DN,
      rootPassword: ADMIN_PASSWORD,
      seedLdif: slapdFixture('openldap.ldif'),
    });
    backend = await startBackendProcess({
      env: {
        VEECODE_PRESETS: 'ldap',
        LDAP_URL: slapd.url,
        LDAP_DN: ADMIN_DN,
        LDAP_SECRET: ADMIN_PASSWORD,
        LDAP_USERS_BASE_DN: `ou=people,${SUFFIX}`,
        LDAP_GROUPS_BASE_DN: `ou=groups,${SUFFIX}`,
        ...externalAccessEnv(),
      },
    });
    await backend.waitForReady();
  });

  afterAll(async () => {
    await backend?.stop();
    await slapd?.remove();
  });

  it('lists the preset, the LDAP sign-in and the org sync the backend ran at startup', async () => {
    // The scheduler runs the org sync once as soon as the catalog starts:
    // that is the first run the status can report.
    await backend.waitForOutput(ORG_SYNC_ENDED, 60_000);
    const res = await status();

    expect(res.status).toBe(200);
    expect(res.json.presets).toEqual([
      { name: 'ldap', version: ldapPreset.version },
    ]);
    expect(res.json.auth).toEqual({
      preset: 'ldap',
      providers: [{ id: 'ldap', title: 'LDAP bind' }],
    });
    expect(res.json.sync).toEqual([
      {
        provider: ORG_SYNC,
        kind: 'org',
        lastRun: {
          at: expect.any(String),
          outcome: 'applied',
          durationMs: expect.any(Number),
          counts: SEEDED,
        },
        lastApplied: expect.objectContaining({ outcome: 'applied' }),
      },
    ]);
    expectNoSecretOrConfigValue(res.text);
  });

  it('shows a triggered sync as applied, with its time, duration and counts', async () => {
    const triggeredAt = Date.now();
    await runProviderRefresh(backend, ORG_SYNC, /applied/);

    const org = await orgSync();
    expect(org.lastRun).toEqual({
      at: expect.any(String),
      outcome: 'applied',
      durationMs: expect.any(Number),
      counts: SEEDED,
    });
    const run = org.lastRun as Run;
    // The run started after the trigger (a second of slack for clocks
    // rounding), and took no longer than the test waited for it.
    expect(Date.parse(run.at)).toBeGreaterThanOrEqual(triggeredAt - 1000);
    expect(run.durationMs).toBeGreaterThanOrEqual(0);
    expect(run.durationMs).toBeLessThan(Date.now() - triggeredAt + 1000);
    expect(org.lastApplied).toEqual(org.lastRun);
  });

  it('shows a failed sync as failed and keeps the last good run the catalog holds', async () => {
    const good = (await orgSync()).lastApplied as Run;
    await slapd.stop();
    try {
      await runProviderRefresh(backend, ORG_SYNC, SYNC_FAILED);

      const res = await status();
      const org = res.json.sync.find(
        (s: SourceStatus) => s.provider === ORG_SYNC,
      );
      expect(org.lastRun).toEqual({
        at: expect.any(String),
        outcome: 'failed',
        durationMs: expect.any(Number),
      });
      expect(Date.parse(org.lastRun.at)).toBeGreaterThan(Date.parse(good.at));
      expect(org.lastApplied).toEqual(good);
      expectNoSecretOrConfigValue(res.text);

      // What lastApplied says is what the catalog still holds.
      const { users, groups } = await waitForCatalog(backend, () => true);
      expect(users).toHaveLength(SEEDED.users);
      expect(groups).toHaveLength(SEEDED.groups);
    } finally {
      await slapd.start();
    }
  });

  it('answers only authenticated callers, service or signed-in user', async () => {
    // Last: signing in needs the synced user entity and a running directory.
    expect((await status({})).status).toBe(401);
    expect((await status({ Authorization: 'Bearer not-a-token' })).status).toBe(
      401,
    );

    const token = await ldapToken(backend, 'ana', 'ana-password');
    expect((await status({ Authorization: `Bearer ${token}` })).status).toBe(
      200,
    );
  });
});
