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

/*
 * A single-repository server (hg serve -R) in a real backend: a url
 * location and its source-location, discovery of the one repository, and
 * TechDocs of an entity in a sub-directory.
 */

import mercurialUrlReaderModule from '@backstage-mercurial/backend-module-url-reader';
import {
  createTempDir,
  eventually,
  HgTestServer,
  startHgServer,
} from '@backstage-mercurial/test-utils';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import { CatalogClient } from '@backstage/catalog-client';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import techdocsPlugin from '@backstage/plugin-techdocs-backend';
import { ConfigReader } from '@backstage/config';
import fs from 'fs-extra';
import path from 'node:path';
import { MercurialDiscoveryEntityProvider } from './MercurialDiscoveryEntityProvider';
import { catalogModuleMercurial } from './module';

jest.setTimeout(120_000);

const SOURCE_LOCATION = 'backstage.io/source-location';

const component = (name: string) => `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${name}
  annotations:
    backstage.io/techdocs-ref: dir:.
spec:
  type: service
  owner: team
  lifecycle: production
`;

describe('a single-repository server (hg serve -R) in a real catalog and TechDocs', () => {
  let server: HgTestServer;
  let temp: { path: string; remove(): Promise<void> };
  let backend: TestBackend;
  let client: CatalogClient;
  let B: string;
  const token = mockCredentials.user.token();
  const authorization = mockCredentials.user.header();

  beforeAll(async () => {
    server = await startHgServer({
      singleRepository: 'service',
      repositories: {
        service: {
          commits: [
            {
              files: {
                'catalog-info.yaml': component('single-root'),
                'services/api/catalog-info.yaml': component('single-api'),
                'services/api/mkdocs.yml': 'site_name: Single API\n',
                'services/api/docs/index.md':
                  '# Single API\n\nDocs from the root repository.\n',
              },
            },
          ],
        },
      },
    });
    B = server.baseUrl;
    temp = await createTempDir('catalog-single-');
    const publishDirectory = path.join(temp.path, 'published');
    await fs.ensureDir(publishDirectory);
    backend = await startTestBackend({
      features: [
        catalogPlugin,
        techdocsPlugin,
        mercurialUrlReaderModule,
        catalogModuleMercurial,
        mockServices.rootConfig.factory({
          data: {
            backend: { workingDirectory: temp.path },
            integrations: {
              mercurial: [
                { host: server.host, baseUrl: B, singleRepository: true },
              ],
            },
            catalog: {
              rules: [{ allow: ['Component', 'Location'] }],
              // the root entity comes from discovery, the other from a url
              // location by its raw-file URL
              locations: [
                {
                  type: 'url',
                  target: `${B}/raw-file/default/services/api/catalog-info.yaml`,
                },
              ],
              providers: {
                mercurial: {
                  single: {
                    host: server.host,
                    schedule: {
                      frequency: { minutes: 30 },
                      timeout: { minutes: 1 },
                    },
                  },
                },
              },
            },
            techdocs: {
              builder: 'local',
              generator: {
                runIn: 'local',
                mkdocs: { omitTechdocsCorePlugin: true },
              },
              publisher: { type: 'local', local: { publishDirectory } },
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
    await temp?.remove();
  });

  const get = (urlPath: string, init?: RequestInit) =>
    fetch(`http://localhost:${backend.server.port()}${urlPath}`, {
      ...init,
      headers: { authorization, ...init?.headers },
    });

  it('reads a url location at the root and sets its source-location', async () => {
    const api = await eventually('single-api in the catalog', () =>
      client.getEntityByRef('component:default/single-api', { token }),
    );
    expect(api.metadata.annotations?.[SOURCE_LOCATION]).toBe(
      `url:${B}/file/default/services/api/`,
    );
  });

  it('discovers the one repository and registers its catalog file', async () => {
    const root = await eventually('single-root in the catalog', () =>
      client.getEntityByRef('component:default/single-root', { token }),
    );
    expect(root.metadata.annotations?.[SOURCE_LOCATION]).toBe(
      `url:${B}/file/default/`,
    );
    const { items } = await client.getEntities(
      { filter: { kind: 'Location' } },
      { token },
    );
    expect(items.map(e => (e.spec as { target: string }).target)).toContain(
      `${B}/file/default/catalog-info.yaml`,
    );
  });

  it('builds and serves TechDocs of an entity in a sub-directory', async () => {
    await eventually('single-api in the catalog', () =>
      client.getEntityByRef('component:default/single-api', { token }),
    );
    const sync = await get('/api/techdocs/sync/default/component/single-api', {
      headers: { accept: 'text/event-stream' },
    });
    const events = await sync.text();
    expect(events).toMatch(/event: finish\ndata: \{"updated":true\}/);
    const page = await get(
      '/api/techdocs/static/docs/default/component/single-api/index.html',
    );
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Docs from the root repository.');
  });
});

describe('MercurialDiscoveryEntityProvider.fromConfig for a single-repository server', () => {
  it("says that 'repositories' does not apply", () => {
    const config = new ConfigReader({
      integrations: {
        mercurial: [
          {
            host: 'hg.example.com:8000',
            baseUrl: 'http://hg.example.com:8000',
            singleRepository: true,
          },
        ],
      },
      catalog: {
        providers: {
          mercurial: {
            one: { host: 'hg.example.com:8000', repositories: '^team/' },
          },
        },
      },
    });
    expect(() =>
      MercurialDiscoveryEntityProvider.fromConfig(config, {
        logger: mockServices.logger.mock(),
        reader: {} as never,
        schedule: { run: async () => {} },
      }),
    ).toThrow(
      "Invalid catalog.providers.mercurial.one config: 'repositories' does not apply to host 'hg.example.com:8000', whose integrations.mercurial entry serves a single repository at http://hg.example.com:8000 (singleRepository: true)",
    );
  });
});
