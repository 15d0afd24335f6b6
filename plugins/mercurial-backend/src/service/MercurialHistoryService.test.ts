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

/*
 * The service against a real `hg serve`, for the cases the backend test
 * does not make: no default branch, an empty repository, unknown revisions
 * and repositories, odd file names, truncated contributors, a bookmark that
 * moves without a new changeset.
 */

import { MercurialIntegrations } from '@backstage-mercurial/integration';
import {
  HgTestServer,
  runHg,
  startHgServer,
} from '@backstage-mercurial/test-utils';
import { CacheService } from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { JsonValue } from '@backstage/types';
import {
  DEFAULTS,
  MercurialHistoryService,
  MercurialHistorySettings,
} from './MercurialHistoryService';

jest.setTimeout(60_000);

const ODD_DIR = `odd dir/it's "quoted"`;

/** The cache service's contract, in memory, without expiry. */
function memoryCache(): CacheService {
  const map = new Map<string, JsonValue>();
  const cache: CacheService = {
    get: async <T extends JsonValue>(key: string) =>
      map.get(key) as T | undefined,
    set: async (key, value) => {
      map.set(key, value);
    },
    delete: async key => {
      map.delete(key);
    },
    withOptions: () => cache,
  };
  return cache;
}

describe('MercurialHistoryService against hg serve', () => {
  let hg: HgTestServer;
  let solo: string[];

  beforeAll(async () => {
    hg = await startHgServer({
      repositories: {
        // No `default` branch at all.
        'team/solo': {
          commits: [
            {
              branch: 'main',
              user: 'Ann <ann@example.com>',
              files: { [`${ODD_DIR}/a.txt`]: 'a\n', 'README.md': 'r\n' },
              bookmarks: ['moving'],
            },
            {
              user: 'Ben <ben@example.com>',
              files: { [`${ODD_DIR}/a.txt`]: 'b\n' },
            },
            { user: 'Cid', files: { 'README.md': 'c\n' } },
          ],
        },
        'team/empty': {},
      },
    });
    solo = hg.repositories['team/solo'].nodes;
  }, 60_000);

  afterAll(async () => {
    await hg?.stop();
  });

  function service(
    sources: Record<string, string>,
    settings: Partial<MercurialHistorySettings> = {},
  ) {
    const entities: Entity[] = Object.entries(sources).map(([name, url]) => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name,
        namespace: 'default',
        annotations: { 'backstage.io/source-location': `url:${url}` },
      },
      spec: {},
    }));
    const svc = new MercurialHistoryService(
      MercurialIntegrations.fromConfig(
        new ConfigReader({
          integrations: {
            mercurial: [{ host: hg.host, baseUrl: hg.baseUrl }],
          },
        }),
      ),
      { ...DEFAULTS, headCheckTtlMs: 0, ...settings },
      {
        logger: mockServices.logger.mock(),
        cache: memoryCache(),
        catalog: catalogServiceMock({ entities }),
      },
    );
    const source = (name: string) =>
      svc.resolveSource(
        { kind: 'component', namespace: 'default', name },
        mockCredentials.user(),
      );
    return { svc, source };
  }

  it('falls back to tip in a repository without a default branch', async () => {
    const { svc, source } = service({ solo: `${hg.baseUrl}/team/solo` });
    const commits = await svc.getCommits(await source('solo'), {
      limit: 10,
      path: '',
    });
    expect(commits.node).toBe(solo[2]);
    expect(commits.commits.map(c => c.node)).toEqual([...solo].reverse());
    expect(commits.commits[0].author).toEqual({ name: 'Cid' });

    const summary = await svc.getSummary(await source('solo'));
    expect(summary.head).toBeUndefined();
    expect(summary.branches).toEqual([
      { name: 'main', node: solo[2], open: true },
    ]);
  });

  it('scopes to a directory with spaces and quotes in its name', async () => {
    const { svc, source } = service({
      odd: `${hg.baseUrl}/team/solo/file/main/${ODD_DIR.split('/')
        .map(encodeURIComponent)
        .join('/')}/`,
    });
    const src = await source('odd');
    expect(src.path).toBe(ODD_DIR);
    const commits = await svc.getCommits(src, { limit: 10, path: '' });
    expect(commits.commits.map(c => c.node)).toEqual([solo[1], solo[0]]);
    const file = await svc.getCommits(src, { limit: 10, path: 'a.txt' });
    expect(file.path).toBe(`${ODD_DIR}/a.txt`);
    expect(file.commits).toHaveLength(2);
  });

  it('answers 404 for an unknown revision or repository', async () => {
    const { svc, source } = service({
      rev: `${hg.baseUrl}/team/solo/file/no-such-rev/`,
      repo: `${hg.baseUrl}/team/nope`,
    });
    await expect(
      svc.getCommits(await source('rev'), { limit: 1, path: '' }),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: `The revision 'no-such-rev' of the source location of component:default/rev was not found in ${hg.baseUrl}/team/solo`,
    });
    await expect(svc.getSummary(await source('repo'))).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringContaining(
        `The repository team/nope was not found on the Mercurial server ${hg.host}`,
      ),
    });
  });

  it('answers an empty repository with empty lists', async () => {
    const { svc, source } = service({ empty: `${hg.baseUrl}/team/empty` });
    const src = await source('empty');
    const commits = await svc.getCommits(src, { limit: 5, path: '' });
    expect(commits.commits).toEqual([]);
    const contributors = await svc.getContributors(src, { path: '' });
    expect(contributors).toMatchObject({
      commitCount: 0,
      truncated: false,
      contributors: [],
    });
    const summary = await svc.getSummary(src);
    expect(summary).toMatchObject({ branches: [], tags: [], bookmarks: [] });
  });

  it('says when contributors are truncated, unless since excludes the rest', async () => {
    const { svc, source } = service(
      { solo: `${hg.baseUrl}/team/solo` },
      { maxContributorCommits: 2 },
    );
    const src = await source('solo');
    const all = await svc.getContributors(src, { path: '' });
    expect(all).toMatchObject({ commitCount: 2, truncated: true });
    expect(all.contributors.map(c => c.name)).toEqual(['Cid', 'Ben']);

    // The second commit's date (test-utils: one hour per commit).
    const since = new Date(Date.UTC(2024, 0, 1, 1));
    const recent = await svc.getContributors(src, { path: '', since });
    expect(recent).toMatchObject({ commitCount: 2, truncated: true });
    const later = await svc.getContributors(src, {
      path: '',
      since: new Date(Date.UTC(2024, 0, 1, 1, 30)),
    });
    // The oldest changeset read is older than since: nothing is missing.
    expect(later).toMatchObject({ commitCount: 1, truncated: false });
  });

  it('sees a bookmark move, which makes no new changeset', async () => {
    const { svc, source } = service({ solo: `${hg.baseUrl}/team/solo` });
    const src = await source('solo');
    const before = await svc.getSummary(src);
    expect(before.bookmarks).toEqual([{ name: 'moving', node: solo[0] }]);
    await runHg(['bookmark', '-f', '-r', solo[2], 'moving'], {
      cwd: hg.repoDir('team/solo'),
    });
    const after = await svc.getSummary(src);
    expect(after.bookmarks).toEqual([{ name: 'moving', node: solo[2] }]);
    const commits = await svc.getCommits(src, { limit: 1, path: '' });
    expect(commits.commits[0].bookmarks).toEqual(['moving']);
  });
});
