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

import { MercurialIntegrations } from '@backstage-mercurial/integration';
import {
  BasicAuthProxy,
  createTempDir,
  HgTestServer,
  runHg,
  startBasicAuthProxy,
  startHgServer,
} from '@backstage-mercurial/test-utils';
import {
  HG_COMMAND_MIN_VALIDITY_MS,
  MercurialCredentialsRequest,
  MercurialCredentialsService,
} from '@backstage-mercurial/integration-node';
import { ConfigReader } from '@backstage/config';
import fs from 'fs-extra';
import path from 'node:path';
import { actionContext } from '../__testUtils__/actionContext';
import { createHgCloneAction } from './clone';
import { createHgCommitAction } from './commit';
import { createHgPushAction } from './push';

jest.setTimeout(60_000);

const PASSWORD = 'pw-Actions-2718';

describe('hg:clone, hg:commit and hg:push over HTTP', () => {
  let server: HgTestServer;
  let proxy: BasicAuthProxy;
  let options: ReturnType<typeof makeOptions>;

  function makeOptions() {
    const config = new ConfigReader({
      integrations: {
        mercurial: [
          {
            host: proxy.host,
            baseUrl: proxy.baseUrl,
            username: 'alice',
            password: PASSWORD,
          },
        ],
      },
      scaffolder: {
        defaultAuthor: { name: 'Default Bot', email: 'default@example.com' },
      },
    });
    return { integrations: MercurialIntegrations.fromConfig(config), config };
  }

  beforeAll(async () => {
    server = await startHgServer({
      allowPush: true,
      repositories: {
        'team/service': {
          commits: [
            { files: { 'README.md': 'one\n' }, tags: ['v1'] },
            { files: { 'README.md': 'two\n' } },
          ],
        },
      },
    });
    proxy = await startBasicAuthProxy({
      target: server.baseUrl,
      users: { alice: PASSWORD },
    });
    options = makeOptions();
  });
  afterAll(async () => {
    await proxy?.stop();
    await server?.stop();
  });

  async function cloneInto(workspacePath: string, input: object) {
    const { ctx, outputs, logged, cleanup } = await actionContext({
      workspacePath,
      input: { repoUrl: `${proxy.host}?repo=team/service`, ...input },
    });
    try {
      await createHgCloneAction(options).handler(ctx);
      return { outputs: outputs(), logged: logged() };
    } finally {
      await cleanup();
    }
  }

  it('clones the head of the default branch, or a given revision, into a target path', async () => {
    const ws = await createTempDir('hg-ws-');
    try {
      const head = await cloneInto(ws.path, {});
      expect(head.outputs.commitHash).toBe(
        server.repositories['team/service'].nodes[1],
      );
      expect(await fs.readFile(path.join(ws.path, 'README.md'), 'utf8')).toBe(
        'two\n',
      );
      const tagged = await cloneInto(ws.path, {
        repoUrl: `${proxy.baseUrl}/team/service/file/tip/`,
        revision: 'v1',
        targetPath: 'old',
      });
      expect(tagged.outputs.commitHash).toBe(
        server.repositories['team/service'].nodes[0],
      );
      expect(
        await fs.readFile(path.join(ws.path, 'old/README.md'), 'utf8'),
      ).toBe('one\n');
      expect(`${head.logged}${tagged.logged}`).not.toContain(PASSWORD);
      // the clone remembers where it came from, without credentials
      expect(
        await fs.readFile(path.join(ws.path, '.hg/hgrc'), 'utf8'),
      ).not.toContain(PASSWORD);
    } finally {
      await ws.remove();
    }
  });

  it.each([
    [
      'a target outside the workspace',
      { targetPath: '../escape' },
      /Path '\.\.\/escape' is outside the workspace/,
    ],
    [
      'a non-empty target',
      { targetPath: 'full' },
      /Cannot clone into 'full': it is not empty/,
    ],
    [
      'a revision starting with -',
      { revision: '--config=hooks.x=y', targetPath: 'fresh' },
      /The revision '--config=hooks\.x=y' starts with '-'/,
    ],
    [
      'an unknown host',
      { repoUrl: 'nowhere.example.com?repo=a' },
      /No integrations\.mercurial entry for host 'nowhere\.example\.com'/,
    ],
  ])('hg:clone refuses %s', async (_what, input, message) => {
    const ws = await createTempDir('hg-ws-');
    await fs.outputFile(path.join(ws.path, 'full/x'), 'x');
    try {
      await expect(cloneInto(ws.path, input)).rejects.toThrow(message);
      expect(await fs.readdir(ws.path)).toEqual(['full']);
    } finally {
      await ws.remove();
    }
  });

  it('commits changes, reports nothing to commit as committed: false, and pushes back', async () => {
    const ws = await createTempDir('hg-ws-');
    try {
      await cloneInto(ws.path, {});
      await fs.outputFile(path.join(ws.path, 'docs/new.md'), 'new\n');
      await fs.remove(path.join(ws.path, 'README.md'));

      const commit = await actionContext({
        workspacePath: ws.path,
        input: { message: 'Add docs, drop README' },
      });
      await createHgCommitAction(options).handler(commit.ctx);
      expect(commit.outputs().committed).toBe(true);
      const node = commit.outputs().commitHash;
      expect(
        await runHg(['log', '-r', '.', '-T', '{author}|{files}'], {
          cwd: ws.path,
        }),
      ).toBe('Default Bot <default@example.com>|README.md docs/new.md');

      const again = await actionContext({
        workspacePath: ws.path,
        input: { message: 'nothing' },
      });
      await createHgCommitAction(options).handler(again.ctx);
      expect(again.outputs()).toEqual({ committed: false, commitHash: node });

      const push = await actionContext({ workspacePath: ws.path, input: {} });
      await createHgPushAction(options).handler(push.ctx);
      expect(push.outputs()).toEqual({
        remoteUrl: `${proxy.baseUrl}/team/service`,
        commitHash: node,
      });
      expect(
        await runHg(['log', '-r', 'tip', '-T', '{node}'], {
          cwd: server.repoDir('team/service'),
        }),
      ).toBe(node);
      expect(push.logged()).not.toContain(PASSWORD);
      await Promise.all([commit.cleanup(), again.cleanup(), push.cleanup()]);
    } finally {
      await ws.remove();
    }
  });

  it('pushes on a new named branch with a bookmark', async () => {
    const ws = await createTempDir('hg-ws-');
    try {
      await cloneInto(ws.path, {});
      await fs.outputFile(path.join(ws.path, 'feature.txt'), 'f\n');
      const push = await actionContext({
        workspacePath: ws.path,
        input: { branch: 'feature/docs', bookmark: 'docs' },
      });
      await createHgPushAction(options).handler(push.ctx);
      const node = push.outputs().commitHash;
      expect(
        await runHg(
          ['log', '-r', node, '-T', '{branch}|{bookmarks}|{files}|{desc}'],
          {
            cwd: server.repoDir('team/service'),
          },
        ),
      ).toBe('feature/docs|docs|feature.txt|Create branch feature/docs');
      await push.cleanup();
    } finally {
      await ws.remove();
    }
  });

  /** Every changeset of a server repository with its branch and bookmarks. */
  async function serverState(name: string) {
    return runHg(
      ['log', '-r', 'all()', '-T', '{node} {branch} {bookmarks}\n'],
      {
        cwd: server.repoDir(name),
      },
    );
  }

  /** A repository with a default head bookmarked '@' and a stable branch. */
  async function branchedRepository(name: string) {
    return server.addRepository(name, {
      commits: [
        { files: { 'README.md': 'one\n' } },
        { branch: 'stable', files: { 'stable.txt': 'stable\n' } },
        { parent: '0', files: { 'README.md': 'two\n' }, bookmarks: ['@'] },
      ],
    });
  }

  async function run(
    action: { handler(ctx: any): Promise<void> },
    workspacePath: string,
    input: object,
  ) {
    const context = await actionContext({ workspacePath, input });
    try {
      await action.handler(context.ctx);
      return context.outputs();
    } finally {
      await context.cleanup();
    }
  }

  it('hg:commit with a branch, then hg:push with it, adds only the new branch on the server', async () => {
    const name = 'team/branch-only';
    const info = await branchedRepository(name);
    const before = await serverState(name);
    const ws = await createTempDir('hg-ws-');
    try {
      await run(createHgCloneAction(options), ws.path, {
        repoUrl: `${proxy.host}?repo=${name}`,
      });
      await fs.outputFile(path.join(ws.path, 'feature.txt'), 'f\n');
      const commit = await run(createHgCommitAction(options), ws.path, {
        message: 'Add the feature',
        branch: 'feature/x',
      });
      expect(commit.committed).toBe(true);
      const push = await run(createHgPushAction(options), ws.path, {
        branch: 'feature/x',
      });
      expect(push.commitHash).toBe(commit.commitHash);

      // the server has what it had, plus one changeset on feature/x, on
      // top of the default head, with no bookmark moved
      expect(await serverState(name)).toBe(
        `${before}${commit.commitHash} feature/x \n`,
      );
      expect(
        await runHg(
          [
            'log',
            '-r',
            String(commit.commitHash),
            '-T',
            '{p1node}|{files}|{desc}',
          ],
          {
            cwd: server.repoDir(name),
          },
        ),
      ).toBe(`${info.nodes[2]}|feature.txt|Add the feature`);
      expect(
        await runHg(['heads', 'default', 'stable', '-T', '{node}\n'], {
          cwd: server.repoDir(name),
        }),
      ).toBe(`${info.nodes[2]}\n${info.nodes[1]}\n`);
    } finally {
      await ws.remove();
    }
  });

  it('hg:push with a new branch and bookmark commits pending changes on the branch and moves no other bookmark', async () => {
    const name = 'team/branch-pending';
    const info = await branchedRepository(name);
    const before = await serverState(name);
    const ws = await createTempDir('hg-ws-');
    try {
      await run(createHgCloneAction(options), ws.path, {
        repoUrl: `${proxy.host}?repo=${name}`,
      });
      await fs.outputFile(path.join(ws.path, 'feature.txt'), 'f\n');
      const push = await run(createHgPushAction(options), ws.path, {
        branch: 'feature/docs',
        bookmark: 'docs',
      });
      expect(await serverState(name)).toBe(
        `${before}${push.commitHash} feature/docs docs\n`,
      );
      expect(
        await runHg(
          [
            'log',
            '-r',
            String(push.commitHash),
            '-T',
            '{p1node}|{files}|{desc}',
          ],
          {
            cwd: server.repoDir(name),
          },
        ),
      ).toBe(`${info.nodes[2]}|feature.txt|Create branch feature/docs`);
    } finally {
      await ws.remove();
    }
  });

  it.each([
    [
      'a changeset on default, for a push to a new branch',
      { branch: 'feature/x' },
      /Refusing to push to .*\/team\/refused-\d, nothing was pushed: it would send changesets on 'default', not on the requested branch 'feature\/x': [0-9a-f]{40} \(default\)/,
    ],
    [
      "a move of the bookmark '@', for a push of another bookmark",
      { bookmark: 'mine' },
      /Refusing to push to .*, nothing was pushed: it would move bookmark '@' \(at [0-9a-f]{40}\), not only 'mine'/,
    ],
  ])(
    'hg:push refuses %s, and the server stays exactly as it was',
    async (_what, input, message) => {
      const name = `team/refused-${'branch' in input ? 1 : 2}`;
      await branchedRepository(name);
      const before = await serverState(name);
      const ws = await createTempDir('hg-ws-');
      try {
        await run(createHgCloneAction(options), ws.path, {
          repoUrl: `${proxy.host}?repo=${name}`,
        });
        // committed on default (moving the active bookmark '@'), as a
        // template without hg:commit's branch input does
        await fs.outputFile(path.join(ws.path, 'feature.txt'), 'f\n');
        const commit = await run(createHgCommitAction(options), ws.path, {
          message: 'On default',
        });
        await fs.outputFile(path.join(ws.path, 'pending.txt'), 'p\n');
        const refused = run(createHgPushAction(options), ws.path, input);
        await expect(refused).rejects.toThrow(message);
        await expect(refused).rejects.toThrow(String(commit.commitHash));
        await expect(refused).rejects.toMatchObject({ name: 'InputError' });
        expect(await serverState(name)).toBe(before);
      } finally {
        await ws.remove();
      }
    },
  );

  it('hg:push pushes . and its ancestors, never another local head', async () => {
    const name = 'team/two-heads';
    const info = await branchedRepository(name);
    const ws = await createTempDir('hg-ws-');
    try {
      await run(createHgCloneAction(options), ws.path, {
        repoUrl: `${proxy.host}?repo=${name}`,
      });
      // a local commit on stable, then back to default for the one to push
      await runHg(['update', '-q', 'stable'], { cwd: ws.path });
      await fs.outputFile(path.join(ws.path, 'local.txt'), 'l\n');
      const local = await run(createHgCommitAction(options), ws.path, {
        message: 'Local only',
      });
      await runHg(['update', '-q', 'default'], { cwd: ws.path });
      await fs.outputFile(path.join(ws.path, 'pushed.txt'), 'p\n');
      const commit = await run(createHgCommitAction(options), ws.path, {
        message: 'Pushed',
      });
      await run(createHgPushAction(options), ws.path, {});
      const heads = await runHg(['heads', '-T', '{node}\n'], {
        cwd: server.repoDir(name),
      });
      expect(heads.split('\n')).toContain(commit.commitHash);
      expect(heads.split('\n')).toContain(info.nodes[1]);
      expect(heads).not.toContain(String(local.commitHash));
    } finally {
      await ws.remove();
    }
  });

  it('hg:commit refuses a branch that exists but is not the current one, and commits nothing', async () => {
    const name = 'team/existing-branch';
    await branchedRepository(name);
    const ws = await createTempDir('hg-ws-');
    try {
      await run(createHgCloneAction(options), ws.path, {
        repoUrl: `${proxy.host}?repo=${name}`,
      });
      const tip = await runHg(['log', '-r', 'tip', '-T', '{node}'], {
        cwd: ws.path,
      });
      await fs.outputFile(path.join(ws.path, 'feature.txt'), 'f\n');
      await expect(
        run(createHgCommitAction(options), ws.path, {
          message: 'On stable?',
          branch: 'stable',
        }),
      ).rejects.toThrow(
        "Cannot commit on branch 'stable': the working directory is on 'default' and 'stable' already exists",
      );
      expect(
        await runHg(['log', '-r', 'tip', '-T', '{node}'], { cwd: ws.path }),
      ).toBe(tip);
    } finally {
      await ws.remove();
    }
  });

  it('refuses a push that would create a new head, and the server keeps its head', async () => {
    const first = await createTempDir('hg-ws-');
    const second = await createTempDir('hg-ws-');
    try {
      await cloneInto(first.path, {});
      await cloneInto(second.path, {});
      for (const [ws, name] of [
        [first.path, 'a'],
        [second.path, 'b'],
      ]) {
        await fs.outputFile(path.join(ws, `${name}.txt`), name);
        const commit = await actionContext({
          workspacePath: ws,
          input: { message: `add ${name}` },
        });
        await createHgCommitAction(options).handler(commit.ctx);
        await commit.cleanup();
      }
      const push1 = await actionContext({
        workspacePath: first.path,
        input: {},
      });
      await createHgPushAction(options).handler(push1.ctx);
      const head = push1.outputs().commitHash;

      const push2 = await actionContext({
        workspacePath: second.path,
        input: {},
      });
      await expect(
        createHgPushAction(options).handler(push2.ctx),
      ).rejects.toThrow(
        /Refusing to push to .*\/team\/service: it would create a new head on an existing branch/,
      );
      expect(
        await runHg(['heads', 'default', '-T', '{node}\n'], {
          cwd: server.repoDir('team/service'),
        }),
      ).toBe(`${head}\n`);
      await Promise.all([push1.cleanup(), push2.cleanup()]);
    } finally {
      await first.remove();
      await second.remove();
    }
  });

  it.each([
    [
      'a path outside the workspace',
      { path: '../..' },
      /is outside the workspace/,
    ],
    [
      'a directory that is not a clone',
      { path: 'plain' },
      /'plain' is not a Mercurial working directory/,
    ],
    [
      'a destination of no integration',
      { destination: 'https://elsewhere.example.com/r' },
      /belongs to no integrations\.mercurial entry/,
    ],
    [
      'a bookmark starting with -',
      { bookmark: '-f' },
      /The bookmark '-f' starts with '-'/,
    ],
  ])('hg:push refuses %s', async (_what, input, message) => {
    const ws = await createTempDir('hg-ws-');
    try {
      await cloneInto(ws.path, {});
      await fs.ensureDir(path.join(ws.path, 'plain'));
      const push = await actionContext({ workspacePath: ws.path, input });
      await expect(
        createHgPushAction(options).handler(push.ctx),
      ).rejects.toThrow(message);
      await push.cleanup();
    } finally {
      await ws.remove();
    }
  });

  it("asks the credentials service, not the config: 'read' to clone and check, 'write' to push", async () => {
    const asked: MercurialCredentialsRequest[] = [];
    const credentials: MercurialCredentialsService = {
      getCredentials: async request => {
        asked.push(request);
        return { type: 'basic', username: 'alice', password: PASSWORD };
      },
    };
    // the config holds no credentials: without the service, every command
    // here is refused with 401
    const config = new ConfigReader({
      integrations: {
        mercurial: [{ host: proxy.host, baseUrl: proxy.baseUrl }],
      },
    });
    const withService = {
      integrations: MercurialIntegrations.fromConfig(config),
      config,
      credentials,
    };
    const repoUrl = `${proxy.baseUrl}/team/service`;
    const ws = await createTempDir('hg-ws-');
    try {
      const clone = await actionContext({
        workspacePath: ws.path,
        input: { repoUrl: `${proxy.host}?repo=team/service` },
      });
      await createHgCloneAction(withService).handler(clone.ctx);
      expect(asked).toEqual([
        {
          url: repoUrl,
          purpose: 'read',
          minValidityMs: HG_COMMAND_MIN_VALIDITY_MS,
        },
      ]);

      await fs.outputFile(path.join(ws.path, 'service.md'), 'service\n');
      const commit = await actionContext({
        workspacePath: ws.path,
        input: { message: 'Add service.md' },
      });
      await createHgCommitAction(withService).handler(commit.ctx);
      const push = await actionContext({
        workspacePath: ws.path,
        input: { bookmark: 'from-service' },
      });
      await createHgPushAction(withService).handler(push.ctx);
      expect(asked.slice(1)).toEqual([
        {
          url: repoUrl,
          purpose: 'read',
          minValidityMs: HG_COMMAND_MIN_VALIDITY_MS,
        },
        {
          url: repoUrl,
          purpose: 'write',
          minValidityMs: HG_COMMAND_MIN_VALIDITY_MS,
        },
      ]);
      expect(
        await runHg(['log', '-r', 'from-service', '-T', '{node}'], {
          cwd: server.repoDir('team/service'),
        }),
      ).toBe(push.outputs().commitHash);
      expect(`${clone.logged()}${push.logged()}`).not.toContain(PASSWORD);
      await Promise.all([clone.cleanup(), commit.cleanup(), push.cleanup()]);
    } finally {
      await ws.remove();
    }
  });

  it('runs no hg command without the credentials when the service fails', async () => {
    const config = new ConfigReader({
      integrations: {
        mercurial: [{ host: proxy.host, baseUrl: proxy.baseUrl }],
      },
    });
    const failing = {
      integrations: MercurialIntegrations.fromConfig(config),
      config,
      credentials: {
        getCredentials: async () => {
          throw new Error('The credential broker is down');
        },
      },
    };
    const ws = await createTempDir('hg-ws-');
    const seen = proxy.requests.length;
    try {
      const clone = await actionContext({
        workspacePath: ws.path,
        input: { repoUrl: `${proxy.host}?repo=team/service` },
      });
      await expect(
        createHgCloneAction(failing).handler(clone.ctx),
      ).rejects.toThrow('The credential broker is down');
      expect(proxy.requests.length).toBe(seen);
      expect(await fs.readdir(ws.path)).toEqual([]);
      await clone.cleanup();
    } finally {
      await ws.remove();
    }
  });
});
