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

import { HgwebRequestOptions } from '@backstage-mercurial/integration-node';
import { HistoryCache } from './cache';
import { sourceFields } from './source';
import { MercurialSource, SourceHead, SummaryResponse } from './types';

/** The part of the summary that is cached per repository state. */
type RepositorySummary = Pick<
  SummaryResponse,
  'defaultBranch' | 'head' | 'branches' | 'tags' | 'bookmarks'
>;

/**
 * The summary route: the repository's default branch head, branches, tags
 * (without `tip`) and bookmarks (from the head check); `request`, the options of each
 * request to the server (timeout, on whose behalf).
 */
export async function getSummary(
  source: MercurialSource,
  head: SourceHead,
  cache: HistoryCache,
  options: { request: HgwebRequestOptions },
): Promise<SummaryResponse> {
  const { state, node } = head;
  const { request } = options;
  const summary = await cache.get<RepositorySummary>(
    [source.repositoryUrl, state, 'summary'],
    async () => {
      const [branches, tags] = await Promise.all([
        source.client.getBranches(source.repositoryPath, request),
        source.client.getTags(source.repositoryPath, request),
      ]);
      const defaultHead = branches.find(b => b.branch === 'default')?.node;
      return {
        defaultBranch: 'default',
        ...(defaultHead && { head: defaultHead }),
        branches: branches.map(b => ({
          name: b.branch,
          node: b.node,
          open: b.status !== 'closed',
        })),
        tags: tags
          .filter(t => t.tag !== 'tip')
          .map(t => ({ name: t.tag, node: t.node })),
        bookmarks: state.bookmarks,
      };
    },
  );
  return {
    ...sourceFields(source, node),
    ...summary,
  };
}
