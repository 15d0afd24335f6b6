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

import mercurialUrlReaderModule from '@backstage-mercurial/backend-module-url-reader';
import {
  createTempDir,
  eventually,
  HgTestServer,
  runHg,
  startHgServer,
} from '@backstage-mercurial/test-utils';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import { CatalogClient } from '@backstage/catalog-client';
import { Entity } from '@backstage/catalog-model';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { ServiceFactory } from '@backstage/backend-plugin-api';
import fs from 'fs-extra';
import { catalogModuleMercurial } from './module';
import { MercurialSourceLocationProcessor } from './MercurialSourceLocationProcessor';
import { MercurialIntegrations } from '@backstage-mercurial/integration';
import { ConfigReader } from '@backstage/config';

jest.setTimeout(120_000);

const token = mockCredentials.user.token();

function component(name: string, annotations: Record<string, string> = {}) {
  return `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${name}
  annotations: ${JSON.stringify(annotations)}
spec:
  type: service
  owner: team
  lifecycle: production
`;
}

async function startCatalog(
  server: HgTestServer,
  work: string,
  catalog: object,
) {
  const backend = await startTestBackend({
    features: [
      catalogPlugin,
      mercurialUrlReaderModule,
      catalogModuleMercurial,
      mockServices.rootConfig.factory({
        data: {
          backend: { workingDirectory: work },
          integrations: {
            mercurial: [{ host: server.host, baseUrl: server.baseUrl }],
          },
          catalog: {
            processingInterval: { seconds: 1 },
            rules: [{ allow: ['Component', 'Location'] }],
            ...catalog,
          },
        },
      }),
    ],
  });
  const client = new CatalogClient({
    discoveryApi: {
      getBaseUrl: async id =>
        `http://localhost:${backend.server.port()}/api/${id}`,
    },
  });
  return { backend, client };
}

describe('MercurialSourceLocationProcessor in a real catalog', () => {
  let server: HgTestServer;
  let backend: TestBackend;
  let client: CatalogClient;
  let work: { path: string; remove(): Promise<void> };

  beforeAll(async () => {
    server = await startHgServer({
      repositories: {
        'team/mono': {
          commits: [
            {
              files: {
                'catalog-info.yaml': component('mono-root'),
                'services/api/catalog-info.yaml': component('mono-api'),
                'services/own/catalog-info.yaml': component('mono-own', {
                  'backstage.io/source-location':
                    'url:https://example.com/own/',
                }),
              },
            },
          ],
        },
      },
    });
    work = await createTempDir('catalog-module-');
    const repo = server.repoUrl('team/mono');
    ({ backend, client } = await startCatalog(server, work.path, {
      locations: [
        { type: 'url', target: `${repo}/file/default/catalog-info.yaml` },
        {
          type: 'url',
          target: `${repo}/file/default/services/*/catalog-info.yaml`,
        },
      ],
    }));
  });
  afterAll(async () => {
    await backend?.stop();
    await server?.stop();
    await work?.remove();
  });

  const sourceLocation = (name: string) =>
    eventually(`component ${name}`, async () => {
      const entity = await client.getEntityByRef(`component:default/${name}`, {
        token,
      });
      return entity?.metadata.annotations?.['backstage.io/source-location'];
    });

  it('sets source-location to the directory of the catalog file, keeping the revision of the location', async () => {
    const repo = server.repoUrl('team/mono');
    expect(await sourceLocation('mono-root')).toBe(`url:${repo}/file/default/`);
    // found by a glob: the URL keeps the revision of the glob location
    expect(await sourceLocation('mono-api')).toBe(
      `url:${repo}/file/default/services/api/`,
    );
  });

  it('keeps a source-location written in the entity file', async () => {
    expect(await sourceLocation('mono-own')).toBe(
      'url:https://example.com/own/',
    );
  });

  it('leaves entities from other places alone', async () => {
    const processor = new MercurialSourceLocationProcessor(
      MercurialIntegrations.fromConfig(
        new ConfigReader({
          integrations: {
            mercurial: [{ host: server.host, baseUrl: server.baseUrl }],
          },
        }),
      ),
    );
    const entity: Entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: { name: 'x' },
    };
    for (const location of [
      {
        type: 'url',
        target: 'https://github.com/a/b/blob/main/catalog-info.yaml',
      },
      { type: 'file', target: '/tmp/catalog-info.yaml' },
      { type: 'url', target: `${server.baseUrl}/team/mono/rev/tip` },
    ]) {
      expect(await processor.preProcessEntity(entity, location)).toBe(entity);
    }
  });
});

describe('MercurialDiscoveryEntityProvider in a real catalog', () => {
  let server: HgTestServer;
  let backend: TestBackend;
  let client: CatalogClient;
  let work: { path: string; remove(): Promise<void> };
  let logger: ReturnType<typeof mockServices.logger.mock>;
  // Runs scheduled tasks at start-up, then only when triggered.
  // (The instance is a MockSchedulerService, whose type is not exported.)
  const scheduler = mockServices.scheduler() as ReturnType<
    typeof mockServices.scheduler
  > & {
    factory(): ServiceFactory;
    triggerTask(id: string): Promise<void>;
  };

  beforeAll(async () => {
    server = await startHgServer({
      repositories: {
        'team-a/alpha': {
          commits: [{ files: { 'catalog-info.yaml': component('alpha') } }],
        },
        'team-a/beta': {
          commits: [{ files: { 'catalog-info.yaml': component('beta') } }],
        },
        'team-a/no-catalog': { commits: [{ files: { 'README.md': 'x' } }] },
        'team-a/steady': {
          commits: [{ files: { 'catalog-info.yaml': component('steady') } }],
        },
        'team-b/gamma': {
          commits: [{ files: { 'catalog-info.yaml': component('gamma') } }],
        },
      },
    });
    work = await createTempDir('catalog-discovery-');
    logger = mockServices.logger.mock();
    backend = await startTestBackend({
      features: [
        catalogPlugin,
        mercurialUrlReaderModule,
        catalogModuleMercurial,
        logger.factory,
        scheduler.factory(),
        mockServices.rootConfig.factory({
          data: {
            backend: { workingDirectory: work.path },
            integrations: {
              mercurial: [{ host: server.host, baseUrl: server.baseUrl }],
            },
            catalog: {
              processingInterval: { seconds: 1 },
              rules: [{ allow: ['Component', 'Location'] }],
              providers: {
                mercurial: {
                  teamA: {
                    host: server.host,
                    repositories: '^team-a/',
                    schedule: {
                      frequency: { seconds: 2 },
                      timeout: { seconds: 60 },
                    },
                  },
                },
              },
            },
          },
        }),
      ],
    });
    client = new CatalogClient({
      discoveryApi: {
        getBaseUrl: async id =>
          `http://localhost:${backend.server.port()}/api/${id}`,
      },
    });
  });
  afterAll(async () => {
    await backend?.stop();
    await server?.stop();
    await work?.remove();
  });

  const components = async () => {
    const { items } = await client.getEntities(
      { filter: { kind: 'Component' }, fields: ['metadata.name'] },
      { token },
    );
    return items.map(e => e.metadata.name).sort();
  };
  /**
   * The targets of the Location entities: the provider registers them (this
   * catalog has no other locations).
   */
  const discoveredTargets = async () => {
    const { items } = await client.getEntities(
      { filter: { kind: 'Location' } },
      { token },
    );
    return items.map(e => (e.spec as { target: string }).target).sort();
  };

  it('registers the repositories that match and have the catalog file, and logs the counts', async () => {
    await eventually('alpha and beta', async () => {
      const names = await components();
      return names.join(',') === 'alpha,beta,steady' && names;
    });
    const info = (logger.info as jest.Mock).mock.calls.map(c => String(c[0]));
    expect(info).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /MercurialDiscoveryEntityProvider:teamA: saw 5 repositories on .*, 4 matched, registered 3 with catalog-info\.yaml/,
        ),
      ]),
    );
    expect(await discoveredTargets()).toEqual(
      ['alpha', 'beta', 'steady'].map(
        name =>
          `${server.baseUrl}/team-a/${name}/file/default/catalog-info.yaml`,
      ),
    );
  });

  it('adds a new repository, keeps an unchanged one, and removes one that went away and one whose file went away', async () => {
    const steadyUid = (
      await client.getEntityByRef('component:default/steady', { token })
    )?.metadata.uid;
    expect(steadyUid).toBeDefined();
    await server.addRepository('team-a/delta', {
      commits: [{ files: { 'catalog-info.yaml': component('delta') } }],
    });
    await fs.remove(server.repoDir('team-a/beta'));
    const alphaDir = server.repoDir('team-a/alpha');
    await runHg(['remove', 'catalog-info.yaml'], { cwd: alphaDir });
    await runHg(['commit', '-u', 'T <t@example.com>', '-m', 'no catalog'], {
      cwd: alphaDir,
    });
    await scheduler.triggerTask(
      'MercurialDiscoveryEntityProvider:teamA:refresh',
    );
    expect(String((logger.info as jest.Mock).mock.calls.at(-1)?.[0])).toMatch(
      /saw 5 repositories on .*, 4 matched, registered 2 with catalog-info\.yaml/,
    );
    let names: string[] = [];
    await eventually('delta and steady', async () => {
      // the entities of removed locations are orphans, deleted by this task
      await scheduler.triggerTask('catalog_orphan_cleanup');
      names = await components();
      return names.join(',') === 'delta,steady' && names;
    }).catch(async e => {
      const logs = Object.values(logger)
        .filter(fn => jest.isMockFunction(fn))
        .flatMap(fn => (fn as jest.Mock).mock.calls)
        .map(c => String(c[0]))
        .filter(l => /Mercurial|mercurial/.test(l));
      const all = await client.getEntities({}, { token });
      const detail = all.items.map(
        x =>
          `${x.kind}:${x.metadata.name} ${JSON.stringify(x.metadata.annotations)} ${JSON.stringify(x.relations)}`,
      );
      throw new Error(
        `${e.message}; components: ${names.join(',')}\n${logs.join('\n')}\n${detail.join('\n')}`,
      );
    });
    expect(await discoveredTargets()).toEqual(
      ['delta', 'steady'].map(
        name =>
          `${server.baseUrl}/team-a/${name}/file/default/catalog-info.yaml`,
      ),
    );
    // kept, not removed and re-added: the same entity
    expect(
      (await client.getEntityByRef('component:default/steady', { token }))
        ?.metadata.uid,
    ).toBe(steadyUid);
  });
});
