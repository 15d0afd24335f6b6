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

import { RESOURCE_TYPE_CATALOG_ENTITY } from '@backstage/plugin-catalog-common/alpha';
import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Reading an entity's Mercurial history: its changesets, contributors,
 * summary and README, from `/api/mercurial`. A resource permission on
 * `catalog-entity`, so a policy can answer it with the catalog's rules
 * (`isEntityOwner`, `hasAnnotation`, ...) as a conditional decision.
 *
 * @public
 */
export const mercurialHistoryReadPermission = createPermission({
  name: 'mercurial.history.read',
  attributes: { action: 'read' },
  resourceType: RESOURCE_TYPE_CATALOG_ENTITY,
});

/**
 * Creating a Mercurial repository and publishing its first changeset
 * (`publish:hg`), checked for the task's initiator.
 *
 * @public
 */
export const mercurialRepositoryCreatePermission = createPermission({
  name: 'mercurial.repository.create',
  attributes: { action: 'create' },
});

/**
 * Pushing changesets to an existing Mercurial repository (`hg:push`),
 * checked for the task's initiator.
 *
 * @public
 */
export const mercurialRepositoryPushPermission = createPermission({
  name: 'mercurial.repository.push',
  attributes: { action: 'update' },
});

/**
 * Every permission of the Mercurial plugins, for `permissionsRegistry.addPermissions`.
 *
 * @public
 */
export const mercurialPermissions = [
  mercurialHistoryReadPermission,
  mercurialRepositoryCreatePermission,
  mercurialRepositoryPushPermission,
];
