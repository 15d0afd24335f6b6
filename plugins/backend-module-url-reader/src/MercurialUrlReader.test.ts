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
  HgRepositorySpec,
  HgTestServer,
  runHg,
  startBasicAuthProxy,
  startHgServer,
} from '@backstage-mercurial/test-utils';
import { mockServices } from '@backstage/backend-test-utils';
import {
  ReadTreeResponseFactory,
  UrlReaders,
} from '@backstage/backend-defaults/urlReader';
import { UrlReaderService } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import fs from 'fs-extra';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import { MercurialUrlReader } from './MercurialUrlReader';

const BINARY = Buffer.from([0, 1, 2, 255, 254, 0x89, 0x50, 0x4e, 0x47, 10, 13]);

const SERVICE_REPO: HgRepositorySpec = {
  commits: [
    {
      message: 'first',
      files: {
        'catalog-info.yaml': 'kind: Component\n',
        'README.md': '# Service\n',
        'docs/index.md': '# Docs\n',
        'docs/guide/a b.md': 'guide\n',
        'docs/logo.png': BINARY,
        'sub/catalog-info.yaml': 'kind: API\n',
        'sub/deep/er/catalog-info.yaml': 'kind: Resource\n',
        'src/main.ts': 'export {};\n',
      },
      tags: ['v1.0'],
    },
    {
      message: 'second',
      files: { 'README.md': '# Service v2\n' },
    },
    {
      branch: 'feature/x',
      message: 'on a branch',
      files: { 'docs/index.md': '# Docs on feature/x\n' },
      bookmarks: ['my-bookmark'],
    },
  ],
};

/** Names `hg serve` cannot serve by URL (non-ASCII), beside ones it can. */
const UNICODE_REPO: HgRepositorySpec = {
  commits: [
    {
      files: {
        'docs/naïve café.md': 'café\n',
        'docs/plain.md': 'plain\n',
        'menü/catalog-info.yaml': 'kind: Component\n',
        'menü/tägliche/catalog-info.yaml': 'kind: API\n',
        'catalog-info.yaml': 'kind: System\n',
      },
    },
  ],
};

/** Catalog files in 40 directories: a search that reads file by file shows. */
const MANY_FILES = 40;
const MANY_REPO: HgRepositorySpec = {
  commits: [
    {
      files: Object.fromEntries(
        Array.from({ length: MANY_FILES }, (_, i) => [
          `services/s${String(i).padStart(2, '0')}/catalog-info.yaml`,
          `name: s${i}\n`,
        ]),
      ),
    },
  ],
};

/** The request lines of hg serve's access log for one repository. */
function accessLog(server: HgTestServer, repository: string): string[] {
  return server
    .output()
    .split('\n')
    .filter(line => line.includes(`"GET /${repository}`));
}

interface Setup {
  server: HgTestServer;
  reader: UrlReaderService;
  mercurial: () => MercurialUrlReader;
  logger: ReturnType<typeof mockServices.logger.mock>;
  workDir: string;
}

async function setUp(
  options: { allowArchive?: boolean; integration?: object } = {},
): Promise<Setup & { cleanup(): Promise<void> }> {
  const server = await startHgServer({
    allowArchive: options.allowArchive ?? true,
    repositories: {
      'team/service': SERVICE_REPO,
      empty: {},
      unicode: UNICODE_REPO,
    },
  });
  const work = await createTempDir('url-reader-test-');
  const logger = mockServices.logger.mock();
  const config = new ConfigReader({
    backend: { workingDirectory: work.path },
    integrations: {
      mercurial: [
        {
          host: server.host,
          baseUrl: server.baseUrl,
          ...options.integration,
        },
      ],
    },
  });
  let mercurial: MercurialUrlReader | undefined;
  const reader = UrlReaders.default({
    config,
    logger,
    factories: [
      opts => {
        const tuples = MercurialUrlReader.factory(opts);
        mercurial = tuples[0].reader as MercurialUrlReader;
        return tuples;
      },
    ],
  });
  return {
    server,
    reader,
    mercurial: () => mercurial!,
    logger,
    workDir: work.path,
    async cleanup() {
      await server.stop();
      await work.remove();
    },
  };
}

async function treeFiles(response: {
  files(): Promise<Array<{ path: string; content(): Promise<Buffer> }>>;
}) {
  const files = await response.files();
  const result: Record<string, string> = {};
  for (const file of files) {
    result[file.path] = (await file.content()).toString('utf8');
  }
  return result;
}

describe.each([
  ['with archives', true],
  ['with archives switched off (hg command line)', false],
])('MercurialUrlReader %s', (_name, allowArchive) => {
  let s: Setup & { cleanup(): Promise<void> };
  let node: string[];
  let repo: string;

  beforeAll(async () => {
    s = await setUp({ allowArchive });
    node = s.server.repositories['team/service'].nodes;
    repo = s.server.repoUrl('team/service');
  });
  afterAll(async () => {
    await s?.cleanup();
  });

  describe('readUrl', () => {
    it('reads a file by browse URL and by raw-file URL, streamable, with an etag', async () => {
      const response = await s.reader.readUrl(`${repo}/file/default/README.md`);
      expect((await response.buffer()).toString()).toBe('# Service v2\n');
      // the node of the default branch's head, not hgweb's mtime-based ETag
      expect(response.etag).toBe(node[1]);

      const raw = await s.reader.readUrl(
        `${repo}/raw-file/${node[0]}/README.md`,
      );
      const chunks: Buffer[] = [];
      for await (const chunk of raw.stream!()) {
        chunks.push(chunk as Buffer);
      }
      expect(Buffer.concat(chunks).toString()).toBe('# Service\n');
    });

    it('reads binary files byte for byte, names with spaces, branches with /, tags and bookmarks', async () => {
      expect(
        await (
          await s.reader.readUrl(`${repo}/raw-file/tip/docs/logo.png`)
        ).buffer(),
      ).toEqual(BINARY);
      expect(
        (
          await (
            await s.reader.readUrl(`${repo}/file/v1.0/docs/guide/a%20b.md`)
          ).buffer()
        ).toString(),
      ).toBe('guide\n');
      expect(
        (
          await (
            await s.reader.readUrl(`${repo}/file/feature%252Fx/docs/index.md`)
          ).buffer()
        ).toString(),
      ).toBe('# Docs on feature/x\n');
      expect(
        (
          await (
            await s.reader.readUrl(`${repo}/file/my-bookmark/docs/index.md`)
          ).buffer()
        ).toString(),
      ).toBe('# Docs on feature/x\n');
    });

    it('answers NotModifiedError for an unchanged etag', async () => {
      const first = await s.reader.readUrl(`${repo}/file/default/README.md`);
      await expect(
        s.reader.readUrl(`${repo}/file/default/README.md`, {
          etag: first.etag,
        }),
      ).rejects.toMatchObject({
        name: 'NotModifiedError',
      });
    });

    it('answers an unchanged etag with one look-up, and a node-pinned URL with none', async () => {
      const before = s.mercurial().requestCount;
      await expect(
        s.reader.readUrl(`${repo}/file/default/README.md`, { etag: node[1] }),
      ).rejects.toMatchObject({ name: 'NotModifiedError' });
      expect(s.mercurial().requestCount - before).toBe(1);
      await expect(
        s.reader.readUrl(`${repo}/raw-file/${node[0]}/README.md`, {
          etag: node[0],
        }),
      ).rejects.toMatchObject({ name: 'NotModifiedError' });
      expect(s.mercurial().requestCount - before).toBe(1);
    });

    it('honours lastModifiedAfter with the date of the last change to the file', async () => {
      await expect(
        s.reader.readUrl(`${repo}/file/default/README.md`, {
          lastModifiedAfter: new Date('2100-01-01'),
        }),
      ).rejects.toMatchObject({ name: 'NotModifiedError' });
      const response = await s.reader.readUrl(
        `${repo}/file/default/README.md`,
        {
          lastModifiedAfter: new Date('2000-01-01'),
        },
      );
      expect(response.lastModifiedAt).toBeInstanceOf(Date);
      expect(response.lastModifiedAt!.getTime()).toBeGreaterThan(
        new Date('2000-01-01').getTime(),
      );
    });

    it.each([
      [
        'a missing file',
        'file/default/nope.md',
        /^file 'nope\.md' at revision 'default' of team\/service was not found on the Mercurial server 127\.0\.0\.1:\d+: .*nope\.md/,
      ],
      [
        'a missing revision',
        'file/no-such-rev/README.md',
        /^Revision 'no-such-rev' of team\/service was not found on the Mercurial server 127\.0\.0\.1:\d+$/,
      ],
    ])('answers NotFoundError for %s', async (_what, suffix, message) => {
      await expect(s.reader.readUrl(`${repo}/${suffix}`)).rejects.toMatchObject(
        {
          name: 'NotFoundError',
          message: expect.stringMatching(message),
        },
      );
    });

    it('answers NotFoundError for a missing repository and an empty one', async () => {
      await expect(
        s.reader.readUrl(`${s.server.baseUrl}/no/such/repo/file/tip/a`),
      ).rejects.toMatchObject({
        name: 'NotFoundError',
        message: expect.stringMatching(
          /^The repository no\/such\/repo was not found on the Mercurial server 127\.0\.0\.1:\d+/,
        ),
      });
      await expect(
        s.reader.readUrl(`${s.server.repoUrl('empty')}/raw-file/tip/a`),
      ).rejects.toMatchObject({
        name: 'NotFoundError',
        message: expect.stringMatching(/has no changesets/),
      });
    });

    it('reads a file whose name hg serve cannot serve by URL (non-ASCII), and says when such a file is missing', async () => {
      const url = `${s.server.repoUrl('unicode')}/file/default/docs/na%C3%AFve%20caf%C3%A9.md`;
      const response = await s.reader.readUrl(url);
      expect((await response.buffer()).toString()).toBe('café\n');
      expect(response.etag).toBe(
        s.server.repositories.unicode.nodes.slice(-1)[0],
      );
      await expect(
        s.reader.readUrl(url, { etag: response.etag }),
      ).rejects.toMatchObject({ name: 'NotModifiedError' });
      await expect(
        s.reader.readUrl(
          `${s.server.repoUrl('unicode')}/file/default/docs/na%C3%AFve.md`,
        ),
      ).rejects.toMatchObject({
        name: 'NotFoundError',
        message: expect.stringMatching(
          /file 'docs\/naïve\.md' at revision 'default' of unicode was not found.*cannot be served by URL/,
        ),
      });
    });

    it('says so when the URL is a directory', async () => {
      await expect(s.reader.readUrl(`${repo}/file/tip/docs`)).rejects.toThrow(
        /'docs' is a directory, not a file/,
      );
      await expect(s.reader.readUrl(`${repo}/file/tip/docs/`)).rejects.toThrow(
        /points at a directory, not a file/,
      );
    });
  });

  describe('readTree', () => {
    it('reads a sub-directory at a revision, with the node as etag', async () => {
      const response = await s.reader.readTree(`${repo}/file/default/docs/`);
      expect(response.etag).toBe(node[1]);
      const files = await treeFiles(response);
      expect(Object.keys(files).sort()).toEqual([
        'guide/a b.md',
        'index.md',
        'logo.png',
      ]);
      expect(files['index.md']).toBe('# Docs\n');
    });

    it('reads the whole repository of a branch, and applies the filter to tree-relative paths', async () => {
      const seen: string[] = [];
      const response = await s.reader.readTree(`${repo}/file/feature%252Fx/`, {
        filter: p => {
          seen.push(p);
          return !p.startsWith('src/');
        },
      });
      expect(response.etag).toBe(node[2]);
      const files = await treeFiles(response);
      expect(seen).toContain('src/main.ts');
      expect(files['src/main.ts']).toBeUndefined();
      expect(files['docs/index.md']).toBe('# Docs on feature/x\n');
    });

    it('writes the tree to a directory', async () => {
      const response = await s.reader.readTree(`${repo}/file/v1.0/sub/`);
      const dir = await response.dir();
      try {
        expect(
          await fs.readFile(path.join(dir, 'catalog-info.yaml'), 'utf8'),
        ).toBe('kind: API\n');
        expect(
          await fs.readFile(
            path.join(dir, 'deep/er/catalog-info.yaml'),
            'utf8',
          ),
        ).toBe('kind: Resource\n');
      } finally {
        await fs.remove(dir);
      }
    });

    it('answers NotModifiedError for an unchanged node, after one request', async () => {
      const first = await s.reader.readTree(`${repo}/file/default/docs/`);
      await first.files();
      const before = s.mercurial().requestCount;
      await expect(
        s.reader.readTree(`${repo}/file/default/docs/`, { etag: first.etag }),
      ).rejects.toMatchObject({
        name: 'NotModifiedError',
      });
      expect(s.mercurial().requestCount - before).toBe(1);
    });

    it('reads a tree pinned to a node without a look-up', async () => {
      const before = s.mercurial().requestCount;
      const response = await s.reader.readTree(`${repo}/file/${node[0]}/docs/`);
      expect(response.etag).toBe(node[0]);
      expect(Object.keys(await treeFiles(response)).sort()).toEqual([
        'guide/a b.md',
        'index.md',
        'logo.png',
      ]);
      // the archive alone (none at all once archives are known to be off)
      expect(s.mercurial().requestCount - before).toBe(allowArchive ? 1 : 0);
    });

    it('answers NotFoundError for a missing directory, revision or repository', async () => {
      await expect(
        s.reader.readTree(`${repo}/file/default/nowhere/`),
      ).rejects.toMatchObject({ name: 'NotFoundError' });
      await expect(
        s.reader.readTree(`${repo}/file/nope/`),
      ).rejects.toMatchObject({
        name: 'NotFoundError',
        message: expect.stringMatching(
          /Revision 'nope' of team\/service was not found/,
        ),
      });
      await expect(
        s.reader.readTree(`${s.server.baseUrl}/nope/file/tip/`),
      ).rejects.toMatchObject({
        name: 'NotFoundError',
      });
      await expect(
        s.reader.readTree(`${s.server.repoUrl('empty')}/file/tip/`),
      ).rejects.toMatchObject({
        name: 'NotFoundError',
        message: expect.stringMatching(/no changesets/),
      });
    });

    it('sees a new commit on the next read', async () => {
      const extra = await s.server.addRepository(`moving-${allowArchive}`, {
        commits: [{ files: { 'docs/a.md': 'one\n' } }],
      });
      const url = `${s.server.repoUrl(`moving-${allowArchive}`)}/file/default/docs/`;
      const first = await s.reader.readTree(url);
      expect(await treeFiles(first)).toEqual({ 'a.md': 'one\n' });
      await fs.writeFile(path.join(extra.path, 'docs/a.md'), 'two\n');
      await runHg(['commit', '-u', 'T <t@example.com>', '-m', 'two'], {
        cwd: extra.path,
      });
      const second = await s.reader.readTree(url, { etag: first.etag });
      expect(second.etag).not.toBe(first.etag);
      expect(await treeFiles(second)).toEqual({ 'a.md': 'two\n' });
    });
  });

  describe('search', () => {
    it('returns the one file of a URL without glob characters, or nothing', async () => {
      const found = await s.reader.search(
        `${repo}/file/default/catalog-info.yaml`,
      );
      expect(found.files.map(f => f.url)).toEqual([
        `${repo}/file/default/catalog-info.yaml`,
      ]);
      expect((await found.files[0].content()).toString()).toBe(
        'kind: Component\n',
      );
      expect(
        (await s.reader.search(`${repo}/file/default/missing.yaml`)).files,
      ).toEqual([]);
    });

    it('returns every file matching a glob at the resolved node, with URLs that keep the revision of the search URL', async () => {
      const found = await s.reader.search(
        `${repo}/file/default/**/catalog-info.yaml`,
      );
      expect(found.etag).toBe(node[1]);
      expect(found.files.map(f => f.url)).toEqual([
        `${repo}/file/default/catalog-info.yaml`,
        `${repo}/file/default/sub/catalog-info.yaml`,
        `${repo}/file/default/sub/deep/er/catalog-info.yaml`,
      ]);
      expect((await found.files[2].content()).toString()).toBe(
        'kind: Resource\n',
      );

      const docs = await s.reader.search(`${repo}/file/tip/docs/*.md`);
      expect(docs.files.map(f => f.url)).toEqual([
        `${repo}/file/tip/docs/index.md`,
      ]);

      await expect(
        s.reader.search(`${repo}/file/default/**/catalog-info.yaml`, {
          etag: found.etag,
        }),
      ).rejects.toMatchObject({ name: 'NotModifiedError' });
      expect(
        (await s.reader.search(`${repo}/file/default/nowhere/**/*.yaml`)).files,
      ).toEqual([]);
    });

    it('finds files whose names hg serve cannot serve by URL (non-ASCII), in the pattern and in the results', async () => {
      const unicode = s.server.repoUrl('unicode');
      const docs = await s.reader.search(`${unicode}/file/default/docs/*.md`);
      expect(docs.files.map(f => f.url)).toEqual([
        `${unicode}/file/default/docs/na%C3%AFve%20caf%C3%A9.md`,
        `${unicode}/file/default/docs/plain.md`,
      ]);
      expect((await docs.files[0].content()).toString()).toBe('café\n');

      const menu = await s.reader.search(
        `${unicode}/file/default/men%C3%BC/**/catalog-info.yaml`,
      );
      expect(menu.files.map(f => f.url)).toEqual([
        `${unicode}/file/default/men%C3%BC/catalog-info.yaml`,
        `${unicode}/file/default/men%C3%BC/t%C3%A4gliche/catalog-info.yaml`,
      ]);
      expect((await menu.files[1].content()).toString()).toBe('kind: API\n');
    });

    it(`reads a glob's files from one archive: a constant number of requests, not one per file`, async () => {
      const name = `many-${allowArchive}`;
      await s.server.addRepository(name, MANY_REPO);
      const url = `${s.server.repoUrl(name)}/file/default/**/catalog-info.yaml`;
      // A first search makes the clone where archives are off.
      await s.reader.search(url);

      const before = s.mercurial().requestCount;
      const logBefore = accessLog(s.server, name).length;
      const found = await s.reader.search(url);
      expect(found.files).toHaveLength(MANY_FILES);
      expect((await found.files[7].content()).toString()).toBe('name: s7\n');
      const requests = s.mercurial().requestCount - before;
      const served = accessLog(s.server, name).slice(logBefore);
      // a look-up and one archive (where archives are off: the look-up, then
      // the clone in the cache has the node)
      expect(requests).toBe(allowArchive ? 2 : 1);
      expect(served).toHaveLength(requests);
      expect(served.join('\n')).not.toMatch(/raw-file|json-file/);
    });
  });
});

describe('MercurialUrlReader with the command-line fallback', () => {
  it('keeps one clone in the cache, updated by pull, and survives concurrent reads', async () => {
    const s = await setUp({ allowArchive: false });
    try {
      const url = `${s.server.repoUrl('team/service')}/file/default/docs/`;
      const results = await Promise.all(
        Array.from({ length: 6 }, () => s.reader.readTree(url).then(treeFiles)),
      ).catch(e => {
        throw new Error(`${e}\n${s.server.output()}`);
      });
      for (const files of results) {
        expect(files['index.md']).toBe('# Docs\n');
      }
      const cacheRoot = path.join(s.workDir, 'mercurial-url-reader');
      const entries = await fs.readdir(cacheRoot);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatch(/^team_service-[0-9a-f]{24}$/);
      expect(s.logger.info).toHaveBeenCalledWith(
        expect.stringMatching(/does not serve archives/),
      );
    } finally {
      await s.cleanup();
    }
  });
});

describe('MercurialUrlReader and credentials', () => {
  const PASSWORD = 'pw-Reader-5521';

  it('reads through a front that demands Basic credentials, and fails clearly without them', async () => {
    const server = await startHgServer({
      repositories: {
        r: { commits: [{ files: { 'a.txt': 'a\n', 'd/b.txt': 'b\n' } }] },
      },
    });
    const proxy = await startBasicAuthProxy({
      target: server.baseUrl,
      users: { alice: PASSWORD },
    });
    const work = await createTempDir();
    const make = (integration: object) =>
      UrlReaders.default({
        config: new ConfigReader({
          backend: { workingDirectory: work.path },
          integrations: {
            mercurial: [
              { host: proxy.host, baseUrl: proxy.baseUrl, ...integration },
            ],
          },
        }),
        logger: mockServices.logger.mock(),
        factories: [MercurialUrlReader.factory],
      });
    try {
      const authed = make({ username: 'alice', password: PASSWORD });
      expect(
        (
          await (
            await authed.readUrl(`${proxy.baseUrl}/r/file/tip/a.txt`)
          ).buffer()
        ).toString(),
      ).toBe('a\n');
      expect(
        await treeFiles(
          await authed.readTree(`${proxy.baseUrl}/r/file/tip/d/`),
        ),
      ).toEqual({ 'b.txt': 'b\n' });

      const anonymous = make({});
      await expect(
        anonymous.readUrl(`${proxy.baseUrl}/r/file/tip/a.txt`),
      ).rejects.toThrow(
        `The Mercurial server ${proxy.host} requires credentials for the repository r (HTTP 401: 401 Unauthorized), and its integrations.mercurial entry has none`,
      );

      const wrong = make({ username: 'alice', password: 'pw-Wrong-0000' });
      const error = await wrong
        .readTree(`${proxy.baseUrl}/r/file/tip/`)
        .catch(e => e);
      expect(error.name).toBe('AuthenticationError');
      expect(error.message).toMatch(
        `The Mercurial server ${proxy.host} refused the credentials of its integrations.mercurial entry for the repository r (HTTP 401`,
      );
      expect(`${error.message}${error.stack}`).not.toMatch(
        /pw-Wrong-0000|pw-Reader/,
      );
    } finally {
      await proxy.stop();
      await server.stop();
      await work.remove();
    }
  });

  it('does not send credentials along a redirect to another host', async () => {
    const seen: Array<string | undefined> = [];
    const elsewhere = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'Content-Disposition': 'inline; filename="a.txt"' });
      res.end('elsewhere\n');
    });
    await new Promise<void>(r => elsewhere.listen(0, '127.0.0.1', () => r()));
    const elsewherePort = (elsewhere.address() as AddressInfo).port;
    const redirecting = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(302, {
        Location: `http://localhost:${elsewherePort}${req.url}`,
      });
      res.end();
    });
    await new Promise<void>(r => redirecting.listen(0, '127.0.0.1', () => r()));
    const host = `127.0.0.1:${(redirecting.address() as AddressInfo).port}`;
    try {
      const reader = UrlReaders.default({
        config: new ConfigReader({
          integrations: {
            mercurial: [
              { host, baseUrl: `http://${host}`, token: 'tok-Secret-77' },
            ],
          },
        }),
        logger: mockServices.logger.mock(),
        factories: [MercurialUrlReader.factory],
      });
      const response = await reader.readUrl(
        // pinned to a node: no look-up, straight to the file
        `http://${host}/r/raw-file/${'a'.repeat(40)}/a.txt`,
      );
      expect((await response.buffer()).toString()).toBe('elsewhere\n');
      expect(seen).toEqual(['Bearer tok-Secret-77', undefined]);
    } finally {
      elsewhere.close();
      redirecting.close();
    }
  });
});

describe('MercurialUrlReader.factory', () => {
  it('claims exactly the URLs under a configured baseUrl, the longest one winning', () => {
    const config = new ConfigReader({
      integrations: {
        mercurial: [
          { host: 'hg.example.com', baseUrl: 'https://hg.example.com/hg' },
          {
            host: 'hg.example.com',
            baseUrl: 'https://hg.example.com/hg/team-a',
            token: 't',
          },
        ],
      },
    });
    const tuples = MercurialUrlReader.factory({
      config,
      logger: mockServices.logger.mock(),
      treeResponseFactory: {} as ReadTreeResponseFactory,
    });
    const claims = (url: string) => tuples.map(t => t.predicate(new URL(url)));
    expect(claims('https://hg.example.com/hg/r/file/tip/a')).toEqual([
      true,
      false,
    ]);
    expect(claims('https://hg.example.com/hg/team-a/r/file/tip/a')).toEqual([
      false,
      true,
    ]);
    expect(claims('https://hg.example.com/other/r')).toEqual([false, false]);
    expect(claims('https://github.com/a/b')).toEqual([false, false]);
    expect(tuples.map(t => t.reader.toString())).toEqual([
      'mercurial{host=hg.example.com,authed=false}',
      'mercurial{host=hg.example.com,authed=true}',
    ]);
  });
});
