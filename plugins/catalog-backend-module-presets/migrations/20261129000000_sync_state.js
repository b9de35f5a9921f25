// @ts-check

/*
 * What the last applied sync of each provider held. Releases before the
 * migrations folder created this table without recording it anywhere, so
 * a database of theirs already has it: that is this migration done.
 */

/**
 * @param { import("knex").Knex } knex
 * @returns { Promise<void> }
 */
exports.up = async function up(knex) {
  if (await knex.schema.hasTable('presets_sync_state')) {
    return;
  }
  // No table or column comments: SQLite has none and knex warns.
  await knex.schema.createTable('presets_sync_state', table => {
    table.string('provider', 255).primary().notNullable();
    table.integer('user_count').notNullable();
    table.integer('group_count').notNullable();
    table.integer('entity_count').notNullable();
    table.timestamp('applied_at', { useTz: true }).notNullable();
  });
};

/**
 * @param { import("knex").Knex } knex
 * @returns { Promise<void> }
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('presets_sync_state');
};
