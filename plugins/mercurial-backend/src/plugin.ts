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
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { MercurialIntegrations } from '@backstage-mercurial/integration';
import { mercurialHgwebClientServiceRef } from '@backstage-mercurial/integration-node';
import { mercurialPermissions } from '@backstage-mercurial/plugin-mercurial-common';
import { HistoryLoadClaims } from './service/claims';
import { MercurialHistoryService } from './service/MercurialHistoryService';
import { MercurialRepositories } from './service/repositories';
import { createRouter } from './service/router';

/**
 * Commit history, contributors, READMEs and repository summaries of entities
 * whose source location is an hg repository, and whether a repository
 * exists (for the scaffolder's picker), at `/api/mercurial`:
 * `backend.add(import('@backstage-mercurial/plugin-mercurial-backend'))`.
 * Registers the pack's permissions (`mercurial.history.read` is checked
 * here, on the entity; create and push by the scaffolder module) and audits
 * every read (`mercurial-history-read`) and look-up
 * (`mercurial-repository-lookup`).
 *
 * @public
 */
export const mercurialPlugin = createBackendPlugin({
  pluginId: 'mercurial',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        cache: coreServices.cache,
        database: coreServices.database,
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        catalog: catalogServiceRef,
        hgweb: mercurialHgwebClientServiceRef,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        auth: coreServices.auth,
        userInfo: coreServices.userInfo,
      },
      async init({
        config,
        logger,
        cache,
        database,
        httpAuth,
        httpRouter,
        catalog,
        hgweb,
        permissions,
        permissionsRegistry,
        auditor,
        auth,
        userInfo,
      }) {
        permissionsRegistry.addPermissions(mercurialPermissions);
        // Migrates the plugin's database (a table of load claims), so that
        // replicas sharing it and the cache service load a miss once.
        const claims = await HistoryLoadClaims.create({ database });
        const service = MercurialHistoryService.fromConfig(config, {
          logger,
          cache,
          claims,
          catalog,
          hgweb,
          permissions,
          auditor,
          auth,
          userInfo,
        });
        const repositories = new MercurialRepositories({
          integrations: MercurialIntegrations.fromConfig(config),
          hgweb,
          permissions,
          auditor,
          auth,
          userInfo,
          requestTimeoutMs: service.settings.requestTimeoutMs,
        });
        httpRouter.use(await createRouter({ httpAuth, service, repositories }));
      },
    });
  },
});
