import type { DatabaseService } from '@backstage/backend-plugin-api';
import {
  ModuleDatabaseClient,
  ModuleMigrations,
  migratedModuleDatabaseOnFirstUse,
} from '@devportal/backend-module-migrations-node';
import type { SignInThrottleStore, ThrottleState } from './throttle';

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
 * This package's `migrations` folder, recorded in a table of its own: the
 * auth plugin's database holds the auth plugin's `knex_migrations`.
 */
const MIGRATIONS: ModuleMigrations = {
  packageName: '@devportal/plugin-auth-backend-module-ldap-provider',
  tableName: 'ldap_provider__knex_migrations',
};

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
 * The table is made by the package's `migrations` folder, run on first
 * use. With `migrations.skip` set on the database (a read-only or
 * operator-managed schema) nothing is created and the table must exist.
 */
export class DatabaseSignInThrottleStore implements SignInThrottleStore {
  private readonly client: () => Promise<ModuleDatabaseClient>;

  private constructor(database: DatabaseService) {
    this.client = migratedModuleDatabaseOnFirstUse(database, MIGRATIONS);
  }

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
}
