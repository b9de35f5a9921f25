import { Config } from '@backstage/config';
import { Client, ClientConfig } from 'pg';
import { describeConnectionError } from '@devportal/plugin-presets-node';
import {
  DoctorCheckFactory,
  DoctorOutcome,
  DoctorRunContext,
  NameKey,
} from './doctorCheck';

const KEY = 'backend.database';
const CONNECTION = `${KEY}.connection`;

/**
 * Where a role's rights are read: the one database every plugin shares
 * (`connection.database`, a schema per plugin) or, with a database per
 * plugin, `postgres`, where Backstage's connector logs in to create them.
 */
const ADMIN_DATABASE = 'postgres';

/**
 * The connection as the backend reads it: read whole, as a lower layer
 * (the base `app-config.yaml`'s SQLite) may give it as a string, which a
 * key below it cannot be read through.
 */
function connectionOf(config: Config): string | ClientConfig {
  return config.get<string | ClientConfig>(CONNECTION);
}

/**
 * The connection as Knex hands it to node-postgres: a connection string
 * or an object of node-postgres' own options (host, port, user, password,
 * ssl, ...).
 */
function clientConfig(
  config: Config,
  database: string,
  timeoutMs: number,
): ClientConfig {
  const connection = connectionOf(config);
  const base: ClientConfig =
    typeof connection === 'string'
      ? { connectionString: connection }
      : { ...(connection as ClientConfig) };
  return {
    ...base,
    database,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  };
}

/** The server and user a connection goes to, for the operator. */
function targetOf(config: Config, timeoutMs: number) {
  const connection = connectionOf(config);
  if (typeof connection === 'string') {
    try {
      const url = new URL(connection);
      return {
        host: url.hostname,
        port: url.port || '5432',
        user: decodeURIComponent(url.username) || undefined,
        timeoutMs,
      };
    } catch {
      return { host: '(connection string)', port: '5432', timeoutMs };
    }
  }
  return {
    host: connection.host ?? 'localhost',
    port: String(connection.port ?? 5432),
    user: connection.user,
    timeoutMs,
  };
}

/** Why a login failed, as the backend's own check before a boot says it. */
function loginProblem(
  error: unknown,
  config: Config,
  name: NameKey,
  timeoutMs: number,
): DoctorOutcome {
  const { message, check } = describeConnectionError(
    error,
    targetOf(config, timeoutMs),
    {
      address: `${name(`${CONNECTION}.host`)} and ${name(
        `${CONNECTION}.port`,
      )}`,
      credentials: `${name(`${CONNECTION}.user`)} and ${name(
        `${CONNECTION}.password`,
      )}`,
      tls: name(`${CONNECTION}.ssl`),
    },
  );
  return {
    status: 'problem',
    message,
    fix: check
      ? `Check ${check}`
      : `Check ${name(
          `${CONNECTION}.ssl`,
        )} (the server's CA, when it speaks TLS) and ${name(
          `${CONNECTION}.host`,
        )}`,
  };
}

/** Who the role is, what it may do, and whether the session is encrypted. */
const ROLE_QUERY = `SELECT current_user AS "user", r.rolsuper AS "superuser",
  r.rolcreatedb AS "createdb", COALESCE(s.ssl, false) AS "tls",
  current_database() AS "database",
  has_database_privilege(current_database(), 'CREATE') AS "schemas"
  FROM pg_roles r LEFT JOIN pg_stat_ssl s ON s.pid = pg_backend_pid()
  WHERE r.rolname = current_user`;

interface Role {
  user: string;
  superuser: boolean;
  createdb: boolean;
  tls: boolean;
  database: string;
  /** May create schemas in the database it logged in to. */
  schemas: boolean;
}

/** Logs in to one database and reads the role; closes on abort and at the end. */
async function readRole(
  config: Config,
  database: string,
  { signal, timeoutMs }: DoctorRunContext,
): Promise<Role> {
  const client = new Client(clientConfig(config, database, timeoutMs));
  // An error after the check ended (the server going away) is no news.
  client.on('error', () => undefined);
  const close = () => client.end().catch(() => undefined);
  signal.addEventListener('abort', close);
  try {
    await client.connect();
    return (await client.query<Role>(ROLE_QUERY)).rows[0];
  } finally {
    signal.removeEventListener('abort', close);
    await close();
  }
}

/** The undefined_database error code (SQLSTATE 3D000). */
const NO_SUCH_DATABASE = '3D000';

async function checkPostgres(
  config: Config,
  name: NameKey,
  context: DoctorRunContext,
): Promise<DoctorOutcome> {
  const connection = connectionOf(config);
  const shared =
    typeof connection === 'object' ? connection.database : undefined;
  let role: Role;
  try {
    role = await readRole(config, shared ?? ADMIN_DATABASE, context);
  } catch (error) {
    // A shared database that is missing is created by the backend when the
    // role may create databases: read the role where the backend would.
    if ((error as { code?: string }).code !== NO_SUCH_DATABASE || !shared) {
      return loginProblem(error, config, name, context.timeoutMs);
    }
    try {
      role = await readRole(config, ADMIN_DATABASE, context);
    } catch (adminError) {
      return loginProblem(adminError, config, name, context.timeoutMs);
    }
  }
  const logged = `logged in as ${role.user} ${
    role.tls ? 'over TLS' : 'without TLS'
  }`;
  if (shared && role.database === shared) {
    return role.schemas
      ? {
          status: 'ok',
          message: `${logged}; may create the plugins' schemas in ${shared}`,
        }
      : {
          status: 'problem',
          message: `${logged}, but the role may not create the plugins' schemas in ${shared}`,
          fix: `Grant it (GRANT CREATE ON DATABASE ${shared} TO ${
            role.user
          }), or set ${name(
            `${CONNECTION}.database`,
          )} to a database the role owns`,
        };
  }
  if (!role.superuser && !role.createdb) {
    return {
      status: 'problem',
      message: `${logged}, but the role may not create the plugins' databases (neither CREATEDB nor superuser)`,
      fix: `Grant it (ALTER ROLE ${role.user} CREATEDB), or set ${name(
        `${CONNECTION}.database`,
      )} to one existing database the role may create schemas in`,
    };
  }
  return {
    status: 'ok',
    message: `${logged}; may create the plugins' databases (${
      role.superuser ? 'superuser' : 'CREATEDB'
    })`,
  };
}

/**
 * `backend.database` on PostgreSQL: a login as the plugins would log in,
 * TLS as configured, and the right to create their databases.
 */
export const postgresChecks: DoctorCheckFactory = (config, name) =>
  config.getOptionalString(`${KEY}.client`) === 'pg'
    ? [
        {
          id: KEY,
          title: 'PostgreSQL login',
          run: (finalConfig, context) =>
            checkPostgres(finalConfig, name, context),
        },
      ]
    : [];
