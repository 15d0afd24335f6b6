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

import { Buffer } from 'node:buffer';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  createHgRepository,
  createTempDir,
  HgRepositorySpec,
  runHg,
} from './index';

jest.setTimeout(30_000);

/** Bytes that are not valid utf-8, with NUL, CR and LF. */
const BINARY = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x80, 0x0a,
]);
const SCRIPT = '#!/bin/sh\necho hello\n';
const UNICODE_NAME = 'docs/naïve café.md';

const SPEC: HgRepositorySpec = {
  commits: [
    {
      message: 'initial',
      files: {
        'README.md': '# Hello\n',
        'bin/logo.png': BINARY,
        'scripts/run.sh': { content: SCRIPT, executable: true },
        'link-to-readme': { symlink: 'README.md' },
        [UNICODE_NAME]: 'café crème\n',
        '日本語.txt': 'こんにちは\n',
      },
      tags: ['v1.0'],
    },
    {
      files: { 'README.md': '# Hello again\n' },
      bookmarks: ['feature/x'],
    },
    {
      branch: 'stable',
      user: 'Release Bot <bot@example.com>',
      date: '2024-02-01 12:30:00 +0200',
      files: { 'STABLE.txt': 'stable\n' },
    },
    { branch: 'stable', files: { [UNICODE_NAME]: null } },
    // Back to the head of default (the tag commit is not its head any more).
    { parent: 'feature/x', files: { 'README.md': '# Default head\n' } },
    // Close stable.
    { parent: 'stable', close: true, message: 'close stable' },
  ],
};

interface LogEntry {
  node: string;
  branch: string;
  tags: string[];
  bookmarks: string[];
  desc: string;
  user: string;
  date: [number, number];
  parents: string[];
}

describe('createHgRepository', () => {
  let tmp: { path: string; remove(): Promise<void> };
  let repo: string;
  let nodes: string[];
  let log: LogEntry[];

  beforeAll(async () => {
    tmp = await createTempDir();
    const info = await createHgRepository(path.join(tmp.path, 'repo'), SPEC);
    repo = info.path;
    nodes = info.nodes;
    log = JSON.parse(
      await runHg(['log', '-T', 'json', '-r', '0:'], { cwd: repo }),
    );
  });

  afterAll(() => tmp?.remove());

  const entry = (node: string) => log.find(e => e.node === node)!;

  it('returns the path and one 40-hex node per commit of the spec', () => {
    expect(repo).toBe(path.join(tmp.path, 'repo'));
    expect(nodes).toHaveLength(6);
    nodes.forEach(node => expect(node).toMatch(/^[0-9a-f]{40}$/));
    // the 6 commits of the spec and the tag commit
    expect(log).toHaveLength(7);
  });

  it('makes the commits with their messages, users, dates and branches', () => {
    expect(log.map(e => [e.desc, e.branch])).toEqual([
      ['initial', 'default'],
      [`Added tag v1.0 for changeset ${nodes[0].slice(0, 12)}`, 'default'],
      ['commit 2', 'default'],
      ['commit 3', 'stable'],
      ['commit 4', 'stable'],
      ['commit 5', 'default'],
      ['close stable', 'stable'],
    ]);
    expect(log.map(e => e.node)).toEqual([
      nodes[0],
      expect.any(String),
      ...nodes.slice(1),
    ]);
    expect(entry(nodes[0]).user).toBe('Test User <test@example.com>');
    expect(entry(nodes[0]).date).toEqual([1704067200, 0]);
    expect(entry(nodes[1]).date).toEqual([1704067200 + 3600, 0]);
    expect(entry(nodes[2]).user).toBe('Release Bot <bot@example.com>');
    // 12:30 at +0200 is 10:30 UTC; hg stores the offset as seconds west of UTC
    expect(entry(nodes[2]).date).toEqual([
      Date.UTC(2024, 1, 1, 10, 30) / 1000,
      -7200,
    ]);
  });

  it('puts tags and bookmarks on the right commits, and keeps bookmarks inactive', async () => {
    expect(entry(nodes[0]).tags).toEqual(['v1.0']);
    expect(entry(nodes[1]).bookmarks).toEqual(['feature/x']);
    expect(
      await runHg(['log', '-r', '.', '-T', '{activebookmark}'], { cwd: repo }),
    ).toBe('');
    // the bookmark did not move along with the commit made on top of it
    expect(entry(nodes[4]).parents).toEqual([nodes[1]]);
    expect(entry(nodes[4]).bookmarks).toEqual([]);
  });

  it('creates extra heads and closes branches', async () => {
    const heads = await runHg(['heads', '--closed', '-T', '{node}\n'], {
      cwd: repo,
    });
    expect(heads.trim().split('\n').sort()).toEqual(
      [nodes[4], nodes[5]].sort(),
    );
    expect(
      await runHg(['log', '-r', 'closed()', '-T', '{node}'], { cwd: repo }),
    ).toBe(nodes[5]);
    expect(entry(nodes[5]).parents).toEqual([nodes[3]]);
  });

  it('records executable bits, symlinks and non-ASCII names', async () => {
    const manifest = await runHg(['manifest', '-v', '-r', nodes[0]], {
      cwd: repo,
    });
    expect(manifest.split('\n').filter(Boolean).sort()).toEqual(
      [
        '644   .hgtags',
        '644   README.md',
        '644   bin/logo.png',
        `644   ${UNICODE_NAME}`,
        '644 @ link-to-readme',
        '755 * scripts/run.sh',
        '644   日本語.txt',
      ]
        .filter(line => !line.endsWith('.hgtags'))
        .sort(),
    );
    expect(
      await runHg(['cat', '-r', nodes[0], `path:${UNICODE_NAME}`], {
        cwd: repo,
      }),
    ).toBe('café crème\n');
    expect(
      await runHg(['cat', '-r', nodes[0], 'path:日本語.txt'], { cwd: repo }),
    ).toBe('こんにちは\n');
    expect(
      await runHg(['cat', '-r', nodes[0], 'link-to-readme'], { cwd: repo }),
    ).toBe('README.md');
  });

  it('stores binary files byte for byte', async () => {
    const out = path.join(tmp.path, 'logo.png');
    await runHg(['cat', '-r', nodes[0], '-o', out, 'bin/logo.png'], {
      cwd: repo,
    });
    expect(Buffer.compare(await fs.readFile(out), BINARY)).toBe(0);
  });

  it('records changes and deletions', async () => {
    const files = async (rev: string) =>
      (await runHg(['files', '-r', rev], { cwd: repo }))
        .split('\n')
        .filter(Boolean);
    expect(await files(nodes[0])).toContain(UNICODE_NAME);
    expect(await files(nodes[3])).not.toContain(UNICODE_NAME);
    expect(await files(nodes[3])).toContain('STABLE.txt');
    expect(await files(nodes[4])).toContain(UNICODE_NAME);
    expect(
      await runHg(['cat', '-r', nodes[4], 'README.md'], { cwd: repo }),
    ).toBe('# Default head\n');
  });

  it('makes the same nodes every time', async () => {
    const again = await createHgRepository(path.join(tmp.path, 'again'), SPEC);
    expect(again.nodes).toEqual(nodes);
  });

  it('makes an empty repository without commits', async () => {
    const empty = await createHgRepository(path.join(tmp.path, 'empty'), {});
    expect(empty.nodes).toEqual([]);
    expect(await runHg(['log', '-T', '{node}'], { cwd: empty.path })).toBe('');
  });

  it('adds explicitly listed files even when .hgignore matches them', async () => {
    const info = await createHgRepository(path.join(tmp.path, 'ignored'), {
      commits: [
        { files: { '.hgignore': 'syntax: glob\n*.log\n', 'out.log': 'x\n' } },
      ],
    });
    expect(
      (await runHg(['files'], { cwd: info.path })).split('\n').filter(Boolean),
    ).toEqual(['.hgignore', 'out.log']);
  });

  it('explains commits that change nothing and deletions of missing files', async () => {
    await expect(
      createHgRepository(path.join(tmp.path, 'nothing'), { commits: [{}] }),
    ).rejects.toThrow(/commit 1 .*nothing changed/s);
    await expect(
      createHgRepository(path.join(tmp.path, 'missing'), {
        commits: [{ files: { 'a.txt': null } }],
      }),
    ).rejects.toThrow(/Cannot delete "a.txt"/);
    await expect(
      createHgRepository(path.join(tmp.path, 'bad-name'), {
        commits: [{ files: { '../escape.txt': 'x' } }],
      }),
    ).rejects.toThrow(/Invalid file name/);
    await expect(createHgRepository(repo, {})).rejects.toThrow(/already/);
  });
});

describe('runHg', () => {
  it('isolates hg from the machine configuration', async () => {
    expect(await runHg(['config', 'ui.username'])).toBe(
      'Test User <test@example.com>\n',
    );
    const hgrcPath = await runHg(['config', '--debug', 'ui.username']);
    expect(hgrcPath).toMatch(/backstage-mercurial-test-utils-.*hgrc-/);
  });

  it('passes stdin, extra environment variables and the cwd', async () => {
    const tmp = await createTempDir();
    try {
      const { path: repo } = await createHgRepository(tmp.path, {
        commits: [{ files: { 'a.txt': 'a\n' } }],
      });
      await fs.writeFile(path.join(repo, 'a.txt'), 'b\n');
      await runHg(['commit', '-l', '-', '-d', '0 0'], {
        cwd: repo,
        input: 'message from stdin',
        env: { HGUSER: 'Env User <env@example.com>' },
      });
      expect(
        await runHg(['log', '-r', 'tip', '-T', '{desc}|{author}'], {
          cwd: repo,
        }),
      ).toBe('message from stdin|Env User <env@example.com>');
    } finally {
      await tmp.remove();
    }
  });

  it('throws with the command and stderr when hg fails', async () => {
    const tmp = await createTempDir();
    try {
      await runHg(['init'], { cwd: tmp.path });
      const error = await runHg(['log', '-r', 'nosuchrev'], {
        cwd: tmp.path,
      }).catch(e => e);
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toMatch(
        /^hg log -r nosuchrev .*exit code 255: abort: unknown revision 'nosuchrev'/,
      );
      expect(error.exitCode).toBe(255);
      expect(error.stderr).toMatch(/unknown revision/);
    } finally {
      await tmp.remove();
    }
  });
});

describe('createTempDir', () => {
  it('creates a fresh directory and removes it', async () => {
    const tmp = await createTempDir('test-utils-');
    expect(path.basename(tmp.path)).toMatch(/^test-utils-/);
    expect((await fs.stat(tmp.path)).isDirectory()).toBe(true);
    await fs.writeFile(path.join(tmp.path, 'file'), 'x');
    await tmp.remove();
    await expect(fs.stat(tmp.path)).rejects.toThrow(/ENOENT/);
    await tmp.remove();
  });
});
