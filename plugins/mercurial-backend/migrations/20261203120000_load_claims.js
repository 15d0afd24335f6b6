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
 * Claims of history cache loads: the backend replica that holds the claim on
 * a missing cache entry loads it, the others wait for the cache service.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('mercurial_history__load_claims', table => {
    table.comment('Which backend replica loads a missing history cache entry');
    table
      .string('key')
      .primary()
      .notNullable()
      .comment('The cache key being loaded');
    table
      .string('holder')
      .notNullable()
      .comment('The claim: host, process and a random id of the attempt');
    table
      .bigInteger('expires_at')
      .notNullable()
      .comment(
        'When the claim lapses unless its holder renews it, in milliseconds since the epoch',
      );
    table.index('expires_at', 'mercurial_history__load_claims_expires_at_idx');
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('mercurial_history__load_claims');
};
