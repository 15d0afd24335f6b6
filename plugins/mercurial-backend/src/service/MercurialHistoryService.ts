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
import {
  HgwebRequestOptions,
  MERCURIAL_AUDIT_EVENTS,
  MercurialHgwebClient,
  MercurialOnBehalfOf,
  resolveOnBehalfOf,
} from '@backstage-mercurial/integration-node';
import { mercurialHistoryReadPermission } from '@backstage-mercurial/plugin-mercurial-common';
import {
  AuditorService,
  AuthService,
  BackstageCredentials,
  CacheService,
  LoggerService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  CompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import { NotAllowedError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { Request } from 'express';
import { isRefusal, toRouteError } from '../lib/errors';
import { HistoryCache } from './cache';
import { HistoryLoadClaims } from './claims';
import { getCommits } from './commits';
import { getContributors } from './contributors';
import { HeadChecks } from './headCheck';
import {
  MercurialHistorySettings,
  readMercurialHistorySettings,
} from './settings';
import { getReadme } from './readme';
import { resolveMercurialSource } from './source';
import { getSummary } from './summary';
import {
  CommitsResponse,
  ContributorsResponse,
  MercurialSource,
  ReadmeResponse,
  SourceFields,
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
  ReadmeResponse,
  SummaryResponse,
} from './types';

/** What the service uses. */
export interface MercurialHistoryServiceDeps {
  logger: LoggerService;
  cache: CacheService;
  /**
   * Claims of cache loads in the plugin's database: with them a miss is
   * loaded once across the backend replicas that share the cache service
   * and the database; without them, once per replica.
   */
  claims?: HistoryLoadClaims;
  catalog: CatalogService;
  /** The pack's shared hgweb client (`mercurialHgwebClientServiceRef`). */
  hgweb: MercurialHgwebClient;
  /** Authorizes `mercurial.history.read` for the caller. */
  permissions: PermissionsService;
  /** Records `mercurial-history-read` (and the credentials issued for callers). */
  auditor: AuditorService;
  /** With `userInfo`: the person behind a caller, for `readAs: caller`. */
  auth: AuthService;
  userInfo: UserInfoService;
}

/** The routes, as audit events name them. */
export type HistoryRoute = 'commits' | 'contributors' | 'summary' | 'readme';

/**
 * Who the hg server is read as: the integration's credentials (no
 * `onBehalfOf`), or a person's (an entry with `readAs: caller`).
 */
export interface HistoryReader {
  onBehalfOf?: MercurialOnBehalfOf;
  /** Set once the head check found the node the source's revision is at. */
  node?: string;
}

/** One call of a route: what it is about and who asks. */
export interface HistoryCall {
  route: HistoryRoute;
  ref: CompoundEntityRef;
  credentials: BackstageCredentials;
  /** The HTTP request, for the audit event's actor. */
  request?: Request;
}

/**
 * Commit history, contributors, READMEs and repository summaries of
 * entities whose source location is an hg repository, read from hgweb through the pack's
 * shared client and cached per repository state.
 *
 * Every answer costs one head check (a wire-protocol `batch` request:
 * lookup of the revision and of tip, heads, bookmarks), which is itself
 * reused for `cache.headCheckTtl`; the data requests behind an answer are
 * made once per repository state and kept in the cache service. Concurrent
 * identical requests share one head check and one data fetch; the data
 * fetch also across backend replicas, when `claims` are given (the plugin's
 * database) and the cache service is shared. A refusal of the integration's
 * credentials is a 502, not the caller's 401/403.
 *
 * With `readAs: caller` on the source's integration, the head check is made
 * per person with their credentials and doubles as their access check
 * (remembered, granted or refused, for `cache.headCheckTtl`); the data stays
 * shared per repository state, fetched on a miss with the credentials of
 * the person who asked. A refusal of the person's credentials is a 403
 * naming the repository and the host.
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
    this.cache = new HistoryCache(deps, {
      ttlMs: settings.cacheTtlMs,
      // A load is a few requests, each within requestTimeout; its claim is
      // renewed while it runs, and lapses this long after its replica died.
      claimTtlMs: settings.requestTimeoutMs,
    });
  }

  /**
   * One route call, guarded and audited: the entity is looked up as the
   * caller, `mercurial.history.read` is authorized for the caller on it
   * (conditional decisions are resolved by the permission backend through
   * the catalog), the reader is chosen (the caller in person for
   * `readAs: caller`, which then needs a signed-in user), and `read` answers.
   * Emits `mercurial-history-read`, succeeded or failed, whatever happens.
   */
  async read<T extends SourceFields>(
    call: HistoryCall,
    read: (source: MercurialSource, reader: HistoryReader) => Promise<T>,
  ): Promise<T> {
    const meta: Record<string, string> = {
      entityRef: stringifyEntityRef(call.ref),
      route: call.route,
    };
    const event = await this.deps.auditor.createEvent({
      eventId: MERCURIAL_AUDIT_EVENTS.historyRead,
      severityLevel: 'low',
      request: call.request,
      meta: { ...meta },
    });
    let reader: HistoryReader | undefined;
    try {
      const source = await this.resolveSource(call.ref, call.credentials);
      Object.assign(meta, {
        entityRef: source.entityRef,
        host: source.integration.config.host,
        repository: source.repositoryPath,
        revision: source.revision,
      });
      await this.authorize(source, call.credentials);
      reader = await this.readerFor(source, call.credentials);
      if (reader.onBehalfOf) {
        meta.onBehalfOf = reader.onBehalfOf.userEntityRef;
      }
      const answer = await read(source, reader);
      await event.success({ meta: { ...meta, node: answer.node } });
      return answer;
    } catch (error) {
      await event.fail({
        error: error as Error,
        meta: { ...meta, ...(reader?.node && { node: reader.node }) },
      });
      throw error;
    }
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

  /**
   * `mercurial.history.read` for the caller on the entity; a denial is a
   * NotAllowedError (403) naming the permission and the entity.
   */
  async authorize(
    source: MercurialSource,
    credentials: BackstageCredentials,
  ): Promise<void> {
    const [decision] = await this.deps.permissions.authorize(
      [
        {
          permission: mercurialHistoryReadPermission,
          resourceRef: source.entityRef,
        },
      ],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `Permission ${mercurialHistoryReadPermission.name} was denied for ${source.entityRef}`,
      );
    }
  }

  /**
   * Who the source is read as: the integration itself, or with
   * `readAs: caller` the signed-in user behind `credentials`; a service (or
   * anonymous) caller then fails closed with a NotAllowedError.
   */
  async readerFor(
    source: MercurialSource,
    credentials: BackstageCredentials,
  ): Promise<HistoryReader> {
    if (source.integration.config.readAs !== 'caller') {
      return {};
    }
    const onBehalfOf = await resolveOnBehalfOf(credentials, this.deps);
    if (!onBehalfOf) {
      throw new NotAllowedError(
        `readAs: caller needs a signed-in user: the integrations.mercurial entry for ${source.integration.config.host} reads as the caller, and the history of ${source.entityRef} was not asked for by a user`,
      );
    }
    return { onBehalfOf };
  }

  /**
   * The newest `limit` changesets of the entity's scope; with `before`, of
   * those after that changeset in the history (the next page).
   */
  getCommits(
    source: MercurialSource,
    options: { limit: number; path: string; before?: string },
    reader: HistoryReader = {},
  ): Promise<CommitsResponse> {
    return this.answer(source, reader, (head, request) =>
      getCommits(source, head, this.cache, { ...options, request }),
    );
  }

  /** The authors of the entity's scope, most changesets first. */
  getContributors(
    source: MercurialSource,
    options: { since?: Date; path: string },
    reader: HistoryReader = {},
  ): Promise<ContributorsResponse> {
    return this.answer(source, reader, (head, request) =>
      getContributors(source, head, this.cache, {
        ...options,
        maxCommits: this.settings.maxContributorCommits,
        request,
      }),
    );
  }

  /** The repository: default branch head, branches, tags, bookmarks. */
  getSummary(
    source: MercurialSource,
    reader: HistoryReader = {},
  ): Promise<SummaryResponse> {
    return this.answer(source, reader, (head, request) =>
      getSummary(source, head, this.cache, { request }),
    );
  }

  /**
   * The README of the entity's directory, else of the repository root, at
   * the source's node (its first 1 MiB).
   */
  getReadme(
    source: MercurialSource,
    reader: HistoryReader = {},
  ): Promise<ReadmeResponse> {
    return this.answer(source, reader, (head, request) =>
      getReadme(source, head, this.cache, { request }),
    );
  }

  /**
   * The head check (per person for a reader in person), then `read`; the
   * server's errors as the routes answer them.
   */
  private async answer<T>(
    source: MercurialSource,
    reader: HistoryReader,
    read: (head: SourceHead, request: HgwebRequestOptions) => Promise<T>,
  ): Promise<T> {
    const { onBehalfOf } = reader;
    const request: HgwebRequestOptions = {
      timeoutMs: this.settings.requestTimeoutMs,
      ...(onBehalfOf && { onBehalfOf, auditor: this.deps.auditor }),
    };
    try {
      const head = await this.heads.check(
        source,
        onBehalfOf
          ? {
              scope: onBehalfOf.userEntityRef,
              request,
              // A person refused is remembered like one let in.
              remember: isRefusal,
            }
          : { request },
      );
      reader.node = head.node;
      return await read(head, request);
    } catch (e) {
      throw toRouteError(
        e,
        onBehalfOf && {
          repositoryPath: source.repositoryPath,
          host: source.integration.config.host,
        },
      );
    }
  }
}
