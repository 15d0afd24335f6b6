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
import { InputError } from '@backstage/errors';
import { parseAuthor } from '../lib/authors';
import { joinPaths } from '../lib/scope';
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
    url: source.client.changesetUrl(source.repositoryPath, c.node),
  };
}

/**
 * The commits route: the newest `limit` changesets of the entity's scope
 * (its directory joined with `path`), from the node of `head`; with
 * `before` (the `next` of the previous page), those after it in the
 * history. `next` is set when there are more: one more changeset than
 * `limit` is asked for to know. `request`, the options of each request to
 * the server (timeout, on whose behalf).
 *
 * @throws InputError when `before` is no changeset of the repository
 */
export async function getCommits(
  source: MercurialSource,
  head: SourceHead,
  cache: HistoryCache,
  options: {
    limit: number;
    path: string;
    before?: string;
    request: HgwebRequestOptions;
  },
): Promise<CommitsResponse> {
  const { state, node } = head;
  const { limit, before, request } = options;
  const path = joinPaths(source.path, options.path);
  const page = await cache.get<{ commits: Commit[]; next?: string }>(
    [source.repositoryUrl, state, 'commits', node, path, limit, before ?? null],
    async () => {
      if (node === NULL_NODE) {
        return { commits: [] };
      }
      if (before) {
        await checkKnown(source, before, request);
      }
      const entries = await source.client.getHistory(
        {
          repositoryPath: source.repositoryPath,
          node,
          path,
          before,
          limit: limit + 1,
          what: historyDescription(source, path),
        },
        request,
      );
      const commits = entries.slice(0, limit).map(c => toCommit(source, c));
      return entries.length > limit
        ? { commits, next: commits[commits.length - 1].node }
        : { commits };
    },
  );
  return {
    ...sourceFields(source, node),
    path,
    ...page,
  };
}

/**
 * Makes sure `before` is a changeset of the repository: hgweb answers a
 * revset naming an unknown node with a keyword search, not an error.
 */
async function checkKnown(
  source: MercurialSource,
  before: string,
  request: HgwebRequestOptions,
): Promise<void> {
  const found = await source.client.lookup(
    source.repositoryPath,
    before,
    request,
  );
  if (found !== before) {
    throw new InputError(
      `Invalid before '${before}': ${source.client.describeRepository(source.repositoryPath)} has no changeset with that node`,
    );
  }
}
