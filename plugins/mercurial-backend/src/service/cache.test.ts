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

/*
 * HistoryCache as two backend replicas use it: two instances with one
 * database (their load claims) and one cache service (as one Redis), on
 * SQLite and, when BACKSTAGE_TEST_DATABASE_POSTGRES*_CONNECTION_STRING is
 * set, PostgreSQL.
 */

import { CacheManager } from '@backstage/backend-defaults/cache';
import {
  mockServices,
  TestDatabaseId,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { NotAllowedError } from '@backstage/errors';
import type { Knex } from 'knex';
import { setTimeout as sleep } from 'node:timers/promises';
import { HistoryCache, HistoryCacheOptions, historyCacheKey } from './cache';
import { HistoryLoadClaims, LOAD_CLAIMS_TABLE } from './claims';

jest.setTimeout(60_000);

const databases = TestDatabases.create({
  ids: [
    'SQLITE_3',
    'POSTGRES_18',
    'POSTGRES_17',
    'POSTGRES_16',
    'POSTGRES_15',
    'POSTGRES_14',
  ],
  // Only databases given by connection string: never a container.
  disableDocker: true,
});

/** Two (or more) replicas: one database, one cache service. */
async function replicas(
  databaseId: TestDatabaseId,
  options: Partial<HistoryCacheOptions> = {},
  count = 2,
) {
  const knex = await databases.init(databaseId);
  // One memory store behind every forPlugin client, as one Redis.
  const manager = CacheManager.fromConfig(
    new ConfigReader({ backend: { cache: { store: 'memory' } } }),
  );
  const loggers = [];
  const caches = [];
  for (let i = 0; i < count; i++) {
    // Each replica migrates at its start, as the plugin does.
    const claims = await HistoryLoadClaims.create({
      database: { getClient: async () => knex },
    });
    const logger = mockServices.logger.mock();
    loggers.push(logger);
    caches.push(
      new HistoryCache(
        { cache: manager.forPlugin('mercurial'), logger, claims },
        { ttlMs: 60_000, ...options },
      ),
    );
  }
  return { knex, caches, loggers };
}

async function claimRows(knex: Knex) {
  return knex(LOAD_CLAIMS_TABLE).select('key', 'holder');
}

/** Resolves once `test` is true, checking every 10 ms. */
async function until(test: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) {
      throw new Error('Timed out');
    }
    await sleep(10);
  }
}

/** A loader that counts its calls. */
function loader<T>(value: T, ms = 0) {
  const calls = { count: 0 };
  const load = async () => {
    calls.count++;
    await sleep(ms);
    return value;
  };
  return { calls, load };
}

const KEY = { repo: 'team/platform', heads: ['abc'], route: 'commits' };

describe.each(databases.eachSupportedId())(
  'HistoryCache across replicas, on %s',
  databaseId => {
    it.each([0, 20, 300])(
      'loads a burst of 100 gets of one key over two replicas once (a load of %i ms)',
      async ms => {
        const { knex, caches } = await replicas(databaseId);
        let loads = 0;
        const values = await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            // Every view brings its own load, as the routes do.
            caches[i % 2].get(KEY, async () => {
              loads++;
              await sleep(ms);
              return { commits: ['abc'], by: i % 2 };
            }),
          ),
        );
        expect(loads).toBe(1);
        expect(new Set(values.map(v => JSON.stringify(v))).size).toBe(1);
        expect(await claimRows(knex)).toEqual([]);

        // Then a hit for both, without a load.
        const again = loader({ commits: [] });
        await Promise.all(caches.map(c => c.get(KEY, again.load)));
        expect(again.calls.count).toBe(0);
      },
    );

    it('loads each key once, also with many keys in one burst', async () => {
      const { caches } = await replicas(databaseId, {}, 3);
      const loads = new Map<number, number>();
      await Promise.all(
        Array.from({ length: 150 }, (_, i) =>
          caches[i % 3].get({ ...KEY, heads: [`h${i % 5}`] }, async () => {
            loads.set(i % 5, (loads.get(i % 5) ?? 0) + 1);
            await sleep(20);
            return i % 5;
          }),
        ),
      );
      expect([...loads.values()]).toEqual([1, 1, 1, 1, 1]);
    });

    it('lets another replica load when the claimer fails, whose own callers alone get the failure', async () => {
      const { knex, caches } = await replicas(databaseId);
      const failing = {
        count: 0,
        load: async (): Promise<string> => {
          failing.count++;
          await sleep(200);
          throw new Error('hg server down');
        },
      };
      const first = caches[0].get(KEY, failing.load);
      first.catch(() => undefined);
      await until(async () => (await claimRows(knex)).length === 1);
      // More views on both replicas while the claimer loads.
      const joined = Array.from({ length: 5 }, () =>
        caches[0].get(KEY, failing.load),
      );
      joined.forEach(p => p.catch(() => undefined));
      const other = loader('from replica 1');
      const waiting = Array.from({ length: 5 }, () =>
        caches[1].get(KEY, other.load),
      );

      for (const p of [first, ...joined]) {
        await expect(p).rejects.toThrow('hg server down');
      }
      expect(await Promise.all(waiting)).toEqual(
        Array(5).fill('from replica 1'),
      );
      expect(failing.count).toBe(1);
      expect(other.calls.count).toBe(1);
      expect(await claimRows(knex)).toEqual([]);
    });

    it('after a refusal of the claimer, loads once more for the others in all (readAs: caller)', async () => {
      const { knex, caches } = await replicas(databaseId);
      const refused = async (): Promise<string> => {
        await sleep(100);
        throw new NotAllowedError('refused');
      };
      const first = caches[0].get(KEY, refused);
      first.catch(() => undefined);
      await until(async () => (await claimRows(knex)).length === 1);
      // A person on the same replica (who joins the refused load) and one on
      // the other (who waits on the claim) each bring their own credentials.
      const mine = loader('allowed', 50);
      const answers = Promise.all([
        caches[0].get(KEY, mine.load),
        caches[1].get(KEY, mine.load),
      ]);
      await expect(first).rejects.toThrow('refused');
      expect(await answers).toEqual(['allowed', 'allowed']);
      expect(mine.calls.count).toBe(1);
    });

    it('takes over the expired claim of a replica that died', async () => {
      const { knex, caches } = await replicas(databaseId);
      await knex(LOAD_CLAIMS_TABLE).insert({
        key: historyCacheKey(KEY),
        holder: 'dead-replica',
        expires_at: Date.now() - 1000,
      });
      const started = Date.now();
      const { calls, load } = loader('loaded');
      expect(
        await Promise.all([caches[0].get(KEY, load), caches[1].get(KEY, load)]),
      ).toEqual(['loaded', 'loaded']);
      expect(calls.count).toBe(1);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(await claimRows(knex)).toEqual([]);
    });

    it('waits for a fresh claim of a replica that dies until it expires, then loads', async () => {
      const { knex, caches } = await replicas(databaseId);
      const started = Date.now();
      await knex(LOAD_CLAIMS_TABLE).insert({
        key: historyCacheKey(KEY),
        holder: 'dying-replica',
        expires_at: started + 1000,
      });
      const { calls, load } = loader('loaded');
      const answer = caches[0].get(KEY, load);
      await sleep(300);
      expect(calls.count).toBe(0);
      expect(await answer).toBe('loaded');
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      expect(calls.count).toBe(1);
    });

    it('renews the claim while a load takes longer than its time to live', async () => {
      const { knex, caches, loggers } = await replicas(databaseId, {
        claimTtlMs: 1000,
      });
      // Renewed every third of its time to live, so it never expires.
      const slow = loader('slow', 2500);
      const first = caches[0].get(KEY, slow.load);
      await until(async () => (await claimRows(knex)).length === 1);
      const other = loader('other');
      const second = caches[1].get(KEY, other.load);
      expect(await Promise.all([first, second])).toEqual(['slow', 'slow']);
      expect(slow.calls.count).toBe(1);
      expect(other.calls.count).toBe(0);
      for (const logger of loggers) {
        expect(logger.warn).not.toHaveBeenCalled();
      }
    });

    it('loads without a claim when the database fails, and logs it', async () => {
      const { knex, caches, loggers } = await replicas(databaseId);
      await knex.schema.dropTable(LOAD_CLAIMS_TABLE);
      const { calls, load } = loader('loaded', 20);
      const values = await Promise.all(
        Array.from({ length: 20 }, (_, i) => caches[i % 2].get(KEY, load)),
      );
      expect(values).toEqual(Array(20).fill('loaded'));
      // Once per replica: the in-process sharing still holds.
      expect(calls.count).toBe(2);
      for (const logger of loggers) {
        expect(logger.warn).toHaveBeenCalledWith(
          expect.stringContaining(
            'Could not claim a history cache load in the database, loading without a claim',
          ),
        );
      }
    });

    it('loads without a claim when the database hangs past claimTimeoutMs', async () => {
      const { knex, caches, loggers } = await replicas(databaseId, {
        claimTimeoutMs: 200,
      });
      // Holds SQLite's one connection; on PostgreSQL, locks the table.
      const trx = await knex.transaction();
      if (knex.client.config.client !== 'better-sqlite3') {
        await trx.raw(
          `LOCK TABLE ${LOAD_CLAIMS_TABLE} IN ACCESS EXCLUSIVE MODE`,
        );
      }
      try {
        const { calls, load } = loader('loaded');
        const started = Date.now();
        expect(await caches[0].get(KEY, load)).toBe('loaded');
        expect(Date.now() - started).toBeLessThan(2000);
        expect(calls.count).toBe(1);
        expect(loggers[0].warn).toHaveBeenCalledWith(
          expect.stringContaining('took longer than 200 ms'),
        );
      } finally {
        await trx.rollback();
      }
      // The claim that came late was given back.
      await until(async () => (await claimRows(knex)).length === 0);
    });
  },
);

describe('HistoryCache without claims', () => {
  it('shares one load per process, as before', async () => {
    const cache = new HistoryCache(
      { cache: mockServices.cache.mock(), logger: mockServices.logger.mock() },
      { ttlMs: 1000 },
    );
    const { calls, load } = loader('v', 20);
    await Promise.all(Array.from({ length: 10 }, () => cache.get(KEY, load)));
    expect(calls.count).toBe(1);
  });
});
