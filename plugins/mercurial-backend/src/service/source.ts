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
import { BackstageCredentials } from '@backstage/backend-plugin-api';
import {
  ANNOTATION_SOURCE_LOCATION,
  CompoundEntityRef,
  parseLocationRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { NotFoundError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { MercurialServerClient } from '@backstage-mercurial/integration-node';
import { MercurialSource, SourceFields } from './types';

/**
 * Looks the entity up in the catalog as the caller and reads its source
 * location. An entity the caller may not see is not found, like one that
 * does not exist; so is one whose source location is not an hgweb URL
 * under an `integrations.mercurial` baseUrl.
 */
export async function resolveMercurialSource(
  ref: CompoundEntityRef,
  credentials: BackstageCredentials,
  deps: {
    catalog: CatalogService;
    integrations: MercurialIntegrations;
    client: (integration: MercurialIntegration) => MercurialServerClient;
  },
): Promise<MercurialSource> {
  const requested = stringifyEntityRef(ref);
  const entity = await deps.catalog.getEntityByRef(ref, { credentials });
  if (!entity) {
    throw new NotFoundError(`Entity ${requested} not found`);
  }
  const entityRef = stringifyEntityRef(entity);
  const noSource = (why: string) =>
    new NotFoundError(`${entityRef} has no Mercurial source location (${why})`);

  const annotation = entity.metadata.annotations?.[ANNOTATION_SOURCE_LOCATION];
  if (!annotation) {
    throw noSource(`it has no ${ANNOTATION_SOURCE_LOCATION} annotation`);
  }
  let target: string;
  try {
    const location = parseLocationRef(annotation);
    if (location.type !== 'url') {
      throw noSource(
        `${ANNOTATION_SOURCE_LOCATION} is of type '${location.type}', not a url`,
      );
    }
    target = location.target;
  } catch (e) {
    if (e instanceof NotFoundError) {
      throw e;
    }
    throw noSource(
      `${ANNOTATION_SOURCE_LOCATION} '${annotation}' is not a location reference`,
    );
  }
  const integration = deps.integrations.byUrl(target);
  if (!integration) {
    throw noSource(
      `${ANNOTATION_SOURCE_LOCATION} is not under any integrations.mercurial baseUrl`,
    );
  }
  const client = deps.client(integration);
  let parsed;
  try {
    parsed = await client.parseUrl(target);
  } catch (e) {
    if ((e as Error)?.name !== 'InputError') {
      throw e;
    }
    throw noSource(
      `${ANNOTATION_SOURCE_LOCATION} is not a repository, directory or file URL of the server: ${(e as Error).message}`,
    );
  }
  return {
    entityRef,
    integration,
    client,
    repositoryPath: parsed.repositoryPath,
    repositoryUrl: client.repositoryUrl(parsed.repositoryPath),
    revision: parsed.revision ?? 'default',
    explicitRevision: parsed.revision !== undefined,
    // A file URL scopes to the file: `file("path:...")` matches either.
    path: parsed.path,
    directory:
      parsed.kind === 'file' || parsed.kind === 'raw-file'
        ? parsed.path.split('/').slice(0, -1).join('/')
        : parsed.path,
  };
}

/** The fields every answer starts with: the entity, where and what was read. */
export function sourceFields(
  source: MercurialSource,
  node: string,
): SourceFields {
  return {
    entityRef: source.entityRef,
    repositoryUrl: source.repositoryUrl,
    revision: source.revision,
    node,
  };
}
