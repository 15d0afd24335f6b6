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

import { CacheService, LoggerService } from '@backstage/backend-plugin-api';
import { JsonValue } from '@backstage/types';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isRefusal } from '../lib/errors';
import { HistoryLoadClaims, LoadClaim } from './claims';

/** Bumped when the shape of cached values changes. */
const CACHE_VERSION = 2;

/** The defaults of {@link HistoryCacheOptions}. */
export const HISTORY_CACHE_DEFAULTS = {
  claimTtlMs: 30_000,
  pollIntervalMs: 50,
  claimTimeoutMs: 5_000,
};

function hash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/** The key in the cache service (and of a load's claim) of a `get` key. */
export function historyCacheKey(key: unknown): string {
  return `v${CACHE_VERSION}:${hash(key)}`;
}

/** Rejects when `promise` has not settled after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} took longer than ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What a {@link HistoryCache} uses. */
export interface HistoryCacheDeps {
  cache: CacheService;
  logger: LoggerService;
  /**
   * Claims of loads in the plugin's database, shared with the other backend
   * replicas; without them, concurrent misses share one load per process.
   */
  claims?: HistoryLoadClaims;
}

/** How a {@link HistoryCache} keeps and loads values. */
export interface HistoryCacheOptions {
  /** How long a value stays in the cache service. */
  ttlMs: number;
  /**
   * How long a load's claim lasts unless renewed (its holder renews it every
   * third of this while it loads): how long the claim of a replica that died
   * keeps the others waiting, at most. Default 30 s.
   */
  claimTtlMs?: number;
  /**
   * How often a replica that waits for another's load looks for the value
   * and the claim (plus up to half of it at random). Default 50 ms.
   */
  pollIntervalMs?: number;
  /**
   * How long a claim (or a look at one) may take before the database counts
   * as failed and the value is loaded without a claim. Default 5 s.
   */
  claimTimeoutMs?: number;
}

/**
 * The answers' data in the cache service, keyed by what they were read
 * from: callers put the repository's state (its heads, tip and bookmarks)
 * in the key, so a new changeset or a moved bookmark is a new key and
 * nothing needs to be invalidated. A cache service that fails is logged and
 * read around.
 *
 * Concurrent misses of one key share one load: within the process through
 * the loads in flight, and across backend replicas that share the cache
 * service and the plugin's database through a claim of the key in the
 * database (`claims`). The replica that gets the claim loads, stores the
 * value and releases the claim (also when the load failed); the others poll
 * the cache service until the value is there, or until the claim is gone
 * or expired (its holder failed or died), and then try to claim the key
 * themselves. A database that fails (or hangs past `claimTimeoutMs`) is
 * logged, and the value loaded without a claim: a view never fails for it.
 *
 * The data is shared by every caller, also when it was loaded with one
 * person's credentials (`readAs: caller`): callers check each person's
 * access before they ask (the head check). A caller that joined another's
 * load which the server refused (401/403, that person's credentials) loads
 * with its own instead of taking the other's refusal; a replica waiting on
 * another's claim does so too, since a failed load only releases the claim.
 */
export class HistoryCache {
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly options: Required<HistoryCacheOptions>;

  constructor(
    private readonly deps: HistoryCacheDeps,
    options: HistoryCacheOptions,
  ) {
    this.options = { ...HISTORY_CACHE_DEFAULTS, ...options };
  }

  /**
   * The value for `key` from the cache service, or `load()`'s, which is then
   * stored. `key` is any JSON value; it is hashed.
   */
  async get<T>(key: unknown, load: () => Promise<T>): Promise<T> {
    const cacheKey = historyCacheKey(key);
    // A load in flight is joined before the cache service is asked: the
    // entry is only dropped once the value was stored.
    let pending = this.inflight.get(cacheKey) as Promise<T> | undefined;
    if (!pending) {
      const hit = await this.read<T>(cacheKey);
      if (hit !== undefined) {
        return hit;
      }
      pending = this.inflight.get(cacheKey) as Promise<T> | undefined;
    }
    if (pending) {
      return pending.catch(error => {
        if (isRefusal(error)) {
          return this.load(cacheKey, load);
        }
        throw error;
      });
    }
    return this.load(cacheKey, load);
  }

  /** The load of `cacheKey` in flight in this process, until it settled. */
  private load<T>(cacheKey: string, load: () => Promise<T>): Promise<T> {
    const pending = this.claimAndLoad(cacheKey, load);
    this.inflight.set(cacheKey, pending);
    // Dropped once stored (or failed), unless another load took its place.
    const forget = () => {
      if (this.inflight.get(cacheKey) === pending) {
        this.inflight.delete(cacheKey);
      }
    };
    pending.then(forget, forget);
    return pending;
  }

  /**
   * Loads under a claim of `cacheKey`, or waits for the replica that holds
   * it; loads without one when there are no claims or the database fails.
   */
  private async claimAndLoad<T>(
    cacheKey: string,
    load: () => Promise<T>,
  ): Promise<T> {
    const claims = this.deps.claims;
    if (!claims) {
      return this.loadAndStore(cacheKey, load);
    }
    for (;;) {
      let claim: LoadClaim | undefined;
      const claiming = claims.claim(cacheKey, this.options.claimTtlMs);
      try {
        claim = await within(
          claiming,
          this.options.claimTimeoutMs,
          'Claiming the load',
        );
      } catch (e) {
        // A claim that comes too late is given back at once.
        claiming.then(late => late?.release()).catch(() => undefined);
        this.claimFailed(e);
        return this.loadAndStore(cacheKey, load);
      }
      if (claim) {
        return this.loadClaimed(cacheKey, load, claim);
      }
      const waited = await this.waitForHolder<T>(cacheKey, claims);
      if (waited.found) {
        return waited.value;
      }
      if (waited.failed) {
        return this.loadAndStore(cacheKey, load);
      }
      // The claim is gone without a value (its load failed) or expired.
    }
  }

  private async loadClaimed<T>(
    cacheKey: string,
    load: () => Promise<T>,
    claim: LoadClaim,
  ): Promise<T> {
    let done = false;
    const renewal = setInterval(() => {
      claim.renew().then(
        mine => {
          if (!mine && !done) {
            this.deps.logger.warn(
              `The claim of a history cache load expired while loading (${cacheKey}): another replica may load it too`,
            );
          }
        },
        e => {
          if (!done) {
            this.deps.logger.warn(
              `Could not renew the claim of a history cache load (${cacheKey}): ${e}`,
            );
          }
        },
      );
    }, this.options.claimTtlMs / 3);
    renewal.unref();
    try {
      // Another replica may have stored the value and released its claim
      // between this one's miss and its claim.
      const hit = await this.read<T>(cacheKey);
      if (hit !== undefined) {
        return hit;
      }
      return await this.loadAndStore(cacheKey, load);
    } finally {
      done = true;
      clearInterval(renewal);
      try {
        await within(
          claim.release(),
          this.options.claimTimeoutMs,
          'Releasing the claim',
        );
      } catch (e) {
        this.deps.logger.warn(
          `Could not release the claim of a history cache load, it expires by itself: ${e}`,
        );
      }
    }
  }

  /**
   * Polls the cache service for the value another replica loads, and the
   * claim: until the value is there (`found`), the claim is gone or expired
   * (neither), or the database failed (`failed`).
   */
  private async waitForHolder<T>(
    cacheKey: string,
    claims: HistoryLoadClaims,
  ): Promise<{ found: true; value: T } | { found: false; failed: boolean }> {
    let warned = false;
    for (;;) {
      const { pollIntervalMs } = this.options;
      await sleep(pollIntervalMs + Math.random() * (pollIntervalMs / 2));
      // The cache service's failures are logged once per wait.
      const hit = await this.read<T>(cacheKey, !warned);
      if (hit !== undefined) {
        return { found: true, value: hit };
      }
      warned = true;
      try {
        const claimed = await within(
          claims.isClaimed(cacheKey),
          this.options.claimTimeoutMs,
          'Looking at the claim',
        );
        if (!claimed) {
          return { found: false, failed: false };
        }
      } catch (e) {
        this.claimFailed(e);
        return { found: false, failed: true };
      }
    }
  }

  private async loadAndStore<T>(
    cacheKey: string,
    load: () => Promise<T>,
  ): Promise<T> {
    const value = await load();
    try {
      await this.deps.cache.set(cacheKey, value as unknown as JsonValue, {
        ttl: this.options.ttlMs,
      });
    } catch (e) {
      this.deps.logger.warn(`Could not write the cache: ${e}`);
    }
    return value;
  }

  /** The cached value, or undefined (also when the cache service failed). */
  private async read<T>(cacheKey: string, warn = true): Promise<T | undefined> {
    try {
      return (await this.deps.cache.get(cacheKey)) as T | undefined;
    } catch (e) {
      if (warn) {
        this.deps.logger.warn(`Could not read the cache: ${e}`);
      }
      return undefined;
    }
  }

  private claimFailed(e: unknown) {
    this.deps.logger.warn(
      `Could not claim a history cache load in the database, loading without a claim: ${e}`,
    );
  }
}
