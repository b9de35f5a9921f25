import { DatabaseService } from '@backstage/backend-plugin-api';
import { PresetSyncCounts } from '@devportal/plugin-preset-providers-node';
import { DEFAULT_MIN_RETAINED_SHARE } from './readSyncGuardConfig';

/** The client `DatabaseService` hands out; named here so we need no direct knex dependency. */
type Knex = Awaited<ReturnType<DatabaseService['getClient']>>;

/**
 * Our table in the catalog's database: what the last applied sync of each
 * provider held. Prefixed so it can never collide with a table of the
 * catalog or of another catalog module.
 */
export const SYNC_STATE_TABLE = 'presets_sync_state';

/**
 * Our second table: the counts of recently applied syncs, one row per
 * applied sync, so the guard can compare a run with the largest sync of a
 * window and not only with the last one (a directory walked down in
 * halvings passes every last-run comparison). Added after the first
 * release as a table of its own, so a database made by that release only
 * gains a table.
 */
export const SYNC_HISTORY_TABLE = 'presets_sync_history';

/** What the last applied sync of one provider held, and when it was applied. */
export interface AppliedSyncState extends PresetSyncCounts {
  appliedAt: Date;
}

/** Where a record of an applied sync goes, and what it lets the store forget. */
export interface RecordAppliedOptions {
  /** When the sync was applied; now by default. */
  appliedAt?: Date;
  /**
   * Applied syncs before this time no longer count for anyone (the guard's
   * window ended): their history rows are deleted. The last applied sync
   * itself is always kept.
   */
  forgetBefore?: Date;
  /**
   * The share the guard applied this sync under (`minRetainedShare`). An
   * earlier sync that this one has fewer users or groups than its own
   * share of is forgotten: this sync could only be applied because the
   * operator lowered the share to let a real shrink through, and it is the
   * new baseline once the share is set back.
   */
  minRetainedShare?: number;
}

interface SyncStateRow {
  provider: string;
  user_count: number;
  group_count: number;
  entity_count: number;
  applied_at: Date | string;
}

interface SyncHistoryRow extends SyncStateRow {
  /** The share the sync was applied under; null for one kept from before the history existed. */
  min_retained_share: number | null;
}

type TableBuilder = Parameters<Knex['schema']['createTable']>[1];

/**
 * Creates a table unless it exists; says whether this call created it.
 * Replicas that start together can both find it missing: on PostgreSQL the
 * slower `CREATE TABLE` then fails with a unique violation on `pg_type`
 * (23505) or a duplicate table (42P07), on SQLite with "already exists".
 * Whatever the engine said, if the table is there now another process made
 * it, and that is all we need.
 */
async function ensureTable(
  knex: Knex,
  name: string,
  build: TableBuilder,
): Promise<boolean> {
  if (await knex.schema.hasTable(name)) {
    return false;
  }
  try {
    await knex.schema.createTable(name, build);
    return true;
  } catch (error) {
    if (await knex.schema.hasTable(name)) {
      return false;
    }
    throw error;
  }
}

/**
 * Both tables, each checked on its own. A database of the first release
 * has the state table only: the history it gains starts with each
 * provider's last applied sync, so the sync it held before the upgrade
 * still counts as the window's peak (otherwise the first two runs after
 * an upgrade could walk the directory down). That release's share is
 * unknown here; its default stands in for it.
 */
async function ensureTables(knex: Knex): Promise<void> {
  // No table or column comments: SQLite has none and knex warns.
  await ensureTable(knex, SYNC_STATE_TABLE, table => {
    table.string('provider', 255).primary().notNullable();
    table.integer('user_count').notNullable();
    table.integer('group_count').notNullable();
    table.integer('entity_count').notNullable();
    table.timestamp('applied_at', { useTz: true }).notNullable();
  });
  const created = await ensureTable(knex, SYNC_HISTORY_TABLE, table => {
    table.string('provider', 255).notNullable();
    table.integer('user_count').notNullable();
    table.integer('group_count').notNullable();
    table.integer('entity_count').notNullable();
    table.timestamp('applied_at', { useTz: true }).notNullable();
    // A double, as the guard computes: a count times the share compares
    // in SQL exactly as it does in JavaScript.
    table.double('min_retained_share').nullable();
    table.index(['provider', 'applied_at'], `${SYNC_HISTORY_TABLE}_idx`);
  });
  if (created) {
    await knex(SYNC_HISTORY_TABLE).insert(
      knex
        .select(
          'provider',
          'user_count',
          'group_count',
          'entity_count',
          'applied_at',
          knex.raw('? as ??', [
            DEFAULT_MIN_RETAINED_SHARE,
            'min_retained_share',
          ]),
        )
        .from(SYNC_STATE_TABLE),
    );
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

function rowOf(
  provider: string,
  counts: PresetSyncCounts,
  appliedAt: Date,
): SyncStateRow {
  return {
    provider,
    user_count: counts.users,
    group_count: counts.groups,
    entity_count: counts.entities,
    // An ISO string on every engine: SQLite keeps it as text, where it
    // compares in time order with the ISO bounds of `appliedSince`.
    applied_at: appliedAt.toISOString(),
  };
}

/**
 * Remembers, per provider name, what the last applied sync held and what
 * the syncs applied recently held, in the catalog plugin's database: a
 * restarted process and every other replica on the same database read the
 * same counts, so none of them mistakes an empty or collapsed answer for a
 * first sync, or a step of a stepwise collapse for a small shrink.
 *
 * The tables are created on first use, not at startup, so a backend whose
 * presets schedule no sync never touches them; a database made before the
 * history table existed gains it on first use. With `migrations.skip` set
 * on the database (a read-only or operator-managed schema) nothing is
 * created and both tables must exist.
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

  /**
   * The syncs of `provider` applied at or after `since`, oldest first, as
   * far as they are still kept: a sync whose every count a later one
   * matches or exceeds is dropped when that later one is recorded, as it
   * can no longer be the largest of any window, and so is one that a
   * later sync was let through below (see
   * {@link RecordAppliedOptions.minRetainedShare}).
   */
  async appliedSince(
    provider: string,
    since: Date,
  ): Promise<AppliedSyncState[]> {
    const knex = await this.client();
    const rows = await knex<SyncHistoryRow>(SYNC_HISTORY_TABLE)
      .where({ provider })
      .andWhere('applied_at', '>=', since.toISOString())
      .orderBy('applied_at', 'asc');
    return rows.map(stateOf);
  }

  /** Records that a sync of `provider` holding `counts` was applied. */
  async recordApplied(
    provider: string,
    counts: PresetSyncCounts,
    options: RecordAppliedOptions = {},
  ): Promise<void> {
    const knex = await this.client();
    const row = rowOf(provider, counts, options.appliedAt ?? new Date());
    await knex.transaction(async tx => {
      await tx<SyncStateRow>(SYNC_STATE_TABLE)
        .insert(row)
        .onConflict('provider')
        .merge();
      await tx<SyncHistoryRow>(SYNC_HISTORY_TABLE)
        .where({ provider })
        .andWhere(forgotten => {
          forgotten.where(earlier =>
            earlier
              .where('applied_at', '<=', row.applied_at)
              .andWhere(superseded =>
                superseded
                  // Equalled or exceeded in every count: it would expire
                  // before this one without ever being larger (a steady
                  // directory keeps one row).
                  .where(dominated =>
                    dominated
                      .where('user_count', '<=', row.user_count)
                      .andWhere('group_count', '<=', row.group_count)
                      .andWhere('entity_count', '<=', row.entity_count),
                  )
                  // Overridden: this sync fell below its share of it.
                  .orWhereRaw('?? * ?? > ?', [
                    'user_count',
                    'min_retained_share',
                    row.user_count,
                  ])
                  .orWhereRaw('?? * ?? > ?', [
                    'group_count',
                    'min_retained_share',
                    row.group_count,
                  ]),
              ),
          );
          if (options.forgetBefore) {
            forgotten.orWhere(
              'applied_at',
              '<',
              options.forgetBefore.toISOString(),
            );
          }
        })
        .delete();
      await tx<SyncHistoryRow>(SYNC_HISTORY_TABLE).insert({
        ...row,
        min_retained_share: options.minRetainedShare ?? null,
      });
    });
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
      await ensureTables(knex);
    }
    return knex;
  }
}
