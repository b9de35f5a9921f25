import { mockServices } from '@backstage/backend-test-utils';
import { findOAuthServerWarnings } from './oauthServerChecks';
import { startPresetsBackend } from './__testUtils__/startPresetsBackend';

/** Config data, as `mockServices.rootConfig` takes it. */
type JsonObject = NonNullable<mockServices.rootConfig.Options['data']>;

const CIMD_ON = { clientIdMetadataDocuments: { enabled: true } };
const DCR_ON = { experimentalDynamicClientRegistration: { enabled: true } };
const IN_MEMORY = { client: 'better-sqlite3', connection: ':memory:' };
const POSTGRES = {
  client: 'pg',
  connection: { host: 'db', user: 'backstage', password: 'pw' },
};

function config(options: {
  auth?: JsonObject;
  baseUrl?: string;
  database?: JsonObject;
}): JsonObject {
  return {
    backend: {
      baseUrl: options.baseUrl ?? 'https://portal.example.com',
      database: options.database ?? POSTGRES,
    },
    auth: options.auth ?? CIMD_ON,
  };
}

/** A setup that fails both checks (plain http, SQLite in memory), with `auth` as given. */
function insecureConfig(auth: JsonObject = CIMD_ON): JsonObject {
  return config({
    auth,
    baseUrl: 'http://portal.example.com',
    database: IN_MEMORY,
  });
}

const warningsFor = (data: JsonObject) =>
  findOAuthServerWarnings(mockServices.rootConfig({ data }));

const BASE_URL_WARNING =
  /backend\.baseUrl .* is neither https nor a loopback host/;
const SQLITE_WARNING = /backend\.database is .* in memory/;

describe('findOAuthServerWarnings', () => {
  it.each([
    ['http://portal.example.com', true],
    ['http://10.0.0.5:7007', true],
    ['https://portal.example.com', false],
    ['http://localhost:7007', false],
    ['http://127.0.0.1:7007', false],
    ['http://127.1.2.3', false],
    ['http://[::1]:7007', false],
  ])('baseUrl %s warns: %s', (baseUrl, warns) => {
    const warnings = warningsFor(config({ baseUrl }));
    expect(warnings.some(w => BASE_URL_WARNING.test(w))).toBe(warns);
  });

  it('quotes only the origin of the base URL, never credentials or path', () => {
    const [warning] = warningsFor(
      config({ baseUrl: 'http://admin:hunter2@portal.example.com/backstage' }),
    );
    expect(warning).toContain('(http://portal.example.com)');
    expect(warning).not.toContain('hunter2');
    expect(warning).not.toContain('/backstage');
  });

  it.each<[string, JsonObject, string | undefined]>([
    ['better-sqlite3 :memory:', IN_MEMORY, 'better-sqlite3'],
    [
      'sqlite3 :memory:',
      { client: 'sqlite3', connection: ':memory:' },
      'sqlite3',
    ],
    [
      'a filename of :memory:',
      { client: 'better-sqlite3', connection: { filename: ':memory:' } },
      'better-sqlite3',
    ],
    [
      'SQLite files in a directory',
      { client: 'better-sqlite3', connection: { directory: '/data' } },
      undefined,
    ],
    ['PostgreSQL', POSTGRES, undefined],
    [
      'an auth plugin override to a file',
      {
        ...IN_MEMORY,
        plugin: { auth: { connection: { filename: '/data/auth.sqlite' } } },
      },
      undefined,
    ],
    [
      'an auth plugin override to in-memory SQLite under PostgreSQL',
      {
        ...POSTGRES,
        plugin: { auth: { client: 'better-sqlite3', connection: ':memory:' } },
      },
      'better-sqlite3',
    ],
    [
      'an auth plugin override to PostgreSQL',
      { ...IN_MEMORY, plugin: { auth: POSTGRES } },
      undefined,
    ],
  ])('database %s', (_name, database, client) => {
    const warnings = warningsFor(config({ database }));
    const inMemoryClients = warnings
      .map(w => /backend\.database is (\S+) in memory/.exec(w)?.[1])
      .filter(Boolean);
    expect(inMemoryClients).toEqual(client ? [client] : []);
  });

  it.each([
    ['CIMD', CIMD_ON],
    ['dynamic client registration', DCR_ON],
    [
      'CIMD under its experimental key',
      { experimentalClientIdMetadataDocuments: { enabled: true } },
    ],
  ])('warns when %s turns the OAuth server on', (_name, auth) => {
    expect(warningsFor(insecureConfig(auth))).toHaveLength(2);
  });

  it.each([
    ['nothing is enabled', {}],
    [
      'both are disabled',
      {
        clientIdMetadataDocuments: { enabled: false },
        experimentalDynamicClientRegistration: { enabled: false },
      },
    ],
  ])('says nothing when %s', (_name, auth) => {
    expect(warningsFor(insecureConfig(auth))).toEqual([]);
  });
});

describe('the presets plugin', () => {
  /** Starts and stops the plugin with no preset selected, on `data`; its logger. */
  async function startWith(data: JsonObject) {
    const logger = mockServices.logger.mock();
    const backend = await startPresetsBackend({
      selection: '',
      features: [mockServices.rootConfig.factory({ data }), logger.factory],
    });
    await backend.stop();
    return logger;
  }

  it('warns once at startup about each problem of the OAuth server setup', async () => {
    const logger = await startWith(insecureConfig());
    const warnings = logger.warn.mock.calls.map(([message]) => message);
    expect(warnings.filter(w => BASE_URL_WARNING.test(w))).toHaveLength(1);
    expect(warnings.filter(w => SQLITE_WARNING.test(w))).toHaveLength(1);
  });

  it('warns about nothing when the OAuth server is off', async () => {
    const logger = await startWith(insecureConfig({}));
    expect(logger.warn).not.toHaveBeenCalled();
  });
});
