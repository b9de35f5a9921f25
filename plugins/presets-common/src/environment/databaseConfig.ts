/*
 * Where the backend keeps its data. The embedded default (app-config.yaml)
 * is SQLite in memory: nothing survives a restart. VeeCode's images keep
 * SQLite on disk when `DEVPORTAL_DB_PATH` names a folder, and a preset of
 * the `database` group (`postgres`) points the backend at a server.
 *
 * No config-loader here: the boot gate loads this file (for the derived
 * variables), and a refused boot must not pay for config-loader.
 */
import { isUnset } from './variableValues';
import { Preset } from '../model/types';
import type { DerivedVariable } from './derivedVariables';

/** VeeCode's variable: a folder for SQLite database files. @public */
export const DEVPORTAL_DB_PATH_ENV = 'DEVPORTAL_DB_PATH';

/** The exclusive group of the presets that choose the database. @public */
export const DATABASE_GROUP = 'database';

/**
 * The derived variables of the database presets. `POSTGRES_TLS` picks the
 * `postgres` preset's TLS options: an `ssl` object switches TLS on even
 * without a CA, so "no CA" has to drop the whole key rather than leave an
 * empty one (see presets/data/postgres-tls.yaml).
 *
 * @public
 */
export const DATABASE_DERIVED_VARIABLES: readonly DerivedVariable[] = [
  {
    name: 'POSTGRES_TLS',
    description:
      '`verified` when POSTGRES_SSL_CA is set (TLS, certificate checked against that CA), `off` otherwise (plain connection): the entry of presets/data/postgres-tls.yaml the postgres preset uses',
    derive: env => (isUnset(env.POSTGRES_SSL_CA) ? 'off' : 'verified'),
  },
];

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
