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
  createTempDir,
  HgTestServer,
  startHgServer,
} from '@backstage-mercurial/test-utils';
import { ConfigReader } from '@backstage/config';
import fs from 'fs-extra';
import path from 'node:path';
import { actionContext } from '../__testUtils__/actionContext';
import { createHgCloneAction } from './clone';

jest.setTimeout(60_000);

describe('hg:clone from a single-repository server (hg serve -R)', () => {
  let server: HgTestServer;
  let options: { integrations: MercurialIntegrations; config: ConfigReader };

  beforeAll(async () => {
    server = await startHgServer({
      singleRepository: 'service',
      repositories: {
        service: {
          commits: [
            { files: { 'README.md': 'one\n' }, tags: ['v1'] },
            { files: { 'README.md': 'two\n' } },
          ],
        },
      },
    });
    const config = new ConfigReader({
      integrations: {
        mercurial: [
          {
            host: server.host,
            baseUrl: server.baseUrl,
            singleRepository: true,
          },
        ],
      },
    });
    options = {
      integrations: MercurialIntegrations.fromConfig(config),
      config,
    };
  });
  afterAll(() => server?.stop());

  async function cloneInto(workspacePath: string, input: object) {
    const { ctx, outputs, logged, cleanup } = await actionContext({
      workspacePath,
      input: { repoUrl: server.host, ...input },
    });
    try {
      await createHgCloneAction(options).handler(ctx);
      return { outputs: outputs(), logged: logged() };
    } finally {
      await cleanup();
    }
  }

  it.each([
    ['the host alone', () => server.host],
    ['the baseUrl', () => server.baseUrl],
    ['a browse URL at the root', () => `${server.baseUrl}/file/tip/`],
  ])('clones the repository named by %s', async (_what, repoUrl) => {
    const ws = await createTempDir('hg-ws-single-');
    try {
      const { outputs } = await cloneInto(ws.path, {
        repoUrl: repoUrl(),
        targetPath: 'src',
      });
      expect(outputs.commitHash).toBe(server.repositories.service.nodes[1]);
      expect(
        await fs.readFile(path.join(ws.path, 'src', 'README.md'), 'utf8'),
      ).toBe('two\n');
    } finally {
      await ws.remove();
    }
  });

  it('clones a revision', async () => {
    const ws = await createTempDir('hg-ws-single-');
    try {
      const { outputs } = await cloneInto(ws.path, { revision: 'v1' });
      expect(outputs.commitHash).toBe(server.repositories.service.nodes[0]);
      expect(await fs.readFile(path.join(ws.path, 'README.md'), 'utf8')).toBe(
        'one\n',
      );
    } finally {
      await ws.remove();
    }
  });

  it('says that a repository name does not apply', async () => {
    const ws = await createTempDir('hg-ws-single-');
    try {
      await expect(
        cloneInto(ws.path, { repoUrl: `${server.host}?repo=team/service` }),
      ).rejects.toThrow(
        `Invalid repoUrl '${server.host}?repo=team/service': the integrations.mercurial entry for host '${server.host}' serves a single repository at ${server.baseUrl} (singleRepository: true); give repoUrl as '${server.host}' or '${server.baseUrl}', without owner or repo`,
      );
      await expect(
        cloneInto(ws.path, { repoUrl: `${server.baseUrl}/team/service` }),
      ).rejects.toThrow(/so 'team\/service' cannot name a repository/);
      expect(await fs.readdir(ws.path)).toEqual([]);
    } finally {
      await ws.remove();
    }
  });
});
