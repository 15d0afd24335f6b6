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
import {
  MercurialIntegration,
  MercurialIntegrations,
} from './MercurialIntegration';

const integrations = MercurialIntegrations.fromConfig(
  new ConfigReader({
    integrations: {
      mercurial: [
        { host: 'hg.example.com', baseUrl: 'https://hg.example.com/hg' },
        { host: 'hg.example.com', baseUrl: 'https://hg.example.com/hg/team-a' },
        {
          host: 'other.example.com:8000',
          baseUrl: 'http://other.example.com:8000',
        },
      ],
    },
  }),
);

describe('MercurialIntegrations', () => {
  it('lists every entry', () => {
    expect(integrations.list().map(i => i.config.baseUrl)).toEqual([
      'https://hg.example.com/hg',
      'https://hg.example.com/hg/team-a',
      'http://other.example.com:8000',
    ]);
  });

  it.each([
    [
      'https://hg.example.com/hg/team-a/api/file/tip/a',
      'https://hg.example.com/hg/team-a',
    ],
    ['https://hg.example.com/hg/team-a', 'https://hg.example.com/hg/team-a'],
    ['https://hg.example.com/hg/team-b/api', 'https://hg.example.com/hg'],
    ['https://hg.example.com/hg/team-ab/api', 'https://hg.example.com/hg'],
    ['http://other.example.com:8000/r', 'http://other.example.com:8000'],
    ['https://hg.example.com/elsewhere/r', undefined],
    ['https://other.example.com/r', undefined],
    ['https://github.com/a/b', undefined],
    ['not a url', undefined],
  ])('byUrl(%s) picks the longest matching baseUrl', (url, baseUrl) => {
    expect(integrations.byUrl(url)?.config.baseUrl).toBe(baseUrl);
  });

  it('finds by host, with the port', () => {
    expect(integrations.byHost('hg.example.com')?.config.baseUrl).toBe(
      'https://hg.example.com/hg',
    );
    expect(integrations.byHost('other.example.com:8000')?.title).toBe(
      'other.example.com:8000',
    );
    expect(integrations.byHost('other.example.com')).toBeUndefined();
  });

  it('is empty without config, and the factory gives the same group', () => {
    expect(
      MercurialIntegrations.fromConfig(new ConfigReader({})).list(),
    ).toEqual([]);
    const group = MercurialIntegration.factory({
      config: new ConfigReader({
        integrations: { mercurial: [{ host: 'h.example.com' }] },
      }),
    });
    expect(group.byUrl('https://h.example.com/r')?.type).toBe('mercurial');
  });

  it('fails on invalid config', () => {
    expect(() =>
      MercurialIntegrations.fromConfig(
        new ConfigReader({
          integrations: {
            mercurial: [
              { host: 'h.example.com', baseUrl: 'ftp://h.example.com' },
            ],
          },
        }),
      ),
    ).toThrow(/integrations\.mercurial\[0\]/);
  });
});

describe('MercurialIntegration', () => {
  const integration = new MercurialIntegration({
    host: 'hg.example.com',
    baseUrl: 'https://hg.example.com/hg',
  });
  const base =
    'https://hg.example.com/hg/team/api/file/feature%252Fx/services/web/catalog-info.yaml';

  it('has type mercurial and the host as title', () => {
    expect(integration.type).toBe('mercurial');
    expect(integration.title).toBe('hg.example.com');
  });

  it.each([
    [
      './README.md',
      base,
      'https://hg.example.com/hg/team/api/file/feature%252Fx/services/web/README.md',
    ],
    [
      'docs/index.md',
      base,
      'https://hg.example.com/hg/team/api/file/feature%252Fx/services/web/docs/index.md',
    ],
    [
      '../shared/a b.yaml',
      base,
      'https://hg.example.com/hg/team/api/file/feature%252Fx/services/shared/a%20b.yaml',
    ],
    [
      '/README.md',
      base,
      'https://hg.example.com/hg/team/api/file/feature%252Fx/README.md',
    ],
    [
      './docs/',
      base,
      'https://hg.example.com/hg/team/api/file/feature%252Fx/services/web/docs/',
    ],
    [
      '.',
      base,
      'https://hg.example.com/hg/team/api/file/feature%252Fx/services/web/',
    ],
    [
      './b.txt',
      'https://hg.example.com/hg/r/raw-file/tip/a/a.txt',
      'https://hg.example.com/hg/r/raw-file/tip/a/b.txt',
    ],
    [
      './docs/x.md',
      'https://hg.example.com/hg/r/file/tip/docs/',
      'https://hg.example.com/hg/r/file/tip/docs/docs/x.md',
    ],
    [
      'README.md',
      'https://hg.example.com/hg/r',
      'https://hg.example.com/hg/r/file/default/README.md',
    ],
    [
      'https://elsewhere.example.com/x',
      base,
      'https://elsewhere.example.com/x',
    ],
  ])('resolves %s against %s', (url, b, expected) => {
    expect(integration.resolveUrl({ url, base: b })).toBe(expected);
  });

  it('adds an hgweb line anchor', () => {
    expect(
      integration.resolveUrl({ url: './a.ts', base, lineNumber: 12 }),
    ).toBe(
      'https://hg.example.com/hg/team/api/file/feature%252Fx/services/web/a.ts#l12',
    );
  });

  it('refuses to resolve out of the repository', () => {
    expect(() => integration.resolveUrl({ url: '../../../x', base })).toThrow(
      /leads out of the repository/,
    );
  });

  it('gives the browse view as edit URL, as hgweb has no editor', () => {
    expect(
      integration.resolveEditUrl(
        'https://hg.example.com/hg/team/api/raw-file/v1/catalog-info.yaml',
      ),
    ).toBe('https://hg.example.com/hg/team/api/file/v1/catalog-info.yaml');
    expect(
      integration.resolveEditUrl('https://hg.example.com/hg/team/api'),
    ).toBe('https://hg.example.com/hg/team/api/file/default/');
  });
});

describe('MercurialIntegration of a single-repository server', () => {
  const S = 'http://hg.example.com:8000';
  const single = new MercurialIntegration({
    host: 'hg.example.com:8000',
    baseUrl: S,
    singleRepository: true,
  });

  it('resolves relative URLs and edit URLs at the root', () => {
    expect(
      single.resolveUrl({
        url: './docs/',
        base: `${S}/file/tip/catalog-info.yaml`,
      }),
    ).toBe(`${S}/file/tip/docs/`);
    expect(
      single.resolveUrl({
        url: '../README.md',
        base: `${S}/raw-file/v1/sub/a.yaml`,
      }),
    ).toBe(`${S}/raw-file/v1/README.md`);
    expect(single.resolveUrl({ url: '.', base: S })).toBe(`${S}/file/default/`);
    expect(single.resolveEditUrl(`${S}/raw-file/tip/a.md`)).toBe(
      `${S}/file/tip/a.md`,
    );
  });
});
