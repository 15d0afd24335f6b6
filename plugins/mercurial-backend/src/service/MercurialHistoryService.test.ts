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

import {
  getMercurialConfigCredentials,
  MercurialIntegrations,
} from '@backstage-mercurial/integration';
import {
  MercurialCredentialsService,
  MercurialHgwebClient,
} from '@backstage-mercurial/integration-node';
import {
  BasicAuthProxy,
  HgTestServer,
  runHg,
  startBasicAuthProxy,
  startHgServer,
} from '@backstage-mercurial/test-utils';
import { CacheService } from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { JsonObject, JsonValue } from '@backstage/types';
import net from 'node:net';
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

/** The static credentials of each integration's config, as the default service gives them. */
function configCredentials(
  integrations: MercurialIntegrations,
): MercurialCredentialsService {
  return {
    getCredentials: async ({ url }) => {
      const integration = integrations.byUrl(url);
      return integration && getMercurialConfigCredentials(integration.config);
    },
  };
}

describe('MercurialHistoryService against hg serve', () => {
  let hg: HgTestServer;
  let proxy: BasicAuthProxy;
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
    proxy = await startBasicAuthProxy({
      target: hg.baseUrl,
      users: { backstage: 'right' },
    });
  }, 60_000);

  afterAll(async () => {
    await proxy?.stop();
    await hg?.stop();
  });

  function service(
    sources: Record<string, string>,
    settings: Partial<MercurialHistorySettings> = {},
    servers: JsonObject[] = [{ host: hg.host, baseUrl: hg.baseUrl }],
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
    const integrations = MercurialIntegrations.fromConfig(
      new ConfigReader({ integrations: { mercurial: servers } }),
    );
    const svc = new MercurialHistoryService(
      integrations,
      { ...DEFAULTS, headCheckTtlMs: 0, ...settings },
      {
        logger: mockServices.logger.mock(),
        permissions: mockServices.permissions(),
        auditor: mockServices.auditor.mock(),
        auth: mockServices.auth(),
        userInfo: mockServices.userInfo(),
        cache: memoryCache(),
        catalog: catalogServiceMock({ entities }),
        hgweb: MercurialHgwebClient.create({
          integrations,
          credentials: configCredentials(integrations),
        }),
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

  it.each([
    [
      'refuses its credentials',
      { username: 'backstage', password: 'wrong' },
      /refused the credentials of its integrations\.mercurial entry for the repository team\/solo \(HTTP 401/,
    ],
    [
      'wants credentials it has not got',
      {},
      /requires credentials for the repository team\/solo \(HTTP 401/,
    ],
  ])(
    "answers 502, not the caller's 401, when the server %s",
    async (_, credentials, message) => {
      const { svc, source } = service(
        { solo: `${proxy.baseUrl}/team/solo` },
        {},
        [{ host: proxy.host, baseUrl: proxy.baseUrl, ...credentials }],
      );
      const src = await source('solo');
      for (const read of [
        () => svc.getCommits(src, { limit: 1, path: '' }),
        () => svc.getContributors(src, { path: '' }),
        () => svc.getSummary(src),
      ]) {
        const error = await read().catch(e => e);
        expect(error).toMatchObject({
          name: 'MercurialServerError',
          statusCode: 502,
          message: expect.stringMatching(message),
        });
        expect(error.message).not.toContain('wrong');
        expect(error.cause).toMatchObject({ name: 'AuthenticationError' });
      }
    },
  );

  it('reads through a front with the credentials the credentials service gives', async () => {
    const { svc, source } = service(
      { solo: `${proxy.baseUrl}/team/solo` },
      {},
      [
        {
          host: proxy.host,
          baseUrl: proxy.baseUrl,
          username: 'backstage',
          password: 'right',
        },
      ],
    );
    const from = proxy.requests.length;
    const summary = await svc.getSummary(await source('solo'));
    expect(summary.branches.map(b => b.name)).toEqual(['main']);
    const seen = proxy.requests.slice(from);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every(r => r.user === 'backstage')).toBe(true);
  });

  it('gives up on a server that does not answer after requestTimeout, with 502', async () => {
    // Accepts connections, never answers.
    const sockets: net.Socket[] = [];
    const silent = net.createServer(socket => sockets.push(socket));
    await new Promise<void>(resolve => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const baseUrl = `http://127.0.0.1:${port}`;
      const { svc, source } = service(
        { silent: `${baseUrl}/team/solo` },
        { requestTimeoutMs: 300 },
        [{ host: `127.0.0.1:${port}`, baseUrl }],
      );
      const started = Date.now();
      await expect(
        svc.getSummary(await source('silent')),
      ).rejects.toMatchObject({
        name: 'MercurialServerError',
        statusCode: 502,
        message: expect.stringMatching(/gave no answer within 0.3 s/),
      });
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      sockets.forEach(socket => socket.destroy());
      await new Promise(resolve => silent.close(resolve));
    }
  });
});
