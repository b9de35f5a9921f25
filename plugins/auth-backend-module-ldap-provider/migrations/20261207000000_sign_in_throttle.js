// @ts-check

/*
 * Failed sign-in counts per hashed key. Releases before the migrations
 * folder created this table without recording it anywhere, so a database
 * of theirs already has it: that is this migration done.
 */

/**
 * @param { import("knex").Knex } knex
 * @returns { Promise<void> }
 */
exports.up = async function up(knex) {
  if (await knex.schema.hasTable('ldap_provider_sign_in_throttle')) {
    return;
  }
  await knex.schema.createTable('ldap_provider_sign_in_throttle', table => {
    // `<providerId>:<scope>:<sha-256 hex>`, see SignInThrottle.
    table.string('key', 255).primary().notNullable();
    table.integer('failures').notNullable();
    // Epoch milliseconds: the same numbers on every engine and replica.
    table.bigInteger('blocked_until').notNullable();
    table.bigInteger('last_attempt_at').notNullable().index();
    table.bigInteger('revision').notNullable();
  });
};

/**
 * @param { import("knex").Knex } knex
 * @returns { Promise<void> }
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('ldap_provider_sign_in_throttle');
};
