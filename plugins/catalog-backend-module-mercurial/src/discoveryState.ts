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

import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * What a discovery run found in one repository.
 *
 * @public
 */
export interface DiscoveredRepository {
  /**
   * The server's change marker when the repository was read; absent when it
   * must be read again next run (the server gave none or an unsettled one,
   * or the read failed).
   */
  marker?: string;
  /** Whether it has the catalog file (its location is registered). */
  found: boolean;
}

/**
 * What a discovery provider saw on its last run.
 *
 * @public
 */
export interface MercurialDiscoveryState {
  /** The provider's settings the state was made with: another one starts over. */
  fingerprint: string;
  /** When the last full run (every repository read) started, epoch ms. */
  fullRunAt: number;
  /** By repository path. */
  repositories: Record<string, DiscoveredRepository>;
}

/**
 * Where discovery providers keep what their last run saw.
 *
 * @public
 */
export interface MercurialDiscoveryStateStore {
  get(providerName: string): Promise<MercurialDiscoveryState | undefined>;
  set(providerName: string, state: MercurialDiscoveryState): Promise<void>;
}

/** In this process only: every replica and every start begins with a full run. */
export class MemoryDiscoveryStateStore implements MercurialDiscoveryStateStore {
  private readonly states = new Map<string, string>();

  async get(providerName: string) {
    const state = this.states.get(providerName);
    return state === undefined ? undefined : JSON.parse(state);
  }

  async set(providerName: string, state: MercurialDiscoveryState) {
    this.states.set(providerName, JSON.stringify(state));
  }
}

const TABLE = 'mercurial_discovery_state';

/** The database service's knex client (no import of knex of our own). */
type Knex = Awaited<ReturnType<DatabaseService['getClient']>>;

/**
 * In the catalog's database (table `mercurial_discovery_state`, with
 * migrations of its own): every replica shares it, and it outlives restarts.
 */
export class DatabaseDiscoveryStateStore implements MercurialDiscoveryStateStore {
  static async create(
    database: DatabaseService,
  ): Promise<DatabaseDiscoveryStateStore> {
    const knex = await database.getClient();
    if (!database.migrations?.skip) {
      await migrate(knex);
    }
    return new DatabaseDiscoveryStateStore(knex);
  }

  private constructor(private readonly knex: Knex) {}

  async get(providerName: string) {
    const row = await this.knex(TABLE)
      .where({ provider_name: providerName })
      .first('state');
    return row ? (JSON.parse(row.state) as MercurialDiscoveryState) : undefined;
  }

  async set(providerName: string, state: MercurialDiscoveryState) {
    await this.knex(TABLE)
      .insert({
        provider_name: providerName,
        state: JSON.stringify(state),
        updated_at: this.knex.fn.now(),
      })
      .onConflict('provider_name')
      .merge(['state', 'updated_at']);
  }
}

/**
 * Runs the migrations. Replicas that start together take turns: knex fails
 * the one that finds the migrations locked, which then tries again.
 */
async function migrate(knex: Knex) {
  const directory = resolvePackagePath(
    '@backstage-mercurial/plugin-catalog-backend-module-mercurial',
    'migrations',
  );
  for (let attempt = 1; ; attempt++) {
    try {
      await knex.migrate.latest({
        directory,
        tableName: 'mercurial_discovery__knex_migrations',
      });
      return;
    } catch (error) {
      if (attempt >= 30 || !/already locked/i.test(String(error))) {
        throw error;
      }
      await sleep(500 + Math.random() * 500);
    }
  }
}
