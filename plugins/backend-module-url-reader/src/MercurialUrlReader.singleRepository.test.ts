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
  startHgServer,
} from '@backstage-mercurial/test-utils';
import { mockServices } from '@backstage/backend-test-utils';
import { UrlReaders } from '@backstage/backend-defaults/urlReader';
import { UrlReaderService } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import { MercurialUrlReader } from './MercurialUrlReader';

jest.setTimeout(60_000);

const REPO: HgRepositorySpec = {
  commits: [
    {
      files: {
        'catalog-info.yaml': 'kind: Component\n',
        'README.md': '# Single\n',
        'docs/index.md': '# Docs\n',
        'sub/catalog-info.yaml': 'kind: API\n',
      },
      tags: ['v1.0'],
    },
    { files: { 'README.md': '# Single v2\n' } },
  ],
};

async function treeFiles(response: {
  files(): Promise<Array<{ path: string; content(): Promise<Buffer> }>>;
}) {
  const result: Record<string, string> = {};
  for (const file of await response.files()) {
    result[file.path] = (await file.content()).toString('utf8');
  }
  return result;
}

// hg serve -R: the one repository is the server root
describe.each([
  ['with archives', true],
  ['with archives switched off (hg command line)', false],
])(
  'MercurialUrlReader against a single-repository server %s',
  (_n, allowArchive) => {
    let server: HgTestServer;
    let work: { path: string; remove(): Promise<void> };
    let reader: UrlReaderService;
    let node: string[];
    let B: string;

    beforeAll(async () => {
      server = await startHgServer({
        allowArchive,
        singleRepository: 'service',
        repositories: { service: REPO },
      });
      work = await createTempDir('url-reader-single-');
      B = server.baseUrl;
      node = server.repositories.service.nodes;
      reader = UrlReaders.default({
        config: new ConfigReader({
          backend: { workingDirectory: work.path },
          integrations: {
            mercurial: [
              { host: server.host, baseUrl: B, singleRepository: true },
            ],
          },
        }),
        logger: mockServices.logger.mock(),
        factories: [MercurialUrlReader.factory],
      });
    });
    afterAll(async () => {
      await server?.stop();
      await work?.remove();
    });

    it('readUrl reads files at the root by browse and raw-file URL', async () => {
      const response = await reader.readUrl(`${B}/file/tip/catalog-info.yaml`);
      expect((await response.buffer()).toString()).toBe('kind: Component\n');
      expect(response.etag).toBe(node[1]);
      const raw = await reader.readUrl(`${B}/raw-file/v1.0/README.md`);
      expect((await raw.buffer()).toString()).toBe('# Single\n');
      const missing = reader.readUrl(`${B}/file/tip/missing.yaml`);
      await expect(missing).rejects.toMatchObject({ name: 'NotFoundError' });
      // the message names the server's one repository, not an empty name
      await expect(missing).rejects.toThrow(
        `file 'missing.yaml' at revision 'tip' of ${B} was not found`,
      );
      await expect(missing).rejects.not.toThrow(/ of\s+was not found/);
    });

    it('readTree reads the whole repository and a sub-directory', async () => {
      const all = await reader.readTree(`${B}/file/default/`);
      expect(all.etag).toBe(node[1]);
      const files = await treeFiles(all);
      // (.hgtags comes along, as for any repository; hg's archive metadata does not)
      expect(files).toMatchObject({
        'catalog-info.yaml': 'kind: Component\n',
        'README.md': '# Single v2\n',
        'docs/index.md': '# Docs\n',
        'sub/catalog-info.yaml': 'kind: API\n',
      });
      expect(files['.hg_archival.txt']).toBeUndefined();
      const docs = await reader.readTree(`${B}/file/v1.0/docs/`);
      expect(await treeFiles(docs)).toEqual({ 'index.md': '# Docs\n' });
      // the repository URL itself: the head of the default branch
      expect(Object.keys(await treeFiles(await reader.readTree(B)))).toContain(
        'README.md',
      );
    });

    it('search finds files by glob, with URLs at the root', async () => {
      const found = await reader.search(
        `${B}/file/default/**/catalog-info.yaml`,
      );
      expect(found.etag).toBe(node[1]);
      expect(found.files.map(f => f.url)).toEqual([
        `${B}/file/default/catalog-info.yaml`,
        `${B}/file/default/sub/catalog-info.yaml`,
      ]);
      expect((await found.files[1].content()).toString()).toBe('kind: API\n');
    });

    it('says clearly that a repository path below the single repository does not exist', async () => {
      await expect(
        reader.readUrl(`${B}/team/api/file/tip/catalog-info.yaml`),
      ).rejects.toThrow(
        /serves a single repository at its baseUrl \(singleRepository: true\), so 'team\/api' cannot name a repository/,
      );
    });
  },
);
