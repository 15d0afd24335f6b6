/*
 * Copyright 2026 The Backstage Mercurial Authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

// @ts-check

/**
 * What each Mercurial discovery provider saw on its last run, shared by every
 * replica of the catalog: the next run re-reads only what changed.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('mercurial_discovery_state', table => {
    table.comment(
      'The last run of each catalog.providers.mercurial provider: repositories, their change markers and whether they have the catalog file',
    );
    table
      .string('provider_name', 255)
      .primary()
      .notNullable()
      .comment(
        'The entity provider name, MercurialDiscoveryEntityProvider:<id>',
      );
    table.text('state').notNullable().comment('The state, as JSON');
    table
      .timestamp('updated_at', { useTz: true })
      .notNullable()
      .comment('When the state was written');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('mercurial_discovery_state');
};
