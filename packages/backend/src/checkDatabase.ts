/*
 * A quick look at the database before the backend starts. Without it, an
 * unreachable PostgreSQL server shows up as a dozen stack traces, one per
 * plugin that tries to connect, and the one fact the operator needs (which
 * host and port, which variable to fix) is buried in them.
 */
import { Config } from '@backstage/config';
import {
  EXIT_CONFIG,
  PresetResolution,
} from '@devportal/plugin-presets-common';
import {
  DatabaseConnectionHints,
  describeConnectionError as describePgConnectionError,
} from '@devportal/plugin-presets-node';

/** How long the check waits for the server before calling it unreachable. */
const CONNECT_TIMEOUT_MS = 5_000;

/** The connection settings of `backend.database.connection`, as pg takes them. */
interface PgConnection {
  host?: string;
  port?: number | string;
  user?: string;
  password?: string;
  database?: string;
  ssl?: unknown;
}

interface PgClient {
  connect(): Promise<void>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): void;
}

/** What the check found wrong, as one line for the operator. */
export interface DatabaseProblem {
  message: string;
  /**
   * 78 (EX_CONFIG) when only a configuration change helps (credentials, TLS);
   * 1 when the server may just not be up yet, so that a process manager's
   * restart can succeed.
   */
  exitCode: 1 | typeof EXIT_CONFIG;
}

/** Where the message tells the operator to look: the preset's variables, or the config keys. */
type Hints = DatabaseConnectionHints;

/**
 * The hints, with each of the preset's variables under the name the
 * operator set it by (an alias such as PG_HOST, or a _FILE name).
 */
export function hintsFor(resolution: PresetResolution): Hints {
  const named = (variable: string) =>
    resolution.suppliedBy[variable] ?? variable;
  return resolution.presets.some(p => p.name === 'postgres')
    ? {
        address: `${named('POSTGRES_HOST')} and ${named('POSTGRES_PORT')}`,
        credentials: `${named('POSTGRES_USER')} and ${named(
          'POSTGRES_PASSWORD',
        )}`,
        tls: named('POSTGRES_SSL_CA'),
      }
    : {
        address: 'backend.database.connection.host and .port',
        credentials: 'backend.database.connection.user and .password',
        tls: 'backend.database.connection.ssl',
      };
}

/**
 * A failed connection attempt as one line naming host, port and what to
 * fix (the wording `presets doctor` shares).
 */
export function describeConnectionError(
  error: unknown,
  target: { host: string; port: string; user?: string },
  hints: Hints,
): DatabaseProblem {
  const { message, check, exitCode } = describePgConnectionError(
    error,
    { ...target, timeoutMs: CONNECT_TIMEOUT_MS },
    hints,
  );
  return { message: check ? `${message}: check ${check}` : message, exitCode };
}

/**
 * Connects once to the PostgreSQL server the backend's config names and
 * reports what went wrong, or undefined when it answered (or the database
 * is not PostgreSQL, or is given as a connection string this check does
 * not parse: Backstage then reports on its own).
 */
export async function checkDatabase(
  config: Config,
  resolution: PresetResolution,
): Promise<DatabaseProblem | undefined> {
  const database = config.getOptionalConfig('backend.database');
  if (database?.getOptionalString('client') !== 'pg') {
    return undefined;
  }
  const connection = database.getOptional<PgConnection | string>('connection');
  if (!connection || typeof connection !== 'object' || !connection.host) {
    return undefined;
  }
  const target = {
    host: connection.host,
    port: String(connection.port ?? 5432),
    user: connection.user,
  };
  const hints = hintsFor(resolution);
  // Backstage reaches a server through an admin connection to `postgres`
  // first, to create a missing database (ensureExists, on by default). In
  // schema mode connection.database is that one database, which it may
  // still have to create; otherwise Backstage drops it.
  const createsDatabase =
    database.getOptionalString('pluginDivisionMode') === 'schema' &&
    (database.getOptionalBoolean('ensureExists') ?? true);

  // pg ships no types of its own (and @types/pg is not installed): the
  // little used here is typed above.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client } = require('pg') as {
    Client: new (options: object) => PgClient;
  };
  const client = new Client({
    ...connection,
    port: Number(target.port),
    database: createsDatabase ? 'postgres' : connection.database ?? 'postgres',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  // An error after connect (server going away) must not crash the check.
  client.on('error', () => {});
  try {
    await client.connect();
    return undefined;
  } catch (error) {
    return describeConnectionError(error, target, hints);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Runs {@link checkDatabase} and ends the process with its one-line message
 * when the database cannot be used.
 */
export async function checkDatabaseOrExit(
  config: Config,
  resolution: PresetResolution,
): Promise<void> {
  const problem = await checkDatabase(config, resolution);
  if (problem) {
    process.stderr.write(`${problem.message}\n`);
    process.exit(problem.exitCode);
  }
}
