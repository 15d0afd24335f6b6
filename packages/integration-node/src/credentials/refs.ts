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
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import { DefaultMercurialCredentialsService } from './DefaultMercurialCredentialsService';
import { MercurialCredentialsService } from './types';

/**
 * The one credentials service of the Mercurial pack (root scope): the URL
 * reader, the catalog, history and scaffolder modules all ask it. The
 * default factory reads the credential sources of `integrations.mercurial`;
 * replace it with your own factory to get credentials elsewhere:
 *
 * ```ts
 * backend.add(
 *   createServiceFactory({
 *     service: mercurialCredentialsServiceRef,
 *     deps: {},
 *     factory: () => ({ getCredentials: async ({ url, purpose }) => ... }),
 *   }),
 * );
 * ```
 *
 * @public
 */
export const mercurialCredentialsServiceRef =
  createServiceRef<MercurialCredentialsService>({
    id: 'mercurial.credentials',
    scope: 'root',
    defaultFactory: async service =>
      createServiceFactory({
        service,
        deps: {
          config: coreServices.rootConfig,
          logger: coreServices.rootLogger,
        },
        factory: ({ config, logger }) =>
          DefaultMercurialCredentialsService.fromConfig(config, { logger }),
      }),
  });
