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
  MercurialCredentials,
  MercurialIntegration,
  MercurialIntegrations,
} from '@backstage-mercurial/integration';
import {
  HeptapodStandIn,
  runHg,
  startHeptapodStandIn,
} from '@backstage-mercurial/test-utils';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { MercurialHgwebClient } from '../../hgweb/MercurialHgwebClient';
import { NULL_NODE } from '../../hgweb/wire';
import { HeptapodServerClient } from './HeptapodServerClient';

const TOKEN = 'glpat-Secret0123456789';

const messages: string[] = [];

/** Runs `fn`, expecting it to fail; keeps the message for the no-secret check. */
async function failure(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    messages.push(String((e as Error).message));
    return e as Error;
  }
  throw new Error('expected a failure');
}

async function bytes(stream: Readable | undefined): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream!) {
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

describe('HeptapodServerClient', () => {
  let h: HeptapodStandIn;
  /** team/app's nodes, oldest first. */
  let nodes: string[];
  let releaseNode: string;

  const clientOf = (credentials: MercurialCredentials | undefined) => {
    const integration = new MercurialIntegration({
      host: h.host,
      baseUrl: h.baseUrl,
      flavor: 'heptapod',
      apiBaseUrl: h.apiUrl,
    });
    const root = MercurialHgwebClient.create({
      integrations: new MercurialIntegrations([integration]),
      credentials: { getCredentials: async () => credentials },
      retryDelayMs: 10,
    });
    return root.forIntegration(integration) as HeptapodServerClient;
  };
  const client = () => clientOf({ type: 'bearer', token: TOKEN });

  beforeAll(async () => {
    h = await startHeptapodStandIn({
      tokens: [TOKEN],
      maxPerPage: 2,
      projects: [
        {
          path: 'team/sub/app',
          description: 'The app',
          commits: [
            {
              files: {
                'README.md': '# App\n',
                'docs/index.md': 'index\n',
                'docs/guide/a.md': 'a\n',
                'docs/b.md': 'b\n',
                'src/main.ts': 'main\n',
              },
              message: 'First',
              user: 'Alice <alice@example.com>',
              tags: ['v1.0'],
            },
            {
              files: { 'docs/index.md': 'index, again\n' },
              message: 'Second',
              user: 'Bob <bob@example.com>',
            },
            {
              branch: 'release/1.x',
              files: { 'README.md': '# App 1.x\n' },
              message: 'On the release branch',
            },
          ],
        },
        { path: 'team/empty' },
        { path: 'team/old', archived: true, commits: [{ files: { a: 'a' } }] },
        { path: 'team/git', vcsType: 'git' },
        { path: 'other/tool', commits: [{ files: { a: 'a' } }] },
      ],
    });
    const log = await runHg([
      '-R',
      h.repoDir('team/sub/app'),
      'log',
      '-r',
      'all()',
      '-T',
      '{node} {branch}\\n',
    ]);
    const lines = log.trim().split('\n');
    nodes = lines.map(l => l.split(' ')[0]);
    releaseNode = lines.find(l => l.endsWith(' release/1.x'))!.split(' ')[0];
  });

  afterAll(async () => {
    await h?.stop();
  });

  it('resolves branches, tags and nodes to hg nodes; an unchanged head check costs one request once the project is known', async () => {
    const c = client();
    const main = nodes.filter(n => n !== releaseNode);
    // (the tag v1.0 is a changeset of its own on default)
    const defaultHead = main[main.length - 1];
    expect(await c.lookup('team/sub/app', 'branch/default')).toBe(defaultHead);
    expect(await c.lookup('team/sub/app', 'default')).toBe(defaultHead);
    expect(await c.lookup('team/sub/app', 'tip')).toBe(defaultHead);
    expect(await c.lookup('team/sub/app', 'branch/release/1.x')).toBe(
      releaseNode,
    );
    expect(await c.lookup('team/sub/app', 'v1.0')).toBe(nodes[0]);
    expect(await c.lookup('team/sub/app', nodes[0].slice(0, 12))).toBe(
      nodes[0],
    );
    expect(await c.lookup('team/sub/app', 'branch/nope')).toBeUndefined();
    expect(await c.lookup('team/empty', 'tip')).toBe(NULL_NODE);
    const before = h.apiRequests().length;
    expect(await c.lookup('team/sub/app', 'branch/default')).toBe(defaultHead);
    expect(h.apiRequests().length - before).toBe(1);
    expect(h.apiRequests().slice(-1)[0]).toMatchObject({
      credential: 'bearer',
      query: { ref_name: 'branch/default', per_page: '1' },
    });
    await expect(
      c.resolveNode('team/sub/app', 'branch/nope'),
    ).rejects.toMatchObject({ name: 'NotFoundError' });
  });

  it('parses URLs by the longest branch name of the project, and the project page as its default branch', async () => {
    const c = client();
    await expect(
      c.parseUrl(
        `${h.baseUrl}/team/sub/app/-/blob/branch/release/1.x/README.md`,
      ),
    ).resolves.toEqual({
      repositoryPath: 'team/sub/app',
      revision: 'branch/release/1.x',
      path: 'README.md',
      kind: 'file',
    });
    await expect(
      c.parseUrl(`${h.baseUrl}/team/sub/app/-/tree/v1.0/docs/`),
    ).resolves.toMatchObject({ revision: 'v1.0', path: 'docs' });
    await expect(c.parseUrl(`${h.baseUrl}/team/sub/app`)).resolves.toEqual({
      repositoryPath: 'team/sub/app',
      path: '',
      kind: 'repository',
    });
    const e = await failure(() =>
      c.parseUrl(`${h.baseUrl}/team/sub/app/-/blob/branch/nope/README.md`),
    );
    expect(e.name).toBe('InputError');
  });

  it('reads files, directories (every page) and archives of only the asked tree', async () => {
    const c = client();
    const head = await c.resolveNode('team/sub/app', 'branch/default');
    expect(
      (
        await bytes(await c.readFile('team/sub/app', head, 'docs/index.md'))
      ).toString(),
    ).toBe('index, again\n');
    const missing = await failure(() =>
      c.readFile('team/sub/app', head, 'nope.md'),
    );
    expect(missing.name).toBe('NotFoundError');
    // 4 entries, 2 per page: two pages
    const before = h.apiRequests().length;
    expect(await c.listDirectory('team/sub/app', head, 'docs')).toEqual([
      { name: 'guide', type: 'directory' },
      { name: 'b.md', type: 'file' },
      { name: 'index.md', type: 'file' },
    ]);
    expect(h.apiRequests().length - before).toBe(2);
    const archive = await bytes(
      await c.readArchive('team/sub/app', head, 'docs'),
    );
    const listing = execFileSync('tar', ['-tzf', '-'], { input: archive })
      .toString()
      .trim()
      .split('\n')
      .map(line => line.split('/').slice(1).join('/'))
      .sort();
    expect(listing).toEqual(['docs/b.md', 'docs/guide/a.md', 'docs/index.md']);
  });

  it('answers the history with hg nodes, page by page, and the branches and tags', async () => {
    const c = client();
    const head = await c.resolveNode('team/sub/app', 'branch/default');
    const first = await c.getHistory({
      repositoryPath: 'team/sub/app',
      node: head,
      path: '',
      limit: 2,
      what: 'the history',
    });
    expect(first.map(x => x.node)).toEqual([
      head,
      nodes[nodes.indexOf(head) - 1],
    ]);
    const second = await c.getHistory({
      repositoryPath: 'team/sub/app',
      node: head,
      path: '',
      before: first[1].node,
      limit: 2,
      what: 'the history',
    });
    expect(second.map(x => x.desc)).toEqual(['First']);
    expect(second[0]).toMatchObject({
      node: nodes[0],
      tags: ['v1.0'],
      user: 'Alice <alice@example.com>',
    });
    const docs = await c.getHistory({
      repositoryPath: 'team/sub/app',
      node: head,
      path: 'docs/index.md',
      limit: 10,
      what: 'the history',
    });
    expect(docs.map(x => x.desc)).toEqual(['Second', 'First']);
    // more than a page (the stand-in's pages hold 2): X-Next-Page followed
    const all = await c.getHistory({
      repositoryPath: 'team/sub/app',
      node: head,
      path: '',
      limit: 50,
      what: 'the history',
    });
    expect(all.map(x => x.node)).toEqual(
      nodes.filter(n => n !== releaseNode).reverse(),
    );
    expect(
      (await c.getBranches('team/sub/app')).map(b => b.branch).sort(),
    ).toEqual(['default', 'release/1.x']);
    expect(await c.getTags('team/sub/app')).toEqual([
      { tag: 'v1.0', node: nodes[0] },
    ]);
    expect(c.changesetUrl('team/sub/app', head)).toBe(
      `${h.baseUrl}/team/sub/app/-/commit/${head}`,
    );
  });

  it('lists hg projects only, archived ones left out, of the server or of a group with its subgroups', async () => {
    const c = client();
    expect(
      (await c.listRepositories()).map(r => r.repositoryPath).sort(),
    ).toEqual(['other/tool', 'team/empty', 'team/sub/app']);
    expect(await c.listRepositories({ group: 'team' })).toEqual([
      // last_activity_at, trusted when older than GitLab's hour in which it
      // is not moved again (the commits are of 2024)
      {
        repositoryPath: 'team/sub/app',
        description: 'The app',
        changeMarker: expect.stringMatching(/^2024-01-01T/),
      },
      // created just now: no marker, discovery reads it every run
      { repositoryPath: 'team/empty' },
    ]);
    // without a token, private projects are not there at all
    expect(await clientOf(undefined).listRepositories()).toEqual([]);
  });

  it('creates a project in its group, refuses one that exists, and opens merge requests', async () => {
    const c = client();
    expect(
      await c.createRepository({ repositoryPath: 'team/sub/new-one' }),
    ).toBe(true);
    expect(await c.lookup('team/sub/new-one', 'tip')).toBe(NULL_NODE);
    const taken = await failure(() =>
      c.createRepository({ repositoryPath: 'team/sub/new-one' }),
    );
    expect(taken.name).toBe('ConflictError');
    const noGroup = await failure(() =>
      c.createRepository({ repositoryPath: 'nope/x' }),
    );
    expect(noGroup.name).toBe('NotFoundError');

    const mr = await c.createMergeRequest({
      repositoryPath: 'team/sub/app',
      sourceRef: 'branch/release/1.x',
      targetRef: 'branch/default',
      title: 'Release',
    });
    expect(mr).toEqual({
      url: `${h.baseUrl}/team/sub/app/-/merge_requests/1`,
      number: 1,
    });
    const again = await failure(() =>
      c.createMergeRequest({
        repositoryPath: 'team/sub/app',
        sourceRef: 'branch/release/1.x',
        targetRef: 'branch/default',
        title: 'Release again',
      }),
    );
    expect(again.name).toBe('ConflictError');
    expect(again.message).toContain('Another open merge request');
  });

  it('maps a refused token and a missing project to Backstage errors without the token', async () => {
    const bad = await failure(() =>
      clientOf({ type: 'bearer', token: `${TOKEN}-revoked` }).lookup(
        'team/sub/app',
        'tip',
      ),
    );
    expect(bad.name).toBe('AuthenticationError');
    expect(bad.message).not.toContain('revoked');
    const missing = await failure(() => client().lookup('team/nope', 'tip'));
    expect(missing.name).toBe('NotFoundError');
    expect(missing.message).toContain('team/nope');
  });
  // Last: the failures of every test above.
  it('never puts the token in an error message', () => {
    expect(messages.length).toBeGreaterThan(5);
    expect(messages.join('\n')).not.toContain(TOKEN);
  });
});
