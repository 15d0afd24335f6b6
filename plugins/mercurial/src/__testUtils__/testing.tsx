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

import { ReactElement } from 'react';
import { Entity } from '@backstage/catalog-model';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import { ResponseError } from '@backstage/errors';
import { MercurialApi, mercurialApiRef } from '../api';

/** An hg-hosted entity, as the Mercurial catalog module annotates it. */
export const hgEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'payments-api',
    namespace: 'default',
    annotations: {
      'backstage.io/source-location':
        'url:https://hg.example.com/hg/team/payments/file/default/services/api/',
    },
  },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
};

/** An entity kept in git. */
export const gitEntity: Entity = {
  ...hgEntity,
  metadata: {
    name: 'web',
    namespace: 'default',
    annotations: {
      'backstage.io/source-location':
        'url:https://github.com/example/web/tree/main/',
    },
  },
};

/** The app-config the frontend sees. */
export const frontendConfig = {
  integrations: {
    mercurial: [
      { host: 'hg.example.com', baseUrl: 'https://hg.example.com/hg' },
    ],
  },
};

export const REPO = 'https://hg.example.com/hg/team/payments';
export const NODE = '0123456789abcdef0123456789abcdef01234567';

/** An API whose every method fails; tests replace what they use. */
export function mercurialApiMock(
  overrides: Partial<MercurialApi> = {},
): jest.Mocked<MercurialApi> {
  const fail = () => Promise.reject(new Error('not expected in this test'));
  return {
    getReadme: jest.fn(fail),
    getCommits: jest.fn(fail),
    getContributors: jest.fn(fail),
    getSummary: jest.fn(fail),
    checkRepository: jest.fn(fail),
    ...overrides,
  } as jest.Mocked<MercurialApi>;
}

/** A ResponseError as the backend sends it. */
export async function backendError(
  status: number,
  name: string,
  message: string,
): Promise<ResponseError> {
  return ResponseError.fromResponse(
    new Response(
      JSON.stringify({
        error: { name, message },
        request: { method: 'GET', url: '/api/mercurial/x' },
        response: { statusCode: status },
      }),
      {
        status,
        statusText: status === 403 ? 'Forbidden' : 'Not Found',
        headers: { 'content-type': 'application/json' },
      },
    ) as any,
  );
}

/** Renders `element` for `entity` in a Backstage test app with `api`. */
export function renderForEntity(
  element: ReactElement,
  options: { entity?: Entity; api: MercurialApi; path?: string },
) {
  return renderInTestApp(
    <EntityProvider entity={options.entity ?? hgEntity}>
      {element}
    </EntityProvider>,
    {
      config: frontendConfig,
      apis: [
        [mercurialApiRef, options.api],
        mockApis.config({ data: frontendConfig }),
      ],
      ...(options.path && {
        mountPath: options.path,
        initialRouteEntries: [options.path],
      }),
      mountedRoutes: {
        '/catalog/:namespace/:kind/:name': entityRouteRef as any,
      },
    },
  );
}

/** A changeset of the backend's answer. */
export function commit(
  n: number,
  extra: Partial<{
    message: string;
    branch: string;
    tags: string[];
    bookmarks: string[];
    date: string;
    author: string;
  }> = {},
) {
  const node = n.toString(16).padStart(2, '0').repeat(20);
  return {
    node,
    author: { name: extra.author ?? `Author ${n}`, email: `a${n}@example.com` },
    date:
      extra.date ??
      new Date(Date.now() - n * 24 * 3600 * 1000 - 3600 * 1000).toISOString(),
    message: extra.message ?? `Change ${n}\n\nDetails of change ${n}.`,
    branch: extra.branch ?? 'default',
    tags: extra.tags ?? [],
    bookmarks: extra.bookmarks ?? [],
    parents: [],
    url: `${REPO}/rev/${node}`,
  };
}

/** The fields every answer starts with. */
export const sourceFields = {
  entityRef: 'component:default/payments-api',
  repositoryUrl: REPO,
  revision: 'default',
  node: NODE,
};
