/*
 * The shipped postgres preset maps its variables onto backend.database:
 * plain text without a CA, verified TLS with one, and VeeCode's Helm chart
 * names (PG_*) as aliases, the password from a file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';
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

describe("the shipped database config under VeeCode's Helm chart names", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'devportal-pg-secret-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes PG_HOST, PG_PORT, PG_USER, a password from PG_PASSWORD_FILE, and with PG_DATABASE one database of schemas', async () => {
    const passwordFile = join(dir, 'pg-password');
    writeFileSync(passwordFile, 'pw-from-a-file\n');
    expect(
      await databaseConfig({
        VEECODE_PRESETS: 'postgres',
        PG_HOST: 'pg.example.com',
        PG_PORT: '6543',
        PG_USER: 'devportal',
        PG_PASSWORD_FILE: passwordFile,
        PG_DATABASE: 'devportal',
      }),
    ).toEqual({
      client: 'pg',
      pluginDivisionMode: 'schema',
      connection: {
        database: 'devportal',
        host: 'pg.example.com',
        port: '6543',
        user: 'devportal',
        password: 'pw-from-a-file',
      },
    });
  });
});
