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

import { createServiceFactory } from '@backstage/backend-plugin-api';
import { urlReaderFactoriesServiceRef } from '@backstage/backend-defaults/urlReader';
import {
  mercurialCredentialsServiceRef,
  mercurialHgwebClientServiceRef,
} from '@backstage-mercurial/integration-node';
import { MercurialUrlReader } from './MercurialUrlReader';

/**
 * Adds the Mercurial URL reader to Backstage's URL reader service, for every
 * server of `integrations.mercurial`:
 * `backend.add(import('@backstage-mercurial/backend-module-url-reader'))`.
 * Its readers make their HTTP requests through the backend's one hgweb
 * client (`mercurialHgwebClientServiceRef`), so they share each host's
 * limit of concurrent requests with the other Mercurial modules, and get
 * credentials from the backend's one credentials service
 * (`mercurialCredentialsServiceRef`).
 *
 * @public
 */
export const mercurialUrlReaderServiceFactory = createServiceFactory({
  service: urlReaderFactoriesServiceRef,
  deps: {
    hgweb: mercurialHgwebClientServiceRef,
    credentials: mercurialCredentialsServiceRef,
  },
  async factory({ hgweb, credentials }) {
    return MercurialUrlReader.createFactory({ hgweb, credentials });
  },
});
