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
import { randomUUID } from 'node:crypto';
import os from 'node:os';

/** The database service's knex client (no import of knex of our own). */
type Knex = Awaited<ReturnType<DatabaseService['getClient']>>;

/** The table of `migrations/`. */
export const LOAD_CLAIMS_TABLE = 'mercurial_history__load_claims';

/** The plugin's own knex migrations table (Backstage's default is `knex_migrations`). */
const MIGRATIONS_TABLE = 'mercurial_history__knex_migrations';

/** Expired claims are swept at most this often per process. */
const SWEEP_INTERVAL_MS = 60_000;

/** The claim of one load: held until released or, unless renewed, expired. */
export interface LoadClaim {
  readonly key: string;
  readonly holder: string;
  /**
   * Moves the expiry to the claim's time to live from now; false when the
   * claim is no longer this holder's (it expired and was taken over).
   */
  renew(): Promise<boolean>;
  /** Deletes the claim, if it is still this holder's. */
  release(): Promise<void>;
}

/**
 * Claims of cache loads in the plugin's database, shared by every backend
 * replica on it: the replica whose claim on a key is in the table loads that
 * key; the others wait for the value to appear in the cache service (or for
 * the claim to go away). A claim is a row (key, holder, expires_at), taken
 * with `insert ... on conflict do nothing` and read back, so exactly one of
 * several replicas that try at once gets it (PostgreSQL, SQLite and MySQL).
 * A claim expires after its time to live unless renewed, so the claim of a
 * replica that died lapses by itself; expired claims are taken over on the
 * key, and swept from the table now and then.
 *
 * Expiry times are the replicas' clocks (milliseconds since the epoch):
 * they are expected to agree to well within a claim's time to live.
 */
export class HistoryLoadClaims {
  private readonly holderPrefix = `${os.hostname()}:${process.pid}`;
  private lastSweep = 0;

  /**
   * The claims in `database`, the plugin's database, after bringing its
   * tables up to date with `migrations/` (unless `database.migrations.skip`).
   */
  static async create(options: {
    database: DatabaseService;
  }): Promise<HistoryLoadClaims> {
    const knex = await options.database.getClient();
    if (!options.database.migrations?.skip) {
      await knex.migrate.latest({
        directory: resolvePackagePath(
          '@backstage-mercurial/plugin-mercurial-backend',
          'migrations',
        ),
        tableName: MIGRATIONS_TABLE,
      });
    }
    return new HistoryLoadClaims(knex);
  }

  constructor(private readonly knex: Knex) {}

  /**
   * Claims `key` for `ttlMs`: the claim when this call got it, undefined
   * when another holder has an unexpired claim on it. An expired claim of
   * another holder is deleted and the key claimed anew.
   */
  async claim(key: string, ttlMs: number): Promise<LoadClaim | undefined> {
    await this.sweep();
    const holder = `${this.holderPrefix}:${randomUUID()}`;
    // Twice at most: once more after an expired claim was deleted (or the
    // holder released between the insert and the read).
    for (let attempt = 0; attempt < 2; attempt++) {
      const now = Date.now();
      await this.knex(LOAD_CLAIMS_TABLE)
        .insert({ key, holder, expires_at: now + ttlMs })
        .onConflict('key')
        .ignore();
      const row: { holder: string; expires_at: number | string } | undefined =
        await this.knex(LOAD_CLAIMS_TABLE)
          .where({ key })
          .first('holder', 'expires_at');
      if (row?.holder === holder) {
        return this.claimOf(key, holder, ttlMs);
      }
      if (row && Number(row.expires_at) > now) {
        return undefined;
      }
      if (row) {
        // Its holder died, or hung: only that claim, only while expired.
        await this.knex(LOAD_CLAIMS_TABLE)
          .where({ key, holder: row.holder })
          .andWhere('expires_at', '<=', now)
          .delete();
      }
    }
    return undefined;
  }

  /** Whether some holder has an unexpired claim on `key`. */
  async isClaimed(key: string): Promise<boolean> {
    const row = await this.knex(LOAD_CLAIMS_TABLE)
      .where({ key })
      .andWhere('expires_at', '>', Date.now())
      .first('holder');
    return row !== undefined;
  }

  private claimOf(key: string, holder: string, ttlMs: number): LoadClaim {
    const mine = () => this.knex(LOAD_CLAIMS_TABLE).where({ key, holder });
    return {
      key,
      holder,
      renew: async () =>
        (await mine().update({ expires_at: Date.now() + ttlMs })) > 0,
      release: async () => {
        await mine().delete();
      },
    };
  }

  /** Deletes the expired claims, at most once a minute per process. */
  private async sweep(): Promise<void> {
    const now = Date.now();
    if (now - this.lastSweep < SWEEP_INTERVAL_MS) {
      return;
    }
    this.lastSweep = now;
    await this.knex(LOAD_CLAIMS_TABLE).where('expires_at', '<=', now).delete();
  }
}
