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
 * The answers of the history backend's routes (`/api/mercurial`), as the
 * frontend reads them. The backend's OpenAPI spec
 * (plugins/mercurial-backend/src/schema/openapi.yaml) is the contract; the
 * backend's tests check that its answers match these types.
 */

/**
 * The author of a changeset.
 *
 * @public
 */
export interface MercurialAuthor {
  name: string;
  /** Absent when the hg user has no `<e-mail>` part. */
  email?: string;
}

/**
 * The fields every answer starts with: the entity and what was read.
 *
 * @public
 */
export interface MercurialSourceFields {
  /** The entity, e.g. `component:default/payments-api`. */
  entityRef: string;
  /** `{baseUrl}/{repo}` of the integration. */
  repositoryUrl: string;
  /** The revision of the entity's source location (`default` when it names none). */
  revision: string;
  /** The 40-hex node the revision resolved to. */
  node: string;
}

/**
 * A changeset.
 *
 * @public
 */
export interface MercurialCommit {
  node: string;
  author: MercurialAuthor;
  /** The commit date in UTC (ISO 8601). */
  date: string;
  message: string;
  branch: string;
  /** Tags on this changeset (without `tip`). */
  tags: string[];
  bookmarks: string[];
  parents: string[];
  /** The changeset page: `{baseUrl}/{repo}/rev/{node}`. */
  url: string;
}

/**
 * The answer of `GET /entities/{kind}/{namespace}/{name}/commits`.
 *
 * @public
 */
export interface MercurialCommitsResponse extends MercurialSourceFields {
  /** The file or directory the history is limited to, `''` for the whole repository. */
  path: string;
  commits: MercurialCommit[];
  /**
   * Present when there are more changesets after this page: the node of its
   * last changeset, to pass as `before` for the next page.
   */
  next?: string;
}

/**
 * An author in the answer of the contributors route.
 *
 * @public
 */
export interface MercurialContributor {
  name: string;
  email?: string;
  commitCount: number;
  firstCommitDate: string;
  lastCommitDate: string;
}

/**
 * The answer of `GET /entities/{kind}/{namespace}/{name}/contributors`.
 *
 * @public
 */
export interface MercurialContributorsResponse extends MercurialSourceFields {
  path: string;
  since?: string;
  commitCount: number;
  /** True when older history was left out (`mercurial.contributors.maxCommits`). */
  truncated: boolean;
  contributors: MercurialContributor[];
}

/**
 * The answer of `GET /entities/{kind}/{namespace}/{name}/summary`.
 *
 * @public
 */
export interface MercurialSummaryResponse extends MercurialSourceFields {
  defaultBranch: string;
  head?: string;
  branches: Array<{ name: string; node: string; open: boolean }>;
  tags: Array<{ name: string; node: string }>;
  bookmarks: Array<{ name: string; node: string }>;
}

/**
 * The answer of `GET /entities/{kind}/{namespace}/{name}/readme`.
 *
 * @public
 */
export interface MercurialReadmeResponse extends MercurialSourceFields {
  /** The README's path in the repository, e.g. `services/api/README.md`. */
  path: string;
  /** How to show it: Markdown rendered, anything else as preformatted text. */
  format: 'markdown' | 'text';
  /** The file's text (UTF-8), at most its first 1 MiB. */
  content: string;
  /** True when the file is larger than 1 MiB and \`content\` is its beginning. */
  truncated: boolean;
  /** The file's page on the server: `{repositoryUrl}/file/{node}/{path}`. */
  url: string;
  /**
   * Where relative links of the README point: the browse URL of its
   * directory, ending with `/` (`{repositoryUrl}/file/{node}/{dir}/`).
   */
  browseBaseUrl: string;
  /**
   * Where relative images of the README point: the raw-file URL of its
   * directory, ending with `/` (`{repositoryUrl}/raw-file/{node}/{dir}/`).
   */
  rawBaseUrl: string;
}

/**
 * The answer of `GET /repositories/exists?repoUrl=host?owner=...&repo=...`.
 *
 * @public
 */
export interface MercurialRepositoryExistsResponse {
  /** The repository's `{baseUrl}/{repo}`. */
  repositoryUrl: string;
  /** Whether the server serves a repository there. */
  exists: boolean;
  /** Whether that repository has changesets (`publish:hg` refuses one that has). */
  hasChangesets: boolean;
}
