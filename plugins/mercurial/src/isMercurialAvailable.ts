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
  MercurialIntegrations,
  parseMercurialUrl,
} from '@backstage-mercurial/integration';
import {
  ANNOTATION_SOURCE_LOCATION,
  Entity,
  parseLocationRef,
} from '@backstage/catalog-model';
import type { ConfigApi } from '@backstage/frontend-plugin-api';

/**
 * Whether the entity's history can be read from a Mercurial server: its
 * `backstage.io/source-location` annotation (which the Mercurial catalog
 * module sets for entities read from hg repositories) is a `url:` location
 *
 * - with `config` (the app's config API): under the `baseUrl` of an
 *   `integrations.mercurial` entry, and an hgweb repository, directory or
 *   file URL of it, which is exactly what the history backend accepts;
 * - without `config`: an hgweb browse URL, `.../file/{rev}/...` or
 *   `.../raw-file/{rev}/...` (the form the catalog module writes).
 *
 * `backstage.io/managed-by-location` is not consulted: the backend reads
 * the source location only.
 *
 * @public
 */
export function isMercurialAvailable(
  entity: Entity,
  config?: ConfigApi,
): boolean {
  const target = sourceLocationUrl(entity);
  if (!target) {
    return false;
  }
  if (!config) {
    return looksLikeHgwebUrl(target);
  }
  let integrations: MercurialIntegrations;
  try {
    integrations = MercurialIntegrations.fromConfig(config);
  } catch {
    // An app-config the integration refuses serves no entity.
    return false;
  }
  const integration = integrations.byUrl(target);
  if (!integration) {
    return false;
  }
  try {
    parseMercurialUrl(target, integration.config);
    return true;
  } catch {
    return false;
  }
}

function sourceLocationUrl(entity: Entity): string | undefined {
  const annotation = entity.metadata.annotations?.[ANNOTATION_SOURCE_LOCATION];
  if (!annotation) {
    return undefined;
  }
  try {
    const location = parseLocationRef(annotation);
    return location.type === 'url' ? location.target : undefined;
  } catch {
    return undefined;
  }
}

function looksLikeHgwebUrl(target: string): boolean {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return false;
  }
  return /\/(?:file|raw-file)\/[^/]+/.test(url.pathname);
}
