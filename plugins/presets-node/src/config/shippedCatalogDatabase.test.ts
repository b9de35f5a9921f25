/*
 * The shipped postgres preset maps its variables onto backend.database:
 * plain text without a CA, verified TLS with one.
 */
import { resolve } from 'path';
import {
  loadDatabaseConfig,
  postgresEnv,
} from '../__testUtils__/loadDatabaseConfig';

/** The repository root, whose presets/ is the shipped catalog. */
const rootDir = resolve(__dirname, '../../../..');
const CA =
  '-----BEGIN CERTIFICATE-----\nMIIB-test-ca\n-----END CERTIFICATE-----';

const databaseConfig = (env: Record<string, string>) =>
  loadDatabaseConfig(rootDir, env);

describe('the shipped database config', () => {
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
});
