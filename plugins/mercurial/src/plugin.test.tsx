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

import { screen } from '@testing-library/react';
import {
  TestApiProvider,
  mockApis,
  renderInTestApp,
} from '@backstage/test-utils';
import { configApiRef } from '@backstage/core-plugin-api';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { mercurialApiRef } from './api';
import { EntityMercurialCommitsCard, mercurialPlugin } from './plugin';
import {
  commit,
  frontendConfig,
  hgEntity,
  mercurialApiMock,
  sourceFields,
} from './__testUtils__/testing';

describe('legacy mercurialPlugin', () => {
  it('is the mercurial plugin and provides the API', () => {
    expect(mercurialPlugin.getId()).toBe('mercurial');
    expect([...mercurialPlugin.getApis()].map(f => f.api.id)).toEqual([
      'plugin.mercurial.service',
    ]);
  });

  it('renders EntityMercurialCommitsCard in a legacy test app', async () => {
    const api = mercurialApiMock({
      getCommits: jest.fn(async () => ({
        ...sourceFields,
        path: '',
        commits: [commit(2, { message: 'Retry failed payouts' })],
      })),
    });
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [mercurialApiRef, api],
          [configApiRef, mockApis.config({ data: frontendConfig })],
        ]}
      >
        <EntityProvider entity={hgEntity}>
          <EntityMercurialCommitsCard />
        </EntityProvider>
      </TestApiProvider>,
      { mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef } },
    );
    expect(await screen.findByText(/Retry failed payouts/)).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: /More changesets/ }),
    ).toHaveAttribute(
      'href',
      '/catalog/default/component/payments-api/mercurial',
    );
  });
});
