import type { DatabaseService } from '@backstage/backend-plugin-api';
import type { SignInThrottleStore, ThrottleState } from './throttle';

/** The client `DatabaseService` hands out; named here so we need no direct knex dependency. */
type Knex = Awaited<ReturnType<DatabaseService['getClient']>>;

/**
 * Our table in the auth plugin's database. Prefixed so it can never collide
 * with a table of the auth plugin or of another auth module.
 */
export const SIGN_IN_THROTTLE_TABLE = 'ldap_provider_sign_in_throttle';

interface ThrottleRow {
  key: string;
  failures: number | string;
  blocked_until: number | string;
  last_attempt_at: number | string;
  revision: number | string;
}

/**
 * Creates the table unless it exists. Replicas that start together can
 * both find it missing: on PostgreSQL the slower `CREATE TABLE` then fails
 * with a unique violation on `pg_type` (23505) or a duplicate table (42P07),
 * on SQLite with "already exists". Whatever the engine said, if the table
 * is there now another process made it, and that is all we need.
 */
async function ensureTable(knex: Knex): Promise<void> {
  if (await knex.schema.hasTable(SIGN_IN_THROTTLE_TABLE)) {
    return;
  }
  try {
    await knex.schema.createTable(SIGN_IN_THROTTLE_TABLE, table => {
      // `<providerId>:<scope>:<sha-256 hex>`, see SignInThrottle.
      table.string('key', 255).primary().notNullable();
      table.integer('failures').notNullable();
      // Epoch milliseconds: the same numbers on every engine and replica.
      table.bigInteger('blocked_until').notNullable();
      table.bigInteger('last_attempt_at').notNullable().index();
      table.bigInteger('revision').notNullable();
    });
  } catch (error) {
    if (await knex.schema.hasTable(SIGN_IN_THROTTLE_TABLE)) {
      return;
    }
    throw error;
  }
}

// PostgreSQL hands bigint columns back as strings.
function stateOf(row: ThrottleRow): ThrottleState {
  return {
    failures: Number(row.failures),
    blockedUntil: Number(row.blocked_until),
    lastAttemptAt: Number(row.last_attempt_at),
    revision: Number(row.revision),
  };
}

function columnsOf(state: ThrottleState) {
  return {
    failures: state.failures,
    blocked_until: state.blockedUntil,
    last_attempt_at: state.lastAttemptAt,
    revision: state.revision,
  };
}

/**
 * Throttle state in the auth plugin's database, where the sessions' signing
 * keys live too: every replica on the same database counts the same
 * failures, and a restart forgets none.
 *
 * The table is created on first use. With `migrations.skip` set on the
 * database (a read-only or operator-managed schema) it is not created and
 * must exist.
 */
export class DatabaseSignInThrottleStore implements SignInThrottleStore {
  private ready: Promise<Knex> | undefined;

  private constructor(private readonly database: DatabaseService) {}

  /** A store on the given plugin database; nothing is read or created yet. */
  static create(options: {
    database: DatabaseService;
  }): DatabaseSignInThrottleStore {
    return new DatabaseSignInThrottleStore(options.database);
  }

  async read(key: string): Promise<ThrottleState | undefined> {
    const knex = await this.client();
    const row = await knex<ThrottleRow>(SIGN_IN_THROTTLE_TABLE)
      .where({ key })
      .first();
    return row ? stateOf(row) : undefined;
  }

  async swap(
    key: string,
    expected: ThrottleState | undefined,
    next: ThrottleState | undefined,
  ): Promise<boolean> {
    const knex = await this.client();
    const table = () => knex<ThrottleRow>(SIGN_IN_THROTTLE_TABLE);
    if (!expected) {
      if (!next) {
        return (await table().where({ key }).first()) === undefined;
      }
      // Two first attempts at once: the primary key lets one insert win,
      // and the other fails on whatever engine this is.
      try {
        await table().insert({ key, ...columnsOf(next) });
        return true;
      } catch (error) {
        if (await table().where({ key }).first()) {
          return false;
        }
        throw error;
      }
    }
    const current = table().where({ key, revision: expected.revision });
    const changed = next
      ? await current.update(columnsOf(next))
      : await current.delete();
    return changed > 0;
  }

  async forget(before: number): Promise<void> {
    const knex = await this.client();
    await knex(SIGN_IN_THROTTLE_TABLE)
      .where('last_attempt_at', '<', before)
      .delete();
  }

  private client(): Promise<Knex> {
    if (!this.ready) {
      this.ready = this.prepare().catch(error => {
        // Let the next attempt try again, e.g. once the database is reachable.
        this.ready = undefined;
        throw error;
      });
    }
    return this.ready;
  }

  private async prepare(): Promise<Knex> {
    const knex = await this.database.getClient();
    if (!this.database.migrations?.skip) {
      await ensureTable(knex);
    }
    return knex;
  }
}
