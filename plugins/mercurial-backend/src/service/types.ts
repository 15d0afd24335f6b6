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

import { MercurialIntegration } from '@backstage-mercurial/integration';
import { MercurialAuthor } from '../lib/authors';
import {
  HgwebRepositoryState,
  HgwebServerClient,
} from '@backstage-mercurial/integration-node';

/** Where an entity's source is: a repository, a revision, a directory. */
export interface MercurialSource {
  entityRef: string;
  integration: MercurialIntegration;
  /** The shared hgweb client of the source's server. */
  client: HgwebServerClient;
  repositoryPath: string;
  /** `{baseUrl}/{repo}` */
  repositoryUrl: string;
  /** The revision of the source location; `default` when it names none. */
  revision: string;
  /** Whether the source location names the revision. */
  explicitRevision: boolean;
  /** The entity's directory in the repository, `''` for the root. */
  path: string;
}

/** What the head check found for a source: the state and the source's node. */
export interface SourceHead {
  state: HgwebRepositoryState;
  /** The node the source's revision resolves to. */
  node: string;
}

/**
 * A changeset in the answer of the commits route.
 *
 * @public
 */
export interface Commit {
  node: string;
  author: MercurialAuthor;
  date: string;
  message: string;
  branch: string;
  tags: string[];
  bookmarks: string[];
  parents: string[];
  url: string;
}

/** The fields every answer starts with: the entity and what was read. */
export interface SourceFields {
  entityRef: string;
  repositoryUrl: string;
  revision: string;
  node: string;
}

/**
 * The answer of the commits route.
 *
 * @public
 */
export interface CommitsResponse extends SourceFields {
  path: string;
  commits: Commit[];
}

/**
 * An author in the answer of the contributors route.
 *
 * @public
 */
export interface Contributor {
  name: string;
  email?: string;
  commitCount: number;
  firstCommitDate: string;
  lastCommitDate: string;
}

/**
 * The answer of the contributors route.
 *
 * @public
 */
export interface ContributorsResponse extends SourceFields {
  path: string;
  since?: string;
  commitCount: number;
  truncated: boolean;
  contributors: Contributor[];
}

/**
 * The answer of the summary route.
 *
 * @public
 */
export interface SummaryResponse extends SourceFields {
  defaultBranch: string;
  head?: string;
  branches: Array<{ name: string; node: string; open: boolean }>;
  tags: Array<{ name: string; node: string }>;
  bookmarks: Array<{ name: string; node: string }>;
}
