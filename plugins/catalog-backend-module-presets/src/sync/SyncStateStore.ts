import { DatabaseService } from '@backstage/backend-plugin-api';
import { PresetSyncCounts } from '@devportal/plugin-identity-presets-node';

/** The client `DatabaseService` hands out; named here so we need no direct knex dependency. */
type Knex = Awaited<ReturnType<DatabaseService['getClient']>>;

/**
 * Our table in the catalog's database. Prefixed so it can never collide
 * with a table of the catalog or of another catalog module.
 */
export const SYNC_STATE_TABLE = 'presets_sync_state';

/** What the last applied sync of one provider held, and when it was applied. */
export interface AppliedSyncState extends PresetSyncCounts {
  appliedAt: Date;
}

interface SyncStateRow {
  provider: string;
  user_count: number;
  group_count: number;
  entity_count: number;
  applied_at: Date | string;
}

/**
 * Creates the table unless it exists. Replicas that start together can
 * both find it missing: on PostgreSQL the slower `CREATE TABLE` then fails
 * with a unique violation on `pg_type` (23505) or a duplicate table (42P07),
 * on SQLite with "already exists". Whatever the engine said, if the table
 * is there now another process made it, and that is all we need.
 */
async function ensureTable(knex: Knex): Promise<void> {
  if (await knex.schema.hasTable(SYNC_STATE_TABLE)) {
    return;
  }
  try {
    await knex.schema.createTable(SYNC_STATE_TABLE, table => {
      // No table or column comments: SQLite has none and knex warns.
      table.string('provider', 255).primary().notNullable();
      table.integer('user_count').notNullable();
      table.integer('group_count').notNullable();
      table.integer('entity_count').notNullable();
      table.timestamp('applied_at', { useTz: true }).notNullable();
    });
  } catch (error) {
    if (await knex.schema.hasTable(SYNC_STATE_TABLE)) {
      return;
    }
    throw error;
  }
}

function stateOf(row: SyncStateRow): AppliedSyncState {
  return {
    users: Number(row.user_count),
    groups: Number(row.group_count),
    entities: Number(row.entity_count),
    // PostgreSQL gives a Date, SQLite the ISO string we wrote.
    appliedAt: new Date(row.applied_at),
  };
}

/**
 * Remembers, per provider name, what the last applied sync held, in the
 * catalog plugin's database: a restarted process and every other replica
 * on the same database read the same last good counts, so none of them
 * mistakes an empty or collapsed answer for a first sync.
 *
 * The table is created on first use, not at startup, so a backend whose
 * presets schedule no sync never touches it. With `migrations.skip` set on
 * the database (a read-only or operator-managed schema) it is not created
 * at all and must exist.
 */
export class SyncStateStore {
  private ready: Promise<Knex> | undefined;

  private constructor(private readonly database: DatabaseService) {}

  /** A store on the given plugin database; nothing is read or created yet. */
  static create(options: { database: DatabaseService }): SyncStateStore {
    return new SyncStateStore(options.database);
  }

  /** What the last applied sync of `provider` held; `undefined` if none was ever applied. */
  async lastApplied(provider: string): Promise<AppliedSyncState | undefined> {
    const knex = await this.client();
    const row = await knex<SyncStateRow>(SYNC_STATE_TABLE)
      .where({ provider })
      .first();
    return row ? stateOf(row) : undefined;
  }

  /** Records that a sync of `provider` holding `counts` was applied at `appliedAt`. */
  async recordApplied(
    provider: string,
    counts: PresetSyncCounts,
    appliedAt: Date = new Date(),
  ): Promise<void> {
    const knex = await this.client();
    await knex<SyncStateRow>(SYNC_STATE_TABLE)
      .insert({
        provider,
        user_count: counts.users,
        group_count: counts.groups,
        entity_count: counts.entities,
        applied_at: appliedAt.toISOString(),
      })
      .onConflict('provider')
      .merge();
  }

  private client(): Promise<Knex> {
    if (!this.ready) {
      this.ready = this.prepare().catch(error => {
        // Let the next run try again, e.g. once the database is reachable.
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
