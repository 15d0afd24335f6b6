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
  getMercurialBrowseUrl,
  MercurialIntegration,
  MercurialIntegrations,
} from '@backstage-mercurial/integration';
import {
  MercurialHgwebClient,
  MercurialServerClient,
} from '@backstage-mercurial/integration-node';
import { createHash } from 'node:crypto';
import {
  DatabaseService,
  LoggerService,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  SchedulerService,
  SchedulerServiceTaskRunner,
  UrlReaderService,
} from '@backstage/backend-plugin-api';
import { Config, readDurationFromConfig } from '@backstage/config';
import { InputError, NotFoundError } from '@backstage/errors';
import { durationToMilliseconds } from '@backstage/types';
import {
  EntityProvider,
  EntityProviderConnection,
  locationSpecToLocationEntity,
} from '@backstage/plugin-catalog-node';
import {
  DatabaseDiscoveryStateStore,
  DiscoveredRepository,
  MemoryDiscoveryStateStore,
  MercurialDiscoveryState,
  MercurialDiscoveryStateStore,
} from './discoveryState';

/** How many repositories are read at once, by default. */
const DEFAULT_CONCURRENCY = 8;
/** How often every repository is read again, by default: daily. */
const DEFAULT_FULL_RUN_INTERVAL_MS = 24 * 60 * 60 * 1000;
/** How many failed repositories a run names in its warnings (the rest are counted). */
const NAMED_FAILURES = 5;

/**
 * One `catalog.providers.mercurial.<id>` entry, read.
 *
 * @public
 */
export interface MercurialDiscoveryConfig {
  id: string;
  host: string;
  catalogPath: string;
  revision: string;
  repositories?: RegExp;
  /**
   * Only the repositories below this group (a Heptapod group with its
   * subgroups, a Kallithea repository group, a directory of an hgweb
   * index).
   */
  group?: string;
  /** How many repositories are read at once; default 8. */
  concurrency?: number;
  /** How often a run reads every repository, changed or not, in ms; default a day. */
  fullRunIntervalMs?: number;
}

/**
 * The counts of one discovery run.
 *
 * @public
 */
export interface MercurialDiscoveryResult {
  /** Repositories the server lists. */
  seen: number;
  /** Of them, those that match `repositories`. */
  matched: number;
  /** Locations registered (repositories with the catalog file). */
  registered: number;
  /** Repositories read this run: all on a full run, else the new and changed ones. */
  read: number;
  /** Whether every matching repository was read. */
  full: boolean;
  /** Reads that failed: those repositories kept what the last run saw. */
  failed: number;
}

/**
 * Discovers repositories on a Mercurial server (hgweb's repository index,
 * Heptapod's projects API with `vcs_type: hg` and not archived, Kallithea's
 * `get_repos`), and registers a `url` location for each one that has the catalog file (a
 * path or a glob). Each run is a full mutation: locations of repositories or
 * files that went away are removed.
 *
 * A run reads only the repositories that are new or whose change marker (see
 * `MercurialRepositoryListing.changeMarker`) moved since the last run, kept
 * in a {@link MercurialDiscoveryStateStore} (the catalog's database in the
 * module, shared by replicas); the others keep what the last run saw. The
 * first run, a run after the provider's settings changed, and one run every
 * `fullRunInterval` (default a day) read every repository. A repository
 * whose read fails keeps its last state and is read again next run.
 *
 * @public
 */
export class MercurialDiscoveryEntityProvider implements EntityProvider {
  private connection?: EntityProviderConnection;

  /**
   * One provider per `catalog.providers.mercurial.<id>` entry.
   */
  static fromConfig(
    config: Config,
    options: {
      logger: LoggerService;
      reader: UrlReaderService;
      scheduler?: SchedulerService;
      schedule?: SchedulerServiceTaskRunner;
      /**
       * The hgweb client the repository index is read with; the module
       * passes the backend's `mercurialHgwebClientServiceRef`. Default: a
       * client of its own on a `DefaultMercurialCredentialsService` (each
       * entry's static credentials or credential source).
       */
      hgweb?: MercurialHgwebClient;
      /**
       * Where what each run saw is kept; default in this process only (the
       * module passes one in the catalog's database).
       */
      state?: MercurialDiscoveryStateStore;
    },
  ): MercurialDiscoveryEntityProvider[] {
    const integrations = MercurialIntegrations.fromConfig(config);
    const hgweb =
      options.hgweb ?? MercurialHgwebClient.create({ integrations });
    const providers = config.getOptionalConfig('catalog.providers.mercurial');
    if (!providers) {
      return [];
    }
    const state = options.state ?? new MemoryDiscoveryStateStore();
    return providers.keys().map(id => {
      const entry = providers.getConfig(id);
      const where = `catalog.providers.mercurial.${id}`;
      const host = entry.getString('host');
      const integration = integrations.byHost(host);
      if (!integration) {
        throw new InputError(
          `Invalid ${where} config: no integrations.mercurial entry for host '${host}'`,
        );
      }
      const pattern = entry.getOptionalString('repositories');
      let repositories: RegExp | undefined;
      if (pattern !== undefined) {
        try {
          repositories = new RegExp(pattern);
        } catch (e) {
          throw new InputError(
            `Invalid ${where} config: 'repositories' is not a regular expression: ${(e as Error).message}`,
          );
        }
      }
      if (repositories && integration.config.singleRepository) {
        throw new InputError(
          `Invalid ${where} config: 'repositories' does not apply to host '${host}', whose integrations.mercurial entry serves a single repository at ${integration.config.baseUrl} (singleRepository: true); remove it, and the provider looks for '${entry.getOptionalString('catalogPath') ?? 'catalog-info.yaml'}' in that repository`,
        );
      }
      const catalogPath = (
        entry.getOptionalString('catalogPath') ?? 'catalog-info.yaml'
      ).replace(/^\/+/, '');
      if (!catalogPath || catalogPath.split('/').includes('..')) {
        throw new InputError(
          `Invalid ${where} config: 'catalogPath' must be a path or glob inside the repository`,
        );
      }
      let taskRunner = options.schedule;
      if (!taskRunner) {
        if (!options.scheduler || !entry.has('schedule')) {
          throw new InputError(
            `Invalid ${where} config: 'schedule' is required (e.g. { frequency: { minutes: 30 }, timeout: { minutes: 3 } })`,
          );
        }
        taskRunner = options.scheduler.createScheduledTaskRunner(
          readSchedulerServiceTaskScheduleDefinitionFromConfig(
            entry.getConfig('schedule'),
          ),
        );
      }
      const group = entry.getOptionalString('group')?.replace(/^\/+|\/+$/g, '');
      if (group !== undefined && (!group || group.split('/').includes('..'))) {
        throw new InputError(
          `Invalid ${where} config: 'group' must be a group path such as 'platform' or 'platform/services'`,
        );
      }
      const concurrency = entry.getOptionalNumber('concurrency');
      if (
        concurrency !== undefined &&
        (!Number.isInteger(concurrency) || concurrency < 1)
      ) {
        throw new InputError(
          `Invalid ${where} config: 'concurrency' must be a whole number of at least 1, not ${concurrency}`,
        );
      }
      let fullRunIntervalMs: number | undefined;
      if (entry.has('fullRunInterval')) {
        try {
          fullRunIntervalMs = durationToMilliseconds(
            readDurationFromConfig(entry, { key: 'fullRunInterval' }),
          );
        } catch (e) {
          throw new InputError(
            `Invalid ${where} config: 'fullRunInterval' must be a duration such as { days: 1 } or 'P1D': ${(e as Error).message}`,
          );
        }
      }
      return new MercurialDiscoveryEntityProvider(
        {
          id,
          host,
          catalogPath,
          revision: entry.getOptionalString('revision') ?? 'default',
          repositories,
          ...(group && { group }),
          ...(concurrency !== undefined && { concurrency }),
          ...(fullRunIntervalMs !== undefined && { fullRunIntervalMs }),
        },
        integration,
        options.reader,
        options.logger,
        taskRunner,
        hgweb.forIntegration(integration),
        state,
      );
    });
  }

  private readonly hgweb: MercurialServerClient;
  private readonly state: MercurialDiscoveryStateStore;

  /**
   * @param hgweb - the client of the integration's server, for the
   *   repository index; default a client of its own on the default
   *   credentials service
   * @param state - where what each run saw is kept; default in this process
   */
  constructor(
    private readonly config: MercurialDiscoveryConfig,
    private readonly integration: MercurialIntegration,
    private readonly reader: UrlReaderService,
    private readonly logger: LoggerService,
    private readonly taskRunner: SchedulerServiceTaskRunner,
    hgweb?: MercurialServerClient,
    state?: MercurialDiscoveryStateStore,
  ) {
    this.hgweb =
      hgweb ??
      MercurialHgwebClient.create({
        integrations: new MercurialIntegrations([integration]),
      }).forIntegration(integration);
    this.state = state ?? new MemoryDiscoveryStateStore();
  }

  /**
   * The store of the catalog's database, for
   * {@link MercurialDiscoveryEntityProvider.fromConfig}'s `state`.
   */
  static async databaseStateStore(
    database: DatabaseService,
  ): Promise<MercurialDiscoveryStateStore> {
    return DatabaseDiscoveryStateStore.create(database);
  }

  /** What makes a state: the settings that decide what a run registers. */
  private fingerprint(): string {
    return createHash('sha1')
      .update(
        JSON.stringify({
          v: 1,
          baseUrl: this.integration.config.baseUrl,
          catalogPath: this.config.catalogPath,
          revision: this.config.revision,
          repositories: this.config.repositories?.source ?? null,
          group: this.config.group ?? null,
        }),
      )
      .digest('hex');
  }

  /**
   * The Location entity for a discovered catalog file. Its name is the
   * provider's own: `locationSpecToLocationEntity` names it after the target
   * alone, exactly as the catalog names a location registered by hand (or by
   * `catalog:register` after `publish:hg`), and two sources of one entity name
   * are a conflict the catalog logs on every run. The entities the file holds
   * come from the same `url:` location either way, so they do not conflict.
   */
  private locationEntity(location: {
    type: string;
    target: string;
    presence: 'optional';
  }) {
    const entity = locationSpecToLocationEntity({ location });
    const hash = createHash('sha1')
      .update(`${this.getProviderName()}:${location.type}:${location.target}`)
      .digest('hex');
    entity.metadata.name = `mercurial-discovered-${hash}`;
    return entity;
  }

  getProviderName(): string {
    return `MercurialDiscoveryEntityProvider:${this.config.id}`;
  }

  async connect(connection: EntityProviderConnection): Promise<void> {
    this.connection = connection;
    await this.taskRunner.run({
      id: `${this.getProviderName()}:refresh`,
      fn: async () => {
        try {
          await this.refresh();
        } catch (error) {
          this.logger.error(
            `${this.getProviderName()} failed: ${(error as Error).message}`,
          );
        }
      },
    });
  }

  /** Runs discovery once and applies the result to the catalog. */
  async refresh(): Promise<MercurialDiscoveryResult> {
    if (!this.connection) {
      throw new Error(`${this.getProviderName()} is not connected`);
    }
    const startedAt = Date.now();
    const listed = await this.hgweb.listRepositories({
      ...(this.config.group && { group: this.config.group }),
    });
    const matching = listed.filter(
      r =>
        !this.config.repositories ||
        this.config.repositories.test(r.repositoryPath),
    );
    const fingerprint = this.fingerprint();
    let previous: MercurialDiscoveryState | undefined;
    try {
      previous = await this.state.get(this.getProviderName());
    } catch (error) {
      this.logger.warn(
        `${this.getProviderName()}: could not read what the last run saw, so this run reads every repository: ${(error as Error).message}`,
      );
    }
    const full =
      !previous ||
      previous.fingerprint !== fingerprint ||
      startedAt - previous.fullRunAt >=
        (this.config.fullRunIntervalMs ?? DEFAULT_FULL_RUN_INTERVAL_MS);
    const known = (full ? undefined : previous?.repositories) ?? {};
    const seen: Record<string, DiscoveredRepository> = {};
    const toRead = matching.filter(r => {
      const last = known[r.repositoryPath];
      if (
        last?.marker !== undefined &&
        r.changeMarker !== undefined &&
        last.marker === r.changeMarker
      ) {
        seen[r.repositoryPath] = last;
        return false;
      }
      return true;
    });
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < toRead.length) {
        const { repositoryPath: name, changeMarker } = toRead[next++];
        try {
          const { files } = await this.reader.search(this.targetOf(name));
          seen[name] = { marker: changeMarker, found: files.length > 0 };
        } catch (error) {
          if (
            error instanceof NotFoundError ||
            (error as Error)?.name === 'NotFoundError'
          ) {
            // no such revision (a repository without changesets): nothing to register
            seen[name] = { marker: changeMarker, found: false };
            continue;
          }
          // It keeps what the last run saw (even on a full run), and is
          // read again next run.
          const last = previous?.repositories[name];
          seen[name] = { found: last?.found ?? false };
          failures.push(name);
          if (failures.length <= NAMED_FAILURES) {
            this.logger.warn(
              `${this.getProviderName()}: could not look for ${this.config.catalogPath} in '${name || this.integration.config.baseUrl}', so it keeps what the last run saw: ${(error as Error).message}`,
            );
          }
        }
      }
    };
    await Promise.all(
      Array.from(
        {
          length: Math.min(
            this.config.concurrency ?? DEFAULT_CONCURRENCY,
            toRead.length,
          ),
        },
        worker,
      ),
    );
    const repositories: Record<string, DiscoveredRepository> = {};
    for (const { repositoryPath } of matching) {
      repositories[repositoryPath] = seen[repositoryPath];
    }
    const targets = matching
      .filter(r => repositories[r.repositoryPath].found)
      .map(r => this.targetOf(r.repositoryPath))
      .sort();
    await this.connection.applyMutation({
      type: 'full',
      entities: targets.map(target => {
        const location = { type: 'url', target, presence: 'optional' as const };
        return {
          locationKey: this.getProviderName(),
          entity: this.locationEntity(location),
        };
      }),
    });
    try {
      await this.state.set(this.getProviderName(), {
        fingerprint,
        fullRunAt: full ? startedAt : previous!.fullRunAt,
        repositories,
      });
    } catch (error) {
      this.logger.warn(
        `${this.getProviderName()}: could not keep what this run saw, so the next run reads these repositories again: ${(error as Error).message}`,
      );
    }
    const result: MercurialDiscoveryResult = {
      seen: listed.length,
      matched: matching.length,
      registered: targets.length,
      read: toRead.length,
      full,
      failed: failures.length,
    };
    this.logger.info(
      `${this.getProviderName()}: saw ${result.seen} repositories on ${this.config.host}, ${result.matched} matched, registered ${result.registered} with ${this.config.catalogPath}; read ${result.read} (${full ? 'full run' : 'new or changed'}) in ${Date.now() - startedAt} ms${result.failed ? `; ${result.failed} could not be read and kept what the last run saw` : ''}`,
    );
    return result;
  }

  /** The URL of the catalog file (or glob) in a repository. */
  private targetOf(repositoryPath: string): string {
    return getMercurialBrowseUrl(this.integration.config, {
      repositoryPath,
      revision: this.config.revision,
      path: this.config.catalogPath,
    });
  }
}
