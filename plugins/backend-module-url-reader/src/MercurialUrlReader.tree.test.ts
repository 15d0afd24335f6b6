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

import {
  createTempDir,
  HgTestServer,
  startHgServer,
} from '@backstage-mercurial/test-utils';
import { mockServices } from '@backstage/backend-test-utils';
import { UrlReaders } from '@backstage/backend-defaults/urlReader';
import {
  UrlReaderService,
  UrlReaderServiceReadTreeResponse,
} from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import fs from 'fs-extra';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import { Header, Parser, ReadEntry } from 'tar';
import { MercurialUrlReader } from './MercurialUrlReader';

/** Trees of hg repositories: only what the repository holds, inside the tree. */

type Logger = ReturnType<typeof mockServices.logger.mock>;

function makeReader(
  integration: { host: string; baseUrl: string },
  workDir: string,
): { reader: UrlReaderService; logger: Logger } {
  const logger = mockServices.logger.mock();
  const reader = UrlReaders.default({
    config: new ConfigReader({
      backend: { workingDirectory: workDir },
      integrations: { mercurial: [integration] },
    }),
    logger,
    factories: [MercurialUrlReader.factory],
  });
  return { reader, logger };
}

async function treeFiles(response: UrlReaderServiceReadTreeResponse) {
  const result: Record<string, string> = {};
  for (const file of await response.files()) {
    expect(result[file.path]).toBeUndefined(); // each path once
    result[file.path] = (await file.content()).toString('utf8');
  }
  return result;
}

/** Every path below `dir` (links not followed), with `->` for links. */
async function walk(dir: string, prefix = ''): Promise<string[]> {
  const found: string[] = [];
  for (const name of (await fs.readdir(dir)).sort()) {
    const full = path.join(dir, name);
    const stat = await fs.lstat(full);
    if (stat.isSymbolicLink()) {
      found.push(`${prefix}${name} -> ${await fs.readlink(full)}`);
    } else if (stat.isDirectory()) {
      found.push(...(await walk(full, `${prefix}${name}/`)));
    } else {
      found.push(`${prefix}${name}`);
    }
  }
  return found;
}

/** The entry paths of a tar stream. */
async function archivePaths(stream: NodeJS.ReadableStream): Promise<string[]> {
  const paths: string[] = [];
  const parser = new Parser();
  parser.on('entry', (entry: ReadEntry) => {
    paths.push(
      entry.linkpath ? `${entry.path} -> ${entry.linkpath}` : entry.path,
    );
    entry.resume();
  });
  await new Promise<void>((resolve, reject) => {
    stream.on('error', reject);
    parser.on('end', () => resolve());
    stream.pipe(parser as unknown as NodeJS.WritableStream);
  });
  return paths.sort();
}

function warnings(logger: Logger): string[] {
  return logger.warn.mock.calls.map(call => String(call[0]));
}

describe('MercurialUrlReader.readTree of an archive a server crafted', () => {
  const NODE = '0123456789abcdef0123456789abcdef01234567';
  const TOP = `evil-${NODE.slice(0, 12)}`;
  const ENTRIES: Array<{
    path: string;
    type?: ReadEntry['type'];
    linkpath?: string;
    content?: string;
  }> = [
    // what hgweb writes first at the root of an archive
    {
      path: `${TOP}/.hg_archival.txt`,
      content: `repo: ${NODE}\nnode: ${NODE}\nbranch: default\n`,
    },
    { path: `${TOP}/README.md`, content: 'readme\n' },
    { path: `${TOP}/docs/index.md`, content: 'index\n' },
    { path: `${TOP}/docs/.hg_archival.txt`, content: 'a real file\n' },
    { path: '/tmp/evil-absolute.txt', content: 'x' },
    { path: `${TOP}/../evil-dotdot.txt`, content: 'x' },
    { path: `${TOP}/docs/../../evil-dotdot2.txt`, content: 'x' },
    { path: `${TOP}/docs/in`, type: 'SymbolicLink', linkpath: 'index.md' },
    { path: `${TOP}/docs/up`, type: 'SymbolicLink', linkpath: '../README.md' },
    {
      path: `${TOP}/escape`,
      type: 'SymbolicLink',
      linkpath: '../../outside.txt',
    },
    { path: `${TOP}/absolute`, type: 'SymbolicLink', linkpath: '/etc/passwd' },
    {
      path: `${TOP}/docs/hard`,
      type: 'Link',
      linkpath: `${TOP}/docs/index.md`,
    },
    { path: `${TOP}/hard-out`, type: 'Link', linkpath: `${TOP}/../outside` },
    { path: `${TOP}/hard-abs`, type: 'Link', linkpath: '/etc/passwd' },
    // inside by itself; `t` reads as `loop` but is the root's parent on disk
    { path: `${TOP}/loop/s`, type: 'SymbolicLink', linkpath: '..' },
    { path: `${TOP}/loop/t`, type: 'SymbolicLink', linkpath: 's/..' },
    { path: `${TOP}/loop/s/x.txt`, content: 'x' },
    { path: `${TOP}/fifo`, type: 'FIFO' },
  ];
  const LEFT_OUT = [
    '/tmp/evil-absolute.txt',
    `${TOP}/../evil-dotdot.txt`,
    `${TOP}/docs/../../evil-dotdot2.txt`,
    `${TOP}/escape`,
    `${TOP}/absolute`,
    `${TOP}/hard-out`,
    `${TOP}/hard-abs`,
    `${TOP}/loop/t`,
    `${TOP}/loop/s/x.txt`,
    `${TOP}/fifo`,
  ];

  function craftedTarGz(entries: typeof ENTRIES): Buffer {
    const blocks: Buffer[] = [];
    for (const entry of entries) {
      const body = Buffer.from(entry.content ?? '', 'latin1');
      const header = new Header({
        path: entry.path,
        type: entry.type ?? 'File',
        linkpath: entry.linkpath,
        size: body.length,
        mode: 0o644,
        uid: 0,
        gid: 0,
        mtime: new Date('2024-01-01T00:00:00Z'),
      });
      header.encode();
      blocks.push(header.block!, body);
      blocks.push(Buffer.alloc((512 - (body.length % 512)) % 512));
    }
    blocks.push(Buffer.alloc(1024));
    return zlib.gzipSync(Buffer.concat(blocks));
  }

  let server: http.Server;
  let host: string;
  let base: string;
  let work: { path: string; remove(): Promise<void> };
  const requests: string[] = [];
  // a real archive, sent only in part before the connection is destroyed
  // A real archive, large and incompressible, so that half of it ends in
  // the middle of a file: the reader must say the transfer was cut off.
  const bigArchive = craftedTarGz([
    {
      path: `${TOP}/docs/big.bin`,
      content: randomBytes(512 * 1024).toString('latin1'),
    },
  ]);

  beforeAll(async () => {
    const archive = craftedTarGz(ENTRIES);
    const manyUnsafe = craftedTarGz([
      { path: `${TOP}/README.md`, content: 'readme\n' },
      ...Array.from({ length: 30 }, (_, i) => ({
        path: `${TOP}/../evil-${i}`,
        content: 'x',
      })),
    ]);
    server = http.createServer((req, res) => {
      requests.push(req.url!);
      const url = new URL(req.url!, 'http://x');
      const [, repo, command] = url.pathname.split('/');
      if (url.searchParams.get('cmd') === 'lookup' && !command) {
        // hgweb's answer to a wire-protocol look-up
        const body = `1 ${NODE}\n`;
        res.writeHead(200, 'Script output follows', {
          'Content-Type': 'application/mercurial-0.1',
          'Content-Length': Buffer.byteLength(body),
        });
        res.end(body);
        return;
      }
      if (command === 'archive' || command === 'raw-file') {
        // hgweb's headers of an archive (whatever the path suffix: a
        // crafted archive need not honour it)
        res.writeHead(200, 'Script output follows', {
          'Content-Type':
            command === 'archive' ? 'application/x-gzip' : 'text/plain',
          'Content-Disposition': `attachment; filename=${repo}-${NODE}.tar.gz`,
          'Transfer-Encoding': 'chunked',
        });
        if (repo === 'cut') {
          const part =
            command === 'archive'
              ? bigArchive.subarray(0, bigArchive.length / 2)
              : Buffer.from('the first half of a fi');
          res.write(part, () => res.socket?.destroy());
          return;
        }
        res.end(repo === 'many' ? manyUnsafe : archive);
        return;
      }
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    base = `http://${host}`;
    work = await createTempDir('url-reader-crafted-');
  });
  afterAll(async () => {
    await new Promise(r => server.close(r));
    await work.remove();
  });

  it('lists in files() only the entries inside the tree, and warns naming each one left out', async () => {
    const { reader, logger } = makeReader({ host, baseUrl: base }, work.path);
    const response = await reader.readTree(`${base}/evil/file/default/`);
    expect(response.etag).toBe(NODE);
    expect(requests).toContain(`/evil/archive/${NODE}.tar.gz`);
    const files = await treeFiles(response);
    expect(Object.keys(files).sort()).toEqual([
      'README.md',
      'docs/.hg_archival.txt',
      'docs/hard',
      'docs/in',
      'docs/index.md',
      'docs/up',
      'loop/s',
    ]);
    expect(files['docs/.hg_archival.txt']).toBe('a real file\n');
    const warned = warnings(logger);
    for (const entry of LEFT_OUT) {
      expect(warned).toContainEqual(
        expect.stringContaining(
          `Left out '${entry}' of the tree of the repository evil at ${NODE} from the Mercurial server ${host}: `,
        ),
      );
    }
    expect(warned).toHaveLength(LEFT_OUT.length);
  });

  it('writes with dir() only the entries inside the tree, and nothing outside it', async () => {
    const { reader } = makeReader({ host, baseUrl: base }, work.path);
    const target = path.join(work.path, 'deep', 'er', 'target');
    await fs.ensureDir(target);
    const response = await reader.readTree(`${base}/evil/file/default/`);
    await response.dir({ targetDir: target });
    expect(await walk(target)).toEqual([
      'README.md',
      'docs/.hg_archival.txt',
      'docs/hard',
      'docs/in -> index.md',
      'docs/index.md',
      'docs/up -> ../README.md',
      'loop/s -> ..',
    ]);
    expect(await fs.readFile(path.join(target, 'docs/hard'), 'utf8')).toBe(
      'index\n',
    );
    // nothing was written beside or above the target
    expect(await walk(path.join(work.path, 'deep'))).toEqual(
      (await walk(target)).map(p => `er/target/${p}`),
    );
    await expect(fs.pathExists('/tmp/evil-absolute.txt')).resolves.toBe(false);
  });

  it('gives with archive() a tar stream of only the entries inside the tree', async () => {
    const { reader } = makeReader({ host, baseUrl: base }, work.path);
    const response = await reader.readTree(`${base}/evil/file/default/`);
    expect(await archivePaths(await response.archive())).toEqual([
      `${TOP}/README.md`,
      `${TOP}/docs/.hg_archival.txt`,
      `${TOP}/docs/hard -> ${TOP}/docs/index.md`,
      `${TOP}/docs/in -> index.md`,
      `${TOP}/docs/index.md`,
      `${TOP}/docs/up -> ../README.md`,
      `${TOP}/loop/s -> ..`,
    ]);
  });

  it('leaves out of a sub-directory tree the links that leave that directory', async () => {
    const { reader, logger } = makeReader({ host, baseUrl: base }, work.path);
    const response = await reader.readTree(`${base}/evil/file/default/docs/`);
    expect(Object.keys(await treeFiles(response)).sort()).toEqual([
      '.hg_archival.txt',
      'hard',
      'in',
      'index.md',
    ]);
    expect(warnings(logger)).toContainEqual(
      expect.stringMatching(
        /^Left out 'evil-0123456789ab\/docs\/up' of the tree of directory 'docs' of evil .*: it is a symbolic link to '\.\.\/README\.md', which leaves the tree$/,
      ),
    );
  });

  it('names at most 20 left-out entries of one tree, then says there are more', async () => {
    const { reader, logger } = makeReader({ host, baseUrl: base }, work.path);
    const response = await reader.readTree(`${base}/many/file/default/`);
    expect(Object.keys(await treeFiles(response))).toEqual(['README.md']);
    const warned = warnings(logger);
    expect(warned).toHaveLength(21);
    expect(warned[19]).toContain(`Left out '${TOP}/../evil-19'`);
    expect(warned[20]).toBe(
      `Left out more entries of the tree of the repository many at ${NODE} from the Mercurial server ${host}; not naming the rest`,
    );
  });

  it('says which server cut off which archive when the connection dies mid-transfer', async () => {
    const { reader } = makeReader({ host, baseUrl: base }, work.path);
    const error = await reader
      .readTree(`${base}/cut/file/default/`)
      .then(response => response.files())
      .then(
        () => undefined,
        e => e,
      );
    expect(error).toMatchObject({
      name: 'ServiceUnavailableError',
      message: expect.stringMatching(
        new RegExp(
          `^The Mercurial server ${host} cut off the transfer of the archive of the repository cut at ${NODE} after \\d+ bytes: terminated`,
        ),
      ),
    });
    const dirError = await reader
      .readTree(`${base}/cut/file/default/docs/`)
      .then(response => response.dir())
      .then(
        () => undefined,
        e => e,
      );
    expect(dirError?.message).toMatch(
      `cut off the transfer of the archive of directory 'docs' of cut at ${NODE}`,
    );
  });

  it('says which server cut off which file when the connection dies mid-transfer', async () => {
    const { reader } = makeReader({ host, baseUrl: base }, work.path);
    const response = await reader.readUrl(`${base}/cut/raw-file/${NODE}/a.md`);
    await expect(response.buffer()).rejects.toThrow(
      new RegExp(
        `^The Mercurial server ${host} cut off the transfer of file 'a.md' at revision '${NODE}' of cut after \\d+ bytes`,
      ),
    );
  });
});

describe.each([
  ['with archives', true],
  ['with archives switched off (hg command line)', false],
])(
  'MercurialUrlReader.readTree of a real repository %s',
  (_name, allowArchive) => {
    let server: HgTestServer;
    let work: { path: string; remove(): Promise<void> };

    beforeAll(async () => {
      server = await startHgServer({
        allowArchive,
        repositories: {
          links: {
            commits: [
              {
                files: {
                  'README.md': 'readme\n',
                  'docs/index.md': 'index\n',
                  'docs/in': { symlink: 'index.md' },
                  'docs/up': { symlink: '../README.md' },
                  out: { symlink: '../../../../etc/passwd' },
                  abs: { symlink: '/etc/passwd' },
                  'sub/.hg_archival.txt': 'a real file\n',
                },
              },
            ],
          },
          'own-meta': {
            commits: [
              {
                files: {
                  '.hg_archival.txt': 'committed at the root\n',
                  'a.txt': 'a\n',
                },
              },
            ],
          },
        },
      });
      work = await createTempDir('url-reader-tree-');
    });
    afterAll(async () => {
      await server?.stop();
      await work?.remove();
    });

    it('leaves out hg archive metadata and symbolic links that leave the tree, and keeps the rest', async () => {
      const { reader, logger } = makeReader(
        { host: server.host, baseUrl: server.baseUrl },
        work.path,
      );
      const url = `${server.repoUrl('links')}/file/default/`;
      const files = await treeFiles(await reader.readTree(url));
      expect(Object.keys(files).sort()).toEqual([
        'README.md',
        'docs/in',
        'docs/index.md',
        'docs/up',
        'sub/.hg_archival.txt',
      ]);
      expect(files['sub/.hg_archival.txt']).toBe('a real file\n');
      expect(warnings(logger)).toEqual([
        expect.stringMatching(
          /^Left out '[^']+\/abs' of the tree of the repository links at [0-9a-f]{40} from the Mercurial server .*: it is a symbolic link to the absolute path '\/etc\/passwd'$/,
        ),
        expect.stringMatching(
          /^Left out '[^']+\/out' .*: it is a symbolic link to '\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd', which leaves the tree$/,
        ),
      ]);

      const dir = await (await reader.readTree(url)).dir();
      try {
        expect(await walk(dir)).toEqual([
          'README.md',
          'docs/in -> index.md',
          'docs/index.md',
          'docs/up -> ../README.md',
          'sub/.hg_archival.txt',
        ]);
      } finally {
        await fs.remove(dir);
      }

      const docs = await reader.readTree(
        `${server.repoUrl('links')}/file/default/docs/`,
      );
      expect(Object.keys(await treeFiles(docs)).sort()).toEqual([
        'in',
        'index.md',
      ]);
    });

    it('keeps a .hg_archival.txt the repository committed at its root', async () => {
      const { reader } = makeReader(
        { host: server.host, baseUrl: server.baseUrl },
        work.path,
      );
      const response = await reader.readTree(
        `${server.repoUrl('own-meta')}/file/default/`,
      );
      // once, with its committed content (hgweb's archive also holds hg's own)
      expect(await treeFiles(response)).toEqual({
        '.hg_archival.txt': 'committed at the root\n',
        'a.txt': 'a\n',
      });
      // search reads the same tree: it finds the committed file too
      const found = await reader.search(
        `${server.repoUrl('own-meta')}/file/default/*.txt`,
      );
      expect(
        await Promise.all(
          found.files.map(async f => [
            f.url.slice(f.url.lastIndexOf('/') + 1),
            (await f.content()).toString('utf8'),
          ]),
        ),
      ).toEqual([
        ['.hg_archival.txt', 'committed at the root\n'],
        ['a.txt', 'a\n'],
      ]);
    });

    it('gives with archive() of the root a tar stream without hg metadata', async () => {
      const { reader } = makeReader(
        { host: server.host, baseUrl: server.baseUrl },
        work.path,
      );
      const response = await reader.readTree(
        `${server.repoUrl('links')}/file/default/`,
      );
      const paths = (await archivePaths(await response.archive())).map(p =>
        p.replace(/^[^/]+\//, ''),
      );
      expect(paths).toEqual([
        'README.md',
        'docs/in -> index.md',
        'docs/index.md',
        'docs/up -> ../README.md',
        'sub/.hg_archival.txt',
      ]);
    });
  },
);
