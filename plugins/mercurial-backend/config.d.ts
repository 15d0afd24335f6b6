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

import { HumanDuration } from '@backstage/types';

export interface Config {
  /** The Mercurial history plugin (`/api/mercurial`). */
  mercurial?: {
    cache?: {
      /**
       * How long an answer stays in the cache service. Answers are keyed by
       * the repository's state (heads, bookmarks, the revision's node), so
       * this bounds memory, not staleness. Default 1 hour.
       */
      ttl?: HumanDuration | string;
      /**
       * How long the answer of a head check (one small wire-protocol
       * request) is reused for further requests about the same repository
       * and revision. A push shows after at most this long. 0 checks on
       * every request. Default 5 seconds.
       *
       * With `readAs: caller` on the repository's integrations.mercurial
       * entry the head check is made per person, with their credentials,
       * and is also their access check: this is then also how long a
       * person's checked right to read a repository (or its refusal) is
       * remembered, per person, repository and revision.
       */
      headCheckTtl?: HumanDuration | string;
    };
    contributors?: {
      /**
       * The most changesets the contributors route reads (newest first);
       * older ones are left out and the answer says `truncated`. Default
       * 5000, at most 100000.
       */
      maxCommits?: number;
    };
    /**
     * The timeout of each request to a Mercurial server, the wait for a
     * free slot of the host's concurrency limit and the one retry
     * included. Default 30 seconds.
     *
     * Also how long a replica's claim of a cache load (renewed while it
     * loads) lasts: how long a replica that died while loading keeps the
     * others waiting, at most.
     */
    requestTimeout?: HumanDuration | string;
  };
}
