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
 * A template kept in an hg repository and written the way Backstage's own
 * examples are (`url: ./skeleton`), run by the real scaffolder with its
 * built-in fetch actions, read from the catalog as this module leaves it.
 */

import mercurialUrlReaderModule from '@backstage-mercurial/backend-module-url-reader';
import scaffolderModuleMercurial from '@backstage-mercurial/plugin-scaffolder-backend-module-mercurial';
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
import catalogPlugin from '@backstage/plugin-catalog-backend';
import catalogModuleTemplateKind from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import { catalogModuleMercurial } from './module';

jest.setTimeout(120_000);

const token = mockCredentials.user.token();

// Relative URLs only, as in Backstage's own example templates.
const TEMPLATE = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: hg-relative
  title: Mercurial service, relative skeleton
spec:
  owner: team-platform
  type: service
  parameters:
    - title: Service
      required: [name, repoUrl, flavour]
      properties:
        name: { type: string }
        repoUrl: { type: string }
        flavour: { type: string }
  steps:
    - id: fetch
      name: Fetch skeleton
      action: fetch:template
      input:
        url: ./skeleton
        values:
          name: \${{ parameters.name }}
    - id: plain
      name: Fetch static files
      action: fetch:plain
      input:
        url: ./static/
        targetPath: static
    - id: flavour
      name: Fetch the flavour
      action: fetch:plain
      input:
        url: ./flavours/\${{ parameters.flavour }}
        targetPath: flavour
    - id: notes
      name: Fetch one templated file
      action: fetch:template:file
      input:
        url: ./files/NOTES.md
        targetPath: NOTES.md
        values:
          name: \${{ parameters.name }}
    - id: license
      name: Fetch one file from a sibling directory
      action: fetch:plain:file
      input:
        url: ../shared/LICENSE
        targetPath: LICENSE
    - id: publish
      name: Publish
      action: publish:hg
      input:
        repoUrl: \${{ parameters.repoUrl }}
    - id: register
      name: Register
      action: catalog:register
      input:
        catalogInfoUrl: \${{ steps.publish.output.catalogInfoUrl }}
  output:
    links:
      - title: Catalog file
        url: \${{ steps.publish.output.catalogInfoUrl }}
`;

const SKELETON_CATALOG = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: \${{ values.name }}
  description: From a relative skeleton
spec:
  type: service
  owner: team-platform
  lifecycle: experimental
`;

describe('Templates read from Mercurial, in a real catalog and scaffolder', () => {
  let server: HgTestServer;
  let backend: TestBackend;
  let work: { path: string; remove(): Promise<void> };
  let base: string;
  let catalog: CatalogClient;

  beforeAll(async () => {
    server = await startHgServer();
    await server.addRepository('platform/templates', {
      commits: [
        {
          files: {
            'service/template.yaml': TEMPLATE,
            'service/skeleton/catalog-info.yaml': SKELETON_CATALOG,
            'service/skeleton/README.md': '# ${{ values.name }}\n',
            'service/static/logo.txt': 'logo ${{ not rendered }}\n',
            'service/flavours/go/main.go': 'package main\n',
            'service/flavours/rust/main.rs': 'fn main() {}\n',
            'service/files/NOTES.md': 'Notes for ${{ values.name }}\n',
            'shared/LICENSE': 'Apache-2.0\n',
          },
        },
      ],
    });
    work = await createTempDir('catalog-templates-');
    backend = await startTestBackend({
      features: [
        catalogPlugin,
        catalogModuleTemplateKind,
        scaffolderPlugin,
        mercurialUrlReaderModule,
        catalogModuleMercurial,
        scaffolderModuleMercurial,
        mockServices.rootConfig.factory({
          data: {
            backend: { workingDirectory: work.path },
            integrations: {
              mercurial: [
                {
                  host: server.host,
                  baseUrl: server.baseUrl,
                  localRoot: server.root,
                },
              ],
            },
            catalog: {
              processingInterval: { seconds: 1 },
              rules: [{ allow: ['Component', 'Template', 'Location'] }],
              locations: [
                {
                  type: 'url',
                  target: `${server.repoUrl('platform/templates')}/file/default/service/template.yaml`,
                },
              ],
            },
          },
        }),
      ],
    });
    base = `http://localhost:${backend.server.port()}/api`;
    catalog = new CatalogClient({
      discoveryApi: { getBaseUrl: async id => `${base}/${id}` },
    });
  });

  afterAll(async () => {
    await backend?.stop();
    await server?.stop();
    await work?.remove();
  });

  it('stores the template with its fetch URLs resolved against its hg location', async () => {
    const template = await eventually('the template in the catalog', () =>
      catalog.getEntityByRef('template:default/hg-relative', { token }),
    );
    const urls = Object.fromEntries(
      (template.spec!.steps as Array<{ id: string; input: { url?: string } }>)
        .filter(s => s.input.url)
        .map(s => [s.id, s.input.url]),
    );
    const dir = `${server.repoUrl('platform/templates')}/file/default`;
    expect(urls).toEqual({
      fetch: `${dir}/service/skeleton`,
      plain: `${dir}/service/static/`,
      flavour: `${dir}/service/flavours/\${{ parameters.flavour }}`,
      notes: `${dir}/service/files/NOTES.md`,
      license: `${dir}/shared/LICENSE`,
    });
  });

  it('runs fetch:template, fetch:plain, fetch:template:file and fetch:plain:file with relative URLs, publishes and registers the result', async () => {
    await eventually('the template in the catalog', () =>
      catalog.getEntityByRef('template:default/hg-relative', { token }),
    );
    const created = await fetch(`${base}/scaffolder/v2/tasks`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({
        templateRef: 'template:default/hg-relative',
        values: {
          name: 'relative-one',
          repoUrl: `${server.host}?owner=team&repo=relative-one`,
          flavour: 'go',
        },
      }),
    });
    expect(created.status).toBe(201);
    const { id } = await created.json();

    const task = await eventually('the task to finish', async () => {
      const response = await fetch(`${base}/scaffolder/v2/tasks/${id}`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      const body = await response.json();
      return ['completed', 'failed'].includes(body.status) ? body : undefined;
    });
    const events = await (
      await fetch(`${base}/scaffolder/v2/tasks/${id}/events`, {
        headers: { Authorization: `Bearer ${token}` },
      })
    ).json();
    if (task.status !== 'completed') {
      throw new Error(
        `The task ${task.status}: ${events
          .map((e: any) => e.body?.message)
          .filter(Boolean)
          .join('\n')}`,
      );
    }

    const repoDir = server.repoDir('team/relative-one');
    const cat = (file: string) =>
      runHg(['cat', '-r', 'tip', file], { cwd: repoDir });
    expect(await cat('README.md')).toBe('# relative-one\n');
    expect(await cat('static/logo.txt')).toBe('logo ${{ not rendered }}\n');
    expect(await cat('flavour/main.go')).toBe('package main\n');
    expect(
      await runHg(['files', '-r', 'tip', 'flavour'], { cwd: repoDir }),
    ).not.toContain('main.rs');
    expect(await cat('NOTES.md')).toBe('Notes for relative-one\n');
    expect(await cat('LICENSE')).toBe('Apache-2.0\n');

    // publish:hg's catalogInfoUrl output, as catalog:register took it
    const completion = events.find((e: any) => e.type === 'completion');
    const [{ url: catalogInfoUrl }] = completion.body.output.links;
    expect(catalogInfoUrl).toMatch(
      new RegExp(
        `^${server.baseUrl}/team/relative-one/file/[^/]+/catalog-info\\.yaml$`,
      ),
    );
    const entity = await eventually('the new component in the catalog', () =>
      catalog.getEntityByRef('component:default/relative-one', { token }),
    );
    expect(entity.metadata.description).toBe('From a relative skeleton');
    expect(
      entity.metadata.annotations?.['backstage.io/managed-by-location'],
    ).toBe(`url:${catalogInfoUrl}`);
  });
});
