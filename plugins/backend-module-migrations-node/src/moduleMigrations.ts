import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';

/**
 * The client `DatabaseService` hands out; named here so we need no direct knex dependency.
 *
 * @public
 */
export type ModuleDatabaseClient = Awaited<
  ReturnType<DatabaseService['getClient']>
>;

/**
 * The knex migrations of a backend module that keeps tables of its own in
 * its plugin's database.
 *
 * @public
 */
export interface ModuleMigrations {
  /** The package whose `migrations` folder holds them (list the folder in its `files`). */
  packageName: string;
  /**
   * Where knex records them, e.g. `<prefix>__knex_migrations`. Never knex's
   * default `knex_migrations`: in a plugin's database that table is the
   * plugin's, and knex refuses to migrate when it lists a migration the
   * folder does not hold.
   */
  tableName: string;
}

/**
 * Brings a module's tables up to date. Replicas that start together would
 * otherwise race knex's own bookkeeping (both create its tables, or both
 * insert its lock row, which then stays locked for good): on PostgreSQL a
 * transaction-scoped advisory lock, keyed by the migrations table, lets one
 * replica migrate at a time, and SQLite hands a transaction its only
 * connection.
 */
async function runModuleMigrations(
  knex: ModuleDatabaseClient,
  migrations: ModuleMigrations,
): Promise<void> {
  const directory = resolvePackagePath(migrations.packageName, 'migrations');
  await knex.transaction(async tx => {
    // By knex's dialect, not the configured client name: `pg`,
    // `postgres` and `postgresql` are all PostgreSQL.
    if (tx.client.dialect === 'postgresql') {
      await tx.raw('SELECT pg_advisory_xact_lock(hashtext(?))', [
        migrations.tableName,
      ]);
    }
    await tx.migrate.latest({ directory, tableName: migrations.tableName });
  });
}

/**
 * The plugin database's client with the module's migrations run, unless the
 * database says `migrations.skip` (a read-only or operator-managed schema:
 * then the tables must exist).
 *
 * @public
 */
export async function migratedModuleDatabase(
  database: DatabaseService,
  migrations: ModuleMigrations,
): Promise<ModuleDatabaseClient> {
  const knex = await database.getClient();
  if (!database.migrations?.skip) {
    await runModuleMigrations(knex, migrations);
  }
  return knex;
}

/**
 * A getter of {@link migratedModuleDatabase} that prepares the client on its
 * first call and shares it after, so a module whose tables are never used
 * never touches the database. A failed preparation is not kept: the next
 * call tries again, e.g. once the database is reachable.
 *
 * @public
 */
export function migratedModuleDatabaseOnFirstUse(
  database: DatabaseService,
  migrations: ModuleMigrations,
): () => Promise<ModuleDatabaseClient> {
  let ready: Promise<ModuleDatabaseClient> | undefined;
  return () => {
    if (!ready) {
      ready = migratedModuleDatabase(database, migrations).catch(error => {
        ready = undefined;
        throw error;
      });
    }
    return ready;
  };
}
