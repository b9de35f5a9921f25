import { DatabaseService } from '@backstage/backend-plugin-api';
import { PresetSyncCounts } from '@devportal/plugin-preset-providers-node';
import {
  ModuleDatabaseClient,
  ModuleMigrations,
  migratedModuleDatabaseOnFirstUse,
} from '@devportal/backend-module-migrations-node';

/**
 * Our table in the catalog's database: what the last applied sync of each
 * provider held. Prefixed so it can never collide with a table of the
 * catalog or of another catalog module.
 *
 * @public
 */
export const SYNC_STATE_TABLE = 'presets_sync_state';

/**
 * Our second table: the counts of recently applied syncs, one row per
 * applied sync, so the guard can compare a run with the largest sync of a
 * window and not only with the last one (a directory walked down in
 * halvings passes every last-run comparison). Added after the first
 * release as a table of its own, so a database made by that release only
 * gains a table. Both are made by the package's `migrations` folder.
 *
 * @public
 */
export const SYNC_HISTORY_TABLE = 'presets_sync_history';

/**
 * What the last applied sync of one provider held, and when it was applied.
 *
 * @public
 */
export interface AppliedSyncState extends PresetSyncCounts {
  appliedAt: Date;
}

/**
 * Where a record of an applied sync goes, and what it lets the store forget.
 *
 * @public
 */
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

/**
 * This package's `migrations` folder, recorded in a table of its own: the
 * catalog's database holds the catalog plugin's `knex_migrations`.
 */
const MIGRATIONS: ModuleMigrations = {
  packageName: '@devportal/plugin-catalog-backend-module-presets',
  tableName: 'presets_catalog_module__knex_migrations',
};

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
 * The migrations run on first use, not at startup, so a backend whose
 * presets schedule no sync never touches the database; a database made
 * before the history table existed gains it then. With `migrations.skip`
 * set on the database (a read-only or operator-managed schema) nothing is
 * created and both tables must exist.
 *
 * @public
 */
export class SyncStateStore {
  private readonly client: () => Promise<ModuleDatabaseClient>;

  private constructor(database: DatabaseService) {
    this.client = migratedModuleDatabaseOnFirstUse(database, MIGRATIONS);
  }

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
}
