/*
 * The auth routes of the selected identity preset, driven through the real
 * auth plugin with supertest, as upstream's provider modules test theirs.
 * The shipped identity presets' routes are in shippedCatalogRoutes.test.ts.
 */
import {
  createMockDirectory,
  mockServices,
} from '@backstage/backend-test-utils';
import { FIXTURE_CATALOG_ROOT } from '@devportal/test-utils/src/fixtures/presetCatalog';
import { authBackend } from './__testUtils__/authBackend';
import { LDAP_PRESET_VARIABLES } from './__testUtils__/ldapEnv';

describe('identity preset auth routes', () => {
  // Moved from the LDAP module's own test, which has no presets: the key
  // alone is what it can name there.
  it('warns at boot, naming AUTH_SESSION_SECRET, when replicas would not share LDAP sessions', async () => {
    const dbDir = createMockDirectory();
    const logger = mockServices.logger.mock();
    logger.child.mockReturnValue(logger);
    const backend = await authBackend(
      FIXTURE_CATALOG_ROOT,
      {
        VEECODE_PRESETS: 'ldap',
        ...LDAP_PRESET_VARIABLES,
        // SQLite files on disk: a database that outlives the process
        DEVPORTAL_DB_PATH: dbDir.path,
      },
      [logger.factory],
    );
    await backend.stop();
    expect(
      logger.warn.mock.calls
        .map(([message]) => message)
        .filter(message => /cookies\.secret/.test(message)),
    ).toEqual([
      expect.stringMatching(
        /^auth\.providers\.ldap\.production\.cookies\.secret is not set while the database is shared: .*Set AUTH_SESSION_SECRET /,
      ),
    ]);
  });
});
