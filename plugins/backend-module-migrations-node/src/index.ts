/**
 * A backend module's own knex migrations on its plugin's database: the
 * module's tables brought up to date once (one replica at a time on
 * PostgreSQL), unless the database says `migrations.skip`.
 *
 * @packageDocumentation
 */

export {
  migratedModuleDatabase,
  migratedModuleDatabaseOnFirstUse,
} from './moduleMigrations';
export type {
  ModuleDatabaseClient,
  ModuleMigrations,
} from './moduleMigrations';
