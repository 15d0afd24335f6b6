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

import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { runHg } from '../hg';
import { createHgRepository } from '../repository';
import { createTempDir } from '../tempDir';
import { KallitheaStandIn, startKallitheaStandIn } from './kallithea';

const ADMIN_KEY = 'a'.repeat(40);
const USER_KEY = 'b'.repeat(40);

describe('startKallitheaStandIn', () => {
  let k: KallitheaStandIn;
  let tmp: { path: string; remove(): Promise<void> };
  let nodes: string[];

  beforeAll(async () => {
    tmp = await createTempDir('kallithea-shape-');
    // A repository the test makes itself with hg, in the directory.
    const made = await createHgRepository(
      path.join(tmp.path, 'repos', 'made'),
      {
        commits: [{ files: { 'x.txt': 'x\n' } }],
      },
    );
    if (made.nodes.length !== 1) {
      throw new Error('the repository the test made has no commit');
    }
    k = await startKallitheaStandIn({
      root: path.join(tmp.path, 'repos'),
      users: [
        {
          username: 'admin',
          password: 'admin-pw',
          apiKey: ADMIN_KEY,
          admin: true,
        },
        { username: 'alice', password: 'alice-pw', apiKey: USER_KEY },
      ],
      repositories: [
        {
          name: 'team/demo',
          description: 'Demo',
          enableDownloads: true,
          commits: [
            { files: { 'README.md': '# Demo\n', 'docs/index.md': 'index\n' } },
            {
              files: { 'docs/guide/a.md': 'a\n' },
              message: 'second commit',
              tags: ['v1'],
            },
            {
              files: { 'README.md': '# Demo 2\n' },
              branch: 'feature',
              bookmarks: ['bm'],
            },
          ],
        },
        {
          name: 'secret',
          private: true,
          commits: [{ files: { 's.txt': 's\n' } }],
        },
        { name: 'nodl', commits: [{ files: { 'n.txt': 'n\n' } }] },
        { name: 'empty' },
        { name: 'made' },
      ],
    });
    nodes = k.created['team/demo'].nodes;
  });

  afterAll(async () => {
    await k?.stop();
    await tmp?.remove();
  });

  const rpc = async (method: string, args: unknown, apiKey = ADMIN_KEY) => {
    const res = await fetch(k.apiUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 7, api_key: apiKey, method, args }),
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(Object.keys(body).sort()).toEqual(['error', 'id', 'result']);
    expect(body.id).toBe(7);
    return body as { id: number; result: any; error: string | null };
  };

  it('answers get_repos with the documented fields, last_changeset from hg', async () => {
    const { result, error } = await rpc('get_repos', {});
    expect(error).toBeNull();
    const demo = result.find((r: any) => r.repo_name === 'team/demo');
    expect(demo).toMatchObject({
      repo_type: 'hg',
      private: false,
      description: 'Demo',
      landing_rev: ['rev', 'tip'],
      owner: 'admin',
      enable_downloads: true,
    });
    expect(demo.created_on).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?$/,
    );
    const tip = (
      await runHg([
        '-R',
        k.repoDir('team/demo'),
        'log',
        '-r',
        'tip',
        '-T',
        '{node} {rev}',
      ])
    ).split(' ');
    expect(demo.last_changeset).toEqual({
      short_id: tip[0].slice(0, 12),
      raw_id: tip[0],
      revision: Number(tip[1]),
      message: expect.any(String),
      date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/),
      author: 'Test User <test@example.com>',
    });
    const empty = result.find((r: any) => r.repo_name === 'empty');
    expect(empty.last_changeset).toMatchObject({
      revision: -1,
      raw_id: '0'.repeat(40),
    });
    expect(result.map((r: any) => r.repo_name)).toContain('made');
    // a non-admin does not see a private repository of another
    const mine = await rpc('get_repos', {}, USER_KEY);
    expect(mine.result.map((r: any) => r.repo_name)).not.toContain('secret');
  });

  it.each([
    ['bad key', 'get_repos', {}, 'c'.repeat(40), 'Invalid API key'],
    [
      'unknown repository',
      'get_repo',
      { repoid: 'nope' },
      ADMIN_KEY,
      'repository `nope` does not exist',
    ],
    ['unknown method', 'x', {}, ADMIN_KEY, 'No such method: x'],
    [
      'missing arg',
      'get_repo',
      {},
      ADMIN_KEY,
      'Missing non optional `repoid` arg in JSON DATA',
    ],
    [
      'unknown arg',
      'get_repo',
      { repoid: 'empty', zap: 1 },
      ADMIN_KEY,
      'Unknown `zap` arg in JSON DATA',
    ],
    [
      'unknown changeset',
      'get_changeset',
      { repoid: 'team/demo', raw_id: 'deadbeef' },
      ADMIN_KEY,
      'Changeset deadbeef does not exist',
    ],
    [
      'admin-only method',
      'create_repo_group',
      { group_name: 'g' },
      USER_KEY,
      'Internal server error',
    ],
    [
      'empty repository',
      'get_changesets',
      { repoid: 'empty' },
      ADMIN_KEY,
      'Repository is empty',
    ],
  ])(
    'answers an error in "error" with HTTP 200: %s',
    async (_what, method, args, key, error) => {
      expect(await rpc(method, args, key)).toEqual({
        id: 7,
        result: null,
        error,
      });
    },
  );

  it('answers get_repo with members, followers and, on request, revision names', async () => {
    const { result } = await rpc('get_repo', {
      repoid: 'team/demo',
      with_revision_names: true,
    });
    expect(result).toMatchObject({
      repo_name: 'team/demo',
      members: expect.any(Array),
      followers: [],
    });
    expect(result.branches).toEqual({
      default: expect.stringMatching(/^[0-9a-f]{40}$/),
      feature: nodes[2],
    });
    expect(result.tags).toMatchObject({ v1: nodes[1], tip: nodes[2] });
    expect(result.bookmarks).toEqual({ bm: nodes[2] });
    const plain = await rpc('get_repo', { repoid: 'team/demo' });
    expect(plain.result.branches).toBeUndefined();
  });

  it('answers get_changesets oldest first, with the limit applied before the reversal', async () => {
    const all = await rpc('get_changesets', { repoid: 'team/demo' });
    expect(all.result.map((c: any) => c.revision)).toEqual([0, 1, 2, 3]);
    expect(Object.keys(all.result[0]).sort()).toEqual([
      'author',
      'date',
      'message',
      'raw_id',
      'revision',
      'short_id',
    ]);
    expect(all.result[1]).toMatchObject({
      raw_id: nodes[1],
      message: 'second commit',
    });
    const reversedOne = await rpc('get_changesets', {
      repoid: 'team/demo',
      reverse: true,
      max_revisions: 1,
    });
    expect(reversedOne.result.map((c: any) => c.revision)).toEqual([0]);
    const window = await rpc('get_changesets', {
      repoid: 'team/demo',
      start: 1,
      end: nodes[2],
      reverse: true,
      with_file_list: true,
    });
    expect(window.result.map((c: any) => c.revision)).toEqual([3, 2, 1]);
    expect(window.result[2]).toMatchObject({
      added: ['docs/guide/a.md'],
      changed: [],
      removed: [],
    });
    const branch = await rpc('get_changesets', {
      repoid: 'team/demo',
      branch_name: 'feature',
    });
    expect(branch.result.map((c: any) => c.raw_id)).toEqual([nodes[2]]);
  });

  it('answers get_changeset with the author split', async () => {
    const { result } = await rpc('get_changeset', {
      repoid: 'team/demo',
      raw_id: 'tip',
    });
    expect(result).toMatchObject({
      raw_id: nodes[2],
      author: { name: 'Test User', email: 'test@example.com' },
      changed: ['README.md'],
      added: [],
      removed: [],
    });
  });

  it('answers get_repo_nodes with a flat recursive list', async () => {
    const { result } = await rpc('get_repo_nodes', {
      repoid: 'team/demo',
      revision: nodes[1],
      root_path: 'docs',
      ret_type: 'all',
    });
    expect(result).toEqual([
      { name: 'docs/guide', type: 'dir' },
      { name: 'docs/index.md', type: 'file' },
      { name: 'docs/guide/a.md', type: 'file' },
    ]);
    expect(
      (
        await rpc('get_repo_nodes', {
          repoid: 'team/demo',
          revision: 'tip',
          root_path: 'nope',
        })
      ).error,
    ).toBe('failed to get repo: `team/demo` nodes');
  });

  it('creates repositories and groups as Kallithea does', async () => {
    expect(
      (await rpc('create_repo', { repo_name: 'g/new', repo_type: 'hg' })).error,
    ).toBe('repo group `g` not found');
    expect(
      (await rpc('create_repo_group', { group_name: 'g' })).result.msg,
    ).toBe('created new repo group `g`');
    expect(
      await rpc('create_repo', {
        repo_name: 'g/new',
        repo_type: 'hg',
        enable_downloads: true,
      }),
    ).toMatchObject({
      result: { msg: 'Created new repository `g/new`', success: true },
    });
    expect(
      (await rpc('create_repo', { repo_name: 'g/new', repo_type: 'hg' })).error,
    ).toBe('repo `g/new` already exist');
    await expect(
      fs.stat(path.join(k.repoDir('g/new'), '.hg')),
    ).resolves.toBeTruthy();
    const { result } = await rpc('get_repo', { repoid: 'g/new' });
    expect(result.enable_downloads).toBe(false);
    const updated = await rpc('update_repo', {
      repoid: 'g/new',
      enable_downloads: true,
    });
    expect(updated.result.repository.enable_downloads).toBe(true);
  });

  it('serves raw files inline, 404 HTML for a missing path', async () => {
    const res = await fetch(
      `${k.baseUrl}/team/demo/raw/${nodes[0].slice(0, 12)}/README.md`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=UTF-8');
    expect(res.headers.get('content-disposition')).toMatch(/^inline/);
    expect(await res.text()).toBe('# Demo\n');
    const attachment = await fetch(
      `${k.baseUrl}/team/demo/rawfile/tip/README.md`,
    );
    expect(attachment.headers.get('content-disposition')).toMatch(
      /^attachment/,
    );
    const missing = await fetch(`${k.baseUrl}/team/demo/raw/tip/nope.md`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('takes an API key only for whitelisted views, never HTTP Basic', async () => {
    const anonymous = await fetch(`${k.baseUrl}/secret/raw/tip/s.txt`, {
      redirect: 'manual',
    });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toMatch(/^\/_admin\/login/);
    const basic = await fetch(`${k.baseUrl}/secret/raw/tip/s.txt`, {
      redirect: 'manual',
      headers: {
        Authorization: `Basic ${Buffer.from('admin:admin-pw').toString('base64')}`,
      },
    });
    expect(basic.status).toBe(302);
    const bearer = await fetch(`${k.baseUrl}/secret/raw/tip/s.txt`, {
      headers: { Authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(await bearer.text()).toBe('s\n');
    const query = await fetch(
      `${k.baseUrl}/secret/raw/tip/s.txt?api_key=${ADMIN_KEY}`,
    );
    expect(query.status).toBe(200);
    // rawfile is not whitelisted by default
    const rawfile = await fetch(`${k.baseUrl}/secret/rawfile/tip/s.txt`, {
      redirect: 'manual',
      headers: { Authorization: `Bearer ${ADMIN_KEY}` },
    });
    expect(rawfile.status).toBe(302);
    expect(k.requests.at(-1)).toMatchObject({
      kind: 'web',
      credential: 'bearer',
      user: undefined,
      status: 302,
    });
  });

  it('serves real hg archives, and the 200 text/html pages', async () => {
    const res = await fetch(
      `${k.baseUrl}/team/demo/archive/${nodes[0]}.tar.gz`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-gzip');
    const file = path.join(tmp.path, 'a.tar.gz');
    await fs.writeFile(file, Buffer.from(await res.arrayBuffer()));
    const listing = execFileSync('tar', ['-tzf', file], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .sort();
    const prefix = `demo-${nodes[0].slice(0, 12)}/`;
    expect(listing).toEqual(
      [
        `${prefix}.hg_archival.txt`,
        `${prefix}README.md`,
        `${prefix}docs/index.md`,
      ].sort(),
    );
    const page = async (url: string) => {
      const r = await fetch(url);
      return [r.status, r.headers.get('content-type'), await r.text()];
    };
    expect(await page(`${k.baseUrl}/nodl/archive/tip.tar.gz`)).toEqual([
      200,
      'text/html; charset=UTF-8',
      'Downloads disabled',
    ]);
    expect(await page(`${k.baseUrl}/team/demo/archive/nope.tar.gz`)).toEqual([
      200,
      'text/html; charset=UTF-8',
      'Unknown revision nope',
    ]);
    expect(
      (await fetch(`${k.baseUrl}/team/demo/archive/tip/docs.tar.gz`)).status,
    ).toBe(404);
  });

  it('lets hg clone public repositories anonymously, private ones with user name and password only', async () => {
    const dest = path.join(tmp.path, 'clones');
    await fs.mkdir(dest, { recursive: true });
    await runHg([
      'clone',
      '-q',
      k.repoUrl('team/demo'),
      path.join(dest, 'demo'),
    ]);
    const auth = (user: string, password: string) => [
      '--config',
      `auth.k.prefix=${k.baseUrl}`,
      '--config',
      `auth.k.username=${user}`,
      '--config',
      `auth.k.password=${password}`,
      '--config',
      'auth.k.schemes=http',
    ];
    await expect(
      runHg([
        'clone',
        '-q',
        ...auth('admin', ADMIN_KEY),
        k.repoUrl('secret'),
        path.join(dest, 'key'),
      ]),
    ).rejects.toThrow(/authorization failed/);
    await runHg([
      'clone',
      '-q',
      ...auth('admin', 'admin-pw'),
      k.repoUrl('secret'),
      path.join(dest, 'secret'),
    ]);
    expect(await fs.readFile(path.join(dest, 'secret', 's.txt'), 'utf8')).toBe(
      's\n',
    );
    expect(
      k.requests.filter(r => r.kind === 'hg' && r.user === 'admin').length,
    ).toBeGreaterThan(0);
  });

  it('records every request, JSON-RPC calls by method', async () => {
    const before = k.rpcCalls('get_repos').length;
    await rpc('get_repos', {});
    expect(k.rpcCalls('get_repos')).toHaveLength(before + 1);
    expect(k.rpcCalls('get_repos').at(-1)).toMatchObject({
      credential: 'body-api-key',
      user: 'admin',
      status: 200,
    });
    const q = await fetch(
      `${k.baseUrl}/team/demo/raw/tip/README.md?api_key=${USER_KEY}`,
    );
    await q.text();
    expect(k.requests.at(-1)!.query.api_key).toBe('***');
  });
});
