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

import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';
import { HttpAuthService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import type { Request, Router } from 'express';
import { loadOpenApiSpec } from '../schema/spec';
import { normalizeRelativePath, parseBefore, parseSince } from '../lib/scope';
import { MercurialHistoryService } from './MercurialHistoryService';
import { MercurialRepositories } from './repositories';

/** The default and the largest `limit` of the commits route. */
export const COMMITS_LIMIT = { default: 20, max: 100 };

export interface RouterOptions {
  httpAuth: HttpAuthService;
  service: MercurialHistoryService;
  repositories: MercurialRepositories;
}

function queryString(req: Request, name: string): string | undefined {
  const value: unknown = req.query[name];
  if (value === undefined) {
    return undefined;
  }
  // The OpenAPI validator has already turned `limit` into a number.
  if (typeof value === 'number') {
    return String(value);
  }
  if (typeof value !== 'string') {
    throw new InputError(`Invalid ${name}: give it once, as a plain value`);
  }
  return value;
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) {
    return COMMITS_LIMIT.default;
  }
  const limit = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > COMMITS_LIMIT.max) {
    throw new InputError(
      `Invalid limit '${value}': expected an integer from 1 to ${COMMITS_LIMIT.max}`,
    );
  }
  return limit;
}

function entityRefOf(req: Request) {
  return {
    kind: req.params.kind,
    namespace: req.params.namespace,
    name: req.params.name,
  };
}

/**
 * The plugin's routes, validated against `src/schema/openapi.yaml` (which
 * is also served at `/openapi.json`). Errors are thrown and answered by
 * the backend's error handler in Backstage's JSON error shape. Every call
 * that gets past its parameters and the caller's credentials goes through
 * {@link MercurialHistoryService.read}: looked up as the caller, authorized
 * (`mercurial.history.read`) and audited (`mercurial-history-read`); the
 * repository look-up through {@link MercurialRepositories.exists}
 * (`mercurial.repository.create`, `mercurial-repository-lookup`).
 */
export async function createRouter(options: RouterOptions): Promise<Router> {
  const { httpAuth, service, repositories } = options;
  const router = createValidatedOpenApiRouter(
    await loadOpenApiSpec(),
  ) as unknown as Router;

  router.get('/entities/:kind/:namespace/:name/commits', async (req, res) => {
    const limit = parseLimit(queryString(req, 'limit'));
    const path = normalizeRelativePath(queryString(req, 'path'));
    const before = parseBefore(queryString(req, 'before'));
    const credentials = await httpAuth.credentials(req);
    res.json(
      await service.read(
        { route: 'commits', ref: entityRefOf(req), credentials, request: req },
        (source, reader) =>
          service.getCommits(source, { limit, path, before }, reader),
      ),
    );
  });

  router.get(
    '/entities/:kind/:namespace/:name/contributors',
    async (req, res) => {
      const since = parseSince(queryString(req, 'since'));
      const path = normalizeRelativePath(queryString(req, 'path'));
      const credentials = await httpAuth.credentials(req);
      res.json(
        await service.read(
          {
            route: 'contributors',
            ref: entityRefOf(req),
            credentials,
            request: req,
          },
          (source, reader) =>
            service.getContributors(source, { since, path }, reader),
        ),
      );
    },
  );

  router.get('/entities/:kind/:namespace/:name/summary', async (req, res) => {
    const credentials = await httpAuth.credentials(req);
    res.json(
      await service.read(
        { route: 'summary', ref: entityRefOf(req), credentials, request: req },
        (source, reader) => service.getSummary(source, reader),
      ),
    );
  });

  router.get('/entities/:kind/:namespace/:name/readme', async (req, res) => {
    const credentials = await httpAuth.credentials(req);
    res.json(
      await service.read(
        { route: 'readme', ref: entityRefOf(req), credentials, request: req },
        (source, reader) => service.getReadme(source, reader),
      ),
    );
  });

  router.get('/repositories/exists', async (req, res) => {
    const repoUrl = queryString(req, 'repoUrl');
    if (!repoUrl) {
      throw new InputError(
        "Missing repoUrl: give the repository as 'host?owner=team&repo=service'",
      );
    }
    const credentials = await httpAuth.credentials(req);
    res.json(await repositories.exists(repoUrl, credentials, req));
  });

  return router;
}
