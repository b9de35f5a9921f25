/*
 * Every shipped preset, in VeeCode's own smoke matrix and the compositions
 * operators use, boots a real backend with VeeCode's dummy values, even
 * though none of the systems the presets point at are reachable from here.
 * The smoke tests themselves are in bootMatrixSmoke1 and bootMatrixSmoke2,
 * two files that run beside the others; this one checks that together they
 * cover the catalog.
 */
import { startBackendProcess } from '@devportal/test-utils/src/backend/backendProcess';
import {
  catalog,
  ExpectedProviders,
  expectExactlyProviders,
  SMOKE_TEST_COMPOSITIONS,
  VEECODE_SMOKE_TESTS,
  veecodeSmokeEnv,
} from './veecodeSmokeMatrix';

jest.setTimeout(120_000);

/**
 * Shipped presets outside VeeCode's matrix, and the test that boots each.
 */
const TESTED_ELSEWHERE: Record<string, string> = {
  rbac: 'rbac.test.ts (needs an identity preset before it)',
  postgres: 'postgres.test.ts (needs a PostgreSQL server)',
  oidc: 'signInProviders.test.ts (boots against the OpenID provider of the harness)',
  okta: 'signInProviders.test.ts (boots against the fake Okta org of the harness)',
};

/**
 * What each composition must register, and nothing else. Those that are
 * also a test of VeeCode's matrix (SMOKE_TEST_COMPOSITIONS) are checked on
 * that test's boot, in bootMatrixSmoke1 or bootMatrixSmoke2.
 */
const compositions: Array<[string, ExpectedProviders]> = [
  [
    'recommended,github,github-auth',
    {
      auth: ['github'],
      catalog: [
        'github-provider:default',
        'GithubMultiOrgEntityProvider:production',
      ],
    },
  ],
  [
    'github,keycloak',
    {
      auth: ['oidc'],
      catalog: ['github-provider:default', 'KeycloakOrgEntityProvider:default'],
    },
  ],
  [
    'github,gitlab',
    {
      auth: ['gitlab'],
      catalog: [
        'github-provider:default',
        'GitlabDiscoveryEntityProvider:default',
        'GitlabOrgDiscoveryEntityProvider:default',
      ],
    },
  ],
  [
    'github,azure,ldap',
    {
      auth: ['ldap'],
      catalog: [
        'github-provider:default',
        'AzureDevOpsEntityProvider:default',
        'LdapOrgEntityProvider:default',
      ],
    },
  ],
];

describe('compositions of one identity preset with SCM presets', () => {
  // The assertions are expectExactlyProviders', shared with the smoke matrix.
  // eslint-disable-next-line jest/expect-expect
  it.each(compositions)(
    'VEECODE_PRESETS=%s registers exactly its providers',
    async (selection, expected) => {
      const backend = await startBackendProcess({
        env: veecodeSmokeEnv(selection.split(',')),
      });
      try {
        await backend.waitForReady();
        await expectExactlyProviders(backend, expected);
      } finally {
        await backend.stop();
      }
    },
  );

  it("checks the compositions that are tests of VeeCode's matrix on their boot there", () => {
    expect(
      Object.keys(SMOKE_TEST_COMPOSITIONS).filter(
        selection =>
          !VEECODE_SMOKE_TESTS.includes(selection) ||
          compositions.some(([c]) => c === selection),
      ),
    ).toEqual([]);
  });
});

describe("VeeCode's smoke matrix", () => {
  it('covers the whole shipped catalog', () => {
    expect(catalog.problems).toEqual([]);
    const covered = new Set(VEECODE_SMOKE_TESTS.flatMap(t => t.split(',')));
    expect(
      [...catalog.presets.keys()].filter(
        n => !covered.has(n) && !TESTED_ELSEWHERE[n],
      ),
    ).toEqual([]);
  });

  it('runs core only, and says how to pick presets, when VEECODE_PRESETS is unset', async () => {
    const backend = await startBackendProcess();
    try {
      await backend.waitForReady();
      expect((await fetch(`${backend.baseUrl}/healthcheck`)).status).toBe(200);
      expect(backend.output()).toMatch(
        /No presets selected, running core only\. Pick presets with VEECODE_PRESETS/,
      );
      // Without an identity preset, guest sign-in is there to try the portal.
      const guest = await fetch(`${backend.baseUrl}/api/auth/guest/refresh`, {
        headers: { 'X-Requested-With': 'XMLHttpRequest' },
      });
      expect(guest.status).toBe(200);
      const session = await guest.json();
      expect(session.backstageIdentity.identity.userEntityRef).toBe(
        'user:development/guest',
      );
    } finally {
      await backend.stop();
    }
  });
});
