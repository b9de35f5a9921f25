/*
 * Where the backend keeps its data. The embedded default (app-config.yaml)
 * is SQLite in memory: nothing survives a restart. VeeCode's images keep
 * SQLite on disk when `DEVPORTAL_DB_PATH` names a folder, and a preset of
 * the `database` group (`postgres`) points the backend at a server.
 */
import { isUnset } from './variableValues';
import { Preset } from '../model/types';

/** VeeCode's variable: a folder for SQLite database files. @public */
export const DEVPORTAL_DB_PATH_ENV = 'DEVPORTAL_DB_PATH';

/** The exclusive group of the presets that choose the database. @public */
export const DATABASE_GROUP = 'database';

/**
 * The platform's database default for an environment: SQLite files in
 * `DEVPORTAL_DB_PATH` (one per plugin, better-sqlite3's `directory`), or
 * nothing (app-config.yaml's SQLite in memory stays). A selected preset of
 * the `database` group decides alone, so `DEVPORTAL_DB_PATH` left over from
 * a VeeCode env file cannot mix SQLite keys into its connection.
 *
 * @public
 */
export function platformDatabaseConfig(
  env: Record<string, string | undefined>,
  presets: Preset[],
) {
  if (
    isUnset(env[DEVPORTAL_DB_PATH_ENV]) ||
    presets.some(p => p.exclusiveGroup === DATABASE_GROUP)
  ) {
    return undefined;
  }
  return {
    backend: {
      database: {
        client: 'better-sqlite3',
        connection: { directory: env[DEVPORTAL_DB_PATH_ENV]!.trim() },
      },
    },
  };
}
