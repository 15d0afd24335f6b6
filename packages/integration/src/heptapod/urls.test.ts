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
  formatHeptapodRef,
  formatHeptapodUrl,
  HeptapodRef,
  parseHeptapodUrl,
  splitHeptapodRef,
} from './urls';

const base = 'https://foss.heptapod.net';
const node = '0123456789abcdef0123456789abcdef01234567';

describe('parseHeptapodUrl', () => {
  // Link forms seen on foss.heptapod.net (../shared/notes/hosted-products.md).
  it.each([
    [
      `${base}/mercurial/hg-website/-/blob/branch/default/README.md`,
      {
        projectPath: 'mercurial/hg-website',
        kind: 'blob',
        refAndPath: 'branch/default/README.md',
      },
    ],
    [
      `${base}/mercurial/hg-website/-/raw/branch/default/README.md`,
      {
        projectPath: 'mercurial/hg-website',
        kind: 'raw',
        refAndPath: 'branch/default/README.md',
      },
    ],
    [
      `${base}/pypy/pypy/-/raw/3.1.5/LICENCE.rst`,
      {
        projectPath: 'pypy/pypy',
        kind: 'raw',
        refAndPath: '3.1.5/LICENCE.rst',
      },
    ],
    [
      `${base}/mercurial/evolve/-/tree/branch/default/docs`,
      {
        projectPath: 'mercurial/evolve',
        kind: 'tree',
        refAndPath: 'branch/default/docs',
      },
    ],
    [
      `${base}/mercurial/evolve/-/tree/topic/default/my-topic/docs/`,
      {
        projectPath: 'mercurial/evolve',
        kind: 'tree',
        refAndPath: 'topic/default/my-topic/docs',
      },
    ],
    [
      `${base}/tryton/tryton/-/commit/${node}`,
      { projectPath: 'tryton/tryton', kind: 'commit', refAndPath: node },
    ],
    [
      `${base}/group/sub/project/-/edit/branch/default/catalog-info.yaml`,
      {
        projectPath: 'group/sub/project',
        kind: 'edit',
        refAndPath: 'branch/default/catalog-info.yaml',
      },
    ],
    [
      `${base}/group/sub/project`,
      { projectPath: 'group/sub/project', kind: 'project', refAndPath: '' },
    ],
    [
      `${base}/g/p/-/blob/branch/default/a%20b/c%2Bd.md`,
      {
        projectPath: 'g/p',
        kind: 'blob',
        refAndPath: 'branch/default/a b/c+d.md',
      },
    ],
  ])('takes %s apart', (url, expected) => {
    expect(parseHeptapodUrl(url, base)).toEqual(expected);
  });

  it('keeps the path of a baseUrl below the root', () => {
    expect(
      parseHeptapodUrl(
        'https://example.com/heptapod/g/p/-/raw/branch/default/x',
        'https://example.com/heptapod/',
      ),
    ).toEqual({
      projectPath: 'g/p',
      kind: 'raw',
      refAndPath: 'branch/default/x',
    });
  });

  it.each([
    ['https://other.example.com/g/p', /not under the configured baseUrl/],
    [`${base}/lonely`, /names no project/],
    [`${base}/g/p/-/issues/1`, /expected '\/-\/blob\|raw\|tree\|edit/],
    [`${base}/g/p/-/blob`, /expected '\/-\/blob/],
    [
      `${base}/g/p/-/commit/branch/default`,
      /must be followed by a changeset node/,
    ],
    ['not a url', /not an absolute URL/],
  ])('refuses %s, saying why', (url, message) => {
    expect(() => parseHeptapodUrl(url, base)).toThrow(message);
  });
});

describe('splitHeptapodRef', () => {
  const names = {
    branches: ['default', 'stable', 'stable/6.3'],
    tags: ['3.1.5', 'release/2.0'],
  };
  it.each<[string, HeptapodRef, string]>([
    [
      'branch/default/README.md',
      { type: 'branch', branch: 'default' },
      'README.md',
    ],
    ['branch/default', { type: 'branch', branch: 'default' }, ''],
    // hg branch names may contain '/': the longest branch that matches wins
    [
      'branch/stable/6.3/docs/index.md',
      { type: 'branch', branch: 'stable/6.3' },
      'docs/index.md',
    ],
    [
      'branch/stable/docs/index.md',
      { type: 'branch', branch: 'stable' },
      'docs/index.md',
    ],
    [
      'topic/default/my-topic/docs',
      { type: 'topic', branch: 'default', topic: 'my-topic' },
      'docs',
    ],
    [
      'topic/stable/6.3/fix/a.py',
      { type: 'topic', branch: 'stable/6.3', topic: 'fix' },
      'a.py',
    ],
    ['3.1.5/LICENCE.rst', { type: 'tag', tag: '3.1.5' }, 'LICENCE.rst'],
    ['release/2.0/setup.py', { type: 'tag', tag: 'release/2.0' }, 'setup.py'],
    [`${node}/src/main.py`, { type: 'node', node }, 'src/main.py'],
    ['0123456789ab/x', { type: 'node', node: '0123456789ab' }, 'x'],
  ])('splits %s', (refAndPath, ref, path) => {
    expect(splitHeptapodRef(refAndPath, names)).toEqual({ ref, path });
  });

  it.each([
    [
      'branch/feature/x.md',
      /No branch of the project matches 'branch\/feature\/x.md'/,
    ],
    ['topic/default', /No topic named/],
    ['v9/x', /No branch, topic, tag or changeset/],
  ])('refuses %s with a NotFoundError naming it', (refAndPath, message) => {
    expect(() => splitHeptapodRef(refAndPath, names)).toThrow(message);
    expect(() => splitHeptapodRef(refAndPath, names)).toThrow(
      expect.objectContaining({ name: 'NotFoundError' }),
    );
  });

  it.each<HeptapodRef>([
    { type: 'branch', branch: 'stable/6.3' },
    { type: 'topic', branch: 'default', topic: 'my-topic' },
    { type: 'tag', tag: 'release/2.0' },
    { type: 'node', node },
  ])('formats %j back to what it was split from', ref => {
    const text = formatHeptapodRef(ref);
    expect(splitHeptapodRef(`${text}/a/b.md`, names)).toEqual({
      ref,
      path: 'a/b.md',
    });
  });
});

describe('formatHeptapodUrl', () => {
  const names = { branches: ['default', 'stable/6.3'], tags: ['3.1.5'] };
  it.each<[Parameters<typeof formatHeptapodUrl>[0], string]>([
    [
      {
        baseUrl: base,
        projectPath: 'mercurial/hg-website',
        kind: 'blob',
        ref: { type: 'branch', branch: 'default' },
        path: 'README.md',
      },
      `${base}/mercurial/hg-website/-/blob/branch/default/README.md`,
    ],
    [
      {
        baseUrl: `${base}/`,
        projectPath: 'g/sub/p',
        kind: 'edit',
        ref: { type: 'branch', branch: 'stable/6.3' },
        path: 'docs/a b.md',
      },
      `${base}/g/sub/p/-/edit/branch/stable/6.3/docs/a%20b.md`,
    ],
    [
      {
        baseUrl: base,
        projectPath: 'g/p',
        kind: 'tree',
        ref: { type: 'topic', branch: 'default', topic: 'my-topic' },
      },
      `${base}/g/p/-/tree/topic/default/my-topic`,
    ],
    [
      {
        baseUrl: base,
        projectPath: 'pypy/pypy',
        kind: 'raw',
        ref: { type: 'tag', tag: '3.1.5' },
        path: 'LICENCE.rst',
      },
      `${base}/pypy/pypy/-/raw/3.1.5/LICENCE.rst`,
    ],
    [
      {
        baseUrl: base,
        projectPath: 'tryton/tryton',
        kind: 'commit',
        ref: { type: 'node', node },
      },
      `${base}/tryton/tryton/-/commit/${node}`,
    ],
    [{ baseUrl: base, projectPath: 'g/p', kind: 'project' }, `${base}/g/p`],
  ])('writes %j as %s, which parses back to the same page', (options, url) => {
    expect(formatHeptapodUrl(options)).toBe(url);
    const parsed = parseHeptapodUrl(url, base);
    expect(parsed).toMatchObject({
      projectPath: options.projectPath,
      kind: options.kind,
    });
    const hasRef = options.kind !== 'project' && options.kind !== 'commit';
    expect(
      hasRef ? splitHeptapodRef(parsed.refAndPath, names) : undefined,
    ).toEqual(
      hasRef ? { ref: options.ref, path: options.path ?? '' } : undefined,
    );
  });

  it('refuses a commit URL of a branch, and a page without a ref', () => {
    expect(() =>
      formatHeptapodUrl({
        baseUrl: base,
        projectPath: 'g/p',
        kind: 'commit',
        ref: { type: 'branch', branch: 'default' },
      }),
    ).toThrow(
      "A Heptapod commit URL needs a node, got the branch 'branch/default'",
    );
    expect(() =>
      formatHeptapodUrl({ baseUrl: base, projectPath: 'g/p', kind: 'raw' }),
    ).toThrow('A Heptapod raw URL needs a ref');
  });
});
