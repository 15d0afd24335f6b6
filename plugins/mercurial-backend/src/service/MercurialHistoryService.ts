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
  MercurialIntegration,
  MercurialIntegrations,
  parseMercurialUrl,
} from '@backstage-mercurial/integration';
import {
  BackstageCredentials,
  CacheService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  ANNOTATION_SOURCE_LOCATION,
  CompoundEntityRef,
  parseLocationRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { Config, readDurationFromConfig } from '@backstage/config';
import { NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { durationToMilliseconds, JsonValue } from '@backstage/types';
import { createHash } from 'node:crypto';
import { MercurialAuthor, parseAuthor } from '../lib/authors';
import {
  HgwebChangeset,
  HgwebClient,
  NULL_NODE,
  RepositoryState,
} from '../lib/hgweb';
import { historyRevset, joinPaths } from '../lib/scope';

/** Bumped when the shape of cached values changes. */
const CACHE_VERSION = 1;

/** The defaults of the `mercurial` config block. */
export const DEFAULTS = {
  cacheTtlMs: 60 * 60 * 1000,
  headCheckTtlMs: 5000,
  requestTimeoutMs: 30_000,
  maxContributorCommits: 5000,
};

/** The most changesets `contributors` may be configured to read. */
const MAX_CONTRIBUTOR_COMMITS_LIMIT = 100_000;

/** Where an entity's source is: a repository, a revision, a directory. */
export interface MercurialSource {
  entityRef: string;
  integration: MercurialIntegration;
  client: HgwebClient;
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

interface SourceFields {
  entityRef: string;
  repositoryUrl: string;
  revision: string;
  node: string;
}

export interface CommitsResponse extends SourceFields {
  path: string;
  commits: Commit[];
}

export interface Contributor {
  name: string;
  email?: string;
  commitCount: number;
  firstCommitDate: string;
  lastCommitDate: string;
}

export interface ContributorsResponse extends SourceFields {
  path: string;
  since?: string;
  commitCount: number;
  truncated: boolean;
  contributors: Contributor[];
}

export interface SummaryResponse extends SourceFields {
  defaultBranch: string;
  head?: string;
  branches: Array<{ name: string; node: string; open: boolean }>;
  tags: Array<{ name: string; node: string }>;
  bookmarks: Array<{ name: string; node: string }>;
}

/** The scoped history as the contributors route caches it: compact. */
interface AuthorHistory {
  /** `[user, unix seconds]`, newest first. */
  entries: Array<[string, number]>;
  /** More changesets were in scope than were read. */
  more: boolean;
}

type RepositorySummary = Pick<
  SummaryResponse,
  'defaultBranch' | 'head' | 'branches' | 'tags' | 'bookmarks'
>;

/** The service's settings, from the `mercurial` config block. */
export interface MercurialHistorySettings {
  cacheTtlMs: number;
  headCheckTtlMs: number;
  requestTimeoutMs: number;
  maxContributorCommits: number;
}

function readDurationMs(
  config: Config | undefined,
  key: string,
  fallback: number,
): number {
  if (!config?.has(key)) {
    return fallback;
  }
  return durationToMilliseconds(readDurationFromConfig(config, { key }));
}

/** Reads the `mercurial` config block. */
export function readMercurialHistorySettings(
  config: Config,
): MercurialHistorySettings {
  const block = config.getOptionalConfig('mercurial');
  const settings: MercurialHistorySettings = {
    cacheTtlMs: readDurationMs(block, 'cache.ttl', DEFAULTS.cacheTtlMs),
    headCheckTtlMs: readDurationMs(
      block,
      'cache.headCheckTtl',
      DEFAULTS.headCheckTtlMs,
    ),
    requestTimeoutMs: readDurationMs(
      block,
      'requestTimeout',
      DEFAULTS.requestTimeoutMs,
    ),
    maxContributorCommits:
      block?.getOptionalNumber('contributors.maxCommits') ??
      DEFAULTS.maxContributorCommits,
  };
  const check = (ok: boolean, message: string) => {
    if (!ok) {
      throw new Error(`Invalid mercurial config: ${message}`);
    }
  };
  check(settings.cacheTtlMs > 0, "'cache.ttl' must be positive");
  check(
    settings.headCheckTtlMs >= 0,
    "'cache.headCheckTtl' must not be negative",
  );
  check(settings.requestTimeoutMs > 0, "'requestTimeout' must be positive");
  check(
    Number.isInteger(settings.maxContributorCommits) &&
      settings.maxContributorCommits >= 1 &&
      settings.maxContributorCommits <= MAX_CONTRIBUTOR_COMMITS_LIMIT,
    `'contributors.maxCommits' must be an integer from 1 to ${MAX_CONTRIBUTOR_COMMITS_LIMIT}`,
  );
  return settings;
}

function isoDate(date: [number, number] | number): string {
  const seconds = Array.isArray(date) ? date[0] : date;
  return new Date(Math.round(seconds * 1000)).toISOString();
}

function hash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/**
 * Commit history, contributors and repository summaries of entities whose
 * source location is an hg repository, read from hgweb and cached per
 * repository state.
 *
 * Every answer costs one head check (a wire-protocol `batch` request:
 * lookup of the revision and of tip, heads, bookmarks), which is itself
 * reused for `cache.headCheckTtl`; the data requests behind an answer are
 * made once per repository state and kept in the cache service. Concurrent
 * identical requests share one head check and one data fetch.
 */
export class MercurialHistoryService {
  private readonly integrations: MercurialIntegrations;
  private readonly clients = new Map<MercurialIntegration, HgwebClient>();
  private readonly states = new Map<
    string,
    { expires: number; value: Promise<RepositoryState> }
  >();
  private readonly inflight = new Map<string, Promise<unknown>>();

  static fromConfig(
    config: Config,
    deps: {
      logger: LoggerService;
      cache: CacheService;
      catalog: CatalogService;
    },
  ): MercurialHistoryService {
    return new MercurialHistoryService(
      MercurialIntegrations.fromConfig(config),
      readMercurialHistorySettings(config),
      deps,
    );
  }

  constructor(
    integrations: MercurialIntegrations,
    readonly settings: MercurialHistorySettings,
    private readonly deps: {
      logger: LoggerService;
      cache: CacheService;
      catalog: CatalogService;
    },
  ) {
    this.integrations = integrations;
  }

  private client(integration: MercurialIntegration): HgwebClient {
    let client = this.clients.get(integration);
    if (!client) {
      client = new HgwebClient(integration, {
        timeoutMs: this.settings.requestTimeoutMs,
      });
      this.clients.set(integration, client);
    }
    return client;
  }

  /**
   * Looks the entity up in the catalog as the caller and reads its source
   * location. An entity the caller may not see is not found, like one that
   * does not exist.
   */
  async resolveSource(
    ref: CompoundEntityRef,
    credentials: BackstageCredentials,
  ): Promise<MercurialSource> {
    const requested = stringifyEntityRef(ref);
    const entity = await this.deps.catalog.getEntityByRef(ref, {
      credentials,
    });
    if (!entity) {
      throw new NotFoundError(`Entity ${requested} not found`);
    }
    const entityRef = stringifyEntityRef(entity);
    const noSource = (why: string) =>
      new NotFoundError(
        `${entityRef} has no Mercurial source location (${why})`,
      );

    const annotation =
      entity.metadata.annotations?.[ANNOTATION_SOURCE_LOCATION];
    if (!annotation) {
      throw noSource(`it has no ${ANNOTATION_SOURCE_LOCATION} annotation`);
    }
    let target: string;
    try {
      const location = parseLocationRef(annotation);
      if (location.type !== 'url') {
        throw noSource(
          `${ANNOTATION_SOURCE_LOCATION} is of type '${location.type}', not a url`,
        );
      }
      target = location.target;
    } catch (e) {
      if (e instanceof NotFoundError) {
        throw e;
      }
      throw noSource(
        `${ANNOTATION_SOURCE_LOCATION} '${annotation}' is not a location reference`,
      );
    }
    const integration = this.integrations.byUrl(target);
    if (!integration) {
      throw noSource(
        `${ANNOTATION_SOURCE_LOCATION} is not under any integrations.mercurial baseUrl`,
      );
    }
    let parsed;
    try {
      parsed = parseMercurialUrl(target, integration.config);
    } catch (e) {
      throw noSource(
        `${ANNOTATION_SOURCE_LOCATION} is not an hgweb repository or directory URL: ${(e as Error).message}`,
      );
    }
    const client = this.client(integration);
    return {
      entityRef,
      integration,
      client,
      repositoryPath: parsed.repositoryPath,
      repositoryUrl: client.repositoryUrl(parsed.repositoryPath),
      revision: parsed.revision ?? 'default',
      explicitRevision: parsed.revision !== undefined,
      // A file URL scopes to the file: `file("path:...")` matches either.
      path: parsed.path,
    };
  }

  /**
   * The head check, shared by concurrent callers and reused for
   * `cache.headCheckTtl` after it answered.
   */
  private async state(
    source: MercurialSource,
  ): Promise<{ state: RepositoryState; node: string }> {
    const key = `${source.repositoryUrl}\n${source.revision}`;
    const now = Date.now();
    let entry = this.states.get(key);
    if (!entry || entry.expires <= now) {
      if (this.states.size > 1000) {
        for (const [k, v] of this.states) {
          if (v.expires <= now) {
            this.states.delete(k);
          }
        }
      }
      const value = source.client.getState(
        source.repositoryPath,
        source.revision,
      );
      const created = { expires: Number.POSITIVE_INFINITY, value };
      entry = created;
      this.states.set(key, created);
      value.then(
        () => {
          created.expires = Date.now() + this.settings.headCheckTtlMs;
          if (created.expires <= Date.now()) {
            this.states.delete(key);
          }
        },
        () => {
          if (this.states.get(key) === created) {
            this.states.delete(key);
          }
        },
      );
    }
    const state = await entry.value;
    // A source location without a revision means the head of `default`;
    // a repository without a `default` branch falls back to tip, as hgweb.
    const node =
      state.node ?? (source.explicitRevision ? undefined : state.tip);
    if (!node) {
      throw new NotFoundError(
        `The revision '${source.revision}' of the source location of ${source.entityRef} was not found in ${source.repositoryUrl}`,
      );
    }
    return { state, node };
  }

  /**
   * The value for `key` from the cache service, or `load()`'s, which is then
   * stored. Concurrent misses of one key share one `load()`.
   */
  private async cached<T>(key: unknown, load: () => Promise<T>): Promise<T> {
    const cacheKey = `v${CACHE_VERSION}:${hash(key)}`;
    try {
      const hit = await this.deps.cache.get(cacheKey);
      if (hit !== undefined) {
        return hit as T;
      }
    } catch (e) {
      this.deps.logger.warn(`Could not read the cache: ${e}`);
    }
    let pending = this.inflight.get(cacheKey) as Promise<T> | undefined;
    if (!pending) {
      pending = (async () => {
        try {
          const value = await load();
          try {
            await this.deps.cache.set(cacheKey, value as unknown as JsonValue, {
              ttl: this.settings.cacheTtlMs,
            });
          } catch (e) {
            this.deps.logger.warn(`Could not write the cache: ${e}`);
          }
          return value;
        } finally {
          this.inflight.delete(cacheKey);
        }
      })();
      this.inflight.set(cacheKey, pending);
    }
    return pending;
  }

  private toCommit(source: MercurialSource, c: HgwebChangeset): Commit {
    return {
      node: c.node,
      author: parseAuthor(c.user ?? ''),
      date: isoDate(c.date),
      message: c.desc ?? '',
      branch: c.branch ?? 'default',
      tags: (c.tags ?? []).filter(t => t !== 'tip'),
      bookmarks: c.bookmarks ?? [],
      parents: c.parents ?? [],
      url: `${source.repositoryUrl}/rev/${c.node}`,
    };
  }

  /** The newest `limit` changesets of the entity's scope. */
  async getCommits(
    source: MercurialSource,
    options: { limit: number; path: string },
  ): Promise<CommitsResponse> {
    const { state, node } = await this.state(source);
    const path = joinPaths(source.path, options.path);
    const commits = await this.cached(
      [source.repositoryUrl, state, 'commits', node, path, options.limit],
      async () => {
        if (node === NULL_NODE) {
          return [];
        }
        const entries = await source.client.getLog(
          source.repositoryPath,
          historyRevset(node, path),
          options.limit,
          `the history of ${path || 'the root'} in ${source.repositoryPath || source.repositoryUrl}`,
        );
        return entries.map(c => this.toCommit(source, c));
      },
    );
    return {
      entityRef: source.entityRef,
      repositoryUrl: source.repositoryUrl,
      revision: source.revision,
      node,
      path,
      commits,
    };
  }

  /** The authors of the entity's scope, most changesets first. */
  async getContributors(
    source: MercurialSource,
    options: { since?: Date; path: string },
  ): Promise<ContributorsResponse> {
    const { state, node } = await this.state(source);
    const path = joinPaths(source.path, options.path);
    const max = this.settings.maxContributorCommits;
    // Cached without `since`: every `since` is computed from one read.
    const history = await this.cached<AuthorHistory>(
      [source.repositoryUrl, state, 'authors', node, path, max],
      async () => {
        if (node === NULL_NODE) {
          return { entries: [], more: false };
        }
        const entries = await source.client.getLog(
          source.repositoryPath,
          historyRevset(node, path),
          max + 1,
          `the history of ${path || 'the root'} in ${source.repositoryPath || source.repositoryUrl}`,
        );
        return {
          entries: entries
            .slice(0, max)
            .map(c => [c.user ?? '', c.date[0]] as [string, number]),
          more: entries.length > max,
        };
      },
    );

    const sinceSeconds = options.since
      ? options.since.getTime() / 1000
      : undefined;
    const counted =
      sinceSeconds === undefined
        ? history.entries
        : history.entries.filter(([, seconds]) => seconds >= sinceSeconds);
    const oldest = history.entries[history.entries.length - 1];
    const truncated =
      history.more &&
      (sinceSeconds === undefined ||
        (oldest !== undefined && oldest[1] >= sinceSeconds));

    const byAuthor = new Map<
      string,
      { author: MercurialAuthor; count: number; first: number; last: number }
    >();
    // Newest first: the first changeset of an author names them.
    for (const [user, seconds] of counted) {
      const author = parseAuthor(user);
      const key = author.email
        ? `e:${author.email.toLowerCase()}`
        : `n:${author.name}`;
      const entry = byAuthor.get(key);
      if (entry) {
        entry.count++;
        entry.first = Math.min(entry.first, seconds);
        entry.last = Math.max(entry.last, seconds);
      } else {
        byAuthor.set(key, { author, count: 1, first: seconds, last: seconds });
      }
    }
    const contributors = [...byAuthor.values()]
      .sort(
        (a, b) =>
          b.count - a.count ||
          b.last - a.last ||
          a.author.name.localeCompare(b.author.name),
      )
      .map(e => ({
        name: e.author.name,
        ...(e.author.email && { email: e.author.email }),
        commitCount: e.count,
        firstCommitDate: isoDate(e.first),
        lastCommitDate: isoDate(e.last),
      }));

    return {
      entityRef: source.entityRef,
      repositoryUrl: source.repositoryUrl,
      revision: source.revision,
      node,
      path,
      ...(options.since && { since: options.since.toISOString() }),
      commitCount: counted.length,
      truncated,
      contributors,
    };
  }

  /** The repository: default branch head, branches, tags, bookmarks. */
  async getSummary(source: MercurialSource): Promise<SummaryResponse> {
    const { state, node } = await this.state(source);
    const summary = await this.cached<RepositorySummary>(
      [source.repositoryUrl, state, 'summary'],
      async () => {
        const [branches, tags] = await Promise.all([
          source.client.getBranches(source.repositoryPath),
          source.client.getTags(source.repositoryPath),
        ]);
        const head = branches.find(b => b.branch === 'default')?.node;
        return {
          defaultBranch: 'default',
          ...(head && { head }),
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
      entityRef: source.entityRef,
      repositoryUrl: source.repositoryUrl,
      revision: source.revision,
      node,
      ...summary,
    };
  }
}
