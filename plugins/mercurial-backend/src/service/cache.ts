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
import { isRefusal } from '../lib/errors';

/** Bumped when the shape of cached values changes. */
const CACHE_VERSION = 2;

function hash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/**
 * The answers' data in the cache service, keyed by what they were read
 * from: callers put the repository's state (its heads, tip and bookmarks)
 * in the key, so a new changeset or a moved bookmark is a new key and
 * nothing needs to be invalidated. Concurrent misses of one key share one
 * load. A cache service that fails is logged and read around.
 *
 * The data is shared by every caller, also when it was loaded with one
 * person's credentials (`readAs: caller`): callers check each person's
 * access before they ask (the head check). A caller that joined another's
 * load which the server refused (401/403, that person's credentials) loads
 * with its own instead of taking the other's refusal.
 */
export class HistoryCache {
  private readonly inflight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly deps: { cache: CacheService; logger: LoggerService },
    private readonly options: { ttlMs: number },
  ) {}

  /**
   * The value for `key` from the cache service, or `load()`'s, which is then
   * stored. `key` is any JSON value; it is hashed.
   */
  async get<T>(key: unknown, load: () => Promise<T>): Promise<T> {
    const cacheKey = `v${CACHE_VERSION}:${hash(key)}`;
    // A load in flight is joined before the cache service is asked: the
    // entry is only dropped once the value was stored.
    let pending = this.inflight.get(cacheKey) as Promise<T> | undefined;
    if (!pending) {
      try {
        const hit = await this.deps.cache.get(cacheKey);
        if (hit !== undefined) {
          return hit as T;
        }
      } catch (e) {
        this.deps.logger.warn(`Could not read the cache: ${e}`);
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

  private load<T>(cacheKey: string, load: () => Promise<T>): Promise<T> {
    const pending = (async () => {
      const value = await load();
      try {
        await this.deps.cache.set(cacheKey, value as unknown as JsonValue, {
          ttl: this.options.ttlMs,
        });
      } catch (e) {
        this.deps.logger.warn(`Could not write the cache: ${e}`);
      }
      return value;
    })();
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
}
