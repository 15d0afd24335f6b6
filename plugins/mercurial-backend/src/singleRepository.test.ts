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
 * The history routes for entities of a single-repository server (hg serve
 * -R, `singleRepository: true`), in a real backend with the real catalog.
 */

import mercurialUrlReaderModule from '@backstage-mercurial/backend-module-url-reader';
import catalogModuleMercurial from '@backstage-mercurial/plugin-catalog-backend-module-mercurial';
import {
  createTempDir,
  eventually,
  HgTestServer,
  startHgServer,
} from '@backstage-mercurial/test-utils';
import {
  mockCredentials,
  startTestBackend,
  TestBackend,
  mockServices,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import mercurialPlugin from './index';

jest.setTimeout(60_000);

const component = (name: string) => `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${name}
spec:
  type: service
  lifecycle: production
  owner: team
`;

describe('the mercurial backend plugin against a single-repository server', () => {
  let hg: HgTestServer;
  let work: { path: string; remove(): Promise<void> };
  let backend: TestBackend;
  let base: string;
  let nodes: string[];
  let B: string;
  const token = mockCredentials.user.token();

  const get = async (route: string) => {
    const response = await fetch(`${base}${route}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    return { status: response.status, body: await response.json() };
  };

  beforeAll(async () => {
    hg = await startHgServer({
      singleRepository: 'platform',
      repositories: {
        platform: {
          commits: [
            {
              user: 'Alice Example <alice@example.com>',
              message: 'Start',
              files: { 'catalog-info.yaml': component('single-platform') },
            },
            {
              user: 'Bob Builder <bob@example.com>',
              message: 'Add the API',
              files: {
                'services/api/catalog-info.yaml': component('single-api'),
              },
              tags: ['v1.0'],
            },
            {
              user: 'Alice Example <alice@example.com>',
              message: 'Touch the README',
              files: { 'README.md': '# Platform\n' },
            },
          ],
        },
      },
    });
    B = hg.baseUrl;
    nodes = hg.repositories.platform.nodes;
    work = await createTempDir('mercurial-backend-single-');
    backend = await startTestBackend({
      features: [
        catalogPlugin,
        mercurialUrlReaderModule,
        catalogModuleMercurial,
        mercurialPlugin,
        mockServices.rootConfig.factory({
          data: {
            backend: { workingDirectory: work.path },
            integrations: {
              mercurial: [
                { host: hg.host, baseUrl: B, singleRepository: true },
              ],
            },
            catalog: {
              rules: [{ allow: ['Component', 'Location'] }],
              // no source-location in the files: our catalog module sets it
              locations: [
                `${B}/file/default/catalog-info.yaml`,
                `${B}/file/default/services/api/catalog-info.yaml`,
              ].map(target => ({ type: 'url', target })),
            },
          },
        }),
      ],
    });
    const port = backend.server.port();
    base = `http://localhost:${port}/api/mercurial`;
    for (const name of ['single-platform', 'single-api']) {
      await eventually(`${name} in the catalog`, async () => {
        const r = await fetch(
          `http://localhost:${port}/api/catalog/entities/by-name/component/default/${name}`,
          { headers: { Authorization: `Bearer ${token}` } },
        );
        await r.arrayBuffer();
        return r.ok || undefined;
      });
    }
  });

  afterAll(async () => {
    await backend?.stop();
    await hg?.stop();
    await work?.remove();
  });

  it('lists the commits of the repository at the root, with changeset URLs at the root', async () => {
    const { status, body } = await get(
      '/entities/component/default/single-platform/commits',
    );
    expect(status).toBe(200);
    // the tag commit of v1.0 is one of them
    expect(body).toMatchObject({
      repositoryUrl: B,
      revision: 'default',
      path: '',
    });
    expect(body.commits).toHaveLength(4);
    expect(body.commits[0]).toMatchObject({
      node: nodes[2],
      url: `${B}/rev/${nodes[2]}`,
    });
    const page = await fetch(body.commits[0].url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(nodes[2]);
  });

  it('scopes a sub-directory entity to its directory', async () => {
    const { status, body } = await get(
      '/entities/component/default/single-api/commits',
    );
    expect(status).toBe(200);
    expect(body.path).toBe('services/api');
    expect(body.commits.map((c: any) => c.node)).toEqual([nodes[1]]);
  });

  it('counts contributors and summarises branches and tags', async () => {
    const contributors = await get(
      '/entities/component/default/single-api/contributors',
    );
    expect(contributors.status).toBe(200);
    expect(contributors.body.contributors).toEqual([
      expect.objectContaining({ name: 'Bob Builder', commitCount: 1 }),
    ]);
    const summary = await get(
      '/entities/component/default/single-platform/summary',
    );
    expect(summary.status).toBe(200);
    expect(summary.body).toMatchObject({
      repositoryUrl: B,
      node: nodes[2],
      defaultBranch: 'default',
    });
    expect(summary.body.tags).toEqual([{ name: 'v1.0', node: nodes[1] }]);
  });
});
