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
  HgRunner,
  mercurialCredentialsServiceRef,
  mercurialHgwebClientServiceRef,
} from '@backstage-mercurial/integration-node';
import {
  mercurialRepositoryCreatePermission,
  mercurialRepositoryPushPermission,
} from '@backstage-mercurial/plugin-mercurial-common';
import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createHgCloneAction } from './actions/clone';
import { createHgCommitAction } from './actions/commit';
import { createPublishMercurialAction } from './actions/publish';
import { createHgPushAction } from './actions/push';
import { createHeptapodMergeRequestAction } from './actions/mergeRequest';

/**
 * The scaffolder module that registers `publish:hg`, `hg:clone`,
 * `hg:commit`, `hg:push` and `heptapod:merge-request`. Their hg commands get their HTTP(S)
 * credentials from `mercurialCredentialsServiceRef`, and publish:hg reads
 * the server through `mercurialHgwebClientServiceRef`. It registers the
 * permissions `mercurial.repository.create` (checked by publish:hg) and
 * `mercurial.repository.push` (hg:push, heptapod:merge-request) for the task's initiator, and audits
 * publishes and pushes through `coreServices.auditor`.
 *
 * @public
 */
export const scaffolderModuleMercurial = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'mercurial',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        credentials: mercurialCredentialsServiceRef,
        hgweb: mercurialHgwebClientServiceRef,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        auditor: coreServices.auditor,
        auth: coreServices.auth,
        userInfo: coreServices.userInfo,
      },
      async init({
        scaffolder,
        config,
        logger,
        credentials,
        hgweb,
        permissions,
        permissionsRegistry,
        auditor,
        auth,
        userInfo,
      }) {
        permissionsRegistry.addPermissions([
          mercurialRepositoryCreatePermission,
          mercurialRepositoryPushPermission,
        ]);
        const integrations = MercurialIntegrations.fromConfig(config);
        const runner = new HgRunner({ logger });
        const options = {
          integrations,
          config,
          runner,
          credentials,
          hgweb,
          permissions,
          auditor,
          auth,
          userInfo,
        };
        scaffolder.addActions(
          createPublishMercurialAction(options),
          createHgCloneAction(options),
          createHgCommitAction(options),
          createHgPushAction(options),
          createHeptapodMergeRequestAction(options),
        );
      },
    });
  },
});
