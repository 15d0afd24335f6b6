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

import { isResourcePermission } from '@backstage/plugin-permission-common';
import {
  mercurialHistoryReadPermission,
  mercurialPermissions,
  mercurialRepositoryCreatePermission,
  mercurialRepositoryPushPermission,
} from './permissions';

describe('mercurial permissions', () => {
  it('has the names and types policies match on', () => {
    expect(mercurialPermissions.map(p => [p.name, p.type])).toEqual([
      ['mercurial.history.read', 'resource'],
      ['mercurial.repository.create', 'basic'],
      ['mercurial.repository.push', 'basic'],
    ]);
  });

  it('makes history reads a resource permission on catalog entities', () => {
    expect(
      isResourcePermission(mercurialHistoryReadPermission, 'catalog-entity'),
    ).toBe(true);
    expect(mercurialRepositoryCreatePermission.attributes.action).toBe(
      'create',
    );
    expect(mercurialRepositoryPushPermission.attributes.action).toBe('update');
  });
});
