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

import { readDurationFromConfig, Config } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';

/** The defaults of the `mercurial` config block. */
export const DEFAULTS = {
  cacheTtlMs: 60 * 60 * 1000,
  headCheckTtlMs: 5000,
  requestTimeoutMs: 30_000,
  maxContributorCommits: 5000,
};

/** The most changesets `contributors` may be configured to read. */
const MAX_CONTRIBUTOR_COMMITS_LIMIT = 100_000;

/** The service's settings, from the `mercurial` config block. */
export interface MercurialHistorySettings {
  /** `cache.ttl`: how long answers stay in the cache service. */
  cacheTtlMs: number;
  /** `cache.headCheckTtl`: how long a head check is reused (0: never). */
  headCheckTtlMs: number;
  /** `requestTimeout`: per request to the hg server. */
  requestTimeoutMs: number;
  /** `contributors.maxCommits`: the most changesets `contributors` reads. */
  maxContributorCommits: number;
}

function readDurationMs(
  config: Config | undefined,
  key: string,
  fallback: number,
): number {
  if (!config?.has(key)) {
    return fallback;
  }
  return durationToMilliseconds(readDurationFromConfig(config, { key }));
}

/** Reads the `mercurial` config block. */
export function readMercurialHistorySettings(
  config: Config,
): MercurialHistorySettings {
  const block = config.getOptionalConfig('mercurial');
  const settings: MercurialHistorySettings = {
    cacheTtlMs: readDurationMs(block, 'cache.ttl', DEFAULTS.cacheTtlMs),
    headCheckTtlMs: readDurationMs(
      block,
      'cache.headCheckTtl',
      DEFAULTS.headCheckTtlMs,
    ),
    requestTimeoutMs: readDurationMs(
      block,
      'requestTimeout',
      DEFAULTS.requestTimeoutMs,
    ),
    maxContributorCommits:
      block?.getOptionalNumber('contributors.maxCommits') ??
      DEFAULTS.maxContributorCommits,
  };
  const check = (ok: boolean, message: string) => {
    if (!ok) {
      throw new Error(`Invalid mercurial config: ${message}`);
    }
  };
  check(settings.cacheTtlMs > 0, "'cache.ttl' must be positive");
  check(
    settings.headCheckTtlMs >= 0,
    "'cache.headCheckTtl' must not be negative",
  );
  check(settings.requestTimeoutMs > 0, "'requestTimeout' must be positive");
  check(
    Number.isInteger(settings.maxContributorCommits) &&
      settings.maxContributorCommits >= 1 &&
      settings.maxContributorCommits <= MAX_CONTRIBUTOR_COMMITS_LIMIT,
    `'contributors.maxCommits' must be an integer from 1 to ${MAX_CONTRIBUTOR_COMMITS_LIMIT}`,
  );
  return settings;
}
