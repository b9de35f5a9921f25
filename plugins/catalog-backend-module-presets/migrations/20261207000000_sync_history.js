// @ts-check

/*
 * The counts of recently applied syncs, one row per applied sync, so the
 * guard can compare a run with the largest sync of a window and not only
 * with the last one. Releases before the migrations folder may have
 * created this table already (then it is kept as it is), and the first of
 * them had only `presets_sync_state`.
 */

/**
 * The guard's default share in the release that kept no history: the share
 * each provider's last applied sync is taken to have been applied under.
 */
const FIRST_RELEASE_MIN_RETAINED_SHARE = 0.5;

/**
 * @param { import("knex").Knex } knex
 * @returns { Promise<void> }
 */
exports.up = async function up(knex) {
  if (await knex.schema.hasTable('presets_sync_history')) {
    return;
  }
  await knex.schema.createTable('presets_sync_history', table => {
    table.string('provider', 255).notNullable();
    table.integer('user_count').notNullable();
    table.integer('group_count').notNullable();
    table.integer('entity_count').notNullable();
    table.timestamp('applied_at', { useTz: true }).notNullable();
    // A double, as the guard computes: a count times the share compares
    // in SQL exactly as it does in JavaScript.
    table.double('min_retained_share').nullable();
    table.index(['provider', 'applied_at'], 'presets_sync_history_idx');
  });
  // The history starts with each provider's last applied sync, so the sync
  // a database held before the upgrade still counts as the window's peak
  // (otherwise the first two runs after an upgrade could walk the
  // directory down).
  await knex('presets_sync_history').insert(
    knex
      .select(
        'provider',
        'user_count',
        'group_count',
        'entity_count',
        'applied_at',
        knex.raw('? as ??', [
          FIRST_RELEASE_MIN_RETAINED_SHARE,
          'min_retained_share',
        ]),
      )
      .from('presets_sync_state'),
  );
};

/**
 * @param { import("knex").Knex } knex
 * @returns { Promise<void> }
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('presets_sync_history');
};
