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
  LoggerService,
  readSchedulerServiceTaskScheduleDefinitionFromConfig,
  SchedulerService,
  SchedulerServiceTaskRunner,
  UrlReaderService,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  EntityProvider,
  EntityProviderConnection,
  locationSpecToLocationEntity,
} from '@backstage/plugin-catalog-node';

/** How many repositories are checked for the catalog file at once. */
const CONCURRENCY = 8;

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
}

/**
 * The counts of one discovery run.
 *
 * @public
 */
export interface MercurialDiscoveryResult {
  seen: number;
  matched: number;
  registered: number;
}

/**
 * Discovers repositories on a Mercurial server (hgweb's repository index,
 * Heptapod's projects API with `vcs_type: hg` and not archived, Kallithea's
 * `get_repos`), and registers a `url` location for each one that has the catalog file (a
 * path or a glob). Each run is a full mutation: locations of repositories or
 * files that went away are removed.
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
    },
  ): MercurialDiscoveryEntityProvider[] {
    const integrations = MercurialIntegrations.fromConfig(config);
    const hgweb =
      options.hgweb ?? MercurialHgwebClient.create({ integrations });
    const providers = config.getOptionalConfig('catalog.providers.mercurial');
    if (!providers) {
      return [];
    }
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
      return new MercurialDiscoveryEntityProvider(
        {
          id,
          host,
          catalogPath,
          revision: entry.getOptionalString('revision') ?? 'default',
          repositories,
          ...(group && { group }),
        },
        integration,
        options.reader,
        options.logger,
        taskRunner,
        hgweb.forIntegration(integration),
      );
    });
  }

  private readonly hgweb: MercurialServerClient;

  /**
   * @param hgweb - the client of the integration's server, for the
   *   repository index; default a client of its own on the default
   *   credentials service
   */
  constructor(
    private readonly config: MercurialDiscoveryConfig,
    private readonly integration: MercurialIntegration,
    private readonly reader: UrlReaderService,
    private readonly logger: LoggerService,
    private readonly taskRunner: SchedulerServiceTaskRunner,
    hgweb?: MercurialServerClient,
  ) {
    this.hgweb =
      hgweb ??
      MercurialHgwebClient.create({
        integrations: new MercurialIntegrations([integration]),
      }).forIntegration(integration);
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
    const names = await this.listRepositories();
    const matching = names.filter(
      name => !this.config.repositories || this.config.repositories.test(name),
    );
    const targets: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < matching.length) {
        const name = matching[next++];
        const target = getMercurialBrowseUrl(this.integration.config, {
          repositoryPath: name,
          revision: this.config.revision,
          path: this.config.catalogPath,
        });
        try {
          const { files } = await this.reader.search(target);
          if (files.length > 0) {
            targets.push(target);
          }
        } catch (error) {
          this.logger.warn(
            `${this.getProviderName()}: could not look for ${this.config.catalogPath} in '${name || this.integration.config.baseUrl}': ${(error as Error).message}`,
          );
        }
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENCY, matching.length) }, worker),
    );
    targets.sort();
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
    const result = {
      seen: names.length,
      matched: matching.length,
      registered: targets.length,
    };
    this.logger.info(
      `${this.getProviderName()}: saw ${result.seen} repositories on ${this.config.host}, ${result.matched} matched, registered ${result.registered} with ${this.config.catalogPath}`,
    );
    return result;
  }

  /**
   * Repository paths as the server lists them (hgweb's index, Heptapod's hg
   * projects, Kallithea's repositories); `['']` for a single-repository
   * hgweb server, which has no index.
   */
  private async listRepositories(): Promise<string[]> {
    const listed = await this.hgweb.listRepositories({
      ...(this.config.group && { group: this.config.group }),
    });
    return listed.map(r => r.repositoryPath);
  }
}
