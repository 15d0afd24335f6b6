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
 * End to end through the real scaffolder: a real backend with the catalog,
 * the scaffolder, our URL reader and our actions; a template read from an hg
 * repository runs fetch:template (skeleton at an absolute hg URL),
 * publish:hg (into the server's localRoot) and catalog:register; the new
 * component ends up in the catalog, read back from the new repository.
 */

import {
  createTempDir,
  eventually,
  HgTestServer,
  runHg,
  startHgServer,
} from '@backstage-mercurial/test-utils';
import mercurialUrlReaderModule from '@backstage-mercurial/backend-module-url-reader';
import { CatalogClient } from '@backstage/catalog-client';
import fs from 'fs-extra';
import path from 'node:path';
import {
  FinishedTask,
  startScaffolderBackend,
} from './__testUtils__/scaffolderBackend';

jest.setTimeout(120_000);

const TEMPLATE = (
  skeletonUrl: string,
) => `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: hg-service
  title: Mercurial service
spec:
  owner: team-platform
  type: service
  parameters:
    - title: Service
      required: [name, repoUrl]
      properties:
        name:
          type: string
        repoUrl:
          type: string
  steps:
    - id: fetch
      name: Fetch skeleton
      action: fetch:template
      input:
        url: ${skeletonUrl}
        values:
          name: \${{ parameters.name }}
    - id: publish
      name: Publish
      action: publish:hg
      input:
        repoUrl: \${{ parameters.repoUrl }}
        commitMessage: Create \${{ parameters.name }}
    - id: register
      name: Register
      action: catalog:register
      input:
        catalogInfoUrl: \${{ steps.publish.output.repoContentsUrl }}catalog-info.yaml
  output:
    links:
      - title: Repository
        url: \${{ steps.publish.output.remoteUrl }}
`;

const SKELETON_CATALOG = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: \${{ values.name }}
  description: Made by publish:hg
spec:
  type: service
  owner: team-platform
  lifecycle: experimental
`;

describe('a template that publishes to Mercurial, in a real scaffolder', () => {
  let server: HgTestServer;
  let backend: Awaited<ReturnType<typeof startScaffolderBackend>>;
  let work: { path: string; remove(): Promise<void> };

  beforeAll(async () => {
    server = await startHgServer();
    const skeletonUrl = `${server.repoUrl('templates/hg-service')}/file/default/skeleton/`;
    await server.addRepository('templates/hg-service', {
      commits: [
        {
          files: {
            'template.yaml': TEMPLATE(skeletonUrl),
            'skeleton/catalog-info.yaml': SKELETON_CATALOG,
            'skeleton/README.md': '# ${{ values.name }}\n',
          },
        },
      ],
    });
    work = await createTempDir('e2e-');
    backend = await startScaffolderBackend({
      features: [mercurialUrlReaderModule],
      workingDirectory: work.path,
      integrations: [
        { host: server.host, baseUrl: server.baseUrl, localRoot: server.root },
      ],
      allow: ['Component', 'Template', 'Location'],
      locations: [
        {
          type: 'url',
          target: `${server.repoUrl('templates/hg-service')}/file/default/template.yaml`,
        },
      ],
    });
  });

  afterAll(async () => {
    await backend?.backend.stop();
    await server?.stop();
    await work?.remove();
  });

  const catalog = (): CatalogClient => backend.catalog;
  const token = () => backend.token;

  /** Runs the template to its end. */
  function runTask(values: {
    name: string;
    repoUrl: string;
  }): Promise<FinishedTask> {
    return backend.runTask('template:default/hg-service', values);
  }

  it('runs fetch:template, publish:hg and catalog:register, and the new component is in the catalog', async () => {
    const { status, messages, output } = await runTask({
      name: 'brand-new',
      repoUrl: `${server.host}?owner=team&repo=brand-new`,
    });
    if (status !== 'completed') {
      throw new Error(`The task ${status}: ${messages}`);
    }

    const repoDir = server.repoDir('team/brand-new');
    const node = await runHg(['log', '-r', 'tip', '-T', '{node}'], {
      cwd: repoDir,
    });
    expect(
      await runHg(['cat', '-r', 'tip', 'README.md'], { cwd: repoDir }),
    ).toBe('# brand-new\n');
    expect(output?.links).toEqual([
      { title: 'Repository', url: `${server.baseUrl}/team/brand-new` },
    ]);

    const entity = await eventually('the new component in the catalog', () =>
      catalog().getEntityByRef('component:default/brand-new', {
        token: token(),
      }),
    );
    expect(entity.metadata.description).toBe('Made by publish:hg');
    // registered from the branch, not from the node of the first commit
    expect(
      entity.metadata.annotations?.['backstage.io/managed-by-location'],
    ).toBe(
      `url:${server.baseUrl}/team/brand-new/file/default/catalog-info.yaml`,
    );

    // so a later commit to the repository is what the entity shows next
    const elsewhere = await createTempDir('e2e-later-');
    const later = path.join(elsewhere.path, 'later');
    await runHg(['clone', '-q', repoDir, later]);
    await fs.writeFile(
      path.join(later, 'catalog-info.yaml'),
      (
        await fs.readFile(path.join(later, 'catalog-info.yaml'), 'utf8')
      ).replace('Made by publish:hg', 'Changed after publish:hg'),
    );
    await runHg(
      ['commit', '-q', '-u', 'Dev <dev@example.com>', '-m', 'Describe it'],
      {
        cwd: later,
      },
    );
    await runHg(['push', '-q', repoDir], { cwd: later });
    await elsewhere.remove();
    const laterNode = await runHg(['log', '-r', 'tip', '-T', '{node}'], {
      cwd: repoDir,
    });
    expect(laterNode).not.toBe(node);
    await eventually('the later commit in the entity', async () => {
      const refreshed = await catalog().getEntityByRef(
        'component:default/brand-new',
        { token: token() },
      );
      return refreshed?.metadata.description === 'Changed after publish:hg'
        ? refreshed
        : undefined;
    });
  });

  it('leaves the working directory as it was when publish:hg fails', async () => {
    const before = await fs.readdir(work.path);
    // the template repository has changesets: publish:hg refuses it
    const { status, messages } = await runTask({
      name: 'refused',
      repoUrl: `${server.host}?owner=templates&repo=hg-service`,
    });
    expect(status).toBe('failed');
    expect(messages).toContain(
      `Cannot publish to ${server.baseUrl}/templates/hg-service: the repository already has changesets`,
    );
    expect(await fs.readdir(work.path)).toEqual(before);
  });
});
