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
} from '@backstage-mercurial/integration';
import {
  coreServices,
  createServiceFactory,
  createServiceRef,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import pLimit from 'p-limit';
import { DefaultMercurialCredentialsService } from '../credentials/DefaultMercurialCredentialsService';
import { mercurialCredentialsServiceRef } from '../credentials/refs';
import { MercurialCredentialsService } from '../credentials/types';
import { createServerClient } from '../flavors/registry';
import type { MercurialServerClient } from '../flavors/types';

/**
 * How many requests to one host are in flight at most, unless its
 * `integrations.mercurial` entry says `maxConcurrentRequests`.
 *
 * @public
 */
export const DEFAULT_MAX_CONCURRENT_REQUESTS = 8;

/** The wait before the one retry of a failed request (plus up to as much again, at random). */
const DEFAULT_RETRY_DELAY_MS = 200;

/**
 * The one HTTP client of the Mercurial pack, for servers of every flavor
 * (hgweb, Heptapod, Kallithea). One instance
 * per backend ({@link mercurialHgwebClientServiceRef}) shares each host's
 * concurrency limit across the URL reader, catalog, history and scaffolder
 * modules; {@link MercurialHgwebClient.forIntegration} gives the client of
 * one server.
 *
 * @public
 */
export class MercurialHgwebClient {
  private readonly clients = new Map<
    MercurialIntegration,
    MercurialServerClient
  >();
  private readonly limits = new Map<string, pLimit.Limit>();
  private requests = 0;

  /**
   * @param options - the `integrations` (for their limits), the
   *   `credentials` service (default a
   *   {@link DefaultMercurialCredentialsService} over `integrations`), and
   *   `retryDelayMs`, the wait before the first retry (default 200 ms, plus up to as
   *   much again at random)
   */
  static create(options: {
    integrations?: MercurialIntegrations;
    credentials?: MercurialCredentialsService;
    retryDelayMs?: number;
    /** Retries of a failed request after the first try (default 2); 0: none. */
    maxRetries?: number;
    /** Where the flavors' clients warn (e.g. Kallithea's disabled downloads). */
    logger?: LoggerService;
  }): MercurialHgwebClient {
    return new MercurialHgwebClient(
      options.credentials ??
        new DefaultMercurialCredentialsService(
          options.integrations ?? new MercurialIntegrations([]),
        ),
      options.integrations,
      options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS,
      options.logger,
      options.maxRetries,
    );
  }

  /**
   * A client for the servers of `integrations.mercurial` in `config`, with
   * `credentials` (default a {@link DefaultMercurialCredentialsService} of
   * the same config, logging to `logger`).
   */
  static fromConfig(
    config: Config,
    options: {
      credentials?: MercurialCredentialsService;
      logger?: LoggerService;
    } = {},
  ): MercurialHgwebClient {
    return MercurialHgwebClient.create({
      integrations: MercurialIntegrations.fromConfig(config),
      credentials:
        options.credentials ??
        DefaultMercurialCredentialsService.fromConfig(config, {
          logger: options.logger,
        }),
      logger: options.logger,
    });
  }

  private constructor(
    /**
     * The credentials service it asks; hg commands that go with its requests
     * should ask the same one.
     */
    readonly credentials: MercurialCredentialsService,
    private readonly integrations: MercurialIntegrations | undefined,
    private readonly retryDelayMs: number,
    private readonly logger?: LoggerService,
    private readonly maxRetries?: number,
  ) {}

  /** The number of HTTP requests sent to every server so far. */
  get requestCount(): number {
    return this.requests;
  }

  /**
   * The client of one server, of the integration's flavor; the same object
   * each time for one integration.
   */
  forIntegration(integration: MercurialIntegration): MercurialServerClient {
    let client = this.clients.get(integration);
    if (!client) {
      client = createServerClient(integration, {
        credentials: this.credentials,
        limitOf: i => this.limitOf(i),
        retryDelayMs: this.retryDelayMs,
        ...(this.maxRetries !== undefined && { maxRetries: this.maxRetries }),
        onRequest: () => {
          this.requests++;
        },
        logger: this.logger,
      });
      this.clients.set(integration, client);
    }
    return client;
  }

  /**
   * The limit of an integration's host: entries that share a host share
   * it, with the smallest `maxConcurrentRequests` among them.
   */
  private limitOf(integration: MercurialIntegration): pLimit.Limit {
    const { host } = integration.config;
    let limit = this.limits.get(host);
    if (!limit) {
      const sameHost = [
        integration,
        ...(this.integrations?.list() ?? []).filter(
          i => i.config.host === host,
        ),
      ];
      const concurrency = Math.min(
        ...sameHost.map(
          i =>
            i.config.maxConcurrentRequests ?? DEFAULT_MAX_CONCURRENT_REQUESTS,
        ),
      );
      limit = pLimit(concurrency);
      this.limits.set(host, limit);
    }
    return limit;
  }
}

/**
 * The Mercurial pack's hgweb client (root scope): one per backend, so the
 * per-host concurrency limit holds across plugins. Its default factory uses
 * {@link mercurialCredentialsServiceRef}.
 *
 * @public
 */
export const mercurialHgwebClientServiceRef =
  createServiceRef<MercurialHgwebClient>({
    id: 'mercurial.hgweb-client',
    scope: 'root',
    defaultFactory: async service =>
      createServiceFactory({
        service,
        deps: {
          config: coreServices.rootConfig,
          credentials: mercurialCredentialsServiceRef,
          logger: coreServices.rootLogger,
        },
        factory: ({ config, credentials, logger }) =>
          MercurialHgwebClient.fromConfig(config, { credentials, logger }),
      }),
  });
