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

/*
 * The initiator's rights in the actions themselves (the real backend tests
 * are in ../callerRights.test.ts): what a denial, a missing user and a
 * transport that acts as the backend do, before anything touches a server.
 */

import { MercurialIntegrations } from '@backstage-mercurial/integration';
import { createTempDir, runHg } from '@backstage-mercurial/test-utils';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import fs from 'fs-extra';
import path from 'node:path';
import { actionContext } from '../__testUtils__/actionContext';
import { createHgCloneAction } from './clone';
import { MercurialActionOptions } from './options';
import { createPublishMercurialAction } from './publish';
import { createHgPushAction } from './push';

jest.setTimeout(60_000);

function optionsFor(
  integration: object,
  extra: Partial<MercurialActionOptions> = {},
): MercurialActionOptions {
  const config = new ConfigReader({
    integrations: { mercurial: [integration] },
  });
  return {
    integrations: MercurialIntegrations.fromConfig(config),
    config,
    ...extra,
  };
}

const denyAll = () => {
  const permissions = mockServices.permissions.mock();
  permissions.authorize.mockResolvedValue([{ result: AuthorizeResult.DENY }]);
  return permissions;
};

describe('the actions and the task initiator', () => {
  let dirs: Array<{ path: string; remove(): Promise<void> }>;

  beforeEach(() => {
    dirs = [];
  });
  afterEach(async () => {
    for (const dir of dirs) {
      await dir.remove();
    }
  });

  async function tempDir(prefix: string) {
    const dir = await createTempDir(prefix);
    dirs.push(dir);
    return dir;
  }

  it('publish:hg asks mercurial.repository.create for the initiator, and a denial creates nothing and is audited as failed', async () => {
    const root = await tempDir('access-root-');
    const workspace = await tempDir('access-ws-');
    await fs.outputFile(path.join(workspace.path, 'README.md'), '# x\n');
    const permissions = denyAll();
    const auditor = mockServices.auditor.mock();
    const event = { success: jest.fn(), fail: jest.fn() };
    auditor.createEvent.mockResolvedValue(event);
    const { ctx, cleanup } = await actionContext({
      workspacePath: workspace.path,
      input: { repoUrl: 'hg.example.com?repo=team/new' },
    });
    try {
      await expect(
        createPublishMercurialAction(
          optionsFor(
            {
              host: 'hg.example.com',
              baseUrl: 'https://hg.example.com',
              localRoot: root.path,
            },
            { permissions, auditor },
          ),
        ).handler(ctx),
      ).rejects.toThrow(
        'publish:hg: permission mercurial.repository.create was denied for user:default/mock',
      );
      expect(permissions.authorize).toHaveBeenCalledWith(
        [
          {
            permission: expect.objectContaining({
              name: 'mercurial.repository.create',
            }),
          },
        ],
        { credentials: await ctx.getInitiatorCredentials() },
      );
      expect(await fs.pathExists(path.join(root.path, 'team/new'))).toBe(false);
      expect(auditor.createEvent).toHaveBeenCalledWith({
        eventId: 'mercurial-repository-publish',
        severityLevel: 'medium',
        meta: {
          onBehalfOf: 'user:default/mock',
          taskId: 'mock-task-id',
          host: 'hg.example.com',
          repository: 'team/new',
          branch: 'default',
          remoteUrl: 'https://hg.example.com/team/new',
        },
      });
      expect(event.fail).toHaveBeenCalledTimes(1);
      expect(event.success).not.toHaveBeenCalled();
    } finally {
      await cleanup();
    }
  });

  it('hg:clone with readAs: caller fails closed for a task a service started', async () => {
    const workspace = await tempDir('access-ws-');
    const base = await actionContext({
      workspacePath: workspace.path,
      input: { repoUrl: 'hg.example.com?repo=team/x' },
    });
    const ctx = {
      ...base.ctx,
      getInitiatorCredentials: async () => mockCredentials.service(),
    };
    try {
      await expect(
        createHgCloneAction(
          optionsFor(
            {
              host: 'hg.example.com',
              baseUrl: 'https://hg.example.com',
              readAs: 'caller',
            },
            {
              auth: mockServices.auth(),
              userInfo: mockServices.userInfo(),
            },
          ),
        ).handler(ctx as typeof base.ctx),
      ).rejects.toThrow(
        "hg:clone: the integrations.mercurial entry for hg.example.com has readAs: caller, which needs the task's initiator to be a signed-in user",
      );
      expect(await fs.readdir(workspace.path)).toEqual([]);
    } finally {
      await base.cleanup();
    }
  });

  it('publish:hg with readAs: caller and no way to know the user fails closed', async () => {
    const workspace = await tempDir('access-ws-');
    await fs.outputFile(path.join(workspace.path, 'README.md'), '# x\n');
    const { ctx, cleanup } = await actionContext({
      workspacePath: workspace.path,
      input: { repoUrl: 'hg.example.com?repo=team/x' },
    });
    try {
      await expect(
        createPublishMercurialAction(
          optionsFor({
            host: 'hg.example.com',
            baseUrl: 'https://hg.example.com',
            readAs: 'caller',
          }),
        ).handler(ctx),
      ).rejects.toThrow(
        'has readAs: caller, which needs the auth and userInfo services',
      );
    } finally {
      await cleanup();
    }
  });

  it('hg:push refuses a destination over localRoot with readAs: caller (it would push as the backend)', async () => {
    const root = await tempDir('access-root-');
    const workspace = await tempDir('access-ws-');
    const remote = path.join(root.path, 'team/x');
    await runHg(['init', remote]);
    const wc = path.join(workspace.path, 'wc');
    await runHg(['clone', '-q', remote, wc]);
    await fs.outputFile(path.join(wc, 'a.txt'), 'a\n');
    await runHg(['commit', '-q', '-A', '-u', 'T <t@example.com>', '-m', 'a'], {
      cwd: wc,
    });
    const { ctx, cleanup } = await actionContext({
      workspacePath: workspace.path,
      input: { path: 'wc' },
    });
    try {
      await expect(
        createHgPushAction(
          optionsFor(
            {
              host: 'hg.example.com',
              baseUrl: 'https://hg.example.com',
              localRoot: root.path,
              readAs: 'caller',
            },
            {
              auth: mockServices.auth(),
              userInfo: mockServices.userInfo(),
            },
          ),
        ).handler(ctx),
      ).rejects.toThrow(
        "has readAs: caller, so hg talks to it over HTTP(S) as the task's initiator; localRoot would act as the backend instead",
      );
      expect(await runHg(['log', '-T', '{node}'], { cwd: remote })).toBe('');
    } finally {
      await cleanup();
    }
  });
});
