import { DatabaseService } from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { PendingSync } from '@devportal/plugin-presets-sync-common';
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
 * Our third table: the refused org sync of each provider that waits for a
 * person, with everything approving it applies (see {@link HeldSync}).
 *
 * @public
 */
export const SYNC_PENDING_TABLE = 'presets_sync_pending';

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
  /**
   * The entity refs of the applied sync, kept so that a refused run later
   * can name what approving it would remove.
   */
  entityRefs?: string[];
  /**
   * The sync is the held run refused at this time, approved by a person:
   * its pending row is dropped, and every earlier sync is forgotten, so
   * the next run of the same shrunk directory is measured against this
   * one and not against a peak the person chose to give up.
   */
  approvedRefusedAt?: Date;
}

/** One entity of a held full mutation, as the catalog is given it. */
export interface HeldEntity {
  entity: Entity;
  locationKey?: string;
}

/**
 * A refused org sync run, held until a person approves or rejects it: the
 * `GET /api/presets/sync/pending` item and the entities approving applies.
 *
 * @public
 */
export interface HeldSync extends PendingSync {
  entities: HeldEntity[];
}

interface SyncStateRow {
  provider: string;
  user_count: number;
  group_count: number;
  entity_count: number;
  applied_at: Date | string;
}

interface SyncStateRefsRow extends SyncStateRow {
  /** JSON text; null when an earlier release applied the sync. */
  entity_refs: string | null;
}

interface SyncPendingRow {
  provider: string;
  refused_at: Date | string;
  reason: string;
  last_user_count: number;
  user_count: number;
  last_group_count: number;
  group_count: number;
  entities: string;
  removed: string;
  added: string;
  claimed_at: Date | string | null;
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

/** A held run's row as the list reads it: without its entities. */
type ListedPendingRow = Omit<SyncPendingRow, 'entities' | 'claimed_at'>;

function pendingOf(row: ListedPendingRow): PendingSync {
  return {
    provider: row.provider,
    refusedAt: new Date(row.refused_at).toISOString(),
    reason: row.reason,
    users: { last: Number(row.last_user_count), now: Number(row.user_count) },
    groups: {
      last: Number(row.last_group_count),
      now: Number(row.group_count),
    },
    removed: JSON.parse(row.removed),
    added: JSON.parse(row.added),
  };
}

/**
 * How long an approval may take before another one may claim the same
 * held run: a replica that died while applying must not block it forever.
 */
const CLAIM_EXPIRES_MS = 10 * 60 * 1000;

/**
 * Remembers, per provider name, what the last applied sync held and what
 * the syncs applied recently held, in the catalog plugin's database: a
 * restarted process and every other replica on the same database read the
 * same counts, so none of them mistakes an empty or collapsed answer for a
 * first sync, or a step of a stepwise collapse for a small shrink. The
 * refused org sync run waiting for a person is kept there too, so every
 * replica lists it and a restart keeps it.
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
   * The entity refs of the last applied sync of `provider`, sorted;
   * `undefined` when none was applied or an earlier release applied it.
   */
  async appliedRefs(provider: string): Promise<string[] | undefined> {
    const knex = await this.client();
    const row = await knex<SyncStateRefsRow>(SYNC_STATE_TABLE)
      .where({ provider })
      .first();
    return row?.entity_refs ? JSON.parse(row.entity_refs) : undefined;
  }

  /**
   * Holds a refused run for a person to review, replacing an older held
   * run of the same provider (and any claim on it: what was being approved
   * is no longer what the source says).
   */
  async holdRefused(held: HeldSync): Promise<void> {
    const knex = await this.client();
    const row: SyncPendingRow = {
      provider: held.provider,
      refused_at: held.refusedAt,
      reason: held.reason,
      last_user_count: held.users.last,
      user_count: held.users.now,
      last_group_count: held.groups.last,
      group_count: held.groups.now,
      entities: JSON.stringify(held.entities),
      removed: JSON.stringify(held.removed),
      added: JSON.stringify(held.added),
      claimed_at: null,
    };
    await knex<SyncPendingRow>(SYNC_PENDING_TABLE)
      .insert(row)
      .onConflict('provider')
      .merge();
  }

  /** Every held run, by provider name, without its entities. */
  async listPending(): Promise<PendingSync[]> {
    const knex = await this.client();
    const rows: ListedPendingRow[] = await knex<SyncPendingRow>(
      SYNC_PENDING_TABLE,
    )
      .select(
        'provider',
        'refused_at',
        'reason',
        'last_user_count',
        'user_count',
        'last_group_count',
        'group_count',
        'removed',
        'added',
      )
      .orderBy('provider', 'asc');
    return rows.map(pendingOf);
  }

  /**
   * Claims the held run of `provider` for an approval: only one caller on
   * any replica gets it until it is dropped, released or its claim
   * expires. `undefined` when nothing is held; `claimed: false` when
   * another approval holds it.
   */
  async claimPending(
    provider: string,
    now = new Date(),
  ): Promise<{ claimed: boolean; held: HeldSync } | undefined> {
    const knex = await this.client();
    const row = await knex<SyncPendingRow>(SYNC_PENDING_TABLE)
      .where({ provider })
      .first();
    if (!row) {
      return undefined;
    }
    const held = {
      ...pendingOf(row),
      entities: JSON.parse(row.entities) as HeldEntity[],
    };
    const expired = new Date(now.getTime() - CLAIM_EXPIRES_MS).toISOString();
    const claimed = await knex<SyncPendingRow>(SYNC_PENDING_TABLE)
      .where({ provider, refused_at: held.refusedAt })
      .andWhere(free =>
        free.whereNull('claimed_at').orWhere('claimed_at', '<', expired),
      )
      .update({ claimed_at: now.toISOString() });
    return { claimed: claimed === 1, held };
  }

  /** Gives up the claim on a held run whose approval could not be applied. */
  async releasePending(provider: string, refusedAt: string): Promise<void> {
    const knex = await this.client();
    await knex<SyncPendingRow>(SYNC_PENDING_TABLE)
      .where({ provider, refused_at: refusedAt })
      .update({ claimed_at: null });
  }

  /**
   * Drops the held run of `provider` unless an approval is applying it.
   * Says what was dropped; `undefined` when nothing was held, `claimed`
   * when an approval holds it.
   */
  async rejectPending(
    provider: string,
    now = new Date(),
  ): Promise<PendingSync | 'claimed' | undefined> {
    const knex = await this.client();
    const expired = new Date(now.getTime() - CLAIM_EXPIRES_MS).toISOString();
    return knex.transaction(async tx => {
      const row = await tx<SyncPendingRow>(SYNC_PENDING_TABLE)
        .where({ provider })
        .first();
      if (!row) {
        return undefined;
      }
      const dropped = await tx<SyncPendingRow>(SYNC_PENDING_TABLE)
        .where({ provider, refused_at: row.refused_at })
        .andWhere(free =>
          free.whereNull('claimed_at').orWhere('claimed_at', '<', expired),
        )
        .delete();
      return dropped === 1 ? pendingOf(row) : 'claimed';
    });
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
    const { approvedRefusedAt } = options;
    await knex.transaction(async tx => {
      await tx<SyncStateRefsRow>(SYNC_STATE_TABLE)
        .insert({
          ...row,
          entity_refs: options.entityRefs
            ? JSON.stringify(options.entityRefs)
            : null,
        })
        .onConflict('provider')
        .merge();
      // An applied run drops a held one: the catalog no longer holds what
      // it was measured against. An approval drops the run it applied (a
      // newer refused run that replaced it meanwhile stays held).
      await tx<SyncPendingRow>(SYNC_PENDING_TABLE)
        .where(
          approvedRefusedAt
            ? { provider, refused_at: approvedRefusedAt.toISOString() }
            : { provider },
        )
        .delete();
      await tx<SyncHistoryRow>(SYNC_HISTORY_TABLE)
        .where({ provider })
        .andWhere(forgotten => {
          if (approvedRefusedAt) {
            // A person accepted this shrink: no earlier peak counts.
            forgotten.where('applied_at', '<=', row.applied_at);
            return;
          }
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
