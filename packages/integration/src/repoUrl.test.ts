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
import { InputError } from '@backstage/errors';
import { MercurialIntegrations } from './MercurialIntegration';
import {
  checkMercurialRepositoryPath,
  formatMercurialRepoUrl,
  MercurialRepoUrlParts,
  parseMercurialRepoUrl,
  validateMercurialRepositoryPath,
} from './repoUrl';

const integrations = MercurialIntegrations.fromConfig(
  new ConfigReader({
    integrations: {
      mercurial: [
        { host: 'hg.example.com', baseUrl: 'https://hg.example.com/hg' },
        {
          host: 'single.example.com:8000',
          baseUrl: 'http://single.example.com:8000',
          singleRepository: true,
        },
      ],
    },
  }),
);
const configured =
  'configured: https://hg.example.com/hg, http://single.example.com:8000';

const pathMessage = (p: string) =>
  `Invalid repository path '${p}': use segments of letters, digits, '.', '_' and '-' separated by '/', none starting with '-' or '.' (e.g. 'team/service')`;

describe('validateMercurialRepositoryPath and checkMercurialRepositoryPath', () => {
  it.each([
    'service',
    'team/service',
    'team/payments/api',
    'a.b_c-d',
    '_private/x1',
    'v1.0.',
  ])('accept %s', repositoryPath => {
    expect(validateMercurialRepositoryPath(repositoryPath)).toBeUndefined();
    expect(checkMercurialRepositoryPath(repositoryPath)).toBe(repositoryPath);
  });

  it.each([
    ['', 'empty'],
    ['-oProxyCommand=x', 'an option'],
    ['team/--config=x', 'an option in a later segment'],
    ['team/../../etc', 'a parent directory'],
    ['./service', 'the current directory'],
    ['.hg', 'a hidden directory'],
    ['/team/service', 'a leading slash'],
    ['team/service/', 'a trailing slash'],
    ['team//service', 'an empty segment'],
    ['team/my service', 'a space'],
    ['team/naïve', 'a non-ASCII letter'],
    ['team\\service', 'a backslash'],
    ['team/service?x=1', 'a query'],
  ])('reject %j (%s)', repositoryPath => {
    expect(validateMercurialRepositoryPath(repositoryPath)).toBe(
      pathMessage(repositoryPath),
    );
    expect(() => checkMercurialRepositoryPath(repositoryPath)).toThrow(
      new InputError(pathMessage(repositoryPath)),
    );
  });
});

describe('formatMercurialRepoUrl', () => {
  it.each<[MercurialRepoUrlParts, string]>([
    [
      { host: 'hg.example.com', owner: 'team', repo: 'service' },
      'hg.example.com?owner=team&repo=service',
    ],
    [
      { host: 'hg.example.com', repo: 'service' },
      'hg.example.com?repo=service',
    ],
    [
      { host: 'hg.example.com', owner: '', repo: 'team/service' },
      'hg.example.com?repo=team%2Fservice',
    ],
    [
      { host: 'hg.example.com:8000', owner: 'a&b', repo: 'c=d e' },
      'hg.example.com:8000?owner=a%26b&repo=c%3Dd+e',
    ],
    [{ host: 'single.example.com:8000', repo: '' }, 'single.example.com:8000'],
  ])('formats %j as %s', (parts, repoUrl) => {
    expect(formatMercurialRepoUrl(parts)).toBe(repoUrl);
  });

  it.each<MercurialRepoUrlParts>([
    { host: 'hg.example.com', owner: 'team', repo: 'service' },
    { host: 'hg.example.com', repo: 'team/payments/api' },
    { host: 'single.example.com:8000', repo: '' },
  ])('gives what parseMercurialRepoUrl reads back (%j)', parts => {
    const parsed = parseMercurialRepoUrl(
      formatMercurialRepoUrl(parts),
      integrations,
    );
    expect(parsed.integration.config.host).toBe(parts.host);
    expect(parsed.repositoryPath).toBe(
      [parts.owner, parts.repo].filter(Boolean).join('/'),
    );
  });
});

describe('parseMercurialRepoUrl', () => {
  // [repoUrl, baseUrl of the integration, repositoryPath]
  it.each([
    ['hg.example.com?repo=service', 'https://hg.example.com/hg', 'service'],
    [
      'hg.example.com?repo=team/service',
      'https://hg.example.com/hg',
      'team/service',
    ],
    [
      'hg.example.com?owner=team&repo=service',
      'https://hg.example.com/hg',
      'team/service',
    ],
    [
      'hg.example.com?owner=team&repo=payments%2Fapi',
      'https://hg.example.com/hg',
      'team/payments/api',
    ],
    [
      'https://hg.example.com/hg/team/service',
      'https://hg.example.com/hg',
      'team/service',
    ],
    [
      'https://hg.example.com/hg/team/service/file/tip/README.md',
      'https://hg.example.com/hg',
      'team/service',
    ],
    ['single.example.com:8000', 'http://single.example.com:8000', ''],
    ['http://single.example.com:8000', 'http://single.example.com:8000', ''],
    [
      'http://single.example.com:8000/file/tip/',
      'http://single.example.com:8000',
      '',
    ],
  ])('reads %s', (repoUrl, baseUrl, repositoryPath) => {
    const parsed = parseMercurialRepoUrl(repoUrl, integrations);
    expect(parsed.integration.config.baseUrl).toBe(baseUrl);
    expect(parsed.repositoryPath).toBe(repositoryPath);
  });

  const form = (repoUrl: string) =>
    `Invalid repoUrl '${repoUrl}': expected 'host?repo=team/service' (the RepoUrlPicker form) or an hgweb URL of the repository`;

  it.each([
    ['hg.example.com', form('hg.example.com')],
    ['hg.example.com?owner=team', form('hg.example.com?owner=team')],
    ['hg.example.com/team?repo=x', form('hg.example.com/team?repo=x')],
    ['a b?repo=x', form('a b?repo=x')],
    [
      'hg.unknown.example.com?repo=team/x',
      `No integrations.mercurial entry for host 'hg.unknown.example.com'; ${configured}`,
    ],
    [
      'https://github.com/team/service',
      `No integrations.mercurial entry has a baseUrl that contains 'https://github.com/team/service'; ${configured}`,
    ],
    ['hg.example.com?repo=team/../../etc', pathMessage('team/../../etc')],
    ['hg.example.com?repo=-oProxyCommand=x', pathMessage('-oProxyCommand=x')],
    ['hg.example.com?owner=-x&repo=service', pathMessage('-x/service')],
    [
      'single.example.com:8000?repo=team/service',
      "Invalid repoUrl 'single.example.com:8000?repo=team/service': the integrations.mercurial entry for host 'single.example.com:8000' serves a single repository at http://single.example.com:8000 (singleRepository: true); give repoUrl as 'single.example.com:8000' or 'http://single.example.com:8000', without owner or repo",
    ],
  ])('refuses %j with an InputError naming it', (repoUrl, message) => {
    // a substring: a URL that does not parse keeps its TypeError as cause
    expect(() => parseMercurialRepoUrl(repoUrl, integrations)).toThrow(message);
    expect(() => parseMercurialRepoUrl(repoUrl, integrations)).toThrow(
      InputError,
    );
  });

  it.each([
    'backstage:s3cret@hg.example.com?repo=team/service',
    'https://backstage:s3cret@hg.example.com/hg/team/service',
    'https://s3cret@hg.example.com/hg/team/service',
  ])('refuses %s without repeating its credentials', repoUrl => {
    let error: Error | undefined;
    try {
      parseMercurialRepoUrl(repoUrl, integrations);
    } catch (e) {
      error = e as Error;
    }
    expect(error).toBeInstanceOf(InputError);
    expect(error?.message).toBe(
      'Invalid repoUrl: it must not carry credentials (user:password@); they belong in the integrations.mercurial entry for hg.example.com',
    );
    expect(JSON.stringify(error)).not.toContain('s3cret');
  });

  it('refuses an hgweb URL whose repository path is not a valid one', () => {
    expect(() =>
      parseMercurialRepoUrl(
        'https://hg.example.com/hg/-team/service',
        integrations,
      ),
    ).toThrow(pathMessage('-team/service'));
  });
});
