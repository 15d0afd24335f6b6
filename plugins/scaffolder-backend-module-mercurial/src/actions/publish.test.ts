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
import { NULL_NODE } from '@backstage-mercurial/integration-node';
import {
  BasicAuthProxy,
  createTempDir,
  HgTestServer,
  runHg,
  startBasicAuthProxy,
  startHgServer,
} from '@backstage-mercurial/test-utils';
import { ConfigReader } from '@backstage/config';
import fs from 'fs-extra';
import path from 'node:path';
import { actionContext } from '../__testUtils__/actionContext';
import { createPublishMercurialAction } from './publish';

jest.setTimeout(60_000);

const PASSWORD = 'pw-Publish-3141';
const NODE = /^[0-9a-f]{40}$/;

async function workspaceWithSkeleton() {
  const workspace = await createTempDir('publish-ws-');
  await fs.outputFile(
    path.join(workspace.path, 'catalog-info.yaml'),
    'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: new-service\nspec:\n  type: service\n  owner: team\n  lifecycle: experimental\n',
  );
  await fs.outputFile(path.join(workspace.path, 'docs/index.md'), '# New\n');
  await fs.outputFile(path.join(workspace.path, 'sub/README.md'), 'sub\n');
  return workspace;
}

function publishAction(integration: object, extra: object = {}) {
  const config = new ConfigReader({
    integrations: { mercurial: [integration] },
    ...extra,
  });
  return createPublishMercurialAction({
    integrations: MercurialIntegrations.fromConfig(config),
    config,
    publishWaitMs: 20_000,
  });
}

async function tip(dir: string) {
  return runHg(['log', '-r', 'tip', '-T', '{node}'], { cwd: dir });
}

describe('publish:hg over HTTP, behind a front that demands credentials', () => {
  let server: HgTestServer;
  let proxy: BasicAuthProxy;

  beforeAll(async () => {
    server = await startHgServer({
      allowPush: true,
      repositories: {
        'team/empty': {},
        'team/taken': { commits: [{ files: { 'a.txt': 'a' } }] },
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

  it('pushes to an existing empty repository with the configured credentials', async () => {
    const workspace = await workspaceWithSkeleton();
    const { ctx, outputs, logged, cleanup } = await actionContext({
      workspacePath: workspace.path,
      input: {
        repoUrl: `${proxy.host}?owner=team&repo=empty`,
        commitMessage: 'Create from template',
        authorName: 'Template Bot',
        authorEmail: 'bot@example.com',
      },
    });
    try {
      await publishAction({
        host: proxy.host,
        baseUrl: proxy.baseUrl,
        username: 'alice',
        password: PASSWORD,
      }).handler(ctx);
      const out = outputs();
      expect(out.commitHash).toMatch(NODE);
      expect(out.remoteUrl).toBe(`${proxy.baseUrl}/team/empty`);
      expect(out.repoContentsUrl).toBe(
        `${proxy.baseUrl}/team/empty/file/default/`,
      );
      const repoDir = server.repoDir('team/empty');
      expect(await tip(repoDir)).toBe(out.commitHash);
      expect(
        await runHg(['log', '-r', 'tip', '-T', '{author}|{desc}|{branch}'], {
          cwd: repoDir,
        }),
      ).toBe('Template Bot <bot@example.com>|Create from template|default');
      expect(
        (await runHg(['files', '-r', 'tip'], { cwd: repoDir })).split('\n'),
      ).toEqual(expect.arrayContaining(['catalog-info.yaml', 'docs/index.md']));
      // the workspace is left as it was
      expect(await fs.pathExists(path.join(workspace.path, '.hg'))).toBe(false);
      expect(`${logged()}${JSON.stringify(out)}`).not.toContain(PASSWORD);
    } finally {
      await cleanup();
      await workspace.remove();
    }
  });

  it('fails clearly without credentials, and pushes nothing', async () => {
    await server.addRepository('team/empty2', {});
    const workspace = await workspaceWithSkeleton();
    const { ctx, cleanup } = await actionContext({
      workspacePath: workspace.path,
      input: { repoUrl: `${proxy.host}?repo=team/empty2` },
    });
    try {
      const error = await publishAction({
        host: proxy.host,
        baseUrl: proxy.baseUrl,
      })
        .handler(ctx)
        .catch(e => e);
      expect(error.message).toMatch(/http authorization required/);
      expect(await tip(server.repoDir('team/empty2'))).toBe(NULL_NODE);
    } finally {
      await cleanup();
      await workspace.remove();
    }
  });

  it('refuses a repository that already has changesets, and changes nothing', async () => {
    const before = await tip(server.repoDir('team/taken'));
    const workspace = await workspaceWithSkeleton();
    const { ctx, logged, cleanup } = await actionContext({
      workspacePath: workspace.path,
      input: { repoUrl: `${proxy.host}?repo=team/taken` },
    });
    try {
      await expect(
        publishAction({
          host: proxy.host,
          baseUrl: proxy.baseUrl,
          username: 'alice',
          password: PASSWORD,
        }).handler(ctx),
      ).rejects.toThrow(
        `Cannot publish to ${proxy.baseUrl}/team/taken: the repository already has changesets (tip ${before})`,
      );
      expect(await tip(server.repoDir('team/taken'))).toBe(before);
      expect(logged()).not.toContain(PASSWORD);
    } finally {
      await cleanup();
      await workspace.remove();
    }
  });

  it.each([
    [
      'a server that refuses the push without credentials',
      'team/empty3',
      () => ({}),
    ],
    [
      'a server that cannot be reached',
      'team/empty4',
      () => ({ baseUrl: 'http://127.0.0.1:9/hg', host: '127.0.0.1:9' }),
    ],
  ])(
    'removes its copy of the workspace when it fails on %s',
    async (_what, name, integration) => {
      await server.addRepository(name, {});
      const config = {
        host: proxy.host,
        baseUrl: proxy.baseUrl,
        ...integration(),
      };
      const workspace = await workspaceWithSkeleton();
      const { ctx, cleanup, temporaryDirectories } = await actionContext({
        workspacePath: workspace.path,
        input: { repoUrl: `${config.baseUrl}/${name}` },
      });
      try {
        await expect(publishAction(config).handler(ctx)).rejects.toThrow();
        expect(temporaryDirectories()).toHaveLength(1);
        for (const dir of temporaryDirectories()) {
          expect(await fs.pathExists(dir)).toBe(false);
        }
      } finally {
        await cleanup();
        await workspace.remove();
      }
    },
  );

  it('refuses a missing repository it cannot create over HTTP', async () => {
    const workspace = await workspaceWithSkeleton();
    const { ctx, cleanup } = await actionContext({
      workspacePath: workspace.path,
      input: { repoUrl: `${proxy.host}?repo=team/missing` },
    });
    try {
      await expect(
        publishAction({
          host: proxy.host,
          baseUrl: proxy.baseUrl,
          username: 'alice',
          password: PASSWORD,
        }).handler(ctx),
      ).rejects.toThrow(
        /the repository does not exist, and it cannot be created over HTTP; create it on the server first, or give the integration .* an 'ssh' or 'localRoot'/,
      );
      expect(await fs.pathExists(server.repoDir('team/missing'))).toBe(false);
    } finally {
      await cleanup();
      await workspace.remove();
    }
  });
});

describe('publish:hg in localRoot', () => {
  let server: HgTestServer;

  beforeAll(async () => {
    server = await startHgServer({
      repositories: { 'team/existing': { commits: [{ files: { a: 'a' } }] } },
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  const integration = () => ({
    host: server.host,
    baseUrl: server.baseUrl,
    localRoot: server.root,
  });

  it('creates the repository on disk, on a named branch with a bookmark, served at once', async () => {
    const workspace = await workspaceWithSkeleton();
    const { ctx, outputs, cleanup } = await actionContext({
      workspacePath: workspace.path,
      input: {
        repoUrl: `${server.host}?owner=team&repo=created`,
        sourcePath: 'sub',
        defaultBranch: 'stable',
        bookmark: 'main',
      },
    });
    try {
      await publishAction(integration(), {
        scaffolder: {
          defaultAuthor: { name: 'Config Author', email: 'cfg@example.com' },
        },
      }).handler(ctx);
      const out = outputs();
      expect(out.repoContentsUrl).toBe(
        `${server.baseUrl}/team/created/file/stable/`,
      );
      const repoDir = server.repoDir('team/created');
      expect(
        await runHg(
          [
            'log',
            '-r',
            'tip',
            '-T',
            '{node}|{branch}|{bookmarks}|{author}|{desc}',
          ],
          {
            cwd: repoDir,
          },
        ),
      ).toBe(
        `${out.commitHash}|stable|main|Config Author <cfg@example.com>|Initial commit`,
      );
      expect(await runHg(['files', '-r', 'tip'], { cwd: repoDir })).toBe(
        'README.md\n',
      );
      // served over HTTP: what catalog:register will read
      const response = await fetch(
        `${out.repoContentsUrl.replace('/file/', '/raw-file/')}README.md`,
      );
      expect(await response.text()).toBe('sub\n');
    } finally {
      await cleanup();
      await workspace.remove();
    }
  });

  it('uses the fixed scaffolder identity when neither input nor config names one', async () => {
    const workspace = await workspaceWithSkeleton();
    const { ctx, cleanup } = await actionContext({
      workspacePath: workspace.path,
      input: { repoUrl: `${server.host}?repo=team/anonymous` },
    });
    try {
      await publishAction(integration()).handler(ctx);
      expect(
        await runHg(['log', '-r', 'tip', '-T', '{author}'], {
          cwd: server.repoDir('team/anonymous'),
        }),
      ).toBe('Scaffolder <scaffolder@backstage.io>');
    } finally {
      await cleanup();
      await workspace.remove();
    }
  });

  it('does nothing on the server in a dry run, and still gives outputs', async () => {
    const workspace = await workspaceWithSkeleton();
    const { ctx, outputs, cleanup } = await actionContext({
      workspacePath: workspace.path,
      input: { repoUrl: `${server.host}?repo=team/dry` },
      isDryRun: true,
    });
    try {
      await publishAction(integration()).handler(ctx);
      expect(outputs().commitHash).toMatch(NODE);
      expect(outputs().remoteUrl).toBe(`${server.baseUrl}/team/dry`);
      expect(await fs.pathExists(server.repoDir('team/dry'))).toBe(false);
    } finally {
      await cleanup();
      await workspace.remove();
    }
  });

  it.each([
    [
      'an unknown host',
      { repoUrl: 'hg.unknown.example.com?repo=team/x' },
      /No integrations\.mercurial entry for host 'hg\.unknown\.example\.com'; configured: http:\/\/127\.0\.0\.1:\d+/,
    ],
    [
      'a repository path escaping the root',
      { repoUrl: 'HOST?repo=team/../../etc' },
      /Invalid repository path 'team\/\.\.\/\.\.\/etc'/,
    ],
    [
      'a repository name starting with -',
      { repoUrl: 'HOST?repo=-oProxyCommand=x' },
      /Invalid repository path '-oProxyCommand=x'/,
    ],
    [
      'a bookmark starting with -',
      { repoUrl: 'HOST?repo=team/y', bookmark: '--force' },
      /The bookmark '--force' starts with '-'/,
    ],
    [
      'a branch starting with -',
      { repoUrl: 'HOST?repo=team/y', defaultBranch: '-f' },
      /The branch '-f' starts with '-'/,
    ],
    [
      'an author starting with -',
      { repoUrl: 'HOST?repo=team/y', authorName: '--config=x' },
      /Invalid author name '--config=x'/,
    ],
    [
      'a sourcePath outside the workspace',
      { repoUrl: 'HOST?repo=team/y', sourcePath: '../../etc' },
      /Path '\.\.\/\.\.\/etc' is outside the workspace/,
    ],
    [
      'a missing sourcePath',
      { repoUrl: 'HOST?repo=team/y', sourcePath: 'nope' },
      /sourcePath 'nope' does not exist in the workspace/,
    ],
    [
      'an existing repository with changesets',
      { repoUrl: 'HOST?repo=team/existing' },
      /already has changesets/,
    ],
  ])(
    'refuses %s with a clear error, changing nothing on the server',
    async (_what, input, message) => {
      const before = await runHg(['log', '-r', 'tip', '-T', '{node}'], {
        cwd: server.repoDir('team/existing'),
      });
      const entriesBefore = await fs.readdir(path.join(server.root, 'team'));
      const workspace = await workspaceWithSkeleton();
      const resolved = Object.fromEntries(
        Object.entries(input).map(([k, v]) => [
          k,
          v.replace('HOST', server.host),
        ]),
      );
      const { ctx, cleanup } = await actionContext({
        workspacePath: workspace.path,
        input: resolved as { repoUrl: string },
      });
      try {
        await expect(publishAction(integration()).handler(ctx)).rejects.toThrow(
          message,
        );
        expect(await fs.readdir(path.join(server.root, 'team'))).toEqual(
          entriesBefore,
        );
        expect(
          await runHg(['log', '-r', 'tip', '-T', '{node}'], {
            cwd: server.repoDir('team/existing'),
          }),
        ).toBe(before);
      } finally {
        await cleanup();
        await workspace.remove();
      }
    },
  );
});
