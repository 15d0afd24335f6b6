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
import { ResponseError } from '@backstage/errors';
import type { DiscoveryApi, FetchApi } from '@backstage/frontend-plugin-api';
import {
  MercurialContributorsResponse,
  MercurialReadmeResponse,
  MercurialRepositoryExistsResponse,
  MercurialSummaryResponse,
} from '@backstage-mercurial/plugin-mercurial-common';
import {
  MercurialApi,
  MercurialCommitsOptions,
  MercurialCommitsPage,
  MercurialContributorsOptions,
} from './MercurialApi';

/**
 * The {@link MercurialApi} over HTTP: the backend plugin `mercurial`, found
 * through the discovery API, called with the fetch API (which adds the
 * user's Backstage token).
 *
 * @public
 */
export class MercurialClient implements MercurialApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  async getReadme(
    entityRef: CompoundEntityRef,
  ): Promise<MercurialReadmeResponse> {
    return this.get(entityPath(entityRef, 'readme'));
  }

  async getCommits(
    entityRef: CompoundEntityRef,
    options: MercurialCommitsOptions = {},
  ): Promise<MercurialCommitsPage> {
    return this.get(entityPath(entityRef, 'commits'), {
      limit: options.limit === undefined ? undefined : String(options.limit),
      path: options.path || undefined,
      before: options.before,
    });
  }

  async getContributors(
    entityRef: CompoundEntityRef,
    options: MercurialContributorsOptions = {},
  ): Promise<MercurialContributorsResponse> {
    return this.get(entityPath(entityRef, 'contributors'), {
      path: options.path || undefined,
      since: options.since,
    });
  }

  async getSummary(
    entityRef: CompoundEntityRef,
  ): Promise<MercurialSummaryResponse> {
    return this.get(entityPath(entityRef, 'summary'));
  }

  async checkRepository(
    repoUrl: string,
  ): Promise<MercurialRepositoryExistsResponse> {
    return this.get('/repositories/exists', { repoUrl });
  }

  private async get<T>(
    path: string,
    query: Record<string, string | undefined> = {},
  ): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('mercurial');
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined) {
        params.set(name, value);
      }
    }
    const search = params.toString();
    const response = await this.fetchApi.fetch(
      `${baseUrl}${path}${search ? `?${search}` : ''}`,
    );
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    return (await response.json()) as T;
  }
}

function entityPath(ref: CompoundEntityRef, route: string): string {
  const segments = [ref.kind, ref.namespace, ref.name].map(encodeURIComponent);
  return `/entities/${segments.join('/')}/${route}`;
}
