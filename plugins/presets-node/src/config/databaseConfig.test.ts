import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { resolvePresets } from '@devportal/plugin-presets-common';
import { FIXTURE_CATALOG_ROOT } from '@devportal/test-utils/src/fixtures/presetCatalog';
import {
  loadDatabaseConfig,
  postgresEnv,
} from '../__testUtils__/loadDatabaseConfig';

const rootDir = FIXTURE_CATALOG_ROOT;

const databaseConfig = (env: Record<string, string>) =>
  loadDatabaseConfig(rootDir, env);

// How the shipped postgres preset maps its variables, TLS included, is in
// shippedCatalogDatabase.test.ts.
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

  it('lets the postgres preset alone decide when DEVPORTAL_DB_PATH is set too', async () => {
    const database = await databaseConfig({
      VEECODE_PRESETS: 'postgres',
      ...postgresEnv,
      DEVPORTAL_DB_PATH: '/var/lib/dp',
    });
    expect(database).toMatchObject({ client: 'pg' });
    expect(database).not.toHaveProperty('connection.directory');
  });

  it('substitutes a variable read from X_FILE or an alias as if the variable were set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'devportal-db-secret-'));
    try {
      writeFileSync(join(dir, 'password'), 'pw-from-a-file\n');
      const database = await databaseConfig({
        VEECODE_PRESETS: 'postgres',
        PG_HOST: 'alias.example.com',
        POSTGRES_USER: 'backstage',
        POSTGRES_PASSWORD_FILE: join(dir, 'password'),
      });
      expect(database).toMatchObject({
        client: 'pg',
        connection: {
          host: 'alias.example.com',
          user: 'backstage',
          password: 'pw-from-a-file',
        },
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
