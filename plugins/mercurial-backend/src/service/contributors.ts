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
  HgwebRequestOptions,
  NULL_NODE,
  parseHgwebDate,
} from '@backstage-mercurial/integration-node';
import { MercurialAuthor, parseAuthor } from '../lib/authors';
import { joinPaths } from '../lib/scope';
import { HistoryCache } from './cache';
import { sourceFields } from './source';
import { historyDescription } from './commits';
import {
  Contributor,
  ContributorsResponse,
  MercurialSource,
  SourceHead,
} from './types';

/** The scoped history as the contributors route caches it: compact. */
interface AuthorHistory {
  /** `[user, unix seconds]`, newest first. */
  entries: Array<[string, number]>;
  /** More changesets were in scope than were read. */
  more: boolean;
}

/** One author per e-mail address (case-insensitive), or per name. */
function countAuthors(entries: Array<[string, number]>): Contributor[] {
  const byAuthor = new Map<
    string,
    { author: MercurialAuthor; count: number; first: number; last: number }
  >();
  // Newest first: the first changeset of an author names them.
  for (const [user, seconds] of entries) {
    const author = parseAuthor(user);
    const key = author.email
      ? `e:${author.email.toLowerCase()}`
      : `n:${author.name}`;
    const entry = byAuthor.get(key);
    if (entry) {
      entry.count++;
      entry.first = Math.min(entry.first, seconds);
      entry.last = Math.max(entry.last, seconds);
    } else {
      byAuthor.set(key, { author, count: 1, first: seconds, last: seconds });
    }
  }
  return [...byAuthor.values()]
    .sort(
      (a, b) =>
        b.count - a.count ||
        b.last - a.last ||
        a.author.name.localeCompare(b.author.name),
    )
    .map(e => ({
      name: e.author.name,
      ...(e.author.email && { email: e.author.email }),
      commitCount: e.count,
      firstCommitDate: parseHgwebDate(e.first).toISOString(),
      lastCommitDate: parseHgwebDate(e.last).toISOString(),
    }));
}

/**
 * The contributors route: the authors of the entity's scope, most
 * changesets first, over at most `maxCommits` changesets from the node of
 * `head`, those since `since` when it is given; `request`, the options of
 * each request to the server (timeout, on whose behalf).
 */
export async function getContributors(
  source: MercurialSource,
  head: SourceHead,
  cache: HistoryCache,
  options: {
    since?: Date;
    path: string;
    maxCommits: number;
    request: HgwebRequestOptions;
  },
): Promise<ContributorsResponse> {
  const { state, node } = head;
  const path = joinPaths(source.path, options.path);
  const max = options.maxCommits;
  // Cached without `since`: every `since` is computed from one read.
  const history = await cache.get<AuthorHistory>(
    [source.repositoryUrl, state, 'authors', node, path, max],
    async () => {
      if (node === NULL_NODE) {
        return { entries: [], more: false };
      }
      const entries = await source.client.getHistory(
        {
          repositoryPath: source.repositoryPath,
          node,
          path,
          limit: max + 1,
          what: historyDescription(source, path),
        },
        options.request,
      );
      return {
        entries: entries
          .slice(0, max)
          .map(c => [c.user ?? '', c.date[0]] as [string, number]),
        more: entries.length > max,
      };
    },
  );

  const sinceSeconds = options.since
    ? options.since.getTime() / 1000
    : undefined;
  const counted =
    sinceSeconds === undefined
      ? history.entries
      : history.entries.filter(([, seconds]) => seconds >= sinceSeconds);
  // Truncated only when changesets left unread could be since `since`.
  const oldest = history.entries[history.entries.length - 1];
  const truncated =
    history.more &&
    (sinceSeconds === undefined ||
      (oldest !== undefined && oldest[1] >= sinceSeconds));

  return {
    ...sourceFields(source, node),
    path,
    ...(options.since && { since: options.since.toISOString() }),
    commitCount: counted.length,
    truncated,
    contributors: countAuthors(counted),
  };
}
