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
  runHg,
  startBasicAuthProxy,
  startHgServer,
} from '@backstage-mercurial/test-utils';
import {
  HG_COMMAND_MIN_VALIDITY_MS,
  HgRunner,
  MercurialCredentialsRequest,
} from '@backstage-mercurial/integration-node';
import {
  MercurialCredentials,
  MercurialIntegration,
} from '@backstage-mercurial/integration';
import { mockServices } from '@backstage/backend-test-utils';
import fs from 'fs-extra';
import path from 'node:path';
import { Parser, ReadEntry } from 'tar';
import { HgCliCache } from './HgCliCache';

/** A credentials service that gives `current()` and records every request. */
function recordingCredentials(current: () => MercurialCredentials | undefined) {
  const asked: MercurialCredentialsRequest[] = [];
  return {
    asked,
    getCredentials: async (request: MercurialCredentialsRequest) => {
      asked.push(request);
      return current();
    },
  };
}

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
        credentials: recordingCredentials(() => undefined),
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

describe('HgCliCache.ensure and credentials', () => {
  const FIRST = 'pw-Cli-First-301';
  const SECOND = 'pw-Cli-Second-302';

  async function setUp(integration: object = {}) {
    const server = await startHgServer({
      repositories: { r: { commits: [{ files: { 'a.txt': 'a\n' } }] } },
    });
    const users: Record<string, string> = { alice: FIRST };
    const proxy = await startBasicAuthProxy({ target: server.baseUrl, users });
    const work = await createTempDir('hg-cli-cache-');
    const logger = mockServices.logger.mock();
    return {
      server,
      proxy,
      users,
      logger,
      work,
      integration: new MercurialIntegration({
        host: proxy.host,
        baseUrl: proxy.baseUrl,
        ...integration,
      }),
      async cleanup() {
        await proxy.stop();
        await server.stop();
        await work.remove();
      },
    };
  }

  it('asks the credentials service for every command that reaches the server, and uses what it gives', async () => {
    const s = await setUp();
    try {
      let password = FIRST;
      const credentials = recordingCredentials(() => ({
        type: 'basic',
        username: 'alice',
        password,
      }));
      const cache = new HgCliCache({
        cacheDir: path.join(s.work.path, 'cache'),
        runner: new HgRunner({ logger: s.logger }),
        credentials,
        logger: s.logger,
      });
      const [first] = s.server.repositories.r.nodes;
      const dir = await cache.ensure(s.integration, 'r', first);
      expect(credentials.asked).toEqual([
        {
          url: `${s.proxy.baseUrl}/r`,
          purpose: 'read',
          minValidityMs: HG_COMMAND_MIN_VALIDITY_MS,
        },
      ]);

      // The credential rotates; the next command (a pull) gets the new one.
      const repoDir = s.server.repoDir('r');
      await fs.writeFile(path.join(repoDir, 'a.txt'), 'a2\n');
      await runHg(['commit', '-u', 'T <t@example.com>', '-m', 'two'], {
        cwd: repoDir,
      });
      const second = await runHg(['log', '-r', 'tip', '-T', '{node}'], {
        cwd: repoDir,
      });
      password = SECOND;
      s.users.alice = SECOND;
      expect(await cache.ensure(s.integration, 'r', second)).toBe(dir);
      expect(credentials.asked).toHaveLength(2);
      expect(credentials.asked[1]).toEqual({
        url: `${s.proxy.baseUrl}/r`,
        purpose: 'read',
        minValidityMs: HG_COMMAND_MIN_VALIDITY_MS,
      });
      expect(s.proxy.requests.filter(r => r.user === 'alice')).not.toEqual([]);
    } finally {
      await s.cleanup();
    }
  });

  it('sends no credentials when the service has none, not even those of the config', async () => {
    const s = await setUp({ username: 'alice', password: FIRST });
    try {
      const cache = new HgCliCache({
        cacheDir: path.join(s.work.path, 'cache'),
        runner: new HgRunner({ logger: s.logger }),
        credentials: recordingCredentials(() => undefined),
        logger: s.logger,
      });
      await expect(
        cache.ensure(s.integration, 'r', s.server.repositories.r.nodes[0]),
      ).rejects.toThrow(/authorization/i);
      expect(s.proxy.requests).not.toEqual([]);
      expect(s.proxy.requests.filter(r => r.authorization)).toEqual([]);
    } finally {
      await s.cleanup();
    }
  });
});
