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

import { MercurialIntegrations } from '@backstage-mercurial/integration';
import { MercurialHgwebClient } from '@backstage-mercurial/integration-node';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { loadOpenApiSpec } from '../schema/spec';
import {
  DEFAULTS,
  MercurialHistoryService,
  readMercurialHistorySettings,
} from './MercurialHistoryService';
import { MercurialRepositories } from './repositories';
import { createRouter } from './router';

function entity(name: string, sourceLocation?: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      namespace: 'default',
      annotations: sourceLocation
        ? { 'backstage.io/source-location': sourceLocation }
        : {},
    },
    spec: { type: 'service', lifecycle: 'production', owner: 'me' },
  };
}

function makeService(entities: Entity[]) {
  const config = new ConfigReader({
    integrations: {
      mercurial: [
        { host: 'hg.example.com', baseUrl: 'https://hg.example.com/hg' },
      ],
    },
  });
  const integrations = MercurialIntegrations.fromConfig(config);
  return new MercurialHistoryService(
    integrations,
    readMercurialHistorySettings(config),
    {
      logger: mockServices.logger.mock(),
      permissions: mockServices.permissions(),
      auditor: mockServices.auditor.mock(),
      auth: mockServices.auth(),
      userInfo: mockServices.userInfo(),
      cache: mockServices.cache.mock(),
      catalog: catalogServiceMock({ entities }),
      hgweb: MercurialHgwebClient.create({
        integrations,
        credentials: { getCredentials: async () => undefined },
      }),
    },
  );
}

describe('the router and the OpenAPI description', () => {
  it('has every route of the description, and no other', async () => {
    const router: any = await createRouter({
      httpAuth: mockServices.httpAuth(),
      service: makeService([]),
      repositories: {} as MercurialRepositories,
    });
    const routes = router.stack
      .filter((layer: any) => layer.route)
      .flatMap((layer: any) =>
        Object.keys(layer.route.methods).map(
          method => `${method} ${layer.route.path.replace(/:(\w+)/g, '{$1}')}`,
        ),
      )
      .filter((route: string) => route !== 'get /openapi.json')
      .sort();
    const spec = await loadOpenApiSpec();
    const described = Object.entries(spec.paths)
      .flatMap(([path, methods]) =>
        Object.keys(methods as object).map(method => `${method} ${path}`),
      )
      .sort();
    expect(routes).toEqual(described);
    expect(spec.openapi).toMatch(/^3\.0\./);
  });
});

describe('MercurialHistoryService.resolveSource', () => {
  const credentials = mockCredentials.user();
  const service = makeService([
    entity('root', 'url:https://hg.example.com/hg/team/api'),
    entity('slash', 'url:https://hg.example.com/hg/team/api/'),
    entity(
      'dir',
      'url:https://hg.example.com/hg/team/api/file/v1.0/services/x/',
    ),
    entity(
      'branch',
      'url:https://hg.example.com/hg/team/api/file/feature%252Fx/docs/',
    ),
    entity('none'),
    entity('file-type', 'file:/srv/catalog/x'),
    entity('github', 'url:https://github.com/acme/api/tree/main/'),
    entity('page', 'url:https://hg.example.com/hg/team/api/rev/abc'),
    entity('garbage', 'no location ref'),
  ]);
  const resolve = (name: string) =>
    service.resolveSource(
      { kind: 'component', namespace: 'default', name },
      credentials,
    );

  it('reads the repository, revision and directory of the source location', async () => {
    await expect(resolve('root')).resolves.toMatchObject({
      entityRef: 'component:default/root',
      repositoryPath: 'team/api',
      repositoryUrl: 'https://hg.example.com/hg/team/api',
      revision: 'default',
      explicitRevision: false,
      path: '',
    });
    await expect(resolve('slash')).resolves.toMatchObject({
      repositoryPath: 'team/api',
      path: '',
    });
    await expect(resolve('dir')).resolves.toMatchObject({
      repositoryPath: 'team/api',
      revision: 'v1.0',
      explicitRevision: true,
      path: 'services/x',
    });
    await expect(resolve('branch')).resolves.toMatchObject({
      revision: 'feature/x',
      path: 'docs',
    });
  });

  it.each([
    ['none', 'it has no backstage.io/source-location annotation'],
    ['file-type', "backstage.io/source-location is of type 'file', not a url"],
    [
      'github',
      'backstage.io/source-location is not under any integrations.mercurial baseUrl',
    ],
    [
      'page',
      'backstage.io/source-location is not a repository, directory or file URL of the server',
    ],
    [
      'garbage',
      "backstage.io/source-location 'no location ref' is not a location reference",
    ],
  ])('%s: 404 with a clear message', async (name, why) => {
    await expect(resolve(name)).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringContaining(
        `component:default/${name} has no Mercurial source location (${why}`,
      ),
    });
  });

  it('does not find what the catalog does not give', async () => {
    await expect(resolve('missing')).rejects.toMatchObject({
      name: 'NotFoundError',
      message: 'Entity component:default/missing not found',
    });
  });
});

describe('readMercurialHistorySettings', () => {
  it('has defaults', () => {
    expect(readMercurialHistorySettings(new ConfigReader({}))).toEqual(
      DEFAULTS,
    );
  });

  it('reads durations in every Backstage form', () => {
    expect(
      readMercurialHistorySettings(
        new ConfigReader({
          mercurial: {
            cache: { ttl: '2h', headCheckTtl: { seconds: 0 } },
            requestTimeout: 'PT10S',
            contributors: { maxCommits: 200 },
          },
        }),
      ),
    ).toEqual({
      cacheTtlMs: 7_200_000,
      headCheckTtlMs: 0,
      requestTimeoutMs: 10_000,
      maxContributorCommits: 200,
    });
  });

  it.each([
    [{ contributors: { maxCommits: 0 } }, /maxCommits/],
    [{ contributors: { maxCommits: 1.5 } }, /maxCommits/],
    [{ contributors: { maxCommits: 1_000_000 } }, /maxCommits/],
    [{ cache: { ttl: { seconds: 0 } } }, /cache.ttl/],
    [{ requestTimeout: 'soon' }, /requestTimeout/],
  ])('refuses %j', (mercurial, message) => {
    expect(() =>
      readMercurialHistorySettings(new ConfigReader({ mercurial })),
    ).toThrow(message);
  });
});
