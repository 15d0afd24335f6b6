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

import mercurialUrlReader from '@backstage-mercurial/backend-module-url-reader';
import catalogModuleMercurial from '@backstage-mercurial/plugin-catalog-backend-module-mercurial';
import mercurialPlugin from '@backstage-mercurial/plugin-mercurial-backend';
import scaffolderModuleMercurial from '@backstage-mercurial/plugin-scaffolder-backend-module-mercurial';
import appPlugin from '@backstage/plugin-app-backend';
import authPlugin from '@backstage/plugin-auth-backend';
import authModuleGuestProvider from '@backstage/plugin-auth-backend-module-guest-provider';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import catalogModuleScaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import permissionPlugin from '@backstage/plugin-permission-backend';
import permissionModuleAllowAllPolicy from '@backstage/plugin-permission-backend-module-allow-all-policy';
import techdocsPlugin from '@backstage/plugin-techdocs-backend';

/**
 * The plugins and modules of the example backend, shared by `index.ts` and
 * the tests, which start a backend with the same features.
 */
export const backendFeatures = [
  // The Mercurial URL reader: catalog `url` locations, TechDocs and the
  // scaffolder's fetch actions read from hgweb (config: integrations.mercurial).
  mercurialUrlReader,
  catalogPlugin,
  // Lets the catalog accept Template entities.
  catalogModuleScaffolderEntityModel,
  // source-location for hg-hosted entities (so techdocs-ref dir:. works) and
  // discovery of the demo server's repositories (catalog.providers.mercurial).
  catalogModuleMercurial,
  scaffolderPlugin,
  // publish:hg, hg:clone, hg:commit, hg:push
  scaffolderModuleMercurial,
  techdocsPlugin,
  // commit history, contributors and summaries: /api/mercurial/entities/...
  mercurialPlugin,
  // Backstage's permission framework, as a new app has it: the Mercurial
  // permissions (mercurial.history.read, mercurial.repository.create/push)
  // are decided by the policy; replace allow-all with your own (README:
  // "Who sees what").
  permissionPlugin,
  permissionModuleAllowAllPolicy,
];

/**
 * What the demo portal (packages/app) needs of the backend, added by
 * `index.ts` after {@link backendFeatures}; the tests of the backend's APIs
 * run without them (the browser test starts the whole demo with start.sh).
 */
export const portalFeatures = [
  // Serves the portal (packages/app, built by start.sh) on the backend's own
  // address, with the config injected.
  appPlugin,
  // Sign-in: the guest provider, as a new app has it (development only).
  authPlugin,
  authModuleGuestProvider,
];
