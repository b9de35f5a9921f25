// @ts-check

/*
 * Dynamic client registrations per client address and time window.
 * Releases before the migrations folder created this table without
 * recording it anywhere, so a database of theirs already has it: that is
 * this migration done.
 */

/**
 * @param { import("knex").Knex } knex
 * @returns { Promise<void> }
 */
exports.up = async function up(knex) {
  if (await knex.schema.hasTable('presets_oauth_registration_counts')) {
    return;
  }
  await knex.schema.createTable('presets_oauth_registration_counts', table => {
    table.comment(
      'Dynamic client registrations per client address and time window (DevPortal OAuth server guard)',
    );
    table.string('address', 64).notNullable();
    table.bigInteger('window_start').notNullable();
    table.integer('count').notNullable();
    table.primary(['address', 'window_start']);
  });
};

/**
 * @param { import("knex").Knex } knex
 * @returns { Promise<void> }
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('presets_oauth_registration_counts');
};
