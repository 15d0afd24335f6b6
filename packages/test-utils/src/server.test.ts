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

import { Buffer } from 'node:buffer';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  createTempDir,
  HgRepositorySpec,
  HgTestServer,
  runHg,
  startHgServer,
} from './index';

jest.setTimeout(30_000);

const BINARY = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0d, 0x0a, 0x1a, 0x7f]);

const SIMPLE: HgRepositorySpec = {
  commits: [
    {
      files: {
        'README.md': '# Simple\n',
        'assets/data.bin': BINARY,
        'run.sh': { content: '#!/bin/sh\n', executable: true },
        'docs/naïve café.md': 'café\n',
        'docs/read me.md': 'spaces\n',
      },
      bookmarks: ['feature/x'],
    },
    { files: { 'README.md': '# Simple, again\n' }, tags: ['v1'] },
  ],
};

const ONE_COMMIT: HgRepositorySpec = {
  commits: [{ files: { 'README.md': '# API\n' } }],
};

async function status(url: string): Promise<number> {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.status;
}

async function indexNames(server: HgTestServer): Promise<string[]> {
  const res = await fetch(`${server.baseUrl}/?style=json`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { entries: { name: string }[] };
  return body.entries.map(e => e.name).sort();
}

async function cloneAndCommit(url: string, dir: string): Promise<string> {
  await runHg(['clone', url, dir]);
  await fs.writeFile(path.join(dir, 'pushed.txt'), 'pushed\n');
  await runHg(['commit', '-A', '-m', 'pushed', '-d', '0 0'], { cwd: dir });
  return (await runHg(['log', '-r', '.', '-T', '{node}'], { cwd: dir })).trim();
}

describe('startHgServer', () => {
  let tmp: { path: string; remove(): Promise<void> };
  // default options plus allowPush
  let server: HgTestServer;
  // allowArchive: false, no push
  let locked: HgTestServer;

  beforeAll(async () => {
    tmp = await createTempDir();
    [server, locked] = await Promise.all([
      startHgServer({
        allowPush: true,
        repositories: { simple: SIMPLE, 'team/payments/api': ONE_COMMIT },
      }),
      startHgServer({
        allowArchive: false,
        repositories: { simple: SIMPLE },
      }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([server?.stop(), locked?.stop()]);
    await tmp?.remove();
  });

  it('describes where it runs', async () => {
    expect(server.baseUrl).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.host).toBe(`127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
    expect(server.repoUrl('team/payments/api')).toBe(
      `${server.baseUrl}/team/payments/api`,
    );
    expect(server.repoDir('team/payments/api')).toBe(
      path.join(server.root, 'team', 'payments', 'api'),
    );
    expect(Object.keys(server.repositories).sort()).toEqual([
      'simple',
      'team/payments/api',
    ]);
    expect(server.repositories.simple.path).toBe(server.repoDir('simple'));
    expect(server.repositories.simple.nodes).toHaveLength(2);
    expect(
      (await fs.stat(path.join(server.root, 'simple', '.hg'))).isDirectory(),
    ).toBe(true);
  });

  it('lists the repositories, with multi-segment names, in the json index', async () => {
    expect(await indexNames(server)).toEqual(['simple', 'team/payments/api']);
  });

  it('serves raw files byte for byte', async () => {
    const [first, second] = server.repositories.simple.nodes;
    const url = `${server.repoUrl('simple')}/raw-file/${first}/assets/data.bin`;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(Buffer.compare(Buffer.from(await res.arrayBuffer()), BINARY)).toBe(
      0,
    );

    const readme = await fetch(
      `${server.repoUrl('simple')}/raw-file/${second}/README.md`,
    );
    expect(await readme.text()).toBe('# Simple, again\n');
    const withSpace = await fetch(
      `${server.repoUrl('simple')}/raw-file/${first}/docs/read%20me.md`,
    );
    expect(withSpace.status).toBe(200);
    expect(await withSpace.text()).toBe('spaces\n');
  });

  it('serves revisions by tag and by double-encoded bookmark names', async () => {
    const byTag = await fetch(
      `${server.repoUrl('simple')}/raw-file/v1/README.md`,
    );
    expect(await byTag.text()).toBe('# Simple, again\n');
    const byBookmark = await fetch(
      `${server.repoUrl('simple')}/raw-file/feature%252Fx/README.md`,
    );
    expect(byBookmark.status).toBe(200);
    expect(await byBookmark.text()).toBe('# Simple\n');
  });

  it('serves json-file', async () => {
    const [first] = server.repositories.simple.nodes;
    const res = await fetch(
      `${server.repoUrl('simple')}/json-file/${first}/README.md`,
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      node: first,
      path: 'README.md',
      branch: 'default',
      bookmarks: ['feature/x'],
      lines: [{ line: '# Simple\n' }],
    });
  });

  it('serves archives when allowed, and answers 403 otherwise', async () => {
    const res = await fetch(`${server.repoUrl('simple')}/archive/tip.tar.gz`);
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    expect(await status(`${server.repoUrl('simple')}/archive/tip.zip`)).toBe(
      200,
    );

    expect(await status(`${locked.repoUrl('simple')}/archive/tip.tar.gz`)).toBe(
      403,
    );
    expect(
      await status(`${locked.repoUrl('simple')}/raw-file/tip/README.md`),
    ).toBe(200);
  });

  it('accepts pushes only with allowPush', async () => {
    const node = await cloneAndCommit(
      server.repoUrl('team/payments/api'),
      path.join(tmp.path, 'clone-push'),
    );
    await runHg(['push', server.repoUrl('team/payments/api')], {
      cwd: path.join(tmp.path, 'clone-push'),
    });
    expect(
      await runHg(['log', '-r', 'tip', '-T', '{node}'], {
        cwd: server.repoDir('team/payments/api'),
      }),
    ).toBe(node);

    await cloneAndCommit(
      locked.repoUrl('simple'),
      path.join(tmp.path, 'clone-locked'),
    );
    await expect(
      runHg(['push', locked.repoUrl('simple')], {
        cwd: path.join(tmp.path, 'clone-locked'),
      }),
    ).rejects.toThrow(/HTTP Error 403/);
    expect(
      await runHg(['log', '-T', '{node}\n'], { cwd: locked.repoDir('simple') }),
    ).not.toContain(node);
  });

  it('serves repositories added after the start at once', async () => {
    const info = await server.addRepository('late/added', ONE_COMMIT);
    expect(info.path).toBe(server.repoDir('late/added'));
    expect(server.repositories['late/added']).toBe(info);
    expect(await indexNames(server)).toContain('late/added');
    const res = await fetch(
      `${server.repoUrl('late/added')}/raw-file/${info.nodes[0]}/README.md`,
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('# API\n');
  });

  it('rejects invalid repository names', async () => {
    await expect(server.addRepository('../outside', {})).rejects.toThrow(
      /Invalid repository name/,
    );
    await expect(
      startHgServer({ repositories: { '/abs': {} } }),
    ).rejects.toThrow(/Invalid repository name/);
  });
});

describe('startHgServer with singleRepository', () => {
  let single: HgTestServer;

  beforeAll(async () => {
    single = await startHgServer({
      singleRepository: 'simple',
      allowPush: true,
      repositories: { simple: SIMPLE, other: ONE_COMMIT },
    });
  });

  afterAll(() => single?.stop());

  it('serves the one repository at the server root (hg serve -R)', async () => {
    expect(single.repoUrl('simple')).toBe(single.baseUrl);
    const res = await fetch(`${single.baseUrl}/raw-file/v1/README.md`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('# Simple, again\n');
    const lookup = await fetch(`${single.baseUrl}?cmd=lookup&key=v1`);
    expect(await lookup.text()).toBe(
      `1 ${single.repositories.simple.nodes[1]}\n`,
    );
    // no repository below the root: hgweb knows no command 'other'
    expect(await status(`${single.baseUrl}/other/raw-file/tip/README.md`)).toBe(
      400,
    );
    expect(() => single.repoUrl('other')).toThrow(
      /serves only the repository "simple"/,
    );
  });

  it('applies the web settings: archives and pushes', async () => {
    expect(await status(`${single.baseUrl}/archive/tip.tar.gz`)).toBe(200);
    const dir = path.join(single.root, '..', 'clone-single');
    const node = await cloneAndCommit(single.baseUrl, dir);
    await runHg(['push', single.baseUrl], { cwd: dir });
    expect(
      await runHg(['log', '-r', 'tip', '-T', '{node}'], {
        cwd: single.repoDir('simple'),
      }),
    ).toBe(node);
  });

  it('rejects a singleRepository that is not among the repositories', async () => {
    await expect(
      startHgServer({ singleRepository: 'nope', repositories: {} }),
    ).rejects.toThrow(/singleRepository "nope" is not one of the repositories/);
  });
});

describe('HgTestServer.stop', () => {
  it('stops hg serve, frees the port and removes its temp root', async () => {
    const server = await startHgServer({
      repositories: { empty: {} },
      webConfig: { web: { description: 'custom description' } },
    });
    const index = await fetch(`${server.baseUrl}/?style=json`);
    expect(await index.json()).toMatchObject({
      entries: [{ name: 'empty', description: 'custom description' }],
    });

    await server.stop();
    await expect(fetch(`${server.baseUrl}/?style=raw`)).rejects.toThrow();
    await expect(fs.stat(server.root)).rejects.toThrow(/ENOENT/);
    await server.stop();
    await expect(server.addRepository('more', {})).rejects.toThrow(/stopped/);
  });

  it('keeps a root given in the options', async () => {
    const tmp = await createTempDir();
    try {
      const server = await startHgServer({
        root: tmp.path,
        repositories: { kept: ONE_COMMIT },
      });
      expect(server.root).toBe(tmp.path);
      expect(await indexNames(server)).toEqual(['kept']);
      await server.stop();
      expect(
        (await fs.stat(path.join(tmp.path, 'kept', '.hg'))).isDirectory(),
      ).toBe(true);
    } finally {
      await tmp.remove();
    }
  });
});
