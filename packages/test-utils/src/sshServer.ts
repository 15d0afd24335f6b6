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

import { constants as fsConstants, promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import execa from 'execa';
import { freePort } from './loopback';
import { createTempDir } from './tempDir';
import {
  spawnWithWatchdog,
  stopWatched,
  unrefWatched,
  Watched,
} from './watchdog';

/** Where Debian, Ubuntu, Fedora and macOS install the OpenSSH server. */
const SSHD = '/usr/sbin/sshd';
const STARTUP_TIMEOUT_MS = 15_000;
/** How often to try another port when the one picked was taken meanwhile. */
const PORT_ATTEMPTS = 5;

/**
 * A key pair made by {@link generateSshKeyPair}.
 *
 * @public
 */
export interface SshKeyPair {
  /** The private key, in OpenSSH format (`-----BEGIN OPENSSH PRIVATE KEY-----`). */
  privateKey: string;
  /** The public key as one authorized_keys line: `ssh-ed25519 AAAA... comment`. */
  publicKey: string;
  /** The file holding the private key (0600); the public key is `${path}.pub`. */
  path: string;
}

/**
 * Options for {@link startSshServer}.
 *
 * @public
 */
export interface SshTestServerOptions {
  /**
   * The public keys that may log in (authorized_keys lines, e.g. the
   * `publicKey` of {@link generateSshKeyPair}); every other key is refused.
   */
  authorizedKeys: string[];
}

/**
 * A running OpenSSH server made by {@link startSshServer}.
 *
 * @public
 */
export interface SshTestServer {
  /** The address sshd listens on. */
  host: '127.0.0.1';
  /** The port sshd listens on. */
  port: number;
  /** The user to log in as: the user running the tests (`os.userInfo().username`). */
  user: string;
  /** The server's host key as a known_hosts line: `[127.0.0.1]:PORT ssh-ed25519 AAAA...`. */
  knownHostsLine: string;
  /** The server's host key: `ssh-ed25519 AAAA...`. */
  hostPublicKey: string;
  /**
   * An ssh URL of an absolute path on this machine:
   * `ssh://USER@127.0.0.1:PORT//abs/path` (hg reads the double slash as an
   * absolute path).
   */
  url(absolutePath: string): string;
  /** The last lines sshd wrote (`-e`: its log goes to stderr), for debugging. */
  output(): string;
  /**
   * Stops sshd (SIGTERM, SIGKILL after 2 seconds), waits until it has exited
   * and removes its temp directory. Sessions still open end when their client
   * disconnects. Safe to call twice.
   */
  stop(): Promise<void>;
}

/** Runs an OpenSSH tool, with a clear error when it is not installed. */
async function runSshTool(command: string, args: string[]): Promise<string> {
  const result = await execa(command, args, {
    stdin: 'ignore',
    reject: false,
    windowsHide: true,
  });
  if (result.failed) {
    const spawnError = result as { code?: string; originalMessage?: string };
    if (
      spawnError.code === 'ENOENT' ||
      /ENOENT/.test(spawnError.originalMessage ?? '')
    ) {
      throw new Error(
        `${command} was not found on the PATH: install the OpenSSH client, e.g. \`apt-get install openssh-client\``,
      );
    }
    throw new Error(
      `${command} ${args.join(' ')} failed (${
        result.exitCode ?? result.signal ?? 'no exit code'
      }): ${result.stderr.trim() || result.stdout.trim() || 'no output'}`,
    );
  }
  return result.stdout;
}

/**
 * Makes a new ed25519 key pair without a passphrase with `ssh-keygen -t
 * ed25519 -N '' -q -f DIR/id_ed25519`.
 *
 * @remarks
 * Needs the OpenSSH client (`apt-get install openssh-client`).
 *
 * @param dir - the directory to write `id_ed25519` and `id_ed25519.pub` to
 *   (created if missing; the files must not exist yet); default a fresh temp
 *   directory, which the caller removes when done
 *   (`fs.rm(path.dirname(pair.path), { recursive: true })`)
 * @returns the private key, the public key line and the private key's path
 * @public
 */
export async function generateSshKeyPair(dir?: string): Promise<SshKeyPair> {
  let keyDir: string;
  if (dir === undefined) {
    keyDir = (await createTempDir('ssh-test-key-')).path;
  } else {
    await fs.mkdir(dir, { recursive: true });
    keyDir = await fs.realpath(dir);
  }
  const keyPath = path.join(keyDir, 'id_ed25519');
  await runSshTool('ssh-keygen', [
    '-t',
    'ed25519',
    '-N',
    '',
    '-q',
    '-C',
    'backstage-mercurial-test',
    '-f',
    keyPath,
  ]);
  const [privateKey, publicKey] = await Promise.all([
    fs.readFile(keyPath, 'utf8'),
    fs.readFile(`${keyPath}.pub`, 'utf8'),
  ]);
  return { privateKey, publicKey: publicKey.trim(), path: keyPath };
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await fs.access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves with the first bytes a TCP connection to the port receives, or
 * rejects when it cannot connect.
 */
function readBanner(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let data = '';
    socket.setEncoding('utf8');
    socket.setTimeout(3000, () => socket.destroy(new Error('timed out')));
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (data.includes('\n')) {
        socket.destroy();
        resolve(data);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(data));
  });
}

/** A value for sshd_config, double-quoted when it has blanks. */
function configValue(value: string): string {
  if (/["\r\n\0]/.test(value)) {
    throw new Error(
      `Cannot write ${JSON.stringify(value)} into an sshd_config`,
    );
  }
  return /[\s#]/.test(value) ? `"${value}"` : value;
}

function buildSshdConfig(dir: string, port: number): string {
  // SetEnv sets the environment of every session: the remote
  // `hg -R PATH serve --stdio` (and `hg init PATH`) runs without the
  // machine's or the user's hgrc, in plain mode, and finds the same hg as the
  // tests (the login shell's rc files may still add to PATH).
  const setEnv = ['HGRCPATH=/dev/null', 'HGPLAIN=1', 'HGENCODING=utf-8'];
  const pathValue = process.env.PATH;
  if (pathValue && !/["\r\n\0]/.test(pathValue)) {
    setEnv.push(`PATH=${pathValue}`);
  }
  const lines = [
    '# Written by @backstage-mercurial/test-utils for one sshd -D -e.',
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${configValue(path.join(dir, 'ssh_host_ed25519_key'))}`,
    `PidFile ${configValue(path.join(dir, 'sshd.pid'))}`,
    // '%' starts a token in AuthorizedKeysFile.
    `AuthorizedKeysFile ${configValue(
      path.join(dir, 'authorized_keys').replace(/%/g, '%%'),
    )}`,
    // The temp directory is not owned the way StrictModes wants it.
    'StrictModes no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    // Tests may run as root (containers).
    'PermitRootLogin prohibit-password',
    'UsePAM no',
    // No AcceptEnv: what the client sends (LANG, ...) is not taken over.
    'PermitUserEnvironment no',
    `SetEnv ${setEnv.map(configValue).join(' ')}`,
    'PrintMotd no',
    'PrintLastLog no',
    'X11Forwarding no',
    'AllowAgentForwarding no',
    'AllowTcpForwarding no',
    'PermitTunnel no',
    'LogLevel INFO',
  ];
  return `${lines.join('\n')}\n`;
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * Starts a real OpenSSH server (`/usr/sbin/sshd -D -e -f <generated
 * sshd_config>`) on a free port of 127.0.0.1, with a fresh ed25519 host key,
 * that lets the user running the tests log in with the given public keys only.
 * Stop it with `stop()`, e.g. in `afterAll`.
 *
 * @remarks
 * Every session gets `HGRCPATH=/dev/null`, `HGPLAIN=1`, `HGENCODING=utf-8`
 * and the tests' `PATH` (`SetEnv`), so hg over ssh
 * (`ssh://USER@127.0.0.1:PORT//abs/path`, which runs
 * `hg -R /abs/path serve --stdio`) works on any repository of this machine,
 * isolated from the machine's hg configuration. Password and keyboard
 * interactive logins are off; root may log in with a key.
 *
 * Needs the OpenSSH server and client (`apt-get install openssh-server
 * openssh-client`). When run as root, `/run/sshd` (sshd's privilege
 * separation directory) is created if missing.
 *
 * sshd runs under a small Node.js watchdog that stops it as soon as the test
 * process is gone (however it died), and the server does not keep the Node
 * event loop alive on its own: a forgotten server cannot outlive the tests.
 *
 * @example
 * ```ts
 * const key = await generateSshKeyPair();
 * const sshd = await startSshServer({ authorizedKeys: [key.publicKey] });
 * afterAll(() => sshd.stop());
 * // known_hosts: sshd.knownHostsLine; key: key.path
 * await runHg(['clone', '--config', `ui.ssh=ssh -i ${key.path} ...`, sshd.url(repoDir), dest]);
 * ```
 *
 * @param options - the public keys that may log in
 * @returns the running server
 * @public
 */
export async function startSshServer(
  options: SshTestServerOptions,
): Promise<SshTestServer> {
  if (!(await isExecutable(SSHD))) {
    throw new Error(
      `${SSHD} was not found: install the OpenSSH server to run these tests, e.g. \`apt-get install openssh-server openssh-client\``,
    );
  }
  const authorizedKeys = options.authorizedKeys.map(key => key.trim());
  if (authorizedKeys.some(key => /[\r\n\0]/.test(key))) {
    throw new Error(
      'Each of authorizedKeys must be a single authorized_keys line',
    );
  }
  if (process.getuid?.() === 0) {
    // sshd refuses to start as root without its privilege separation
    // directory, which Debian creates only when the service starts.
    await fs.mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  }

  const stateDir = await createTempDir('ssh-test-server-');
  let watched: Watched | undefined;
  try {
    const dir = stateDir.path;
    const hostKey = path.join(dir, 'ssh_host_ed25519_key');
    await runSshTool('ssh-keygen', [
      '-t',
      'ed25519',
      '-N',
      '',
      '-q',
      '-C',
      '',
      '-f',
      hostKey,
    ]);
    const hostPublicKey = (await fs.readFile(`${hostKey}.pub`, 'utf8'))
      .trim()
      .split(/\s+/)
      .slice(0, 2)
      .join(' ');
    await fs.writeFile(
      path.join(dir, 'authorized_keys'),
      authorizedKeys.length ? `${authorizedKeys.join('\n')}\n` : '',
      { mode: 0o600 },
    );
    const configPath = path.join(dir, 'sshd_config');

    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      await fs.writeFile(configPath, buildSshdConfig(dir, port), {
        mode: 0o600,
      });
      watched = spawnWithWatchdog(SSHD, ['-D', '-e', '-f', configPath], {
        removeOnStop: dir,
      });
      const started = await waitForSshd(watched, port);
      if (started === 'ready') {
        break;
      }
      await stopWatched(watched);
      const output = watched.output().trim() || '(no output)';
      watched = undefined;
      if (started === 'port taken' && attempt < PORT_ATTEMPTS) {
        continue;
      }
      throw new Error(
        started === 'port taken'
          ? `sshd could not bind a free port in ${PORT_ATTEMPTS} attempts; sshd said:\n${output}`
          : `sshd did not start on 127.0.0.1:${port}: ${started}; sshd said:\n${output}`,
      );
    }

    // A forgotten server must not keep the test process alive; when that
    // process exits, the watchdog stops sshd.
    const running = watched;
    unrefWatched(running);

    const user = os.userInfo().username;
    let stopping: Promise<void> | undefined;
    return {
      host: '127.0.0.1',
      port,
      user,
      hostPublicKey,
      knownHostsLine: `[127.0.0.1]:${port} ${hostPublicKey}`,
      url: absolutePath => {
        if (!path.isAbsolute(absolutePath)) {
          throw new Error(
            `Expected an absolute path, got ${JSON.stringify(absolutePath)}`,
          );
        }
        return `ssh://${user}@127.0.0.1:${port}/${absolutePath}`;
      },
      output: () => running.output().trim(),
      stop() {
        stopping ??= (async () => {
          await stopWatched(running);
          await stateDir.remove();
        })();
        return stopping;
      },
    };
  } catch (error) {
    if (watched) {
      await stopWatched(watched);
    }
    await stateDir.remove();
    throw error;
  }
}

/**
 * Waits until sshd says it listens and the port answers with an SSH banner.
 *
 * @returns `'ready'`, `'port taken'` (someone else got the port first), or
 *   what went wrong
 */
async function waitForSshd(watched: Watched, port: number): Promise<string> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let last = 'no answer';
  for (;;) {
    const exit = watched.exit();
    if (exit !== undefined) {
      // Let the last output arrive.
      await sleep(20);
      return /Address already in use/i.test(watched.output())
        ? 'port taken'
        : `it exited (${exit}) before it was listening`;
    }
    if (
      watched.output().includes(`Server listening on 127.0.0.1 port ${port}`)
    ) {
      try {
        const banner = await readBanner(port);
        if (banner.startsWith('SSH-')) {
          return 'ready';
        }
        last = `the port answered ${JSON.stringify(banner.slice(0, 80))}`;
      } catch (error) {
        last = (error as Error).message;
      }
    }
    if (Date.now() > deadline) {
      return `it was not ready within ${STARTUP_TIMEOUT_MS / 1000} seconds (last: ${last})`;
    }
    await sleep(50);
  }
}
