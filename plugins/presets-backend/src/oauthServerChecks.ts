import {
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';

/**
 * Whether Backstage's OAuth 2.1 authorization server (the one MCP clients
 * register with and get their tokens from) is on: the auth plugin serves
 * `/v1/authorize` and `/v1/token` when either registration mechanism is
 * enabled. The CIMD key falls back to its experimental name, as the auth
 * plugin reads it.
 */
export function isOAuthServerEnabled(config: RootConfigService): boolean {
  const cimdPath = config.has('auth.clientIdMetadataDocuments')
    ? 'auth.clientIdMetadataDocuments'
    : 'auth.experimentalClientIdMetadataDocuments';
  return (
    config.getOptionalBoolean(`${cimdPath}.enabled`) === true ||
    config.getOptionalBoolean(
      'auth.experimentalDynamicClientRegistration.enabled',
    ) === true
  );
}

/** Whether a URL host names this machine: `localhost`, 127.0.0.0/8 or `[::1]`. */
function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname === '[::1]' ||
    /^127(\.\d{1,3}){3}$/.test(hostname)
  );
}

/**
 * The warning for a `backend.baseUrl` that remote OAuth clients cannot use,
 * or undefined. Loopback over http is fine: the client runs on the same
 * machine. Only the origin is quoted, so that a URL carrying credentials
 * never reaches the log.
 */
function baseUrlWarning(config: RootConfigService): string | undefined {
  const baseUrl = config.getOptionalString('backend.baseUrl');
  let url: URL;
  try {
    url = new URL(baseUrl ?? '');
  } catch {
    // An unparsable base URL fails elsewhere, with Backstage's own error.
    return undefined;
  }
  if (url.protocol === 'https:' || isLoopbackHost(url.hostname)) {
    return undefined;
  }
  return (
    `backend.baseUrl (${url.origin}) is neither https nor a loopback host, ` +
    `while Backstage's OAuth authorization server is on: MCP clients on ` +
    `other machines cannot complete the authorization flow over plain http. ` +
    `Serve the backend over https and set backend.baseUrl to that URL.`
  );
}

/** `connection` as the SQLite connector normalises it: a string is a file name. */
function sqliteConnection(value: unknown): Record<string, unknown> {
  if (typeof value === 'string') {
    return { filename: value };
  }
  return value && typeof value === 'object'
    ? (value as Record<string, unknown>)
    : {};
}

/**
 * The SQLite client of the auth plugin's database when that database lives
 * in memory, or undefined. Follows Backstage's SQLite connector: a
 * `backend.database.plugin.auth` client or connection overrides the base
 * one, and only the file name `:memory:` is in memory (a `directory` or
 * any other file name persists).
 */
function inMemoryAuthDatabaseClient(
  config: RootConfigService,
): string | undefined {
  const baseClient = config.getOptionalString('backend.database.client');
  const pluginClient = config.getOptionalString(
    'backend.database.plugin.auth.client',
  );
  const client = pluginClient ?? baseClient;
  if (!client?.includes('sqlite3')) {
    return undefined;
  }
  const overridden = client !== baseClient;
  const connection = {
    ...(overridden
      ? {}
      : sqliteConnection(config.getOptional('backend.database.connection'))),
    ...sqliteConnection(
      config.getOptional('backend.database.plugin.auth.connection'),
    ),
  };
  return connection.filename === ':memory:' ? client : undefined;
}

function inMemoryDatabaseWarning(
  config: RootConfigService,
): string | undefined {
  const client = inMemoryAuthDatabaseClient(config);
  if (!client) {
    return undefined;
  }
  return (
    `backend.database is ${client} in memory, while Backstage's OAuth ` +
    `authorization server is on: every restart forgets the registered MCP ` +
    `clients, their tokens and the keys that signed them, and every client ` +
    `has to register and sign in again. Use a persistent database ` +
    `(backend.database.client: pg) for MCP clients.`
  );
}

/**
 * What an operator should know about a setup in which Backstage's OAuth
 * authorization server cannot serve MCP clients well: a `backend.baseUrl`
 * that is neither https nor loopback, and an in-memory SQLite database.
 * Empty when the server is off or the setup is fine.
 */
export function findOAuthServerWarnings(config: RootConfigService): string[] {
  if (!isOAuthServerEnabled(config)) {
    return [];
  }
  return [baseUrlWarning(config), inMemoryDatabaseWarning(config)].filter(
    (w): w is string => w !== undefined,
  );
}

/**
 * Logs each of {@link findOAuthServerWarnings} as a warning. Called once,
 * at startup.
 */
export function warnAboutOAuthServerSetup(options: {
  config: RootConfigService;
  logger: LoggerService;
}): void {
  for (const warning of findOAuthServerWarnings(options.config)) {
    options.logger.warn(warning);
  }
}
