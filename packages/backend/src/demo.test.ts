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

import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  componentEntityV1alpha1Validator,
  Entity,
} from '@backstage/catalog-model';
import { templateEntityV1beta3Validator } from '@backstage/plugin-scaffolder-common';
import {
  createTempDir,
  runHg,
  startHgServer,
  HgTestServer,
} from '@backstage-mercurial/test-utils';
import { parse as parseYaml } from 'yaml';
import {
  buildDemoRepositories,
  DEMO_SOURCE_DIR,
  DemoRepository,
} from '../scripts/demo-repos';

jest.setTimeout(60_000);

/** The demo repositories, built as scripts/start.sh builds them, on a real hg serve. */
describe('demo repositories', () => {
  let tempDir: { path: string; remove(): Promise<void> };
  let server: HgTestServer;
  let repos: DemoRepository[];

  const raw = async (repo: string, file: string) => {
    const res = await fetch(`${server.repoUrl(repo)}/raw-file/default/${file}`);
    expect(res.status).toBe(200);
    return res.text();
  };

  beforeAll(async () => {
    tempDir = await createTempDir('backend-demo-');
    server = await startHgServer({ root: tempDir.path });
    repos = await buildDemoRepositories({
      root: server.root,
    });
  });

  afterAll(async () => {
    await server?.stop();
    await tempDir?.remove();
  });

  it('builds one repository per directory of demo/repositories', async () => {
    expect(repos.map(r => r.name)).toEqual(['demo/service', 'demo/templates']);
    for (const repo of repos) {
      expect(repo.node).toMatch(/^[0-9a-f]{40}$/);
      expect(repo.dir).toBe(server.repoDir(repo.name));
      // Clean working copy: every file is committed.
      expect(await runHg(['status'], { cwd: repo.dir })).toBe('');
    }
    // hgweb lists them.
    const index = await (await fetch(`${server.baseUrl}/?style=json`)).json();
    expect(JSON.stringify(index)).toContain('demo/service');
    expect(JSON.stringify(index)).toContain('demo/templates');
  });

  it('rebuilds to the same nodes and keeps other repositories', async () => {
    const other = await server.addRepository('other/repo', {
      commits: [{ files: { 'a.txt': 'a\n' } }],
    });
    await fs.writeFile(
      path.join(server.repoDir('demo/service'), 'stray.txt'),
      'x',
    );
    const again = await buildDemoRepositories({
      root: server.root,
    });
    expect(again.map(r => r.node)).toEqual(repos.map(r => r.node));
    await expect(
      fs.access(path.join(server.repoDir('demo/service'), 'stray.txt')),
    ).rejects.toThrow();
    expect(
      (await runHg(['log', '-T', '{node}'], { cwd: other.path })).trim(),
    ).toBe(other.nodes[0]);
  });

  it('serves a valid Component with TechDocs', async () => {
    const text = await raw('demo/service', 'catalog-info.yaml');
    expect(text).toBe(
      await fs.readFile(
        path.join(DEMO_SOURCE_DIR, 'service', 'catalog-info.yaml'),
        'utf8',
      ),
    );
    const entity = parseYaml(text) as Entity;
    expect(await componentEntityV1alpha1Validator.check(entity)).toBe(true);
    expect(entity.metadata.name).toBe('hg-demo-service');
    expect(entity.metadata.annotations?.['backstage.io/techdocs-ref']).toBe(
      'dir:.',
    );

    // mkdocs.yml at the root, and every page of its nav in docs/.
    const mkdocs = parseYaml(await raw('demo/service', 'mkdocs.yml'));
    const pages = (mkdocs.nav as Record<string, string>[]).flatMap(
      Object.values,
    );
    expect(pages).toContain('index.md');
    for (const page of pages) {
      expect(await raw('demo/service', `docs/${page}`)).toMatch(/^# /);
    }
    expect(await raw('demo/service', 'README.md')).toMatch(/^# Demo service/);
  });

  it('serves a valid Template whose skeleton is named relatively, as Backstage examples do', async () => {
    const text = await raw('demo/templates', 'template.yaml');
    const entity = parseYaml(text) as Entity;
    expect(await templateEntityV1beta3Validator.check(entity)).toBe(true);
    expect(entity.metadata.name).toBe('hg-demo-service-template');

    const { steps, parameters } = entity.spec as {
      steps: any[];
      parameters: any[];
    };
    // The new repository comes from the Mercurial plugin's picker, as is.
    const repoUrl = parameters.find(p => p.properties?.repoUrl)?.properties
      .repoUrl;
    expect(repoUrl['ui:field']).toBe('MercurialRepoUrlPicker');
    expect(steps.find(s => s.action === 'publish:hg').input.repoUrl).toBe(
      '${{ parameters.repoUrl }}',
    );
    const fetchStep = steps.find(s => s.action === 'fetch:template');
    expect(fetchStep.input.url).toBe('./skeleton/');
    // The skeleton directory is there, next to the template, as hgweb shows it.
    const listing = await fetch(
      `${server.repoUrl('demo/templates')}/file/default/skeleton/?style=raw`,
    );
    expect(listing.status).toBe(200);
    expect(await listing.text()).toContain('catalog-info.yaml');
    expect(await raw('demo/templates', 'skeleton/catalog-info.yaml')).toContain(
      '${{ values.name }}',
    );
  });

  it('matches the integration and discovery config of app-config.yaml', async () => {
    const config = parseYaml(
      await fs.readFile(path.resolve(__dirname, '../app-config.yaml'), 'utf8'),
    );
    const port = String(server.port);
    const subst = (value: string) =>
      value.replace(/\$\{HG_DEMO_PORT:-8000\}/g, port);
    const [integration] = config.integrations.mercurial;
    expect(subst(integration.baseUrl)).toBe(server.baseUrl);
    expect(subst(integration.host)).toBe(server.host);
    expect(integration.localRoot).toBe('${HG_DEMO_ROOT}');

    const discovery = config.catalog.providers.mercurial.demo;
    expect(subst(discovery.host)).toBe(server.host);
    // every demo repository has the file the provider looks for
    for (const repo of ['demo/service', 'demo/templates']) {
      const res = await fetch(
        `${server.baseUrl}/${repo}/raw-file/default/${discovery.catalogPath}`,
      );
      expect(res.status).toBe(200);
    }
  });
});
