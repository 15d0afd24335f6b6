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
  HgwebChangeset,
  HgwebRequestOptions,
  NULL_NODE,
  parseHgwebDate,
} from '@backstage-mercurial/integration-node';
import { parseAuthor } from '../lib/authors';
import { historyRevset, joinPaths } from '../lib/scope';
import { HistoryCache } from './cache';
import { sourceFields } from './source';
import { Commit, CommitsResponse, MercurialSource, SourceHead } from './types';

/** What `getLog` calls the history of `path` in messages. */
export function historyDescription(
  source: MercurialSource,
  path: string,
): string {
  return `the history of ${path || 'the root'} in ${source.repositoryPath || source.repositoryUrl}`;
}

function toCommit(source: MercurialSource, c: HgwebChangeset): Commit {
  return {
    node: c.node,
    author: parseAuthor(c.user ?? ''),
    date: parseHgwebDate(c.date).toISOString(),
    message: c.desc ?? '',
    branch: c.branch ?? 'default',
    tags: (c.tags ?? []).filter(t => t !== 'tip'),
    bookmarks: c.bookmarks ?? [],
    parents: c.parents ?? [],
    url: `${source.repositoryUrl}/rev/${c.node}`,
  };
}

/**
 * The commits route: the newest `limit` changesets of the entity's scope
 * (its directory joined with `path`), from the node of `head`; `request`,
 * the options of each request to the server (timeout, on whose behalf).
 */
export async function getCommits(
  source: MercurialSource,
  head: SourceHead,
  cache: HistoryCache,
  options: { limit: number; path: string; request: HgwebRequestOptions },
): Promise<CommitsResponse> {
  const { state, node } = head;
  const path = joinPaths(source.path, options.path);
  const commits = await cache.get(
    [source.repositoryUrl, state, 'commits', node, path, options.limit],
    async () => {
      if (node === NULL_NODE) {
        return [];
      }
      const entries = await source.client.getLog(
        source.repositoryPath,
        historyRevset(node, path),
        options.limit,
        historyDescription(source, path),
        options.request,
      );
      return entries.map(c => toCommit(source, c));
    },
  );
  return {
    ...sourceFields(source, node),
    path,
    commits,
  };
}
