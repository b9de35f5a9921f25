import { ConfigSources } from '@backstage/config-loader';
import { resolve } from 'path';
import { resolvePresets } from '@devportal/plugin-presets-common';
import { createPresetConfigSource } from './createPresetConfigSource';

const rootDir = resolve(__dirname, '../../../..');
const CA =
  '-----BEGIN CERTIFICATE-----\nMIIB-test-ca\n-----END CERTIFICATE-----';

const postgresEnv = {
  POSTGRES_HOST: 'db.example.com',
  POSTGRES_USER: 'backstage',
  POSTGRES_PASSWORD: 'pw-for-the-test',
};

/** The backend.database config the backend would load for an environment. */
async function databaseConfig(env: Record<string, string>) {
  const resolution = resolvePresets({ env, rootDir, pluginsFrom: [rootDir] });
  expect(resolution.problems).toEqual([]);
  const config = await ConfigSources.toConfig(
    createPresetConfigSource({
      presets: resolution.presets,
      env,
      rootDir,
      argv: [],
      watch: false,
    }),
  );
  return config.getOptional('backend.database');
}

describe('the database config', () => {
  it('is SQLite in memory by default', async () => {
    expect(await databaseConfig({})).toEqual({
      client: 'better-sqlite3',
      connection: ':memory:',
    });
  });

  it('keeps SQLite files in DEVPORTAL_DB_PATH when it is set', async () => {
    expect(
      await databaseConfig({ DEVPORTAL_DB_PATH: ' /var/lib/dp ' }),
    ).toEqual({
      client: 'better-sqlite3',
      connection: { directory: '/var/lib/dp' },
    });
  });

  it('connects to PostgreSQL in plain text, without any ssl key, when POSTGRES_SSL_CA is unset', async () => {
    expect(
      await databaseConfig({ VEECODE_PRESETS: 'postgres', ...postgresEnv }),
    ).toEqual({
      client: 'pg',
      connection: {
        host: 'db.example.com',
        port: '5432',
        user: 'backstage',
        password: 'pw-for-the-test',
      },
    });
  });

  it('verifies TLS against POSTGRES_SSL_CA, and takes the port and the prefix', async () => {
    expect(
      await databaseConfig({
        VEECODE_PRESETS: 'postgres',
        ...postgresEnv,
        POSTGRES_PORT: '6543',
        POSTGRES_DB_PREFIX: 'devportal_',
        POSTGRES_SSL_CA: CA,
      }),
    ).toEqual({
      client: 'pg',
      prefix: 'devportal_',
      connection: {
        host: 'db.example.com',
        port: '6543',
        user: 'backstage',
        password: 'pw-for-the-test',
        ssl: { ca: CA, rejectUnauthorized: true },
      },
    });
  });

  it('lets the postgres preset alone decide when DEVPORTAL_DB_PATH is set too', async () => {
    const database = await databaseConfig({
      VEECODE_PRESETS: 'postgres',
      ...postgresEnv,
      DEVPORTAL_DB_PATH: '/var/lib/dp',
    });
    expect(database).toMatchObject({ client: 'pg' });
    expect(database).not.toHaveProperty('connection.directory');
  });

  it('refuses the postgres preset without its password', () => {
    const resolution = resolvePresets({
      env: {
        VEECODE_PRESETS: 'postgres',
        POSTGRES_HOST: 'h',
        POSTGRES_USER: 'u',
      },
      rootDir,
      pluginsFrom: [rootDir],
    });
    expect(JSON.stringify(resolution.problems)).toContain('POSTGRES_PASSWORD');
  });
});
