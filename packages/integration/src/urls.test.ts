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

import { MercurialIntegrationConfig } from './config';
import {
  encodeMercurialRevision,
  formatMercurialUrl,
  getMercurialArchiveUrl,
  getMercurialBrowseUrl,
  getMercurialJsonFileUrl,
  getMercurialJsonLogUrl,
  getMercurialLookupUrl,
  getMercurialRawDirectoryUrl,
  getMercurialRawFileUrl,
  getMercurialRepositoryUrl,
  MercurialUrl,
  parseMercurialLookupResponse,
  parseMercurialUrl,
} from './urls';

const config: MercurialIntegrationConfig = {
  host: 'hg.example.com',
  baseUrl: 'https://hg.example.com/hg',
};
const rootConfig: MercurialIntegrationConfig = {
  host: 'hg.example.com:8000',
  baseUrl: 'http://hg.example.com:8000',
};
const B = config.baseUrl;

describe('parseMercurialUrl and formatMercurialUrl', () => {
  // [url, parsed, canonical form when formatting gives another URL]
  const cases: Array<[string, MercurialUrl, string?]> = [
    [
      `${B}/service`,
      { repositoryPath: 'service', path: '', kind: 'repository' },
    ],
    [
      `${B}/service/`,
      { repositoryPath: 'service', path: '', kind: 'repository' },
      `${B}/service`,
    ],
    [
      `${B}/team/payments/api`,
      { repositoryPath: 'team/payments/api', path: '', kind: 'repository' },
    ],
    [
      `${B}/service/file/tip/`,
      {
        repositoryPath: 'service',
        revision: 'tip',
        path: '',
        kind: 'directory',
      },
    ],
    [
      `${B}/service/file/tip`,
      {
        repositoryPath: 'service',
        revision: 'tip',
        path: '',
        kind: 'directory',
      },
      `${B}/service/file/tip/`,
    ],
    [
      `${B}/team/payments/api/file/0123456789abcdef0123456789abcdef01234567/docs/`,
      {
        repositoryPath: 'team/payments/api',
        revision: '0123456789abcdef0123456789abcdef01234567',
        path: 'docs',
        kind: 'directory',
      },
    ],
    [
      `${B}/service/file/abc123/docs/guide/`,
      {
        repositoryPath: 'service',
        revision: 'abc123',
        path: 'docs/guide',
        kind: 'directory',
      },
    ],
    [
      `${B}/service/file/default/catalog-info.yaml`,
      {
        repositoryPath: 'service',
        revision: 'default',
        path: 'catalog-info.yaml',
        kind: 'file',
      },
    ],
    [
      `${B}/service/raw-file/v1.0/src/main.ts`,
      {
        repositoryPath: 'service',
        revision: 'v1.0',
        path: 'src/main.ts',
        kind: 'raw-file',
      },
    ],
    // a branch with '/': hgweb wants it double-encoded
    [
      `${B}/service/file/feature%252Fx/README.md`,
      {
        repositoryPath: 'service',
        revision: 'feature/x',
        path: 'README.md',
        kind: 'file',
      },
    ],
    [
      `${B}/service/raw-file/release%252F2024%252F01/a.txt`,
      {
        repositoryPath: 'service',
        revision: 'release/2024/01',
        path: 'a.txt',
        kind: 'raw-file',
      },
    ],
    // a bookmark with a space, a tag with '%', a unicode branch
    [
      `${B}/service/file/my%20bookmark/`,
      {
        repositoryPath: 'service',
        revision: 'my bookmark',
        path: '',
        kind: 'directory',
      },
    ],
    [
      `${B}/service/file/50%25/a`,
      { repositoryPath: 'service', revision: '50%', path: 'a', kind: 'file' },
    ],
    [
      `${B}/service/file/%C3%BCn%C3%AF%E6%97%A5/a`,
      { repositoryPath: 'service', revision: 'ünï日', path: 'a', kind: 'file' },
    ],
    // paths with spaces, '%', unicode; repositories with spaces and unicode
    [
      `${B}/service/raw-file/tip/docs/my%20file%20(1).md`,
      {
        repositoryPath: 'service',
        revision: 'tip',
        path: 'docs/my file (1).md',
        kind: 'raw-file',
      },
    ],
    [
      `${B}/service/file/tip/100%25%20done/na%C3%AFve%20caf%C3%A9.md`,
      {
        repositoryPath: 'service',
        revision: 'tip',
        path: '100% done/naïve café.md',
        kind: 'file',
      },
    ],
    [
      `${B}/my%20team/%C3%A9quipe/file/tip/`,
      {
        repositoryPath: 'my team/équipe',
        revision: 'tip',
        path: '',
        kind: 'directory',
      },
    ],
    // a path that merely contains a '#' or '?': encoded, not a fragment or query
    [
      `${B}/service/raw-file/tip/c%23/what%3F.md`,
      {
        repositoryPath: 'service',
        revision: 'tip',
        path: 'c#/what?.md',
        kind: 'raw-file',
      },
    ],
  ];

  it.each(cases)('parses %s', (url, expected) => {
    expect(parseMercurialUrl(url, config)).toEqual(expected);
  });

  it.each(
    cases.map(([url, parsed, canonical]) => [url, parsed, canonical ?? url]),
  )('formats back %s', (_url, parsed, canonical) => {
    expect(formatMercurialUrl(config, parsed as MercurialUrl)).toBe(canonical);
  });

  it('parses URLs of a server at the root of its host, and a repository at the root', () => {
    expect(
      parseMercurialUrl(
        'http://hg.example.com:8000/repo/file/tip/a/b',
        rootConfig,
      ),
    ).toEqual({
      repositoryPath: 'repo',
      revision: 'tip',
      path: 'a/b',
      kind: 'file',
    });
  });

  it('ignores the query and fragment of a browse URL', () => {
    expect(
      parseMercurialUrl(
        `${B}/service/file/tip/README.md?style=paper#l3`,
        config,
      ),
    ).toEqual({
      repositoryPath: 'service',
      revision: 'tip',
      path: 'README.md',
      kind: 'file',
    });
  });

  it.each([
    [
      'not a URL',
      'service/file/tip/a',
      /not an absolute URL; expected \{baseUrl\}\/\{repo\}/,
    ],
    [
      'on another host',
      'https://other.example.com/hg/service',
      /not under the configured baseUrl 'https:\/\/hg\.example\.com\/hg'/,
    ],
    [
      'outside the base path',
      'https://hg.example.com/other/service',
      /not under the configured baseUrl/,
    ],
    [
      'a sibling of the base path',
      'https://hg.example.com/hgx/service',
      /not under the configured baseUrl/,
    ],
    ['the base itself', 'https://hg.example.com/hg/', /it names no repository/],
    [
      'a file URL without a revision',
      `${B}/service/file/`,
      /'file' must be followed by a revision/,
    ],
    [
      'a raw-file directory',
      `${B}/service/raw-file/tip/docs/`,
      /a raw-file URL must name a file; expected \{baseUrl\}\/\{repo\}\/raw-file\/\{rev\}\/\{file\}/,
    ],
    [
      'a raw-file without a path',
      `${B}/service/raw-file/tip`,
      /a raw-file URL must name a file/,
    ],
    [
      'a changeset page',
      `${B}/service/rev/abc`,
      /'rev' is an hgweb page, not a file or directory/,
    ],
    [
      'a log page in the json style',
      `${B}/service/json-log`,
      /'json-log' is an hgweb page/,
    ],
    [
      'an archive',
      `${B}/service/archive/tip.tar.gz`,
      /'archive' is an hgweb page/,
    ],
    [
      'bad percent-encoding',
      `${B}/service/file/%E0%A4%A/a`,
      /'%E0%A4%A' is not correctly percent-encoded/,
    ],
    [
      'an encoded ..',
      `${B}/service/file/tip/a/%2E%2E%2F%2E%2E/b`,
      /must not contain '\.' or '\.\.' segments/,
    ],
  ])('rejects %s', (_what, url, message) => {
    expect(() => parseMercurialUrl(url, config)).toThrow(message);
    expect(() => parseMercurialUrl(url, config)).toThrow(
      expect.objectContaining({ name: 'InputError' }),
    );
  });

  it('accepts a repository whose name merely contains a command word', () => {
    expect(
      parseMercurialUrl(`${B}/my-log/file/tip/a`, config).repositoryPath,
    ).toBe('my-log');
  });
});

describe('parseMercurialUrl and formatMercurialUrl for a single-repository server', () => {
  // hg serve -R repo: the repository is the server root
  const single: MercurialIntegrationConfig = {
    host: 'hg.example.com:8000',
    baseUrl: 'http://hg.example.com:8000',
    singleRepository: true,
  };
  // a single-repository hgweb.cgi mounted at a sub-path
  const singleAtPath: MercurialIntegrationConfig = {
    host: 'hg.example.com',
    baseUrl: 'https://hg.example.com/hg/service',
    singleRepository: true,
  };
  const S = single.baseUrl;
  const P = singleAtPath.baseUrl;
  const cases: Array<
    [string, MercurialIntegrationConfig, MercurialUrl, string?]
  > = [
    [S, single, { repositoryPath: '', path: '', kind: 'repository' }],
    [`${S}/`, single, { repositoryPath: '', path: '', kind: 'repository' }, S],
    [
      `${S}/file/tip/catalog-info.yaml`,
      single,
      {
        repositoryPath: '',
        revision: 'tip',
        path: 'catalog-info.yaml',
        kind: 'file',
      },
    ],
    [
      `${S}/file/tip/`,
      single,
      { repositoryPath: '', revision: 'tip', path: '', kind: 'directory' },
    ],
    [
      `${S}/file/feature%252Fx/docs/`,
      single,
      {
        repositoryPath: '',
        revision: 'feature/x',
        path: 'docs',
        kind: 'directory',
      },
    ],
    [
      `${S}/raw-file/default/a%20b/c.md`,
      single,
      {
        repositoryPath: '',
        revision: 'default',
        path: 'a b/c.md',
        kind: 'raw-file',
      },
    ],
    // a directory of the repository that is named like a command
    [
      `${S}/file/tip/file/raw-file`,
      single,
      {
        repositoryPath: '',
        revision: 'tip',
        path: 'file/raw-file',
        kind: 'file',
      },
    ],
    [P, singleAtPath, { repositoryPath: '', path: '', kind: 'repository' }],
    [
      `${P}/raw-file/tip/README.md`,
      singleAtPath,
      {
        repositoryPath: '',
        revision: 'tip',
        path: 'README.md',
        kind: 'raw-file',
      },
    ],
  ];

  it.each(cases)('parses %s', (url, c, expected) => {
    expect(parseMercurialUrl(url, c)).toEqual(expected);
  });

  it.each(
    cases.map(([url, c, parsed, canonical]) => [
      url,
      c,
      parsed,
      canonical ?? url,
    ]),
  )('formats back %s', (_url, c, parsed, canonical) => {
    expect(
      formatMercurialUrl(
        c as MercurialIntegrationConfig,
        parsed as MercurialUrl,
      ),
    ).toBe(canonical);
  });

  it.each([
    [
      'a repository below the single repository',
      `${S}/team/api/file/tip/a`,
      /serves a single repository at its baseUrl \(singleRepository: true\), so 'team\/api' cannot name a repository; expected \{baseUrl\}, \{baseUrl\}\/file\/\{rev\}\//,
    ],
    [
      'a path that is no hgweb command',
      `${S}/service`,
      /so 'service' cannot name a repository/,
    ],
    ['a log page', `${S}/json-log`, /'json-log' is an hgweb page/],
    [
      'a raw-file directory',
      `${S}/raw-file/tip/docs/`,
      /a raw-file URL must name a file/,
    ],
  ])('rejects %s', (_what, url, message) => {
    expect(() => parseMercurialUrl(url, single)).toThrow(message);
    expect(() => parseMercurialUrl(url, single)).toThrow(
      expect.objectContaining({ name: 'InputError' }),
    );
  });

  it('without singleRepository, a root URL names no repository and the error says what to set', () => {
    expect(() =>
      parseMercurialUrl(`${S}/file/tip/catalog-info.yaml`, rootConfig),
    ).toThrow(
      /it names no repository; .*needs 'singleRepository: true' on its integrations\.mercurial entry/,
    );
  });

  it('builds every URL of the repository at the baseUrl itself', () => {
    const at = { repositoryPath: '', revision: 'tip' };
    expect(getMercurialRepositoryUrl(single, '')).toBe(S);
    expect(getMercurialRawFileUrl(single, { ...at, path: 'a.md' })).toBe(
      `${S}/raw-file/tip/a.md`,
    );
    expect(getMercurialBrowseUrl(single, { ...at, directory: true })).toBe(
      `${S}/file/tip/`,
    );
    expect(getMercurialRawDirectoryUrl(single, at)).toBe(`${S}/raw-file/tip/`);
    expect(getMercurialArchiveUrl(single, at)).toBe(`${S}/archive/tip.tar.gz`);
    expect(getMercurialArchiveUrl(single, { ...at, path: 'docs' })).toBe(
      `${S}/archive/tip.tar.gz/docs`,
    );
    expect(getMercurialJsonFileUrl(single, { ...at, path: 'docs' })).toBe(
      `${S}/json-file/tip/docs`,
    );
    expect(getMercurialJsonLogUrl(single, { repositoryPath: '' })).toBe(
      `${S}/json-log`,
    );
    expect(
      getMercurialJsonLogUrl(singleAtPath, { ...at, path: 'a', revcount: 1 }),
    ).toBe(`${P}/json-log/tip/a?revcount=1`);
    expect(
      getMercurialLookupUrl(single, { repositoryPath: '', key: 'tip' }),
    ).toBe(`${S}?cmd=lookup&key=tip`);
    expect(
      getMercurialLookupUrl(singleAtPath, { repositoryPath: '', key: 'tip' }),
    ).toBe(`${P}?cmd=lookup&key=tip`);
  });

  it('refuses a non-empty repository path for a single repository', () => {
    expect(() => getMercurialRepositoryUrl(single, 'team/api')).toThrow(
      /serves a single repository at its baseUrl \(singleRepository: true\); it has no repository 'team\/api'/,
    );
  });
});

describe('URL builders', () => {
  it.each([
    ['tip', 'tip'],
    ['feature/x', 'feature%252Fx'],
    ['my bookmark', 'my%20bookmark'],
    ['50%', '50%25'],
    ['ünï', '%C3%BCn%C3%AF'],
    ['a+b&c', 'a%2Bb%26c'],
  ])('encodes the revision %s as %s', (rev, encoded) => {
    expect(encodeMercurialRevision(rev)).toBe(encoded);
  });

  it('builds the repository URL', () => {
    expect(getMercurialRepositoryUrl(config, 'team/payments api')).toBe(
      `${B}/team/payments%20api`,
    );
    expect(() => getMercurialRepositoryUrl(config, '')).toThrow(
      /must not be empty: the integration for 'https:\/\/hg\.example\.com\/hg' serves several repositories/,
    );
  });

  it('builds raw-file and browse URLs, defaulting to the default branch', () => {
    expect(
      getMercurialRawFileUrl(config, { repositoryPath: 'r', path: 'a b/c.md' }),
    ).toBe(`${B}/r/raw-file/default/a%20b/c.md`);
    expect(
      getMercurialBrowseUrl(config, {
        repositoryPath: 'r',
        revision: 'feature/x',
        path: 'docs',
        directory: true,
      }),
    ).toBe(`${B}/r/file/feature%252Fx/docs/`);
    expect(
      getMercurialBrowseUrl(config, { repositoryPath: 'r', revision: 'tip' }),
    ).toBe(`${B}/r/file/tip/`);
  });

  it.each([
    [{ repositoryPath: 'r', revision: 'tip' }, `${B}/r/raw-file/tip/`],
    [
      { repositoryPath: 'team/r', revision: 'feature/x', path: 'a b/docs' },
      `${B}/team/r/raw-file/feature%252Fx/a%20b/docs/`,
    ],
    [{ repositoryPath: 'r', path: 'docs/' }, `${B}/r/raw-file/default/docs/`],
  ])('builds the raw-file URL of a directory %j', (location, url) => {
    expect(getMercurialRawDirectoryUrl(config, location)).toBe(url);
  });

  it('builds archive URLs with and without a sub-path', () => {
    expect(
      getMercurialArchiveUrl(config, {
        repositoryPath: 'team/r',
        revision: 'tip',
      }),
    ).toBe(`${B}/team/r/archive/tip.tar.gz`);
    expect(
      getMercurialArchiveUrl(config, {
        repositoryPath: 'r',
        revision: 'feature/x',
        path: 'docs/my guide',
        format: 'zip',
      }),
    ).toBe(`${B}/r/archive/feature%252Fx.zip/docs/my%20guide`);
  });

  it('builds json-file and json-log URLs', () => {
    expect(
      getMercurialJsonFileUrl(config, {
        repositoryPath: 'r',
        revision: 'tip',
        path: 'docs',
      }),
    ).toBe(`${B}/r/json-file/tip/docs`);
    expect(getMercurialJsonLogUrl(config, { repositoryPath: 'r' })).toBe(
      `${B}/r/json-log`,
    );
    expect(
      getMercurialJsonLogUrl(config, {
        repositoryPath: 'r',
        revision: 'v1',
        revcount: 5,
      }),
    ).toBe(`${B}/r/json-log/v1?revcount=5`);
    expect(
      getMercurialJsonLogUrl(config, {
        repositoryPath: 'r',
        revision: 'default',
        path: 'docs/a.md',
        revcount: 1,
      }),
    ).toBe(`${B}/r/json-log/default/docs/a.md?revcount=1`);
    expect(() =>
      getMercurialJsonLogUrl(config, { repositoryPath: 'r', revcount: 0 }),
    ).toThrow(/revcount must be a positive integer/);
  });

  it('builds wire-protocol look-up URLs', () => {
    expect(
      getMercurialLookupUrl(config, {
        repositoryPath: 'team/r',
        key: 'feature/x',
      }),
    ).toBe(`${B}/team/r?cmd=lookup&key=feature%2Fx`);
    expect(
      getMercurialLookupUrl(config, { repositoryPath: 'r', key: 'a b&c' }),
    ).toBe(`${B}/r?cmd=lookup&key=a+b%26c`);
  });

  it('parses look-up answers', () => {
    const node = '0123456789abcdef0123456789abcdef01234567';
    expect(parseMercurialLookupResponse(`1 ${node}\n`)).toBe(node);
    expect(
      parseMercurialLookupResponse("0 unknown revision 'nope'\n"),
    ).toBeUndefined();
    expect(
      parseMercurialLookupResponse('0 abc: ambiguous identifier\n'),
    ).toBeUndefined();
    expect(() =>
      parseMercurialLookupResponse(
        "0 module 'mercurial.changelog' has no attribute 'x'\n",
      ),
    ).toThrow(/failed to look up the revision: module/);
    expect(() => parseMercurialLookupResponse('<html>')).toThrow(
      /Unexpected answer/,
    );
  });
});
