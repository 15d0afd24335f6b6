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

import { CompoundEntityRef } from '@backstage/catalog-model';
import { createApiRef } from '@backstage/frontend-plugin-api';
import {
  MercurialCommitsResponse,
  MercurialContributorsResponse,
  MercurialReadmeResponse,
  MercurialRepositoryExistsResponse,
  MercurialSummaryResponse,
} from '@backstage-mercurial/plugin-mercurial-common';

/**
 * A page of the commits route; \`next\`, when present, is the \`before\` of
 * the next page.
 *
 * @public
 */
export type MercurialCommitsPage = MercurialCommitsResponse;

/**
 * What to read of an entity's history.
 *
 * @public
 */
export interface MercurialCommitsOptions {
  /** How many changesets (the backend's default when absent). */
  limit?: number;
  /** A file or directory relative to the entity's directory. */
  path?: string;
  /** Only changesets older than this node: the `next` of the previous page. */
  before?: string;
}

/**
 * What to count of an entity's contributors.
 *
 * @public
 */
export interface MercurialContributorsOptions {
  /** A file or directory relative to the entity's directory. */
  path?: string;
  /** Only changesets since this date (ISO 8601). */
  since?: string;
}

/**
 * The Mercurial history backend (`/api/mercurial`), as the frontend uses it.
 * Every method rejects with a `ResponseError` (from `@backstage/errors`)
 * carrying the route's message when the backend refuses.
 *
 * @public
 */
export interface MercurialApi {
  /** The README of the entity's directory (else of the repository root). */
  getReadme(entityRef: CompoundEntityRef): Promise<MercurialReadmeResponse>;
  /** The entity's changesets, newest first, one page at a time. */
  getCommits(
    entityRef: CompoundEntityRef,
    options?: MercurialCommitsOptions,
  ): Promise<MercurialCommitsPage>;
  /** Who committed to the entity's directory, and how often. */
  getContributors(
    entityRef: CompoundEntityRef,
    options?: MercurialContributorsOptions,
  ): Promise<MercurialContributorsResponse>;
  /** Branches, tags and bookmarks of the entity's repository. */
  getSummary(entityRef: CompoundEntityRef): Promise<MercurialSummaryResponse>;
  /**
   * Whether a repository exists (and has changesets), for a value of the
   * repository picker (`host?owner=...&repo=...`).
   */
  checkRepository(repoUrl: string): Promise<MercurialRepositoryExistsResponse>;
}

/**
 * The API ref of {@link MercurialApi}; the same ref serves apps of the new
 * frontend system and legacy apps.
 *
 * @public
 */
export const mercurialApiRef = createApiRef<MercurialApi>().with({
  id: 'plugin.mercurial.service',
  pluginId: 'mercurial',
});
