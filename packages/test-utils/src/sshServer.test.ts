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

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import execa from 'execa';
import {
  createHgRepository,
  createTempDir,
  generateSshKeyPair,
  runHg,
  SshKeyPair,
  SshTestServer,
  startSshServer,
} from './index';
import {
  accepts,
  startInProcessThenKill,
  waitUntilClosed,
} from './__testUtils__/processChecks';

jest.setTimeout(30_000);

describe('generateSshKeyPair', () => {
  it('writes an ed25519 key pair without a passphrase', async () => {
    const tmp = await createTempDir('ssh-key-test-');
    try {
      const pair = await generateSshKeyPair(path.join(tmp.path, 'keys'));
      expect(pair.path).toBe(path.join(tmp.path, 'keys', 'id_ed25519'));
      expect(pair.privateKey).toMatch(
        /^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+\n-----END OPENSSH PRIVATE KEY-----\n$/,
      );
      expect(pair.publicKey).toMatch(/^ssh-ed25519 AAAA\S+ \S+$/);
      expect(await fs.readFile(pair.path, 'utf8')).toBe(pair.privateKey);
      expect((await fs.stat(pair.path)).mode & 0o777).toBe(0o600);
      // no passphrase: the public key can be derived without one
      const { stdout } = await execa('ssh-keygen', [
        '-y',
        '-P',
        '',
        '-f',
        pair.path,
      ]);
      expect(pair.publicKey.startsWith(stdout.trim())).toBe(true);
    } finally {
      await tmp.remove();
    }
  });

  it('makes a temp directory when none is given', async () => {
    const pair = await generateSshKeyPair();
    try {
      expect(
        path.dirname(pair.path).startsWith(await fs.realpath(os.tmpdir())),
      ).toBe(true);
      expect(pair.privateKey).toContain('OPENSSH PRIVATE KEY');
    } finally {
      await fs.rm(path.dirname(pair.path), { recursive: true, force: true });
    }
  });
});

describe('startSshServer', () => {
  let tmp: { path: string; remove(): Promise<void> };
  let key: SshKeyPair;
  let otherKey: SshKeyPair;
  let sshd: SshTestServer;
  let knownHosts: string;
  let wrongKnownHosts: string;

  /** ssh arguments as hg's ui.ssh would use them, without the destination. */
  const sshOptions = (identity: string, knownHostsFile: string) => [
    '-F',
    '/dev/null',
    '-i',
    identity,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'IdentityAgent=none',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${knownHostsFile}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
  ];

  const ssh = (
    command: string,
    { identity = key.path, hosts = knownHosts } = {},
  ) =>
    execa(
      'ssh',
      [
        ...sshOptions(identity, hosts),
        '-p',
        String(sshd.port),
        `${sshd.user}@127.0.0.1`,
        command,
      ],
      { reject: false, stdin: 'ignore' },
    );

  beforeAll(async () => {
    tmp = await createTempDir('ssh-server-test-');
    [key, otherKey] = await Promise.all([
      generateSshKeyPair(path.join(tmp.path, 'key')),
      generateSshKeyPair(path.join(tmp.path, 'other')),
    ]);
    sshd = await startSshServer({ authorizedKeys: [key.publicKey] });
    knownHosts = path.join(tmp.path, 'known_hosts');
    await fs.writeFile(knownHosts, `${sshd.knownHostsLine}\n`);
    // the right host and port, but another host key
    const other = await generateSshKeyPair(path.join(tmp.path, 'host2'));
    wrongKnownHosts = path.join(tmp.path, 'wrong_known_hosts');
    await fs.writeFile(
      wrongKnownHosts,
      `[127.0.0.1]:${sshd.port} ${other.publicKey.split(' ').slice(0, 2).join(' ')}\n`,
    );
  });

  afterAll(async () => {
    await sshd?.stop();
    await tmp?.remove();
  });

  it('describes itself', () => {
    expect(sshd.host).toBe('127.0.0.1');
    expect(sshd.user).toBe(os.userInfo().username);
    expect(sshd.hostPublicKey).toMatch(/^ssh-ed25519 AAAA\S+$/);
    expect(sshd.knownHostsLine).toBe(
      `[127.0.0.1]:${sshd.port} ${sshd.hostPublicKey}`,
    );
    expect(sshd.url('/srv/hg/repo')).toBe(
      `ssh://${sshd.user}@127.0.0.1:${sshd.port}//srv/hg/repo`,
    );
    expect(() => sshd.url('srv/hg')).toThrow(/absolute path/);
  });

  it('runs hg for an authorized key and a known host key', async () => {
    const result = await ssh('hg --version');
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(
      /^Mercurial Distributed SCM \(version \d+\.\d+/,
    );
  });

  it('runs sessions with an isolated hg configuration', async () => {
    const result = await ssh('printenv HGRCPATH HGPLAIN HGENCODING');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe('/dev/null\n1\nutf-8');
    // HGRCPATH=/dev/null: hg reads no configuration file at all (and exits
    // with 1 as nothing is set)
    const config = await ssh('hg config --source');
    expect(config.stderr).toBe('');
    expect(config.stdout).toBe('');
  });

  it('serves hg clone and push over ssh://USER@127.0.0.1:PORT//abs/path', async () => {
    const repo = await createHgRepository(
      path.join(tmp.path, 'repos/team/api'),
      {
        commits: [
          { files: { 'README.md': '# API\n' } },
          { files: { 'a.txt': 'a\n' } },
        ],
      },
    );
    const uiSsh = `ui.ssh=ssh ${sshOptions(key.path, knownHosts).join(' ')}`;
    const url = sshd.url(repo.path);
    expect(url).toBe(`ssh://${sshd.user}@127.0.0.1:${sshd.port}/${repo.path}`);
    expect(url).toContain(`:${sshd.port}//`);
    const clone = path.join(tmp.path, 'clone');
    await runHg(['clone', '--config', uiSsh, url, clone]);
    expect(
      (
        await runHg(['log', '-T', '{node}\n', '-r', 'reverse(all())'], {
          cwd: clone,
        })
      )
        .trim()
        .split('\n'),
    ).toEqual([...repo.nodes].reverse());
    expect(await fs.readFile(path.join(clone, 'README.md'), 'utf8')).toBe(
      '# API\n',
    );

    await fs.writeFile(path.join(clone, 'b.txt'), 'b\n');
    await runHg(['commit', '-A', '-m', 'over ssh', '-d', '0 0'], {
      cwd: clone,
    });
    await runHg(['push', '--config', uiSsh], { cwd: clone });
    const pushed = await runHg(['log', '-r', 'tip', '-T', '{desc}'], {
      cwd: repo.path,
    });
    expect(pushed).toBe('over ssh');
  });

  it('lets hg init create a repository over ssh, parents included', async () => {
    const uiSsh = `ui.ssh=ssh ${sshOptions(key.path, knownHosts).join(' ')}`;
    const target = path.join(tmp.path, 'repos/new/nested/repo');
    await runHg(['init', '--config', uiSsh, sshd.url(target)]);
    expect((await fs.stat(path.join(target, '.hg'))).isDirectory()).toBe(true);
  });

  it('is refused when known_hosts has another key for the server', async () => {
    const result = await ssh('hg --version', { hosts: wrongKnownHosts });
    expect(result.exitCode).toBe(255);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/Host key verification failed/);
  });

  it('is refused when known_hosts does not know the server', async () => {
    const empty = path.join(tmp.path, 'empty_known_hosts');
    await fs.writeFile(empty, '');
    const result = await ssh('hg --version', { hosts: empty });
    expect(result.exitCode).toBe(255);
    expect(result.stderr).toMatch(/Host key verification failed/);
  });

  it('refuses a key that is not authorized', async () => {
    const result = await ssh('hg --version', { identity: otherKey.path });
    expect(result.exitCode).toBe(255);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/Permission denied \(publickey\)/);
  });

  it('stops, and its port is closed afterwards', async () => {
    const server = await startSshServer({ authorizedKeys: [] });
    expect(server.port).not.toBe(sshd.port);
    expect(await accepts(server.port)).toBe(true);
    await server.stop();
    await server.stop(); // twice is fine
    expect(await accepts(server.port)).toBe(false);
    expect(server.output()).toContain(
      `Server listening on 127.0.0.1 port ${server.port}`,
    );
  });

  it('does not outlive a test process that dies without stopping it', async () => {
    const started = await startInProcessThenKill(
      path.join(__dirname, 'sshServer.ts'),
      'startSshServer({ authorizedKeys: [] })',
    );
    expect(await waitUntilClosed(started.port, 10_000)).toBe(true);
  });
});
