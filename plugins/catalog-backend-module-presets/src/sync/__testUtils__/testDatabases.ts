import { DatabaseService } from '@backstage/backend-plugin-api';
import { TestDatabases } from '@backstage/backend-test-utils';

/**
 * SQLite always; PostgreSQL 15 too when
 * `BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING` names a server
 * (Backstage's own switch). Never Docker: none runs here.
 */
export function syncTestDatabases(): TestDatabases {
  return TestDatabases.create({
    ids: ['SQLITE_3', 'POSTGRES_15'],
    disableDocker: true,
  });
}

/** A plugin database on the given client, as the backend hands one to a module. */
export function pluginDatabase(
  knex: Awaited<ReturnType<DatabaseService['getClient']>>,
  migrations?: DatabaseService['migrations'],
): DatabaseService {
  return { getClient: async () => knex, migrations };
}
