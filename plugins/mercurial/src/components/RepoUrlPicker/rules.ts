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

// TEMPORARY until wt/backend merges: these two functions move to
// `@backstage-mercurial/integration` (packages/integration/src/repoUrl.ts)
// with exactly these names and signatures. Once they are there, replace
// this file's body with:
//
//   export {
//     formatMercurialRepoUrl,
//     validateMercurialRepositoryPath,
//   } from '@backstage-mercurial/integration';

const REPO_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/**
 * Why a repository path like `team/service` is refused (the scaffolder's
 * `publish:hg` refuses the same), or `undefined` when it is valid.
 */
export function validateMercurialRepositoryPath(
  repositoryPath: string,
): string | undefined {
  const segments = repositoryPath.split('/');
  if (!repositoryPath || segments.some(s => !REPO_SEGMENT.test(s))) {
    return `Invalid repository path '${repositoryPath}': use segments of letters, digits, '.', '_' and '-' separated by '/', none starting with '-' or '.' (e.g. 'team/service')`;
  }
  return undefined;
}

/** The picker's value: `host?owner=...&repo=...` (URLSearchParams-encoded). */
export function formatMercurialRepoUrl(parts: {
  host: string;
  owner?: string;
  repo: string;
}): string {
  const params = new URLSearchParams();
  if (parts.owner) {
    params.set('owner', parts.owner);
  }
  if (parts.repo) {
    params.set('repo', parts.repo);
  }
  const query = params.toString();
  return query ? `${parts.host}?${query}` : parts.host;
}
