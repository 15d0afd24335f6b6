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
  createHgRepository,
  createTempDir,
} from '@backstage-mercurial/test-utils';
import {
  DefaultMercurialCredentialsProvider,
  HgRunner,
} from '@backstage-mercurial/integration-node';
import { MercurialIntegrations } from '@backstage-mercurial/integration';
import { mockServices } from '@backstage/backend-test-utils';
import path from 'node:path';
import { Parser, ReadEntry } from 'tar';
import { HgCliCache } from './HgCliCache';

describe('HgCliCache.archive', () => {
  it('streams a tar archive of the repository without hg metadata', async () => {
    const work = await createTempDir('hg-cli-cache-');
    try {
      const repo = await createHgRepository(path.join(work.path, 'r'), {
        commits: [
          { files: { 'a.txt': 'a\n', 'sub/.hg_archival.txt': 'real\n' } },
        ],
      });
      const logger = mockServices.logger.mock();
      const cache = new HgCliCache({
        cacheDir: path.join(work.path, 'cache'),
        runner: new HgRunner({ logger }),
        credentialsProvider: new DefaultMercurialCredentialsProvider(
          new MercurialIntegrations([]),
        ),
        logger,
      });
      const stream = await cache.archive(repo.path, repo.nodes[0], '');
      const paths: string[] = [];
      const parser = new Parser();
      parser.on('entry', (entry: ReadEntry) => {
        paths.push(entry.path.replace(/^[^/]+\//, ''));
        entry.resume();
      });
      await new Promise<void>((resolve, reject) => {
        stream.on('error', reject);
        parser.on('end', () => resolve());
        stream.pipe(parser as unknown as NodeJS.WritableStream);
      });
      expect(paths.sort()).toEqual(['a.txt', 'sub/.hg_archival.txt']);
    } finally {
      await work.remove();
    }
  });
});
