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
import { spawn } from 'node:child_process';
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

describe('HgCliCache after a process was killed in the middle', () => {
  it('removes the half-made clones of stopped processes, keeps those of running ones, and rolls back an abandoned pull', async () => {
    const server = await startHgServer({
      repositories: { r: { commits: [{ files: { 'a.txt': 'a\n' } }] } },
    });
    const work = await createTempDir('hg-cli-cache-');
    const sleeper = spawn('sleep', ['60']);
    try {
      const integration = new MercurialIntegration({
        host: server.host,
        baseUrl: server.baseUrl,
      });
      const logger = mockServices.logger.mock();
      const make = () =>
        new HgCliCache({
          cacheDir: path.join(work.path, 'cache'),
          runner: new HgRunner({ logger }),
          credentials: recordingCredentials(() => undefined),
          logger,
        });
      const first = make();
      const dir = first.repositoryDir(integration, 'r');
      // What killed processes left: a clone cut off (a process gone; an
      // earlier process with this very pid, as in a container), and one
      // under way in a running process.
      const dead = spawn('true');
      await new Promise(r => dead.once('exit', r));
      const uuid = '0b7f7a2e-5d8e-4a4c-9f8e-1c2d3e4f5a6b';
      const gone = `${dir}.tmp-${dead.pid}-deadbeef-${uuid}`;
      const samePid = `${dir}.tmp-${process.pid}-0badc0de-${uuid}`;
      const running = `${dir}.tmp-${sleeper.pid}-cafebabe-${uuid}`;
      for (const leftover of [gone, samePid, running]) {
        await fs.outputFile(path.join(leftover, '.hg', 'requires'), 'x\n');
      }
      const [node] = server.repositories.r.nodes;
      expect(await first.ensure(integration, 'r', node)).toBe(dir);
      expect(await fs.pathExists(gone)).toBe(false);
      expect(await fs.pathExists(samePid)).toBe(false);
      expect(await fs.pathExists(running)).toBe(true);

      // a pull killed in its transaction leaves hg's journal
      await fs.writeFile(path.join(dir, '.hg', 'store', 'journal'), '');
      const next = await runHg(
        [
          'commit',
          '-u',
          'T <t@example.com>',
          '-m',
          'b',
          '--config',
          'ui.allowemptycommit=1',
        ],
        { cwd: server.repoDir('r') },
      ).then(() =>
        runHg(['log', '-r', 'tip', '-T', '{node}'], {
          cwd: server.repoDir('r'),
        }),
      );
      expect(await make().ensure(integration, 'r', next)).toBe(dir);
      expect(
        await runHg(['log', '-r', next, '-T', '{node}'], { cwd: dir }),
      ).toBe(next);
      expect(String(logger.warn.mock.calls.at(-1)?.[0])).toMatch(
        /a transaction a killed process left behind; rolling it back \(hg recover\)/,
      );
    } finally {
      sleeper.kill();
      await server.stop();
      await work.remove();
    }
  });
});
