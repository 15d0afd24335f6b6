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

import { assertSafeHgUrl, assertSafeHgValue } from './guard';
import { hgCommands } from './commands';
import { redactSecrets } from './redact';

describe('assertSafeHgValue', () => {
  it.each(['tip', 'feature/x', 'v1.0', 'a-b', 'naïve café', 'x--y'])(
    'accepts %s',
    value => {
      expect(() => assertSafeHgValue('revision', value)).not.toThrow();
    },
  );

  it.each([
    [
      '-r',
      /The revision '-r' starts with '-', which hg would read as an option/,
    ],
    ['--config=alias.x=!touch /tmp/pwned', /starts with '-'/],
    ['', /The revision must not be empty/],
    ['a\nb', /must not contain line breaks/],
  ])('refuses %j', (value, message) => {
    expect(() => assertSafeHgValue('revision', value)).toThrow(message);
    expect(() => assertSafeHgValue('revision', value)).toThrow(
      expect.objectContaining({ name: 'InputError' }),
    );
  });
});

describe('assertSafeHgUrl', () => {
  it.each([
    'https://hg.example.com/hg/repo',
    'http://127.0.0.1:8000/team/repo',
    'ssh://hg@hg.example.com//srv/hg/repo',
    'ssh://hg.example.com:2222/repo',
    'file:///srv/hg/repo',
    '/srv/hg/repo',
    './relative/repo',
  ])('accepts %s', url => {
    expect(() => assertSafeHgUrl('source', url)).not.toThrow();
  });

  it.each([
    ['-oProxyCommand=touch /tmp/pwned', /starts with '-'/],
    [
      'ssh://-oProxyCommand=touch%20x/repo',
      /ssh URL whose user or host starts with '-'/,
    ],
    [
      'ssh://-oProxyCommand=x@host/repo',
      /ssh URL whose user or host starts with '-'/,
    ],
    [
      'ssh://user@-oProxyCommand=x/repo',
      /ssh URL whose user or host starts with '-'/,
    ],
    ['ssh:///repo', /ssh URL without a host/],
    ['ssh://user:hunter2@host/repo', /has a password in its ssh URL/],
    ['https://user:hunter2@hg.example.com/repo', /has a password in its URL/],
    ['git://hg.example.com/repo', /only http, https, ssh and file URLs/],
  ])('refuses %s', (url, message) => {
    expect(() => assertSafeHgUrl('source', url)).toThrow(message);
  });

  it('never repeats the password of a refused URL', () => {
    expect(() =>
      assertSafeHgUrl('source', 'https://u:hunter2@hg.example.com/r'),
    ).toThrow(
      expect.objectContaining({
        message: expect.not.stringContaining('hunter2'),
      }),
    );
  });
});

describe('hgCommands', () => {
  it('puts positional values after -- and refuses option-like ones', () => {
    expect(
      hgCommands.clone({
        source: 'https://h/r',
        dest: 'out',
        revision: 'feature/x',
      }).args,
    ).toEqual([
      'clone',
      '--noninteractive',
      '--rev',
      'feature/x',
      '--',
      'https://h/r',
      'out',
    ]);
    expect(() => hgCommands.clone({ source: '-h', dest: 'out' })).toThrow(
      /source '-h' starts with '-'/,
    );
    expect(() =>
      hgCommands.clone({ source: 'https://h/r', dest: '--config=x' }),
    ).toThrow(/destination/);
    expect(() => hgCommands.pull({ revision: '--rev' })).toThrow(/revision/);
    expect(() => hgCommands.push({ bookmark: '-f' })).toThrow(/bookmark/);
    expect(
      hgCommands.outgoing({ destination: 'https://h/r', revision: '.' }).args,
    ).toEqual([
      'outgoing',
      '--quiet',
      '--rev',
      '.',
      '--template',
      'json(node,branch,bookmarks)',
      '--',
      'https://h/r',
    ]);
    expect(() => hgCommands.outgoing({ revision: '-r' })).toThrow(/revision/);
    expect(() => hgCommands.outgoing({ destination: '--ssh=x' })).toThrow(
      /destination/,
    );
    expect(() => hgCommands.branch({ name: '--force' })).toThrow(/branch/);
    expect(() => hgCommands.log({ paths: ['-x'] })).toThrow(/path/);
    expect(() =>
      hgCommands.commit({ message: 'm', user: '--config=a.b=c' }),
    ).toThrow(/author/);
  });

  it('passes a commit message that starts with - as the value of --message', () => {
    expect(
      hgCommands.commit({ message: '--amend', user: 'A <a@example.com>' }).args,
    ).toEqual(['commit', '--user', 'A <a@example.com>', '--message=--amend']);
  });

  it('reads push and commit exit code 1 as "nothing to do"', () => {
    const push = hgCommands.push({
      destination: 'https://h/r',
      newBranch: true,
    });
    expect(push.okExitCodes).toEqual([0, 1]);
    expect(push.parse({ stdout: '', exitCode: 1 })).toBe(false);
    expect(push.parse({ stdout: '', exitCode: 0 })).toBe(true);
  });

  it('parses hg log -T json', () => {
    const parsed = hgCommands.log({ limit: 1 }).parse({
      exitCode: 0,
      stdout: JSON.stringify([
        {
          bookmarks: ['bm'],
          branch: 'default',
          date: [1700000000, -3600],
          desc: 'msg',
          node: 'a'.repeat(40),
          parents: [],
          phase: 'public',
          rev: 0,
          tags: ['tip'],
          user: 'A <a@example.com>',
        },
      ]),
    });
    expect(parsed).toEqual([
      expect.objectContaining({
        node: 'a'.repeat(40),
        date: '2023-11-14T22:13:20.000Z',
        bookmarks: ['bm'],
      }),
    ]);
    expect(() =>
      hgCommands.node().parse({ stdout: 'abc', exitCode: 0 }),
    ).toThrow(/40-hex/);
  });
});

describe('redactSecrets', () => {
  it('removes secrets, their URL-encoded forms and URL userinfo passwords', () => {
    expect(
      redactSecrets(
        'abort: p@ss/w0rd at https://bob:p%40ss%2Fw0rd@h/r and https://eve:other@h/r',
        ['p@ss/w0rd'],
      ),
    ).toBe('abort: *** at https://bob:***@h/r and https://eve:***@h/r');
  });
});
