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
  BasicAuthProxy,
  createTempDir,
  HgTestServer,
  runHg,
  startBasicAuthProxy,
  startHgServer,
} from '@backstage-mercurial/test-utils';
import fs from 'fs-extra';
import path from 'node:path';
import { HgRunner } from './HgRunner';
import { hgCommands, runHgCommand } from './commands';
import { getHgAuth } from './credentials/hgAuth';
import { getMercurialConfigCredentials } from '@backstage-mercurial/integration';

const PASSWORD = 'pw-S3cret!-8472';
const WRONG_PASSWORD = 'pw-Wr0ng!-1937';

/** Everything an error exposes, as one string, to look for secrets in. */
function exposed(error: any): string {
  return [
    error?.message,
    error?.stack,
    JSON.stringify(error?.details ?? {}),
    String(error),
  ].join('\n');
}

describe('HgRunner against a real hg serve', () => {
  let server: HgTestServer;
  let proxy: BasicAuthProxy;
  let work: { path: string; remove(): Promise<void> };
  const runner = new HgRunner();

  beforeAll(async () => {
    server = await startHgServer({
      allowPush: true,
      repositories: {
        'team/service': {
          commits: [
            {
              files: { 'README.md': '# service\n', 'docs/index.md': 'hi\n' },
              user: 'Alice <alice@example.com>',
              message: 'first',
            },
            {
              files: { 'src/a.ts': 'export {};\n' },
              message: 'second',
              tags: ['v1.0'],
            },
            {
              branch: 'feature/x',
              files: { 'x.txt': 'x\n' },
              message: 'on a branch',
              bookmarks: ['bm'],
            },
          ],
        },
        'team/empty': {},
      },
    });
    proxy = await startBasicAuthProxy({
      target: server.baseUrl,
      users: { alice: PASSWORD },
    });
  });

  afterAll(async () => {
    await proxy?.stop();
    await server?.stop();
  });

  beforeEach(async () => {
    work = await createTempDir('runner-it-');
  });
  afterEach(async () => {
    await work.remove();
  });

  it('clones, reads hg log -T json and pushes', async () => {
    const dest = path.join(work.path, 'clone');
    await runHgCommand(
      runner,
      hgCommands.clone({
        source: server.repoUrl('team/service'),
        dest,
        revision: 'default',
      }),
    );
    expect(await fs.readFile(path.join(dest, 'README.md'), 'utf8')).toBe(
      '# service\n',
    );
    expect(await fs.pathExists(path.join(dest, 'x.txt'))).toBe(false);

    const log = await runHgCommand(
      runner,
      hgCommands.log({ revset: 'reverse(all())' }),
      { cwd: dest },
    );
    const nodes = server.repositories['team/service'].nodes;
    expect(log.map(c => c.node)).toEqual(
      expect.arrayContaining([nodes[0], nodes[1]]),
    );
    expect(log.find(c => c.node === nodes[0])).toMatchObject({
      user: 'Alice <alice@example.com>',
      desc: 'first',
      branch: 'default',
    });
    expect(log.find(c => c.node === nodes[1])?.tags).toContain('v1.0');

    await fs.writeFile(path.join(dest, 'new.txt'), 'new\n');
    await runHgCommand(
      runner,
      hgCommands.commit({
        message: 'add new.txt',
        user: 'Bot <bot@example.com>',
        addRemove: true,
      }),
      { cwd: dest },
    );
    const pushed = await runHgCommand(runner, hgCommands.node(), { cwd: dest });
    // what a push of . would send, read before pushing
    await expect(
      runHgCommand(
        runner,
        hgCommands.outgoing({
          destination: server.repoUrl('team/service'),
          revision: '.',
        }),
        { cwd: dest },
      ),
    ).resolves.toEqual([{ node: pushed, branch: 'default', bookmarks: [] }]);
    await expect(
      runHgCommand(
        runner,
        hgCommands.push({
          destination: server.repoUrl('team/service'),
          revision: '.',
        }),
        {
          cwd: dest,
        },
      ),
    ).resolves.toBe(true);

    const onServer = await runHg(['log', '-r', pushed, '-T', '{desc}'], {
      cwd: server.repoDir('team/service'),
    });
    expect(onServer).toBe('add new.txt');
    const json = await (
      await fetch(
        `${server.repoUrl('team/service')}/json-log/${pushed}?revcount=1`,
      )
    ).json();
    expect(json.node).toBe(pushed);

    // nothing more to send: an empty list, not an error
    await expect(
      runHgCommand(
        runner,
        hgCommands.outgoing({
          destination: server.repoUrl('team/service'),
          revision: '.',
        }),
        { cwd: dest },
      ),
    ).resolves.toEqual([]);

    // nothing more to push: false, not an error
    await expect(
      runHgCommand(
        runner,
        hgCommands.push({
          destination: server.repoUrl('team/service'),
          revision: '.',
        }),
        {
          cwd: dest,
        },
      ),
    ).resolves.toBe(false);
  });

  it('sends configured credentials to a server that demands them, and only from an hgrc', async () => {
    const config = {
      host: proxy.host,
      baseUrl: proxy.baseUrl,
      username: 'alice',
      password: PASSWORD,
    };
    const dest = path.join(work.path, 'clone');
    const psDump = path.join(work.path, 'ps.txt');
    await runHgCommand(
      runner,
      hgCommands.clone({ source: `${proxy.baseUrl}/team/service`, dest }),
      {
        auth: [getHgAuth(config, getMercurialConfigCredentials(config))!],
        // Records every command line on the machine while the clone runs.
        config: { hooks: { 'pre-clone': `ps -eo args > '${psDump}'` } },
      },
    );
    expect(await fs.pathExists(path.join(dest, 'README.md'))).toBe(true);
    expect(proxy.requests.some(r => r.user === 'alice')).toBe(true);
    const ps = await fs.readFile(psDump, 'utf8');
    expect(ps).toMatch(/hg clone/);
    expect(ps).not.toContain(PASSWORD);

    await fs.writeFile(path.join(dest, 'via-proxy.txt'), 'x\n');
    await runHgCommand(
      runner,
      hgCommands.commit({
        message: 'via proxy',
        user: 'Bot <bot@example.com>',
        addRemove: true,
      }),
      { cwd: dest },
    );
    await expect(
      runHgCommand(
        runner,
        hgCommands.push({
          destination: `${proxy.baseUrl}/team/service`,
          revision: '.',
        }),
        {
          cwd: dest,
          auth: [getHgAuth(config, getMercurialConfigCredentials(config))!],
        },
      ),
    ).resolves.toBe(true);
  });

  it('fails clearly without credentials', async () => {
    const error = await runHgCommand(
      runner,
      hgCommands.clone({
        source: `${proxy.baseUrl}/team/service`,
        dest: path.join(work.path, 'c'),
      }),
    ).catch(e => e);
    expect(error.name).toBe('HgCommandError');
    expect(error.exitCode).toBe(255);
    expect(error.message).toMatch(
      /hg clone failed with exit code 255: abort: http authorization required/,
    );
    expect(await fs.pathExists(path.join(work.path, 'c'))).toBe(false);
  });

  it('carries no password in the error when the server refuses the credentials', async () => {
    const config = {
      host: proxy.host,
      baseUrl: proxy.baseUrl,
      username: 'alice',
      password: WRONG_PASSWORD,
    };
    const error = await runHgCommand(
      runner,
      hgCommands.clone({
        source: `${proxy.baseUrl}/team/service`,
        dest: path.join(work.path, 'c'),
      }),
      { auth: [getHgAuth(config, getMercurialConfigCredentials(config))!] },
    ).catch(e => e);
    expect(error.name).toBe('HgCommandError');
    expect(error.message).toMatch(/authorization failed/);
    expect(proxy.requests.some(r => r.authorization && !r.user)).toBe(true);
    expect(exposed(error)).not.toContain(WRONG_PASSWORD);
    expect(exposed(error)).not.toContain(encodeURIComponent(WRONG_PASSWORD));
  });

  it('carries no password in the error when the server refuses the push', async () => {
    const readOnly = await startHgServer({
      allowPush: false,
      repositories: { r: { commits: [{ files: { a: 'a' } }] } },
    });
    const front = await startBasicAuthProxy({
      target: readOnly.baseUrl,
      users: { alice: PASSWORD },
    });
    try {
      const config = {
        host: front.host,
        baseUrl: front.baseUrl,
        username: 'alice',
        password: PASSWORD,
      };
      const auth = [getHgAuth(config, getMercurialConfigCredentials(config))!];
      const dest = path.join(work.path, 'c');
      await runHgCommand(
        runner,
        hgCommands.clone({ source: `${front.baseUrl}/r`, dest }),
        { auth },
      );
      await fs.writeFile(path.join(dest, 'b'), 'b');
      await runHgCommand(
        runner,
        hgCommands.commit({
          message: 'b',
          user: 'B <b@example.com>',
          addRemove: true,
        }),
        {
          cwd: dest,
        },
      );
      const error = await runHgCommand(
        runner,
        hgCommands.push({ destination: `${front.baseUrl}/r` }),
        {
          cwd: dest,
          auth,
        },
      ).catch(e => e);
      expect(error.name).toBe('HgCommandError');
      expect(error.exitCode).toBe(255);
      expect(exposed(error)).not.toContain(PASSWORD);
      const heads = await runHg(['log', '-T', '{desc}\n'], {
        cwd: readOnly.repoDir('r'),
      });
      expect(heads).not.toContain('b\n');
    } finally {
      await front.stop();
      await readOnly.stop();
    }
  });
});
