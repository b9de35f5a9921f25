// @ts-check

/*
 * Refused org syncs held for a person to approve or reject, one row per
 * provider (a newer refused run replaces the older one), and the entity
 * refs of each provider's last applied sync, so a held run can say which
 * entities approving it would remove. A database of an earlier release
 * gains the table and an empty column: its refs are unknown until the
 * next applied sync records them.
 */

/**
 * @param { import("knex").Knex } knex
 * @returns { Promise<void> }
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('presets_sync_state', table => {
    // JSON text, sorted: the refs the catalog holds from this sync.
    table.text('entity_refs').nullable();
  });
  await knex.schema.createTable('presets_sync_pending', table => {
    table.string('provider', 255).primary().notNullable();
    table.timestamp('refused_at', { useTz: true }).notNullable();
    table.text('reason').notNullable();
    table.integer('last_user_count').notNullable();
    table.integer('user_count').notNullable();
    table.integer('last_group_count').notNullable();
    table.integer('group_count').notNullable();
    // JSON text: the held mutation's entities with their locationKeys,
    // applied as they are on approval.
    table.text('entities').notNullable();
    // JSON text, sorted entity refs; `removed` is empty when the refs of
    // the last applied sync are unknown (recorded by an earlier release).
    table.text('removed').notNullable();
    table.text('added').notNullable();
    // Set while a replica applies an approval, so a second approval (or a
    // rejection) of the same run is refused instead of applying it twice.
    table.timestamp('claimed_at', { useTz: true }).nullable();
  });
};

/**
 * @param { import("knex").Knex } knex
 * @returns { Promise<void> }
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('presets_sync_pending');
  await knex.schema.alterTable('presets_sync_state', table => {
    table.dropColumn('entity_refs');
  });
};
