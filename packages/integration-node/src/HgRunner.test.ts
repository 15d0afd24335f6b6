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

import fs from 'fs-extra';
import os from 'node:os';
import path from 'node:path';
import { HgRunner } from './HgRunner';
import { hgCommands, runHgCommand } from './commands';

async function tempDir() {
  return fs.mkdtemp(path.join(os.tmpdir(), 'hg-runner-test-'));
}

async function eventuallyEmpty(dir: string) {
  for (let i = 0; i < 100 && (await hgrcDirs(dir)).length > 0; i++) {
    await new Promise(r => setTimeout(r, 20));
  }
  expect(await hgrcDirs(dir)).toEqual([]);
}

/** The hgrc directories a runner made in `dir` and left behind. */
async function hgrcDirs(dir: string) {
  return (await fs.readdir(dir)).filter(n => n.startsWith('backstage-hg-'));
}

/** A stand-in `hg` that prints a version, for the version check alone. */
async function fakeHg(dir: string, version: string) {
  const file = path.join(dir, 'hg');
  await fs.writeFile(
    file,
    `#!/bin/sh\necho "Mercurial Distributed SCM (version ${version})"\n`,
    { mode: 0o755 },
  );
  return file;
}

describe('HgRunner', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await fs.remove(dir);
  });

  it('reads the installed version', async () => {
    await expect(new HgRunner().checkVersion()).resolves.toMatch(/^\d+\.\d+/);
  });

  it('says how to install hg when it is missing', async () => {
    const runner = new HgRunner({ hgPath: path.join(dir, 'no-such-hg') });
    await expect(runner.run(['version'])).rejects.toThrow(
      /Mercurial \(hg\) was not found .*apt-get install mercurial/,
    );
  });

  it('refuses hg older than 5.0', async () => {
    const runner = new HgRunner({ hgPath: await fakeHg(dir, '4.9.1') });
    await expect(runner.checkVersion()).rejects.toThrow(
      /Mercurial 4\.9\.1 is too old: version 5\.0 or newer is needed\. Install/,
    );
    const newer = new HgRunner({ hgPath: await fakeHg(dir, '5.0') });
    await expect(newer.checkVersion()).resolves.toBe('5.0');
  });

  it('runs with its own hgrc and HGPLAIN, ignoring the environment', async () => {
    const runner = new HgRunner();
    const repo = path.join(dir, 'repo');
    await runHgCommand(runner, hgCommands.init({ dest: repo }));
    const previous = process.env.HGUSER;
    process.env.HGUSER = 'Leaked From Env <env@example.com>';
    try {
      const { stdout } = await runner.run(['config', 'ui.username'], {
        cwd: repo,
        okExitCodes: [0, 1],
        config: { extensions: {} },
      });
      expect(stdout).toBe('');
      const plain = await runner.run(['config', '--source', 'ui.interactive'], {
        cwd: repo,
      });
      expect(plain.stdout).toMatch(/backstage-hg-[^/]+\/hgrc:\d+: false/);
    } finally {
      if (previous === undefined) delete process.env.HGUSER;
      else process.env.HGUSER = previous;
    }
  });

  it('throws the exit code and stderr of a failing command, and removes its hgrc', async () => {
    // A runner of its own temp dir: other test files run hg in parallel.
    const runner = new HgRunner({ tempDir: dir });
    const error = await runner
      .run(['log', '-R', path.join(dir, 'nowhere')], {
        auth: [{ prefix: 'https://h', username: 'u', password: 'pw-hunter2' }],
      })
      .catch(e => e);
    expect(error.name).toBe('HgCommandError');
    expect(error.exitCode).toBe(255);
    expect(error.message).toMatch(
      /^hg log failed with exit code 255: abort: repository .* not found/,
    );
    expect(await hgrcDirs(dir)).toEqual([]);
  });

  it('writes credentials to a 0600 file in a 0700 directory, gone afterwards', async () => {
    const runner = new HgRunner();
    const repo = path.join(dir, 'repo');
    await runHgCommand(runner, hgCommands.init({ dest: repo }));
    const { stdout } = await runner.run(['config', '--source', 'auth'], {
      cwd: repo,
      auth: [
        {
          prefix: 'https://hg.example.com/hg',
          username: 'bob',
          password: 'pw-hunter2',
        },
      ],
    });
    expect(stdout).toContain('auth.backstage0.password=pw-hunter2');
    const hgrc = /^(\S+):\d+: /m.exec(stdout)![1];
    expect(hgrc).toMatch(/backstage-hg-/);
    expect(await fs.pathExists(hgrc)).toBe(false);

    // The modes, observed while a command runs, by a hook of that command.
    const modes = await runner.run(['version', '--quiet'], {
      config: {
        hooks: {
          'pre-version': 'stat -c "%a" "$HGRCPATH" "$(dirname "$HGRCPATH")"',
        },
      },
    });
    expect(modes.stdout.split('\n').slice(0, 2)).toEqual(['600', '700']);
  });

  it('redacts secrets that a failing command prints', async () => {
    const runner = new HgRunner();
    const error = await runner
      .run(['version', '--quiet'], {
        auth: [{ prefix: 'https://h', username: 'u', password: 'pw-hunter2' }],
        config: {
          hooks: {
            'pre-version':
              'echo "token tok-abc123 and pw-hunter2 at https://u:pw-hunter2@h" >&2; exit 1',
          },
        },
        secrets: ['tok-abc123'],
      })
      .catch(e => e);
    expect(error.name).toBe('HgCommandError');
    expect(error.stderr).toContain('token *** and *** at https://u:***@h');
    expect(`${error.message} ${error.stack}`).not.toMatch(
      /pw-hunter2|tok-abc123/,
    );
  });

  it('refuses settings with line breaks, which could inject hgrc lines', async () => {
    const runner = new HgRunner();
    await expect(
      runner.run(['version'], {
        auth: [
          {
            prefix: 'https://h',
            username: 'u',
            password: 'x\n[hooks]\npre-version=touch /tmp/pwned',
          },
        ],
      }),
    ).rejects.toThrow(/the password contains a line break/);
  });

  it('kills a command at its timeout', async () => {
    const runner = new HgRunner();
    const repo = path.join(dir, 'repo');
    await runHgCommand(runner, hgCommands.init({ dest: repo }));
    // `hg serve` never ends by itself.
    const error = await runner
      .run(['serve', '-a', '127.0.0.1', '-p', '0'], {
        cwd: repo,
        timeoutMs: 500,
      })
      .catch(e => e);
    expect(error.name).toBe('HgCommandError');
    expect(error.details.timedOut).toBe(true);
    expect(error.message).toMatch(/hg serve timed out after 500 ms/);
  });

  it('ends a command when its AbortSignal fires', async () => {
    const runner = new HgRunner();
    const repo = path.join(dir, 'repo');
    await runHgCommand(runner, hgCommands.init({ dest: repo }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const error = await runner
      .run(['serve', '-a', '127.0.0.1', '-p', '0'], {
        cwd: repo,
        signal: controller.signal,
      })
      .catch(e => e);
    expect(error.details.aborted).toBe(true);
    expect(error.message).toMatch(/^hg serve was aborted/);
    await expect(
      runner.run(['version'], { signal: controller.signal }),
    ).rejects.toThrow(/was aborted/);
  });

  it('streams the output of hg archive -t tar -, and fails before streaming when hg does', async () => {
    const runner = new HgRunner({ tempDir: dir });
    const repo = path.join(dir, 'repo');
    await runHgCommand(runner, hgCommands.init({ dest: repo }));
    await fs.outputFile(path.join(repo, 'docs', 'index.md'), '# hi\n');
    await runHgCommand(
      runner,
      hgCommands.commit({
        message: 'm',
        user: 'A <a@example.com>',
        addRemove: true,
      }),
      { cwd: repo },
    );
    const stream = await runner.stream(
      hgCommands.archive({ revision: 'tip', subPath: 'docs' }).args,
      { cwd: repo },
    );
    const chunks: Buffer[] = [];
    for await (const chunk of stream) {
      chunks.push(chunk);
    }
    const tarball = Buffer.concat(chunks);
    expect(tarball.length % 512).toBe(0);
    expect(tarball.toString('latin1')).toMatch(
      /repo-[0-9a-f]{12}\/docs\/index\.md/,
    );
    // the hgrc directory goes once hg has exited, after the last bytes
    await eventuallyEmpty(dir);

    await expect(
      runner.stream(
        hgCommands.archive({ revision: 'tip', subPath: 'nowhere' }).args,
        { cwd: repo },
      ),
    ).rejects.toThrow(
      /hg archive failed with exit code 255: abort: no files match the archive pattern/,
    );
  });

  it('commits and reports "nothing to commit" as false, with non-ASCII names', async () => {
    const runner = new HgRunner();
    const repo = path.join(dir, 'repo');
    await runHgCommand(runner, hgCommands.init({ dest: repo }));
    await fs.writeFile(path.join(repo, 'naïve café.md'), 'x');
    const user = 'Jörg Müller <jm@example.com>';
    await expect(
      runHgCommand(
        runner,
        hgCommands.commit({ message: 'Ünïcode', user, addRemove: true }),
        { cwd: repo },
      ),
    ).resolves.toBe(true);
    await expect(
      runHgCommand(
        runner,
        hgCommands.commit({ message: 'again', user, addRemove: true }),
        { cwd: repo },
      ),
    ).resolves.toBe(false);
    const [log] = await runHgCommand(runner, hgCommands.log({ limit: 1 }), {
      cwd: repo,
    });
    expect(log).toMatchObject({ user, desc: 'Ünïcode', branch: 'default' });
    const files = await runner.run(['files'], { cwd: repo });
    expect(files.stdout.trim()).toBe('naïve café.md');
  });
});
