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
 * Paging of the commits route (`before` / `next`) in a real backend: the
 * real catalog (entities from a file location) and a real `hg serve` with a
 * repository whose history has a merge.
 */

import {
  createTempDir,
  eventually,
  HgTestServer,
  runHg,
  startHgServer,
} from '@backstage-mercurial/test-utils';
import type { MercurialCommitsResponse } from '@backstage-mercurial/plugin-mercurial-common';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import mercurialPlugin from './index';
import {
  componentYaml,
  createOpenApiValidator,
} from './__testUtils__/fixtures';

jest.setTimeout(60_000);

const REPO = 'team/paged';

function component(name: string, sourceLocation: string) {
  return componentYaml({ name, owner: 'team', sourceLocation });
}

describe('paging the commits route', () => {
  let hg: HgTestServer;
  let work: { path: string; remove(): Promise<void> };
  let backend: TestBackend;
  let base: string;
  let validate: (body: unknown) => void;
  /** Every changeset of default's history, newest first, as hg lists it. */
  let history: string[];
  /** The same, limited to `api/`. */
  let apiHistory: string[];
  const token = mockCredentials.user.token();

  async function get(
    name: string,
    query = '',
  ): Promise<{ status: number; body: any }> {
    const response = await fetch(
      `${base}/entities/component/default/${name}/commits${query}`,
      { headers: { Authorization: `Bearer ${token}` } },
    );
    return { status: response.status, body: await response.json() };
  }

  /** Follows `next` from the first page to the last. */
  async function allPages(name: string, limit: number, extra = '') {
    const pages: MercurialCommitsResponse[] = [];
    let before: string | undefined;
    do {
      const { status, body } = await get(
        name,
        `?limit=${limit}${extra}${before ? `&before=${before}` : ''}`,
      );
      expect(status).toBe(200);
      validate(body);
      pages.push(body);
      before = body.next;
    } while (before && pages.length < 20);
    return pages;
  }

  beforeAll(async () => {
    hg = await startHgServer({
      repositories: {
        [REPO]: {
          commits: [
            { files: { 'README.md': '0\n' } },
            { files: { 'api/a.ts': '1\n' } },
            { files: { 'docs/x.md': '2\n' } },
            // A second head from commit 2, merged below.
            { files: { 'api/b.ts': '3\n' }, parent: '1' },
            { files: { 'docs/y.md': '4\n' } },
          ],
        },
      },
    });
    const dir = hg.repoDir(REPO);
    await runHg(['update', '-C', '2'], { cwd: dir });
    await runHg(['merge', '4'], { cwd: dir });
    await runHg(['commit', '-u', 'Merger <m@example.com>', '-m', 'Merge'], {
      cwd: dir,
    });
    await fs.writeFile(path.join(dir, 'api', 'c.ts'), '6\n');
    await runHg(['commit', '-A', '-u', 'T <t@example.com>', '-m', 'Six'], {
      cwd: dir,
    });
    const log = async (revset: string) =>
      (await runHg(['log', '-r', revset, '-T', '{node}\n'], { cwd: dir }))
        .trim()
        .split('\n');
    history = await log('reverse(::default)');
    apiHistory = await log('reverse(::default and file("path:api"))');

    work = await createTempDir('mercurial-backend-paging-');
    const catalogFile = path.join(work.path, 'catalog-info.yaml');
    await fs.writeFile(
      catalogFile,
      [
        component('paged', `url:${hg.repoUrl(REPO)}`),
        component('paged-api', `url:${hg.repoUrl(REPO)}/file/default/api/`),
      ].join('---\n'),
    );
    backend = await startTestBackend({
      features: [
        catalogPlugin,
        mercurialPlugin,
        mockServices.rootConfig.factory({
          data: {
            backend: { workingDirectory: work.path },
            integrations: {
              mercurial: [{ host: hg.host, baseUrl: hg.baseUrl }],
            },
            catalog: {
              processingInterval: { seconds: 1 },
              rules: [{ allow: ['Component', 'Location'] }],
              locations: [{ type: 'file', target: catalogFile }],
            },
          },
        }),
      ],
    });
    base = `http://localhost:${backend.server.port()}/api/mercurial`;

    const check = await createOpenApiValidator();
    validate = body => check('CommitsResponse', body);

    const catalogUrl = `http://localhost:${backend.server.port()}/api/catalog`;
    await eventually(
      'the entities in the catalog',
      async () =>
        (
          await fetch(
            `${catalogUrl}/entities/by-name/component/default/paged-api`,
            { headers: { Authorization: `Bearer ${token}` } },
          )
        ).ok,
      { timeoutMs: 40_000, intervalMs: 200 },
    );
  });

  afterAll(async () => {
    await backend?.stop();
    await hg?.stop();
    await work?.remove();
  });

  it('has a history with a merge, of which the pages are cut', () => {
    // 0 1 2 3 4 merge six: all but none on another branch.
    expect(history).toHaveLength(7);
    expect(apiHistory).toHaveLength(3);
  });

  it.each([1, 2, 3, 6])(
    'pages through the whole history, every changeset once and in order, %i at a time',
    async limit => {
      const pages = await allPages('paged', limit);
      const nodes = pages.flatMap(p => p.commits.map(c => c.node));
      // Both sides of the merge: paging by "ancestors of before" would lose
      // the changesets of the side that comes later in the list.
      expect(nodes).toEqual(history);
      expect(pages).toHaveLength(Math.ceil(history.length / limit));
      for (const page of pages.slice(0, -1)) {
        expect(page.commits).toHaveLength(limit);
        expect(page.next).toBe(page.commits[limit - 1].node);
      }
      expect(pages[pages.length - 1].next).toBeUndefined();
    },
  );

  it('has no next when the history fits the page exactly', async () => {
    const { status, body } = await get('paged', `?limit=${history.length}`);
    expect(status).toBe(200);
    expect(body.commits).toHaveLength(history.length);
    expect(body).not.toHaveProperty('next');
  });

  it('pages within the scope of the entity directory and path', async () => {
    const pages = await allPages('paged-api', 1);
    expect(pages.flatMap(p => p.commits.map(c => c.node))).toEqual(apiHistory);
    expect(pages.every(p => p.path === 'api')).toBe(true);

    const file = await allPages('paged', 1, '&path=api/a.ts');
    expect(file.flatMap(p => p.commits.map(c => c.node))).toEqual([
      history[history.length - 2],
    ]);
  });

  it.each([
    ['tip', /before/],
    ['0123456789abcdef', /before/],
    [`${'A'.repeat(40)}`, /before/],
  ])('refuses before=%s with 400 naming it', async (before, message) => {
    const { status, body } = await get('paged', `?before=${before}`);
    expect(status).toBe(400);
    expect(body.error.name).toBe('InputError');
    expect(body.error.message).toMatch(message);
  });

  it('refuses a before that is no changeset of the repository with 400 naming it', async () => {
    const unknown = 'ab'.repeat(20);
    const { status, body } = await get('paged', `?before=${unknown}`);
    expect(status).toBe(400);
    expect(body.error).toEqual({
      name: 'InputError',
      message: `Invalid before '${unknown}': ${REPO} has no changeset with that node`,
    });
  });
});
