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
  runHg,
  startHeptapodStandIn,
  startHgServer,
  startKallitheaStandIn,
} from '@backstage-mercurial/test-utils';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { actionContext } from '../__testUtils__/actionContext';
import {
  createHeptapodMergeRequestAction,
  mergeRequestSourceRef,
} from './mergeRequest';

jest.setTimeout(60_000);

describe('heptapod:merge-request', () => {
  let server: HgTestServer;
  let integrations: MercurialIntegrations;
  let config: ConfigReader;

  beforeAll(async () => {
    server = await startHgServer({
      repositories: {
        'team/service': { commits: [{ files: { 'README.md': 'one\n' } }] },
      },
    });
    config = new ConfigReader({
      integrations: {
        mercurial: [{ host: server.host, baseUrl: server.baseUrl }],
      },
    });
    integrations = MercurialIntegrations.fromConfig(config);
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function run(input: object, auditor?: any) {
    const ws = await createTempDir('hg-ws-');
    const { ctx, outputs, cleanup } = await actionContext({
      workspacePath: ws.path,
      input: input as any,
    });
    try {
      await createHeptapodMergeRequestAction({
        integrations,
        config,
        auditor,
      }).handler(ctx);
      return outputs();
    } finally {
      await cleanup();
      await ws.remove();
    }
  }

  it('fails clearly on an hgweb server, naming the host and its flavor', async () => {
    const auditor = mockServices.auditor.mock();
    const event = { success: jest.fn(), fail: jest.fn() };
    auditor.createEvent.mockResolvedValue(event);
    await expect(
      run(
        {
          repoUrl: `${server.host}?repo=team/service`,
          topic: 'my-topic',
          title: 'Add docs',
        },
        auditor,
      ),
    ).rejects.toThrow(
      `Cannot open a merge request on ${server.host}: its flavor, hgweb, has no merge requests`,
    );
    expect(auditor.createEvent).toHaveBeenCalledWith({
      eventId: 'mercurial-merge-request-create',
      severityLevel: 'medium',
      meta: {
        onBehalfOf: 'user:default/mock',
        taskId: 'mock-task-id',
        host: server.host,
        repository: 'team/service',
        sourceRef: 'topic/default/my-topic',
        targetRef: 'branch/default',
        remoteUrl: `${server.baseUrl}/team/service`,
      },
    });
    expect(event.fail).toHaveBeenCalledTimes(1);
    expect(event.success).not.toHaveBeenCalled();
  });

  it('fails clearly on a Kallithea server, naming the host and its flavor', async () => {
    const k = await startKallitheaStandIn({
      users: [
        {
          username: 'admin',
          password: 'admin-pw',
          apiKey: 'k-admin-key',
          admin: true,
        },
      ],
      repositories: [
        {
          name: 'team/service',
          commits: [{ files: { 'README.md': 'one\n' } }],
        },
      ],
    });
    try {
      const kConfig = new ConfigReader({
        integrations: {
          mercurial: [
            {
              host: k.host,
              baseUrl: k.baseUrl,
              flavor: 'kallithea',
              apiBaseUrl: k.apiUrl,
              username: 'admin',
              password: 'admin-pw',
              token: 'k-admin-key',
            },
          ],
        },
      });
      const ws = await createTempDir('hg-ws-');
      const { ctx, cleanup } = await actionContext({
        workspacePath: ws.path,
        input: {
          repoUrl: `${k.host}?repo=team/service`,
          topic: 'my-topic',
          title: 'Add docs',
        } as any,
      });
      try {
        const handled = createHeptapodMergeRequestAction({
          integrations: MercurialIntegrations.fromConfig(kConfig),
          config: kConfig,
        }).handler(ctx);
        await expect(handled).rejects.toThrow(
          `Cannot open a merge request on ${k.host}: its flavor, kallithea, has no merge requests`,
        );
        await expect(handled).rejects.not.toThrow(/admin-pw|k-admin-key/);
      } finally {
        await cleanup();
        await ws.remove();
      }
    } finally {
      await k.stop();
    }
  });

  it('refuses an input without sourceBranch or topic before asking the server', async () => {
    await expect(
      run({ repoUrl: `${server.host}?repo=team/service`, title: 'x' }),
    ).rejects.toThrow(
      /Give the merge request's source: 'sourceBranch' .* or 'topic'/,
    );
  });

  it('builds the source ref from sourceBranch, or topic and branch', () => {
    expect(mergeRequestSourceRef({ sourceBranch: 'branch/feature' })).toBe(
      'branch/feature',
    );
    expect(mergeRequestSourceRef({ topic: 'my-topic' })).toBe(
      'topic/default/my-topic',
    );
    expect(mergeRequestSourceRef({ topic: 'my-topic', branch: 'stable' })).toBe(
      'topic/stable/my-topic',
    );
    expect(() =>
      mergeRequestSourceRef({ sourceBranch: 'branch/x', topic: 'y' }),
    ).toThrow(/not both/);
    expect(() => mergeRequestSourceRef({ topic: '42' })).toThrow(
      /Invalid topic name "42": it is only digits/,
    );
  });

  it('opens the merge request of a topic on a Heptapod server and outputs its URL', async () => {
    const token = 'glpat-merge-request-token';
    const heptapod = await startHeptapodStandIn({
      tokens: [token],
      projects: [
        {
          path: 'team/app',
          commits: [{ files: { 'README.md': 'one\n' } }],
        },
      ],
    });
    try {
      // a draft on the topic my-topic, as hg:push with topic leaves it
      const dir = heptapod.repoDir('team/app');
      const topic = ['--config', 'extensions.topic=', '-R', dir];
      await runHg([...topic, 'update', '-q', 'default']);
      await runHg([...topic, 'topics', 'my-topic']);
      await fs.writeFile(path.join(dir, 'docs.md'), 'docs\n');
      await runHg([...topic, 'commit', '-qAm', 'Docs', '-u', 'T <t@x>']);
      await runHg([...topic, 'phase', '--draft', '--force', '.']);

      const heptapodConfig = new ConfigReader({
        integrations: {
          mercurial: [
            {
              host: heptapod.host,
              baseUrl: heptapod.baseUrl,
              flavor: 'heptapod',
              token,
            },
          ],
        },
      });
      const ws = await createTempDir('hg-ws-');
      const { ctx, outputs, cleanup } = await actionContext({
        workspacePath: ws.path,
        input: {
          repoUrl: `${heptapod.host}?owner=team&repo=app`,
          topic: 'my-topic',
          title: 'Add docs',
          description: 'From a test',
        } as any,
      });
      try {
        await createHeptapodMergeRequestAction({
          integrations: MercurialIntegrations.fromConfig(heptapodConfig),
          config: heptapodConfig,
        }).handler(ctx);
        expect(outputs()).toEqual({
          mergeRequestUrl: `${heptapod.baseUrl}/team/app/-/merge_requests/1`,
          mergeRequestNumber: 1,
        });
      } finally {
        await cleanup();
        await ws.remove();
      }
      expect(heptapod.mergeRequests['team/app']).toEqual([
        {
          iid: 1,
          source_branch: 'topic/default/my-topic',
          target_branch: 'branch/default',
          title: 'Add docs',
          description: 'From a test',
        },
      ]);
    } finally {
      await heptapod.stop();
    }
  });
});
