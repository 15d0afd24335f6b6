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
  createTempDir,
  KallitheaStandIn,
  runHg,
  startKallitheaStandIn,
} from '@backstage-mercurial/test-utils';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { getHgAuth } from '../../credentials/hgAuth';
import { MercurialCredentialsRequest } from '../../credentials/types';
import { MercurialHgwebClient } from '../../hgweb/MercurialHgwebClient';
import { NULL_NODE } from '../../hgweb/wire';
import { KallitheaServerClient } from './KallitheaServerClient';

const ADMIN_KEY = 'AdminKey0123456789abcdefghijklmnopqrstuv';
const ALICE_KEY = 'AliceKey0123456789abcdefghijklmnopqrstuv';
const SECRETS = [ADMIN_KEY, ALICE_KEY, 'admin-pw', 'alice-pw'];

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

describe('KallitheaServerClient', () => {
  let k: KallitheaStandIn;
  let tmp: { path: string; remove(): Promise<void> };
  let app: string[];
  const warnings: string[] = [];

  const clientOf = (
    credentials: MercurialCredentials | undefined,
    standIn = k,
  ) => {
    const asked: MercurialCredentialsRequest[] = [];
    const integration = new MercurialIntegration({
      host: standIn.host,
      baseUrl: standIn.baseUrl,
      flavor: 'kallithea',
      apiBaseUrl: standIn.apiUrl,
    });
    const root = MercurialHgwebClient.create({
      integrations: new MercurialIntegrations([integration]),
      credentials: {
        getCredentials: async (request: MercurialCredentialsRequest) => {
          asked.push(request);
          return credentials;
        },
      },
      retryDelayMs: 10,
      logger: {
        warn: (message: string) => warnings.push(message),
        info: () => {},
        debug: () => {},
        error: () => {},
        child: () => undefined as any,
      },
    });
    return {
      client: root.forIntegration(integration) as KallitheaServerClient,
      asked,
    };
  };
  const admin = () => clientOf({ type: 'bearer', token: ADMIN_KEY }).client;
  const alice = () => clientOf({ type: 'bearer', token: ALICE_KEY }).client;

  beforeAll(async () => {
    tmp = await createTempDir('kallithea-client-');
    k = await startKallitheaStandIn({
      users: [
        {
          username: 'admin',
          password: 'admin-pw',
          apiKey: ADMIN_KEY,
          admin: true,
        },
        { username: 'alice', password: 'alice-pw', apiKey: ALICE_KEY },
      ],
      repoNodesAdminOnly: true,
      repositories: [
        {
          name: 'team/app',
          description: 'The app',
          enableDownloads: true,
          commits: [
            {
              files: {
                'README.md': '# App\n',
                'docs/index.md': 'index\n',
                'docs/guide/a.md': 'a\n',
                'logo.bin': Buffer.from([0, 1, 2, 255, 0]),
              },
            },
            {
              files: { 'src/main.ts': 'main\n' },
              message: 'code',
              tags: ['v1.0'],
            },
            {
              files: { 'docs/index.md': 'index 2\n' },
              message: 'docs again',
              bookmarks: ['stable'],
            },
            {
              files: { 'feature.txt': 'f\n' },
              message: 'on feature',
              branch: 'feature',
            },
            {
              files: { 'README.md': '# App 2\n' },
              message: 'readme',
              parent: 'default',
              branch: 'default',
            },
          ],
        },
        {
          name: 'team/private',
          private: true,
          enableDownloads: true,
          commits: [{ files: { 's.txt': 's\n' } }],
        },
        { name: 'other/lib', commits: [{ files: { 'lib.txt': 'l\n' } }] },
        { name: 'nodl', commits: [{ files: { 'n.txt': 'n\n' } }] },
        { name: 'empty' },
      ],
    });
    app = k.created['team/app'].nodes;
  });

  afterAll(async () => {
    await k?.stop();
    await tmp?.remove();
  });

  it('is the client of a kallithea entry, with its URLs', async () => {
    const client = admin();
    expect(client).toBeInstanceOf(KallitheaServerClient);
    expect(client.repositoryUrl('team/app')).toBe(`${k.baseUrl}/team/app`);
    expect(client.changesetUrl('team/app', app[0])).toBe(
      `${k.baseUrl}/team/app/changeset/${app[0]}`,
    );
    await expect(
      client.parseUrl(`${k.baseUrl}/team/app/files/default/docs/index.md`),
    ).resolves.toEqual({
      repositoryPath: 'team/app',
      revision: 'default',
      path: 'docs/index.md',
      kind: 'file',
    });
    expect(await client.createMergeRequest()).toBeUndefined();
  });

  it('looks revisions up with get_changeset, one request each', async () => {
    const client = admin();
    const tip = (
      await runHg([
        '-R',
        k.repoDir('team/app'),
        'log',
        '-r',
        'tip',
        '-T',
        '{node}',
      ])
    ).trim();
    await expect(client.lookup('team/app', 'tip')).resolves.toBe(tip);
    await expect(client.lookup('team/app', 'feature')).resolves.toBe(app[3]);
    await expect(client.lookup('team/app', app[1].slice(0, 12))).resolves.toBe(
      app[1],
    );
    await expect(client.lookup('team/app', 'v1.0')).resolves.toBe(app[1]);
    await expect(client.lookup('team/app', 'nope')).resolves.toBeUndefined();
    expect(client.requestCount).toBe(5);
    await expect(client.lookup('empty', 'tip')).resolves.toBe(NULL_NODE);
    const before = client.requestCount;
    await expect(client.resolveNode('team/app', app[0])).resolves.toBe(app[0]);
    expect(client.requestCount).toBe(before);
    await expect(client.resolveNode('team/app', 'stable')).resolves.toBe(
      app[2],
    );
    const unknown = await failure(() => client.resolveNode('team/app', 'nope'));
    expect(unknown).toMatchObject({ name: 'NotFoundError' });
    expect(unknown.message).toMatch(
      /Revision 'nope' of team\/app was not found on the Mercurial server/,
    );
    const emptyRepo = await failure(() => client.resolveNode('empty', 'tip'));
    expect(emptyRepo.message).toMatch(/has no changesets/);
    const noRepo = await failure(() => client.lookup('team/nope', 'tip'));
    expect(noRepo).toMatchObject({ name: 'NotFoundError' });
    expect(noRepo.message).toContain('repository `team/nope` does not exist');
    expect(noRepo.message).toContain(k.host);
  });

  it('gets the state, branches and tags from get_repo with revision names', async () => {
    const client = admin();
    const tip = (
      await runHg([
        '-R',
        k.repoDir('team/app'),
        'log',
        '-r',
        'tip',
        '-T',
        '{node}',
      ])
    ).trim();
    const state = await client.getState('team/app', 'default');
    expect(state).toEqual({
      node: tip,
      tip,
      heads: expect.arrayContaining([tip, app[3]]),
      bookmarks: [{ name: 'stable', node: app[2] }],
    });
    expect(client.requestCount).toBe(1);
    expect(k.rpcCalls('get_repo').at(-1)).toMatchObject({
      credential: 'body-api-key',
      user: 'admin',
    });
    // a node that is no name costs one get_changeset more
    expect((await client.getState('team/app', app[0])).node).toBe(app[0]);
    expect(client.requestCount).toBe(3);
    expect(
      (await client.getState('team/app', 'f'.repeat(40))).node,
    ).toBeUndefined();
    expect(await client.getState('empty', 'default')).toEqual({
      tip: NULL_NODE,
      heads: [],
      bookmarks: [],
    });

    expect(await client.getBranches('team/app')).toEqual([
      { branch: 'default', node: tip, status: 'open' },
      { branch: 'feature', node: app[3], status: 'open' },
    ]);
    expect(await client.getTags('team/app')).toEqual(
      expect.arrayContaining([
        { tag: 'v1.0', node: app[1] },
        { tag: 'tip', node: tip },
      ]),
    );
  });

  it('reads files from /raw/ with the API key as Bearer', async () => {
    const client = admin();
    expect(
      (
        await bytes(await client.readFile('team/app', app[0], 'README.md'))
      ).toString(),
    ).toBe('# App\n');
    expect(
      (
        await bytes(await client.readFile('team/private', 'tip', 's.txt'))
      ).toString(),
    ).toBe('s\n');
    expect(
      await bytes(await client.readFile('team/app', app[0], 'logo.bin')),
    ).toEqual(Buffer.from([0, 1, 2, 255, 0]));
    const raw = k.requests
      .filter(r => r.path === '/team/private/raw/tip/s.txt')
      .at(-1);
    expect(raw).toMatchObject({
      credential: 'bearer',
      user: 'admin',
      status: 200,
    });
    const missing = await failure(() =>
      client.readFile('team/app', app[0], 'nope.md'),
    );
    expect(missing).toMatchObject({ name: 'NotFoundError' });
    expect(missing.message).toContain("file 'nope.md'");
    const dir = await failure(() =>
      client.readFile('team/app', app[0], 'docs'),
    );
    expect(dir).toMatchObject({ name: 'InputError' });
    const anonymous = await failure(() =>
      clientOf(undefined).client.readFile('team/private', 'tip', 's.txt'),
    );
    expect(anonymous).toMatchObject({ name: 'AuthenticationError' });
    expect(anonymous.message).toMatch(
      /api_access_controllers_whitelist; FilesController:raw must be among them/,
    );
  });

  it('explains the whitelist when the server does not take the key for raw files', async () => {
    const strict = await startKallitheaStandIn({
      users: [
        {
          username: 'admin',
          password: 'admin-pw',
          apiKey: ADMIN_KEY,
          admin: true,
        },
      ],
      whitelist: [],
      repositories: [
        {
          name: 'p',
          private: true,
          enableDownloads: true,
          commits: [{ files: { 'a.txt': 'a\n' } }],
        },
      ],
    });
    try {
      const client = clientOf(
        { type: 'bearer', token: ADMIN_KEY },
        strict,
      ).client;
      const raw = await failure(() => client.readFile('p', 'tip', 'a.txt'));
      expect(raw).toMatchObject({ name: 'AuthenticationError' });
      expect(raw.message).toContain('FilesController:raw');
      const archive = await failure(() => client.readArchive('p', 'tip', ''));
      expect(archive.message).toContain('FilesController:archivefile');
    } finally {
      await strict.stop();
    }
  });

  it('reads whole-repository archives, and knows the 200 text/html pages', async () => {
    const client = admin();
    const archive = await bytes(
      await client.readArchive('team/app', app[1], 'docs'),
    );
    const file = path.join(tmp.path, 'app.tar.gz');
    await fs.writeFile(file, archive);
    const entries = execFileSync('tar', ['-tzf', file], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean);
    const prefix = `app-${app[1].slice(0, 12)}/`;
    expect(entries.sort()).toEqual(
      [
        '.hg_archival.txt',
        'README.md',
        'docs/guide/a.md',
        'docs/index.md',
        'logo.bin',
        'src/main.ts',
      ]
        .map(e => prefix + e)
        .sort(),
    );

    warnings.length = 0;
    const before = client.requestCount;
    await expect(
      client.readArchive('nodl', 'tip', ''),
    ).resolves.toBeUndefined();
    await expect(
      client.readArchive('nodl', 'tip', ''),
    ).resolves.toBeUndefined();
    expect(client.requestCount).toBe(before + 2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /Downloads are disabled for nodl .* hg command line/,
    );

    const unknown = await failure(() =>
      client.readArchive('team/app', 'f'.repeat(40), ''),
    );
    expect(unknown).toMatchObject({ name: 'NotFoundError' });
    expect(unknown.message).toContain(`Unknown revision ${'f'.repeat(40)}`);
  });

  it('lists one level of a directory from get_repo_nodes', async () => {
    const client = admin();
    expect(await client.listDirectory('team/app', app[1], '')).toEqual([
      { name: 'docs', type: 'directory' },
      { name: 'src', type: 'directory' },
      { name: 'README.md', type: 'file' },
      { name: 'logo.bin', type: 'file' },
    ]);
    expect(await client.listDirectory('team/app', app[1], 'docs')).toEqual([
      { name: 'guide', type: 'directory' },
      { name: 'index.md', type: 'file' },
    ]);
    const missing = await failure(() =>
      client.listDirectory('team/app', app[1], 'nope'),
    );
    expect(missing).toMatchObject({ name: 'NotFoundError' });
    expect(missing.message).toContain("directory 'nope'");
    const notAdmin = await failure(() =>
      alice().listDirectory('team/app', app[1], ''),
    );
    expect(notAdmin).toMatchObject({ name: 'NotAllowedError' });
    expect(notAdmin.message).toMatch(/get_repo_nodes only to administrators/);
  });

  it('reads history newest first, by windows of revisions, with paths, paging and labels', async () => {
    const client = admin();
    const tip = (
      await runHg([
        '-R',
        k.repoDir('team/app'),
        'log',
        '-r',
        'tip',
        '-T',
        '{node}',
      ])
    ).trim();
    const hgLog = JSON.parse(
      await runHg(['-R', k.repoDir('team/app'), 'log', '-T', 'json']),
    );
    const all = await client.getHistory({
      repositoryPath: 'team/app',
      node: tip,
      path: '',
      limit: 10,
      what: 'the history of team/app',
    });
    expect(all.map(c => c.node)).toEqual(hgLog.map((c: any) => c.node));
    expect(all[0]).toEqual({
      node: tip,
      date: hgLog[0].date,
      desc: 'readme',
      branch: 'default',
      bookmarks: [],
      tags: ['tip'],
      user: 'Test User <test@example.com>',
      parents: [],
    });
    expect(all.find(c => c.node === app[3])!.branch).toBe('feature');
    expect(all.find(c => c.node === app[1])!.tags).toEqual(['v1.0']);
    expect(all.find(c => c.node === app[2])!.bookmarks).toEqual(['stable']);

    const calls = k.rpcCalls('get_changesets').length;
    const first = await client.getHistory({
      repositoryPath: 'team/app',
      node: tip,
      path: '',
      limit: 2,
      what: 'x',
    });
    expect(first.map(c => c.node)).toEqual(all.slice(0, 2).map(c => c.node));
    const second = await client.getHistory({
      repositoryPath: 'team/app',
      node: tip,
      path: '',
      limit: 2,
      before: first[1].node,
      what: 'x',
    });
    expect(second.map(c => c.node)).toEqual(all.slice(2, 4).map(c => c.node));
    // the branch labels are remembered for the same tip: one window call per page
    expect(k.rpcCalls('get_changesets').length - calls).toBe(2);

    const docs = await client.getHistory({
      repositoryPath: 'team/app',
      node: tip,
      path: 'docs',
      limit: 10,
      what: 'x',
    });
    expect(docs.map(c => c.node)).toEqual([app[2], app[0]]);
    expect(
      await client.getHistory({
        repositoryPath: 'empty',
        node: NULL_NODE,
        path: '',
        limit: 5,
        what: 'x',
      }),
    ).toEqual([]);
    const unknown = await failure(() =>
      client.getHistory({
        repositoryPath: 'team/app',
        node: 'f'.repeat(40),
        path: '',
        limit: 5,
        what: 'the history of team/app',
      }),
    );
    expect(unknown).toMatchObject({ name: 'NotFoundError' });
  });

  it('lists the hg repositories of get_repos, by group', async () => {
    const client = admin();
    const all = await client.listRepositories();
    expect(all.map(r => r.repositoryPath).sort()).toEqual([
      'empty',
      'nodl',
      'other/lib',
      'team/app',
      'team/private',
    ]);
    expect(all.find(r => r.repositoryPath === 'team/app')!.description).toBe(
      'The app',
    );
    // last_changeset: revision and node, for discovery
    expect(
      all.find(r => r.repositoryPath === 'team/app')!.changeMarker,
    ).toMatch(/^\d+:[0-9a-f]{40}$/);
    expect(all.find(r => r.repositoryPath === 'empty')!.changeMarker).toBe(
      `-1:${'0'.repeat(40)}`,
    );
    expect(
      (await client.listRepositories({ group: 'team' }))
        .map(r => r.repositoryPath)
        .sort(),
    ).toEqual(['team/app', 'team/private']);
    expect(
      (await alice().listRepositories()).map(r => r.repositoryPath),
    ).not.toContain('team/private');
  });

  it('creates repositories with their groups, downloads enabled, and refuses one that exists', async () => {
    const client = admin();
    const calls = k.rpcCalls().length;
    await expect(
      client.createRepository({
        repositoryPath: 'made/deep/repo',
        description: 'New',
      }),
    ).resolves.toBe(true);
    await expect(
      fs.stat(path.join(k.repoDir('made/deep/repo'), '.hg')),
    ).resolves.toBeTruthy();
    expect(
      k
        .rpcCalls()
        .slice(calls)
        .map(r => r.rpcMethod),
    ).toEqual([
      'create_repo',
      'create_repo_group',
      'create_repo_group',
      'create_repo',
      'update_repo',
    ]);
    const listed = await client.listRepositories({ group: 'made' });
    expect(listed).toEqual([
      {
        repositoryPath: 'made/deep/repo',
        description: 'New',
        changeMarker: `-1:${'0'.repeat(40)}`,
      },
    ]);
    // downloads on: an archive of the (empty) repository is not the disabled page
    const res = await fetch(
      `${k.baseUrl}/made/deep/repo/archive/tip.tar.gz?api_key=${ADMIN_KEY}`,
    );
    expect(await res.text()).toBe('Empty repository');
    const exists = await failure(() =>
      client.createRepository({ repositoryPath: 'made/deep/repo' }),
    );
    expect(exists).toMatchObject({ name: 'ConflictError' });
    const noGroup = await failure(() =>
      alice().createRepository({ repositoryPath: 'alices/repo' }),
    );
    expect(noGroup).toMatchObject({ name: 'NotAllowedError' });
    expect(noGroup.message).toMatch(/only administrators may create groups/);
    await expect(
      alice().createRepository({
        repositoryPath: 'alice-top',
        visibility: 'public',
      }),
    ).resolves.toBe(true);
  });

  it('maps a refused key and a call the API does not take, never naming the key', async () => {
    const bad = clientOf({ type: 'bearer', token: 'x'.repeat(40) }).client;
    const refused = await failure(() => bad.listRepositories());
    expect(refused).toMatchObject({ name: 'AuthenticationError' });
    expect(refused.message).toContain("'Invalid API key'");
    const basic = clientOf({
      type: 'basic',
      username: 'admin',
      password: 'admin-pw',
    });
    const noKey = await failure(() => basic.client.listRepositories());
    expect(noKey).toMatchObject({ name: 'AuthenticationError' });
    expect(noKey.message).toMatch(/takes an API key/);
    expect(basic.client.requestCount).toBe(0);
    const mismatch = await failure(() =>
      (admin() as any).call(
        'get_repo_refs',
        { repoid: 'team/app' },
        'the refs of team/app',
      ),
    );
    expect(mismatch).toMatchObject({
      name: 'MercurialServerError',
      statusCode: 502,
    });
    expect(mismatch.message).toMatch(
      /does not take the call get_repo_refs .*No such method: get_repo_refs/,
    );
    const missingArg = await failure(() =>
      (admin() as any).call('get_repo', {}, 'a repository'),
    );
    expect(missingArg.message).toMatch(
      /get_repo .*Missing non optional `repoid` arg/,
    );
  });

  it('lets the hg command line clone a private repository with the user name and password the API key stands for', async () => {
    const config = {
      host: k.host,
      baseUrl: k.baseUrl,
      flavor: 'kallithea' as const,
      username: 'admin',
      password: 'admin-pw',
      token: ADMIN_KEY,
    };
    const auth = getHgAuth(config, { type: 'bearer', token: ADMIN_KEY })!;
    expect(auth).toMatchObject({ username: 'admin', password: 'admin-pw' });
    const authArgs = (password: string) => [
      '--config',
      `auth.k.prefix=${auth.prefix}`,
      '--config',
      `auth.k.username=${auth.username}`,
      '--config',
      `auth.k.password=${password}`,
      '--config',
      'auth.k.schemes=http',
    ];
    const dest = path.join(tmp.path, 'clone');
    await runHg([
      'clone',
      '-q',
      ...authArgs(auth.password),
      k.repoUrl('team/private'),
      dest,
    ]);
    expect(await fs.readFile(path.join(dest, 's.txt'), 'utf8')).toBe('s\n');
    // the API key as the password is refused
    await expect(
      runHg([
        'clone',
        '-q',
        ...authArgs(ADMIN_KEY),
        k.repoUrl('team/private'),
        `${dest}-key`,
      ]),
    ).rejects.toThrow(/authorization failed/);
  });

  it('waits for a node', async () => {
    const client = admin();
    await expect(
      client.waitForNode({
        repositoryPath: 'team/app',
        node: app[0],
        timeoutMs: 2000,
      }),
    ).resolves.toBe(true);
    await expect(
      client.waitForNode({
        repositoryPath: 'team/app',
        node: 'e'.repeat(40),
        timeoutMs: 300,
      }),
    ).resolves.toBe(false);
  });

  // Last: every failure above kept its message.
  it('names no key and no password in any error', () => {
    expect(messages.length).toBeGreaterThan(10);
    for (const message of messages) {
      for (const secret of SECRETS) {
        expect(message).not.toContain(secret);
      }
    }
  });
});
