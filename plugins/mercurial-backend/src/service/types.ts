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
import {
  HgwebRepositoryState,
  MercurialServerClient,
} from '@backstage-mercurial/integration-node';
import type {
  MercurialCommit,
  MercurialCommitsResponse,
  MercurialContributor,
  MercurialContributorsResponse,
  MercurialReadmeResponse,
  MercurialRepositoryExistsResponse,
  MercurialSourceFields,
  MercurialSummaryResponse,
} from '@backstage-mercurial/plugin-mercurial-common';

/*
 * The answers are the types of `@backstage-mercurial/plugin-mercurial-common`
 * (which the frontend reads them as), under the names this package has
 * exported since its first release.
 */

/** Where an entity's source is: a repository, a revision, a directory. */
export interface MercurialSource {
  entityRef: string;
  integration: MercurialIntegration;
  /** The shared hgweb client of the source's server. */
  client: MercurialServerClient;
  repositoryPath: string;
  /** `{baseUrl}/{repo}` */
  repositoryUrl: string;
  /** The revision of the source location; `default` when it names none. */
  revision: string;
  /** Whether the source location names the revision. */
  explicitRevision: boolean;
  /**
   * The file or directory of the source location in the repository, `''`
   * for the root; the history is scoped to it.
   */
  path: string;
  /**
   * The entity's directory: `path` itself, or the directory of the file a
   * source location names; `''` for the root.
   */
  directory: string;
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
export type Commit = MercurialCommit;

/** The fields every answer starts with: the entity and what was read. */
export type SourceFields = MercurialSourceFields;

/**
 * The answer of the commits route.
 *
 * @public
 */
export type CommitsResponse = MercurialCommitsResponse;

/**
 * An author in the answer of the contributors route.
 *
 * @public
 */
export type Contributor = MercurialContributor;

/**
 * The answer of the contributors route.
 *
 * @public
 */
export type ContributorsResponse = MercurialContributorsResponse;

/**
 * The answer of the summary route.
 *
 * @public
 */
export type SummaryResponse = MercurialSummaryResponse;

/**
 * The answer of the readme route.
 *
 * @public
 */
export type ReadmeResponse = MercurialReadmeResponse;

/**
 * The answer of the repository exists route.
 *
 * @public
 */
export type RepositoryExistsResponse = MercurialRepositoryExistsResponse;
