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

import { mercurialHgwebClientServiceRef } from '@backstage-mercurial/integration-node';
import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { MercurialDiscoveryEntityProvider } from './MercurialDiscoveryEntityProvider';
import { MercurialSourceLocationProcessor } from './MercurialSourceLocationProcessor';
import { MercurialTemplateUrlProcessor } from './MercurialTemplateUrlProcessor';

/**
 * The catalog module for Mercurial: source locations for hg-hosted entities,
 * relative fetch URLs of hg-hosted templates resolved, and the discovery
 * providers of `catalog.providers.mercurial`.
 *
 * @public
 */
export const catalogModuleMercurial = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'mercurial',
  register(reg) {
    reg.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        reader: coreServices.urlReader,
        scheduler: coreServices.scheduler,
        database: coreServices.database,
        hgweb: mercurialHgwebClientServiceRef,
      },
      async init({
        catalog,
        config,
        logger,
        reader,
        scheduler,
        database,
        hgweb,
      }) {
        catalog.addProcessor(
          MercurialSourceLocationProcessor.fromConfig(config),
          MercurialTemplateUrlProcessor.fromConfig(config),
        );
        catalog.addEntityProvider(
          MercurialDiscoveryEntityProvider.fromConfig(config, {
            logger,
            reader,
            scheduler,
            hgweb,
            // what each run saw, in the catalog's database: shared by replicas
            ...(config.has('catalog.providers.mercurial') && {
              state:
                await MercurialDiscoveryEntityProvider.databaseStateStore(
                  database,
                ),
            }),
          }),
        );
      },
    });
  },
});
