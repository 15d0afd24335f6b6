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

import { MercurialIntegrations } from '@backstage-mercurial/integration';
import { MercurialHgwebClient } from '@backstage-mercurial/integration-node';
import {
  BackstageCredentials,
  CacheService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { CompoundEntityRef } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { toRouteError } from '../lib/errors';
import { HistoryCache } from './cache';
import { getCommits } from './commits';
import { getContributors } from './contributors';
import { HeadChecks } from './headCheck';
import {
  MercurialHistorySettings,
  readMercurialHistorySettings,
} from './settings';
import { resolveMercurialSource } from './source';
import { getSummary } from './summary';
import {
  CommitsResponse,
  ContributorsResponse,
  MercurialSource,
  SourceHead,
  SummaryResponse,
} from './types';

export {
  DEFAULTS,
  readMercurialHistorySettings,
  type MercurialHistorySettings,
} from './settings';
export type {
  Commit,
  CommitsResponse,
  Contributor,
  ContributorsResponse,
  MercurialSource,
  SummaryResponse,
} from './types';

/** What the service uses. */
export interface MercurialHistoryServiceDeps {
  logger: LoggerService;
  cache: CacheService;
  catalog: CatalogService;
  /** The pack's shared hgweb client (`mercurialHgwebClientServiceRef`). */
  hgweb: MercurialHgwebClient;
}

/**
 * Commit history, contributors and repository summaries of entities whose
 * source location is an hg repository, read from hgweb through the pack's
 * shared client and cached per repository state.
 *
 * Every answer costs one head check (a wire-protocol `batch` request:
 * lookup of the revision and of tip, heads, bookmarks), which is itself
 * reused for `cache.headCheckTtl`; the data requests behind an answer are
 * made once per repository state and kept in the cache service. Concurrent
 * identical requests share one head check and one data fetch. A refusal of
 * the integration's credentials is a 502, not the caller's 401/403.
 */
export class MercurialHistoryService {
  private readonly heads: HeadChecks;
  private readonly cache: HistoryCache;

  static fromConfig(
    config: Config,
    deps: MercurialHistoryServiceDeps,
  ): MercurialHistoryService {
    return new MercurialHistoryService(
      MercurialIntegrations.fromConfig(config),
      readMercurialHistorySettings(config),
      deps,
    );
  }

  constructor(
    private readonly integrations: MercurialIntegrations,
    readonly settings: MercurialHistorySettings,
    private readonly deps: MercurialHistoryServiceDeps,
  ) {
    this.heads = new HeadChecks({
      headCheckTtlMs: settings.headCheckTtlMs,
      timeoutMs: settings.requestTimeoutMs,
    });
    this.cache = new HistoryCache(deps, { ttlMs: settings.cacheTtlMs });
  }

  /**
   * Looks the entity up in the catalog as the caller and reads its source
   * location. An entity the caller may not see is not found, like one that
   * does not exist.
   */
  resolveSource(
    ref: CompoundEntityRef,
    credentials: BackstageCredentials,
  ): Promise<MercurialSource> {
    return resolveMercurialSource(ref, credentials, {
      catalog: this.deps.catalog,
      integrations: this.integrations,
      client: integration => this.deps.hgweb.forIntegration(integration),
    });
  }

  /** The newest `limit` changesets of the entity's scope. */
  getCommits(
    source: MercurialSource,
    options: { limit: number; path: string },
  ): Promise<CommitsResponse> {
    return this.answer(source, head =>
      getCommits(source, head, this.cache, {
        ...options,
        timeoutMs: this.settings.requestTimeoutMs,
      }),
    );
  }

  /** The authors of the entity's scope, most changesets first. */
  getContributors(
    source: MercurialSource,
    options: { since?: Date; path: string },
  ): Promise<ContributorsResponse> {
    return this.answer(source, head =>
      getContributors(source, head, this.cache, {
        ...options,
        maxCommits: this.settings.maxContributorCommits,
        timeoutMs: this.settings.requestTimeoutMs,
      }),
    );
  }

  /** The repository: default branch head, branches, tags, bookmarks. */
  getSummary(source: MercurialSource): Promise<SummaryResponse> {
    return this.answer(source, head =>
      getSummary(source, head, this.cache, {
        timeoutMs: this.settings.requestTimeoutMs,
      }),
    );
  }

  /** The head check, then `read`; the server's errors as the routes answer them. */
  private async answer<T>(
    source: MercurialSource,
    read: (head: SourceHead) => Promise<T>,
  ): Promise<T> {
    try {
      return await read(await this.heads.check(source));
    } catch (e) {
      throw toRouteError(e);
    }
  }
}
