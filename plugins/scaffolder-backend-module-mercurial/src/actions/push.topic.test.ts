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
import { HgCommandError } from '@backstage-mercurial/integration-node';
import {
  createTempDir,
  HgTestServer,
  runHg,
  startHgServer,
} from '@backstage-mercurial/test-utils';
import { ConfigReader } from '@backstage/config';
import fs from 'fs-extra';
import path from 'node:path';
import { actionContext } from '../__testUtils__/actionContext';
import { createHgCloneAction } from './clone';
import { createHgCommitAction } from './commit';
import { createHgPushAction } from './push';
import { checkTopicName, topicError } from './topic';

jest.setTimeout(60_000);

describe('hg:push with a topic', () => {
  let server: HgTestServer;
  let options: {
    integrations: MercurialIntegrations;
    config: ConfigReader;
  };

  beforeAll(async () => {
    server = await startHgServer({
      allowPush: true,
      repositories: {
        'team/service': { commits: [{ files: { 'README.md': 'one\n' } }] },
      },
    });
    // a Heptapod-like server: it knows topics and keeps pushed changesets
    // draft
    await fs.writeFile(
      path.join(server.repoDir('team/service'), '.hg/hgrc'),
      '[extensions]\ntopic =\n[phases]\npublish = False\n',
    );
    const config = new ConfigReader({
      integrations: {
        mercurial: [{ host: server.host, baseUrl: server.baseUrl }],
      },
      scaffolder: {
        defaultAuthor: { name: 'Default Bot', email: 'default@example.com' },
      },
    });
    options = {
      integrations: MercurialIntegrations.fromConfig(config),
      config,
    };
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function run(action: any, workspacePath: string, input: object) {
    const { ctx, outputs, cleanup } = await actionContext({
      workspacePath,
      input: input as any,
    });
    try {
      await action.handler(ctx);
      return outputs();
    } finally {
      await cleanup();
    }
  }

  it('pushes the new changesets as drafts carrying the topic', async () => {
    const ws = await createTempDir('hg-ws-');
    try {
      await run(createHgCloneAction(options), ws.path, {
        repoUrl: `${server.host}?repo=team/service`,
      });
      for (const n of ['a', 'b']) {
        await fs.outputFile(path.join(ws.path, `${n}.md`), `${n}\n`);
        await run(createHgCommitAction(options), ws.path, {
          message: `Add ${n}`,
        });
      }
      const pushed = await run(createHgPushAction(options), ws.path, {
        topic: 'my-topic',
      });
      const served = server.repoDir('team/service');
      const log = await runHg(
        [
          '--config',
          'extensions.topic=',
          'log',
          '-R',
          served,
          '-T',
          '{phase} {topic} {desc|firstline}\n',
        ],
        {},
      );
      expect(log.trim().split('\n')).toEqual([
        'draft my-topic Add b',
        'draft my-topic Add a',
        // the server's changeset, draft too, is left alone
        expect.stringMatching(/^draft {2}/),
      ]);
      // the output is the rewritten changeset, the served tip
      expect(pushed.commitHash).toBe(
        await runHg(['log', '-R', served, '-r', 'tip', '-T', '{node}'], {}),
      );
    } finally {
      await ws.remove();
    }
  });

  it.each([
    ['', /it is empty/],
    ['1234', /only digits/],
    [' spaced', /whitespace/],
    ['a:b', /contains ':'/],
  ])(
    'refuses the topic name %j before pushing anything',
    async (topic, why) => {
      const ws = await createTempDir('hg-ws-');
      try {
        await run(createHgCloneAction(options), ws.path, {
          repoUrl: `${server.host}?repo=team/service`,
        });
        const before = await runHg(
          ['log', '-R', server.repoDir('team/service'), '-T', '{node}\n'],
          {},
        );
        await fs.outputFile(path.join(ws.path, 'c.md'), 'c\n');
        await run(createHgCommitAction(options), ws.path, { message: 'Add c' });
        await expect(
          run(createHgPushAction(options), ws.path, { topic }),
        ).rejects.toThrow(why);
        await expect(
          run(createHgPushAction(options), ws.path, { topic }),
        ).rejects.toThrow(/^Invalid topic name/);
        expect(
          await runHg(
            ['log', '-R', server.repoDir('team/service'), '-T', '{node}\n'],
            {},
          ),
        ).toBe(before);
      } finally {
        await ws.remove();
      }
    },
  );

  it('names mercurial-evolve when hg cannot load the topic extension', () => {
    const e = new HgCommandError('hg topics failed', {
      args: ['topics'],
      exitCode: 255,
      stderr:
        "*** failed to import extension \"topic\": No module named 'hgext3rd.topic'\nhg: unknown command 'topics'\n",
      timedOut: false,
      aborted: false,
    });
    expect(topicError(e)).toMatchObject({
      name: 'InputError',
      message: expect.stringMatching(/mercurial-evolve/),
    });
    const other = new Error('something else');
    expect(topicError(other)).toBe(other);
    expect(() => checkTopicName('fine-topic')).not.toThrow();
  });
});
