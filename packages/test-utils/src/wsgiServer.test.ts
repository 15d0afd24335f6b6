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

import execa from 'execa';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runHg } from './hg';
import { createTempDir } from './tempDir';
import {
  hgwebCredentialCommandPath,
  HgwebWsgiServer,
  mintHgwebPassword,
  startHgwebWsgi,
  writeHgwebMintSecret,
} from './wsgiServer';

jest.setTimeout(60_000);

const SECRET = 'mint-secret-5f1c9e0b7a';
const USERS = { alice: 'alice-password-1', bob: 'bob-password-2' };

const basic = (user: string, password: string) => ({
  authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
});
const as = (user: keyof typeof USERS) => basic(user, USERS[user]);

/** An hgrc with an [auth] section for the server: hg sends it after a 401. */
async function hgrcFor(
  dir: string,
  server: HgwebWsgiServer,
  user: string,
  password: string,
): Promise<Record<string, string>> {
  const file = path.join(
    dir,
    `hgrc-${user}-${Math.random().toString(36).slice(2)}`,
  );
  await fs.writeFile(
    file,
    [
      '[ui]',
      `username = ${user} <${user}@example.com>`,
      'interactive = false',
      '[auth]',
      `test.prefix = ${server.baseUrl}`,
      `test.username = ${user}`,
      `test.password = ${password}`,
      'test.schemes = http',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return { HGRCPATH: file };
}

async function tipOf(dir: string): Promise<string> {
  return (
    await runHg(['log', '-r', 'tip', '-T', '{node}'], { cwd: dir })
  ).trim();
}

/** The pids of this process's children whose command line mentions `word`. */
async function childPids(word: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces, so after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = await fs.readFile(`/proc/${entry}/cmdline`, 'utf8');
      if (ppid === process.pid && cmdline.includes(word)) {
        pids.push(Number(entry));
      }
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

describe('startHgwebWsgi', () => {
  let server: HgwebWsgiServer;
  let tmp: { path: string; remove(): Promise<void> };

  beforeAll(async () => {
    tmp = await createTempDir('hgweb-wsgi-test-');
    server = await startHgwebWsgi({
      users: USERS,
      mintSecret: SECRET,
      repositories: {
        'team/private': {
          commits: [{ files: { 'README.md': '# Private\n' } }],
          access: { allowRead: ['alice'] },
        },
        'team/shared': {
          commits: [{ files: { 'README.md': '# Shared\n' } }],
          access: { allowPush: ['alice'] },
        },
      },
    });
  });

  afterAll(async () => {
    await server?.stop();
    await tmp?.remove();
  });

  it('lets only the users hgweb allows read a repository', async () => {
    const url = `${server.repoUrl('team/private')}/json-log`;
    const alice = await fetch(url, { headers: as('alice') });
    expect(alice.status).toBe(200);
    const log = await alice.json();
    expect(log.node).toBe(server.repositories['team/private'].nodes[0]);

    const bob = await fetch(url, { headers: as('bob') });
    expect(bob.status).toBe(401);
    expect(await bob.text()).toContain('read not authorized');

    // The index lists only what the user may read.
    const index = async (user: keyof typeof USERS) =>
      (
        (await (
          await fetch(`${server.baseUrl}/?style=json`, { headers: as(user) })
        ).json()) as { entries: Array<{ name: string }> }
      ).entries
        .map(e => e.name)
        .sort();
    expect(await index('alice')).toEqual(['team/private', 'team/shared']);
    expect(await index('bob')).toEqual(['team/shared']);
  });

  it('challenges requests without valid Basic credentials', async () => {
    const url = `${server.repoUrl('team/shared')}/json-log`;
    for (const headers of [
      {},
      basic('alice', 'wrong'),
      basic('nobody', 'alice-password-1'),
      { authorization: 'Bearer alice-password-1' },
    ]) {
      const res = await fetch(url, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(
        /^Basic realm="[^"]+"$/,
      );
      await res.text();
    }
  });

  it('accepts minted passwords until they expire, and no forged ones', async () => {
    server.clearRequests();
    const url = `${server.repoUrl('team/private')}/json-log`;
    const fresh = mintHgwebPassword(SECRET, 'alice', 60_000);
    expect(fresh.password).toMatch(/^v1\.\d+\.[0-9a-f]{64}$/);
    expect(fresh.expiresAt.getTime()).toBeGreaterThan(Date.now());
    const get = async (user: string, password: string) => {
      const res = await fetch(url, { headers: basic(user, password) });
      await res.text();
      return res.status;
    };
    expect(await get('alice', fresh.password)).toBe(200);
    // A minted password for bob is bob's: hgweb still refuses him.
    expect(
      await get('bob', mintHgwebPassword(SECRET, 'bob', 60_000).password),
    ).toBe(401);

    const expired = mintHgwebPassword(SECRET, 'alice', -1_000);
    expect(await get('alice', expired.password)).toBe(401);
    const otherSecret = mintHgwebPassword('another-secret', 'alice', 60_000);
    expect(await get('alice', otherSecret.password)).toBe(401);
    // alice's password is not bob's, and the expiry cannot be moved.
    expect(await get('bob', fresh.password)).toBe(401);
    const [, expiry, mac] = fresh.password.split('.');
    expect(await get('alice', `v1.${Number(expiry) + 3600}.${mac}`)).toBe(401);
    // What the server saw: the bad passwords authenticated nobody.
    expect(server.requests().map(r => [r.user, r.status])).toEqual([
      ['alice', 200],
      ['bob', 401],
      [undefined, 401],
      [undefined, 401],
      [undefined, 401],
      [undefined, 401],
    ]);
  });

  it('records each request answered: method, path, query, user and status', async () => {
    server.clearRequests();
    expect(server.requests()).toEqual([]);
    await (
      await fetch(`${server.repoUrl('team/private')}/json-log?revcount=1`, {
        headers: as('alice'),
      })
    ).text();
    await (
      await fetch(`${server.repoUrl('team/private')}/json-log`, {
        headers: as('bob'),
      })
    ).text();
    await (await fetch(`${server.baseUrl}/?style=json`)).text();
    expect(server.requests()).toEqual([
      {
        method: 'GET',
        path: '/team/private/json-log',
        query: 'revcount=1',
        user: 'alice',
        status: 200,
      },
      {
        method: 'GET',
        path: '/team/private/json-log',
        query: '',
        user: 'bob',
        status: 401,
      },
      { method: 'GET', path: '/', query: 'style=json', status: 401 },
    ]);
  });

  it('serves hg clone to a permitted user who sends credentials after the challenge', async () => {
    const dir = path.join(tmp.path, 'clone-alice');
    await runHg(['clone', server.repoUrl('team/private'), dir], {
      env: await hgrcFor(tmp.path, server, 'alice', USERS.alice),
    });
    expect(await fs.readFile(path.join(dir, 'README.md'), 'utf8')).toBe(
      '# Private\n',
    );
    expect(await tipOf(dir)).toBe(server.repositories['team/private'].nodes[0]);

    await expect(
      runHg(
        [
          'clone',
          server.repoUrl('team/private'),
          path.join(tmp.path, 'clone-bob'),
        ],
        {
          env: await hgrcFor(tmp.path, server, 'bob', USERS.bob),
        },
      ),
    ).rejects.toThrow(/authorization failed|401/);
  });

  it('lets only allow-push users push', async () => {
    const serverDir = server.repoDir('team/shared');
    const before = await tipOf(serverDir);
    const bobEnv = await hgrcFor(tmp.path, server, 'bob', USERS.bob);
    const bobDir = path.join(tmp.path, 'push-bob');
    await runHg(['clone', server.repoUrl('team/shared'), bobDir], {
      env: bobEnv,
    });
    await fs.writeFile(path.join(bobDir, 'bob.txt'), 'bob\n');
    await runHg(['commit', '-A', '-m', 'by bob'], { cwd: bobDir, env: bobEnv });
    await expect(runHg(['push'], { cwd: bobDir, env: bobEnv })).rejects.toThrow(
      /authorization failed|push not authorized|401/,
    );
    expect(await tipOf(serverDir)).toBe(before);
    expect(server.requests()).toContainEqual(
      expect.objectContaining({ method: 'POST', user: 'bob', status: 401 }),
    );

    const aliceEnv = await hgrcFor(tmp.path, server, 'alice', USERS.alice);
    const aliceDir = path.join(tmp.path, 'push-alice');
    await runHg(['clone', server.repoUrl('team/shared'), aliceDir], {
      env: aliceEnv,
    });
    await fs.writeFile(path.join(aliceDir, 'alice.txt'), 'alice\n');
    await runHg(['commit', '-A', '-m', 'by alice'], {
      cwd: aliceDir,
      env: aliceEnv,
    });
    await runHg(['push'], { cwd: aliceDir, env: aliceEnv });
    const pushed = await tipOf(aliceDir);
    expect(pushed).not.toBe(before);
    expect(await tipOf(serverDir)).toBe(pushed);
    expect(server.requests()).toContainEqual(
      expect.objectContaining({
        method: 'POST',
        query: expect.stringContaining('cmd=unbundle'),
        user: 'alice',
        status: 200,
      }),
    );
  });

  it('applies new access rules from the next request on', async () => {
    const url = `${server.repoUrl('team/private')}/json-log`;
    const status = async (user: keyof typeof USERS) => {
      const res = await fetch(url, { headers: as(user) });
      await res.text();
      return res.status;
    };
    await server.setAccess('team/private', { allowRead: ['bob'] });
    try {
      expect(await status('bob')).toBe(200);
      expect(await status('alice')).toBe(401);
      await server.setAccess('team/private', { denyRead: ['bob'] });
      expect(await status('bob')).toBe(401);
      expect(await status('alice')).toBe(200);
    } finally {
      await server.setAccess('team/private', { allowRead: ['alice'] });
    }
    expect(await status('bob')).toBe(401);
    await expect(server.setAccess('team/missing', {})).rejects.toThrow(
      /no repository at/,
    );
  });

  it('serves added repositories with their rules at once', async () => {
    const info = await server.addRepository('later/one', {
      commits: [{ files: { 'a.txt': 'a\n' } }],
      access: { allowRead: ['bob'] },
    });
    expect(info.path).toBe(server.repoDir('later/one'));
    expect(server.repositories['later/one']).toBe(info);
    const url = `${server.repoUrl('later/one')}/raw-file/tip/a.txt`;
    const bob = await fetch(url, { headers: as('bob') });
    expect(bob.status).toBe(200);
    expect(await bob.text()).toBe('a\n');
    const alice = await fetch(url, { headers: as('alice') });
    expect(alice.status).toBe(401);
    await alice.text();
    await expect(server.addRepository('later/one', {})).rejects.toThrow(
      /exists already/,
    );
  });

  it('answers concurrent requests', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        const res = await fetch(
          `${server.repoUrl(i % 2 ? 'team/private' : 'team/shared')}/json-log`,
          { headers: as('alice') },
        );
        await res.text();
        return res.status;
      }),
    );
    expect(statuses).toEqual(Array(12).fill(200));
  });

  it('keeps the secret and the passwords off the command line and the environment', async () => {
    const pids = await childPids('hgwebWsgi.py');
    expect(pids.length).toBeGreaterThanOrEqual(1);
    for (const pid of pids) {
      const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, 'utf8');
      const environ = await fs.readFile(`/proc/${pid}/environ`, 'utf8');
      expect(cmdline).toContain('hgwebWsgi.py');
      for (const secret of [SECRET, USERS.alice, USERS.bob]) {
        expect(cmdline).not.toContain(secret);
        expect(environ).not.toContain(secret);
      }
    }
  });
});

describe('hgwebCredentialCommandPath', () => {
  let server: HgwebWsgiServer;
  let tmp: { path: string; remove(): Promise<void> };
  let secretFile: string;
  let logFile: string;

  beforeAll(async () => {
    tmp = await createTempDir('hgweb-credcmd-test-');
    logFile = path.join(tmp.path, 'mints.log');
    secretFile = await writeHgwebMintSecret(tmp.path, {
      secret: SECRET,
      serviceUser: 'backstage',
      lifetimeMs: 120_000,
      logFile,
    });
    server = await startHgwebWsgi({
      mintSecret: SECRET,
      repositories: {
        private: {
          commits: [{ files: { 'a.txt': 'a\n' } }],
          access: { allowRead: ['alice'] },
        },
        public: { commits: [{ files: { 'b.txt': 'b\n' } }] },
      },
    });
  });

  afterAll(async () => {
    await server?.stop();
    await tmp?.remove();
  });

  const run = (input: object) =>
    execa('node', [hgwebCredentialCommandPath, secretFile], {
      input: JSON.stringify(input),
      reject: false,
    });

  it('is a file shipped in the package, and the secret file is private', async () => {
    expect(path.isAbsolute(hgwebCredentialCommandPath)).toBe(true);
    await fs.access(hgwebCredentialCommandPath);
    expect((await fs.stat(secretFile)).mode & 0o077).toBe(0);
  });

  it('mints credentials for the user a request is made on behalf of, and for the service', async () => {
    const base = {
      host: server.host,
      url: server.repoUrl('private'),
      purpose: 'read',
    };
    const forAlice = await run({
      ...base,
      onBehalfOf: 'user:default/alice',
      ownershipEntityRefs: ['user:default/alice', 'group:default/team'],
    });
    expect(forAlice.exitCode).toBe(0);
    const alice = JSON.parse(forAlice.stdout);
    expect(alice).toEqual({
      username: 'alice',
      password: expect.stringMatching(/^v1\./),
      expiresAt: expect.any(String),
    });
    const expiresAt = new Date(alice.expiresAt).getTime();
    expect(expiresAt).toBeGreaterThan(Date.now() + 60_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 120_000);

    const forService = await run({ ...base, purpose: 'read' });
    expect(forService.exitCode).toBe(0);
    const service = JSON.parse(forService.stdout);
    expect(service.username).toBe('backstage');

    const get = async (
      name: string,
      c: { username: string; password: string },
    ) => {
      const res = await fetch(`${server.repoUrl(name)}/json-log`, {
        headers: basic(c.username, c.password),
      });
      await res.text();
      return res.status;
    };
    expect(await get('private', alice)).toBe(200);
    expect(await get('public', service)).toBe(200);
    expect(await get('private', service)).toBe(401);
    expect(server.requests().map(r => [r.path, r.user, r.status])).toEqual([
      ['/private/json-log', 'alice', 200],
      ['/public/json-log', 'backstage', 200],
      ['/private/json-log', 'backstage', 401],
    ]);

    const log = (await fs.readFile(logFile, 'utf8'))
      .trim()
      .split('\n')
      .map(l => JSON.parse(l));
    expect(log).toEqual([
      expect.objectContaining({
        user: 'alice',
        purpose: 'read',
        onBehalfOf: 'user:default/alice',
      }),
      expect.objectContaining({ user: 'backstage', purpose: 'read' }),
    ]);
    expect(log[1].onBehalfOf).toBeUndefined();
    const logText = await fs.readFile(logFile, 'utf8');
    expect(logText).not.toContain(SECRET);
    expect(logText).not.toContain(alice.password);
  });

  it('refuses an onBehalfOf that is not a user entity ref', async () => {
    const result = await run({
      host: server.host,
      url: server.repoUrl('private'),
      purpose: 'read',
      onBehalfOf: 'group:default/team',
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('user entity ref');
    expect(result.stderr).not.toContain(SECRET);
  });
});

describe('HgwebWsgiServer.stop', () => {
  it('stops the server, removes its temp directories and can be called twice', async () => {
    const server = await startHgwebWsgi({
      users: USERS,
      repositories: { one: {} },
    });
    const root = server.root;
    const pids = await childPids('hgwebWsgi.py');
    expect(pids.length).toBeGreaterThanOrEqual(1);
    await server.stop();
    await server.stop();
    await expect(fetch(`${server.baseUrl}/`)).rejects.toThrow();
    await expect(fs.access(root)).rejects.toThrow();
    for (const pid of pids) {
      await expect(fs.access(`/proc/${pid}/cmdline`)).rejects.toThrow();
    }
  });
});
