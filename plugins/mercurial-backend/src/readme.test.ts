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
 * The readme route in a real backend: the real catalog (entities from a file
 * location), a real `hg serve` behind a front that counts the requests
 * reaching it, Backstage's own auditor recording the events.
 */

import {
  BasicAuthProxy,
  createTempDir,
  eventually,
  HgTestServer,
  recordingAuditor,
  startBasicAuthProxy,
  startHgServer,
} from '@backstage-mercurial/test-utils';
import type { MercurialReadmeResponse } from '@backstage-mercurial/plugin-mercurial-common';
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
import { README_MAX_BYTES, README_NAMES } from './service/readme';
import {
  componentYaml,
  createOpenApiValidator,
} from './__testUtils__/fixtures';

jest.setTimeout(60_000);

const DOCS = 'team/docs';
const BARE = 'team/bare';
const EMPTY = 'team/empty';
/** A README over 1 MiB whose cut falls inside a two-byte character. */
const BIG = `a${'é'.repeat(600_000)}`;
/** A README of exactly 1 MiB. */
const EXACT = 'x'.repeat(README_MAX_BYTES);

function component(name: string, sourceLocation: string) {
  return componentYaml({ name, owner: 'team-docs', sourceLocation });
}

describe('GET /entities/{kind}/{namespace}/{name}/readme', () => {
  let hg: HgTestServer;
  let front: BasicAuthProxy;
  let work: { path: string; remove(): Promise<void> };
  let backend: TestBackend;
  let base: string;
  let docs: string;
  let nodes: string[];
  let validate: (body: unknown) => void;
  const audit = recordingAuditor();
  const token = mockCredentials.user.token();

  async function get(name: string): Promise<{ status: number; body: any }> {
    const response = await fetch(
      `${base}/entities/component/default/${name}/readme`,
      { headers: { Authorization: `Bearer ${token}` } },
    );
    return { status: response.status, body: await response.json() };
  }

  /** What reached the hg server since `from`, by kind. */
  function hgRequests(from: number) {
    const urls = front.requests
      .slice(from)
      .map(r => new URL(r.url, 'http://x'));
    return {
      headChecks: urls.filter(u => u.searchParams.get('cmd') === 'batch')
        .length,
      listings: urls.filter(u => u.pathname.includes('/json-file/')).length,
      files: urls.filter(u => u.pathname.includes('/raw-file/')).length,
    };
  }

  beforeAll(async () => {
    hg = await startHgServer({
      repositories: {
        [DOCS]: {
          commits: [
            {
              files: {
                // The root: readme.md comes before README and README.txt.
                'README.txt': 'root text\n',
                README: 'plain\n',
                'readme.md': '# Root\n\nSee [the guide](docs/guide.md).\n',
                'services/api/README.md': '# API\n\n![logo](logo.png)\n',
                'services/api/README': 'not this one\n',
                'services/api/logo.png': 'PNG bytes',
                'services/worker/main.go': 'package main\n',
                'services/ops/README.txt': 'not this one\n',
                'services/ops/README.rst': 'Ops\n===\n',
                'services/linked/README.md': { symlink: '../api/README.md' },
                'services/linked/README.txt': 'the text one\n',
                'services/big/README.md': BIG,
                'services/exact/README.markdown': EXACT,
              },
            },
            { files: { 'services/api/README.md': '# API v2\n' } },
          ],
        },
        [BARE]: { commits: [{ files: { 'src/a.ts': 'export {};\n' } }] },
        [EMPTY]: {},
      },
    });
    front = await startBasicAuthProxy({
      target: hg.baseUrl,
      users: {},
      protectReads: false,
    });
    nodes = hg.repositories[DOCS].nodes;
    docs = `${front.baseUrl}/${DOCS}`;
    const at = (dir: string, rev = 'default') =>
      `url:${docs}/file/${rev}/${dir}`;

    work = await createTempDir('mercurial-backend-readme-');
    const catalogFile = path.join(work.path, 'catalog-info.yaml');
    await fs.writeFile(
      catalogFile,
      [
        component('api', at('services/api/')),
        component('api-v1', at('services/api/', nodes[0])),
        component('worker', at('services/worker/')),
        component('worker-again', at('services/worker/')),
        component('ops', at('services/ops/')),
        component('ops-file', at('services/ops/README.txt')),
        component('linked', at('services/linked/')),
        component('big', at('services/big/')),
        component('exact', at('services/exact/')),
        component('bare', `url:${front.baseUrl}/${BARE}`),
        component('bare-src', `url:${front.baseUrl}/${BARE}/file/default/src/`),
        component('empty', `url:${front.baseUrl}/${EMPTY}`),
      ].join('---\n'),
    );

    backend = await startTestBackend({
      features: [
        catalogPlugin,
        mercurialPlugin,
        audit.factory,
        mockServices.rootConfig.factory({
          data: {
            backend: { workingDirectory: work.path },
            integrations: {
              mercurial: [{ host: front.host, baseUrl: front.baseUrl }],
            },
            catalog: {
              processingInterval: { seconds: 1 },
              rules: [{ allow: ['Component', 'Location'] }],
              locations: [{ type: 'file', target: catalogFile }],
            },
            mercurial: { cache: { headCheckTtl: { minutes: 10 } } },
          },
        }),
      ],
    });
    base = `http://localhost:${backend.server.port()}/api/mercurial`;

    const check = await createOpenApiValidator();
    validate = body => check('ReadmeResponse', body);

    const catalogUrl = `http://localhost:${backend.server.port()}/api/catalog`;
    await eventually(
      'the entities in the catalog',
      async () => {
        const response = await fetch(
          `${catalogUrl}/entities/by-name/component/default/empty`,
          { headers: { Authorization: `Bearer ${token}` } },
        );
        return response.ok;
      },
      { timeoutMs: 40_000, intervalMs: 200 },
    );
  });

  afterAll(async () => {
    await backend?.stop();
    await front?.stop();
    await hg?.stop();
    await work?.remove();
  });

  it("answers the README of the entity's directory, with the URLs its links resolve against", async () => {
    const { status, body } = await get('api');
    expect(status).toBe(200);
    validate(body);
    const node = nodes[1];
    const expected: MercurialReadmeResponse = {
      entityRef: 'component:default/api',
      repositoryUrl: docs,
      revision: 'default',
      node,
      path: 'services/api/README.md',
      format: 'markdown',
      content: '# API v2\n',
      truncated: false,
      url: `${docs}/file/${node}/services/api/README.md`,
      browseBaseUrl: `${docs}/file/${node}/services/api/`,
      rawBaseUrl: `${docs}/raw-file/${node}/services/api/`,
    };
    expect(body).toEqual(expected);

    // The URLs are the server's: the page, and a relative image.
    const page = await fetch(body.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('API v2');
    const image = await fetch(new URL('logo.png', body.rawBaseUrl));
    expect(await image.text()).toBe('PNG bytes');
    const listing = await fetch(body.browseBaseUrl);
    expect(listing.status).toBe(200);
    expect(await listing.text()).toContain('logo.png');
  });

  it("reads the README at the node of the source location's revision", async () => {
    const { status, body } = await get('api-v1');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      revision: nodes[0],
      node: nodes[0],
      content: '# API\n\n![logo](logo.png)\n',
      url: `${docs}/file/${nodes[0]}/services/api/README.md`,
    });
  });

  it('falls back to the README of the repository root, the first name of the list that is there', async () => {
    const from = front.requests.length;
    const { status, body } = await get('worker');
    expect(status).toBe(200);
    validate(body);
    const node = nodes[1];
    expect(body).toMatchObject({
      entityRef: 'component:default/worker',
      path: 'readme.md',
      format: 'markdown',
      content: '# Root\n\nSee [the guide](docs/guide.md).\n',
      url: `${docs}/file/${node}/readme.md`,
      browseBaseUrl: `${docs}/file/${node}/`,
      rawBaseUrl: `${docs}/raw-file/${node}/`,
    });
    // One listing per directory, then the file.
    expect(hgRequests(from)).toEqual({ headChecks: 0, listings: 2, files: 1 });

    // Cached per node and directory: another entity of that directory asks
    // nothing more of the server.
    const again = front.requests.length;
    const other = await get('worker-again');
    expect(other.status).toBe(200);
    expect(other.body).toEqual({
      ...body,
      entityRef: 'component:default/worker-again',
    });
    expect(hgRequests(again)).toEqual({ headChecks: 0, listings: 0, files: 0 });
  });

  it.each([
    ['ops', 'services/ops/README.rst', 'Ops\n===\n'],
    // A file source location: its directory's README.
    ['ops-file', 'services/ops/README.rst', 'Ops\n===\n'],
    // A symbolic link is left out (its raw-file is the link's target path).
    ['linked', 'services/linked/README.txt', 'the text one\n'],
  ])('%s: answers %s as text', async (name, readmePath, content) => {
    const { status, body } = await get(name);
    expect(status).toBe(200);
    validate(body);
    expect(body).toMatchObject({
      path: readmePath,
      format: 'text',
      content,
      truncated: false,
    });
  });

  it('cuts a README over 1 MiB at a UTF-8 character boundary, and says so', async () => {
    const { status, body } = await get('big');
    expect(status).toBe(200);
    validate(body);
    expect(body.truncated).toBe(true);
    // Byte 1 MiB is the second byte of an 'é': the cut is one byte earlier.
    expect(Buffer.byteLength(body.content)).toBe(README_MAX_BYTES - 1);
    expect(body.content).toBe(`a${'é'.repeat((README_MAX_BYTES - 2) / 2)}`);
    expect(BIG.startsWith(body.content)).toBe(true);
    expect(body.content).not.toContain('\uFFFD');
  });

  it('answers a README of exactly 1 MiB whole', async () => {
    const { status, body } = await get('exact');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      path: 'services/exact/README.markdown',
      format: 'markdown',
      truncated: false,
    });
    expect(body.content).toBe(EXACT);
  });

  it('answers 404 naming the directory and the repository when there is no README, and remembers that', async () => {
    const bareUrl = `${front.baseUrl}/${BARE}`;
    const node = hg.repositories[BARE].nodes[0];
    const names = README_NAMES.join(', ');
    const root = await get('bare');
    expect(root.status).toBe(404);
    expect(root.body.error).toEqual({
      name: 'NotFoundError',
      message: `No README (${names}) in the root of ${bareUrl} at default (${node})`,
    });
    const src = await get('bare-src');
    expect(src.status).toBe(404);
    expect(src.body.error.message).toBe(
      `No README (${names}) in the directory src or the root of ${bareUrl} at default (${node})`,
    );

    const from = front.requests.length;
    expect((await get('bare')).status).toBe(404);
    expect(hgRequests(from)).toEqual({ headChecks: 0, listings: 0, files: 0 });
  });

  it('answers 404 for a repository without changesets', async () => {
    const { status, body } = await get('empty');
    expect(status).toBe(404);
    expect(body.error.message).toBe(
      `No README (${README_NAMES.join(', ')}) in the root of ${front.baseUrl}/${EMPTY} at default (${'0'.repeat(40)})`,
    );
  });

  it('audits each read as mercurial-history-read with route readme', () => {
    const events = audit
      .outcomes('mercurial-history-read')
      .filter(e => e.meta?.route === 'readme');
    expect(events).toContainEqual(
      expect.objectContaining({
        status: 'succeeded',
        severityLevel: 'low',
        meta: {
          entityRef: 'component:default/api',
          route: 'readme',
          host: front.host,
          repository: DOCS,
          revision: 'default',
          node: nodes[1],
        },
      }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({
        status: 'failed',
        meta: expect.objectContaining({
          entityRef: 'component:default/bare',
          route: 'readme',
        }),
        error: expect.objectContaining({ name: 'NotFoundError' }),
      }),
    );
  });
});
