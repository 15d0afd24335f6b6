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

import { ConfigReader } from '@backstage/config';
import { readMercurialIntegrationConfig } from '../config';
import {
  formatMercurialUrl,
  getMercurialBrowseUrl,
  getMercurialChangesetUrl,
  getMercurialEditUrl,
  getMercurialRawDirectoryUrl,
  getMercurialRawFileUrl,
  getMercurialRepositoryUrl,
  MercurialUrl,
  parseMercurialUrl,
} from '../urls';
import { MercurialIntegration } from '../MercurialIntegration';

const config = (flavor: string, baseUrl: string) =>
  readMercurialIntegrationConfig(
    new ConfigReader({ host: new URL(baseUrl).host, baseUrl, flavor }),
  );

const heptapod = config('heptapod', 'https://foss.heptapod.net');
const kallithea = config('kallithea', 'https://kallithea.example.com/code');

describe('Heptapod web URLs', () => {
  const base = 'https://foss.heptapod.net/mercurial/hg-website';
  it.each<[string, MercurialUrl]>([
    [
      base,
      { repositoryPath: 'mercurial/hg-website', path: '', kind: 'repository' },
    ],
    [
      `${base}/-/blob/branch/default/README.md`,
      {
        repositoryPath: 'mercurial/hg-website',
        revision: 'branch/default',
        path: 'README.md',
        kind: 'file',
      },
    ],
    [
      `${base}/-/raw/3.1.5/LICENCE.rst`,
      {
        repositoryPath: 'mercurial/hg-website',
        revision: '3.1.5',
        path: 'LICENCE.rst',
        kind: 'raw-file',
      },
    ],
    [
      `${base}/-/tree/branch/default/docs`,
      {
        repositoryPath: 'mercurial/hg-website',
        revision: 'branch/default',
        path: 'docs',
        kind: 'directory',
      },
    ],
    [
      `${base}/-/tree/topic/default/my-topic/docs`,
      {
        repositoryPath: 'mercurial/hg-website',
        revision: 'topic/default/my-topic',
        path: 'docs',
        kind: 'directory',
      },
    ],
    [
      `${base}/-/edit/branch/stable/setup.py`,
      {
        repositoryPath: 'mercurial/hg-website',
        revision: 'branch/stable',
        path: 'setup.py',
        kind: 'file',
      },
    ],
    [
      `https://foss.heptapod.net/pypy/sub/pypy/-/blob/0123456789ab/a%20b.txt`,
      {
        repositoryPath: 'pypy/sub/pypy',
        revision: '0123456789ab',
        path: 'a b.txt',
        kind: 'file',
      },
    ],
    [
      `${base}/-/blob/branch/default`,
      {
        repositoryPath: 'mercurial/hg-website',
        revision: 'branch/default',
        path: '',
        kind: 'directory',
      },
    ],
  ])('parses %s', (url, expected) => {
    expect(parseMercurialUrl(url, heptapod)).toEqual(expected);
  });

  it.each([
    [
      `${base}/-/commit/0123456789abcdef0123456789abcdef01234567`,
      /changeset page, not a file or directory/,
    ],
    ['https://foss.heptapod.net/mercurial', /names no project/],
    [`${base}/-/raw/branch/default`, /raw URL must name a file/],
    [`${base}/-/issues/3`, /expected '\/-\/blob\|raw\|tree\|edit/],
    ['https://other.example.com/a/b', /not under the configured baseUrl/],
  ])('rejects %s', (url, message) => {
    expect(() => parseMercurialUrl(url, heptapod)).toThrow(message);
  });

  it('builds each page, with the default revision as branch/default', () => {
    const at = { repositoryPath: 'group/sub/project', path: 'docs/index.md' };
    expect(getMercurialRepositoryUrl(heptapod, 'group/sub/project')).toBe(
      'https://foss.heptapod.net/group/sub/project',
    );
    expect(getMercurialBrowseUrl(heptapod, at)).toBe(
      'https://foss.heptapod.net/group/sub/project/-/blob/branch/default/docs/index.md',
    );
    expect(
      getMercurialBrowseUrl(heptapod, {
        ...at,
        path: 'docs',
        revision: 'topic/default/t1',
        directory: true,
      }),
    ).toBe(
      'https://foss.heptapod.net/group/sub/project/-/tree/topic/default/t1/docs/',
    );
    expect(getMercurialRawFileUrl(heptapod, { ...at, revision: 'v1.0' })).toBe(
      'https://foss.heptapod.net/group/sub/project/-/raw/v1.0/docs/index.md',
    );
    expect(getMercurialRawDirectoryUrl(heptapod, { ...at, path: 'docs' })).toBe(
      'https://foss.heptapod.net/group/sub/project/-/raw/branch/default/docs/',
    );
    expect(
      getMercurialEditUrl(heptapod, { ...at, revision: 'branch/default' }),
    ).toBe(
      'https://foss.heptapod.net/group/sub/project/-/edit/branch/default/docs/index.md',
    );
    expect(
      getMercurialChangesetUrl(heptapod, {
        repositoryPath: 'group/project',
        node: 'a'.repeat(40),
      }),
    ).toBe(
      `https://foss.heptapod.net/group/project/-/commit/${'a'.repeat(40)}`,
    );
    expect(() => getMercurialRepositoryUrl(heptapod, 'project')).toThrow(
      /'\{group\}\/\{project\}'/,
    );
  });

  it('resolves the edit URL to the web editor', () => {
    const integration = new MercurialIntegration(heptapod);
    expect(
      integration.resolveEditUrl(`${base}/-/blob/branch/default/README.md`),
    ).toBe(`${base}/-/edit/branch/default/README.md`);
  });
});

describe('Kallithea web URLs', () => {
  const base = 'https://kallithea.example.com/code';
  it.each<[string, MercurialUrl]>([
    [`${base}/demo`, { repositoryPath: 'demo', path: '', kind: 'repository' }],
    [
      `${base}/group/demo/files/tip/docs/`,
      {
        repositoryPath: 'group/demo',
        revision: 'tip',
        path: 'docs',
        kind: 'directory',
      },
    ],
    [
      `${base}/demo/files/default/README.md`,
      {
        repositoryPath: 'demo',
        revision: 'default',
        path: 'README.md',
        kind: 'file',
      },
    ],
    [
      `${base}/demo/raw/d8dcde4f4d25/a%20b.txt`,
      {
        repositoryPath: 'demo',
        revision: 'd8dcde4f4d25',
        path: 'a b.txt',
        kind: 'raw-file',
      },
    ],
    [
      `${base}/demo/rawfile/tip/x.bin`,
      {
        repositoryPath: 'demo',
        revision: 'tip',
        path: 'x.bin',
        kind: 'raw-file',
      },
    ],
  ])('parses %s', (url, expected) => {
    expect(parseMercurialUrl(url, kallithea)).toEqual(expected);
  });

  it.each([
    [`${base}/demo/changelog`, /'changelog' is a Kallithea page/],
    [`${base}/demo/files`, /must be followed by a revision/],
    [`${base}/_admin/api`, /names no repository/],
    [`${base}/demo/raw/tip/`, /raw URL must name a file/],
  ])('rejects %s', (url, message) => {
    expect(() => parseMercurialUrl(url, kallithea)).toThrow(message);
  });

  it('builds each page; it has no editor, so the edit URL is the file page', () => {
    const at = {
      repositoryPath: 'group/demo',
      revision: 'tip',
      path: 'a/b.md',
    };
    expect(getMercurialBrowseUrl(kallithea, at)).toBe(
      `${base}/group/demo/files/tip/a/b.md`,
    );
    expect(
      getMercurialBrowseUrl(kallithea, { ...at, path: 'a', directory: true }),
    ).toBe(`${base}/group/demo/files/tip/a/`);
    expect(getMercurialRawFileUrl(kallithea, at)).toBe(
      `${base}/group/demo/raw/tip/a/b.md`,
    );
    expect(getMercurialRawDirectoryUrl(kallithea, { ...at, path: 'a' })).toBe(
      `${base}/group/demo/raw/tip/a/`,
    );
    expect(getMercurialEditUrl(kallithea, at)).toBe(
      getMercurialBrowseUrl(kallithea, at),
    );
    expect(
      getMercurialChangesetUrl(kallithea, {
        repositoryPath: 'demo',
        node: 'f'.repeat(40),
      }),
    ).toBe(`${base}/demo/changeset/${'f'.repeat(40)}`);
  });
});

describe('every flavor', () => {
  const hgweb = config('hgweb', 'https://hg.example.com');
  it.each([
    ['hgweb', hgweb, 'https://hg.example.com/team/app/file/v1.0/docs/index.md'],
    [
      'heptapod',
      heptapod,
      'https://foss.heptapod.net/team/app/-/blob/v1.0/docs/index.md',
    ],
    [
      'kallithea',
      kallithea,
      'https://kallithea.example.com/code/team/app/files/v1.0/docs/index.md',
    ],
  ])('%s: a parsed URL formats back to itself', (_flavor, c, url) => {
    expect(formatMercurialUrl(c, parseMercurialUrl(url, c))).toBe(url);
  });
});
