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

import type {
  MercurialFlavor,
  MercurialIntegration,
} from '@backstage-mercurial/integration';
import { HeptapodServerClient } from './heptapod/HeptapodServerClient';
import { HgwebServerClient } from '../hgweb/HgwebServerClient';
import { KallitheaServerClient } from './kallithea/KallitheaServerClient';
import type { HgwebClientShared } from './transport';
import type { MercurialServerClient } from './types';

/** Makes the server client of one integration of a flavor. */
export type MercurialServerClientFactory = (
  integration: MercurialIntegration,
  shared: HgwebClientShared,
) => MercurialServerClient;

/**
 * Every flavor's server client: the one place that knows which class
 * speaks to which flavor.
 */
const FACTORIES: Record<MercurialFlavor, MercurialServerClientFactory> = {
  hgweb: (integration, shared) => new HgwebServerClient(integration, shared),
  heptapod: (integration, shared) =>
    new HeptapodServerClient(integration, shared),
  kallithea: (integration, shared) =>
    new KallitheaServerClient(integration, shared),
};

/** The server client of an integration, by its flavor. */
export function createServerClient(
  integration: MercurialIntegration,
  shared: HgwebClientShared,
): MercurialServerClient {
  return FACTORIES[integration.config.flavor ?? 'hgweb'](integration, shared);
}
