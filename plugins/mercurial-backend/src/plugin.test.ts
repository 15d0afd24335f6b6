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
 * The plugin in a real backend: the catalog backend reads entities from a
 * real `hg serve` through our URL reader, the plugin looks them up as the
 * caller and reads their history from the same server behind a Basic-auth
 * front, which counts the requests that reach it. Nothing of hg, hgweb or
 * the catalog is mocked; only the permission policy is a test double.
 */

import mercurialUrlReaderModule from '@backstage-mercurial/backend-module-url-reader';
import catalogModuleMercurial from '@backstage-mercurial/plugin-catalog-backend-module-mercurial';
import {
  BasicAuthProxy,
  createTempDir,
  HgTestServer,
  runHg,
  startBasicAuthProxy,
  startHgServer,
} from '@backstage-mercurial/test-utils';
import {
  BackstageCredentials,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import mercurialPlugin from './index';
import { loadOpenApiSpec } from './schema/spec';
import {
  componentYaml,
  createOpenApiValidator,
} from './__testUtils__/fixtures';

jest.setTimeout(60_000);

const REPO = 'team/platform';
const USER = { name: 'backstage', password: 'hg-s3cret' };
/** Short, so that the tests can wait for it to pass. */
const HEAD_CHECK_TTL_MS = 2000;
const OUTSIDER = 'user:default/outsider';

/** Seconds since the epoch of 2024-03-01 00:00 UTC plus `days`. */
const day = (days: number) => Date.UTC(2024, 2, 1 + days) / 1000;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

function component(name: string, sourceLocation?: string) {
  return componentYaml({ name, owner: 'team-platform', sourceLocation });
}

/** Polls `probe` until it returns something other than undefined. */
async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 40_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) {
        return value;
      }
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out waiting for ${what}${lastError ? `: ${lastError}` : ''}`,
      );
    }
    await new Promise(resolve => setTimeout(resolve, 200));
  }
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

describe('the mercurial backend plugin', () => {
  let hg: HgTestServer;
  let proxy: BasicAuthProxy;
  /** A front that refuses the integration's credentials. */
  let locked: BasicAuthProxy;
  let work: { path: string; remove(): Promise<void> };
  let backend: TestBackend;
  let base: string;
  let nodes: string[];
  /** The permission checks the catalog asked for. */
  const permissionChecks: Array<{ permission: string; user?: string }> = [];
  let validate: (schema: string, body: unknown) => void;

  const token = mockCredentials.user.token();
  const outsiderToken = mockCredentials.user.token(OUTSIDER);

  async function get(
    route: string,
    options: { token?: string | null } = {},
  ): Promise<{ status: number; body: any }> {
    const headers: Record<string, string> = {};
    const bearer = options.token === undefined ? token : options.token;
    if (bearer) {
      headers.Authorization = `Bearer ${bearer}`;
    }
    const response = await fetch(`${base}${route}`, { headers });
    return { status: response.status, body: await response.json() };
  }

  /** The plugin's requests to the hg server since `from`, by kind. */
  function hgRequests(from: number) {
    const seen = proxy.requests.slice(from);
    const count = (test: (url: URL) => boolean) =>
      seen.filter(r => test(new URL(r.url, 'http://x'))).length;
    return {
      total: seen.length,
      headChecks: count(u => u.searchParams.get('cmd') === 'batch'),
      log: count(u => u.pathname.endsWith('/json-log')),
      branches: count(u => u.pathname.endsWith('/json-branches')),
      tags: count(u => u.pathname.endsWith('/json-tags')),
    };
  }

  beforeAll(async () => {
    hg = await startHgServer();
    proxy = await startBasicAuthProxy({
      target: hg.baseUrl,
      users: { [USER.name]: USER.password },
    });
    locked = await startBasicAuthProxy({
      target: hg.baseUrl,
      users: { [USER.name]: 'another-password' },
    });
    work = await createTempDir('mercurial-backend-');
    const viaProxy = `${proxy.baseUrl}/${REPO}`;

    // Several authors, branches, tags and bookmarks; a sub-directory entity.
    const repo = await hg.addRepository(REPO, {
      commits: [
        {
          // 1
          user: 'Alice Example <alice@example.com>',
          date: `${day(0)} 0`,
          message: 'Start the platform',
          files: {
            // The repository form: the head of the default branch.
            'catalog-info.yaml': [
              component('platform', `url:${viaProxy}`),
              component(
                'on-github',
                'url:https://github.com/acme/platform/tree/main/',
              ),
            ].join('---\n'),
            'README.md': '# Platform\n',
          },
        },
        {
          // 2
          user: 'Bob Builder <bob@example.com>',
          date: `${day(1)} 0`,
          message: 'Add the API service',
          files: {
            'services/api/catalog-info.yaml': component(
              'platform-api',
              `url:${viaProxy}/file/default/services/api/`,
            ),
            'services/api/index.ts': 'export {};\n',
          },
          tags: ['v1.0'],
        },
        {
          // 3: a user without an e-mail address
          user: 'carol',
          date: `${day(2)} 0`,
          message: 'Write docs',
          files: { 'docs/index.md': '# Docs\n' },
          bookmarks: ['docs-work'],
        },
        {
          // 4
          user: 'Alice Example <alice@example.com>',
          date: `${day(3)} 0`,
          message: 'Add a handler',
          files: { 'services/api/src/handler.ts': 'export const h = 1;\n' },
          // Every character the wire protocol's batch answer escapes.
          bookmarks: ['feature/x', 'review=1;2,3'],
        },
        {
          // 5: a maintenance branch, not in the history of default
          user: 'Bob Builder <bob@example.com>',
          date: `${day(4)} 0`,
          message: 'Fix the API on stable',
          branch: 'stable',
          files: { 'services/api/index.ts': 'export const fixed = 1;\n' },
          tags: ['v1.0.1'],
        },
        {
          // 6: a commit date in another time zone (UTC+2)
          user: 'Dave <dave@example.com>',
          date: `${day(5)} -7200`,
          message: 'Reword the README, add a worker',
          parent: 'default',
          files: {
            'README.md': '# The platform\n',
            // No source-location: our catalog module sets it.
            'services/worker/catalog-info.yaml': component('platform-worker'),
            'services/worker/main.go': 'package main\n',
          },
        },
        {
          // 7
          user: 'Alice Example <alice@example.com>',
          date: `${day(6)} 0`,
          message: 'Try something',
          branch: 'feature/old',
          files: { 'tools/try.sh': 'echo\n' },
        },
        {
          // 8
          user: 'Alice Example <alice@example.com>',
          date: `${day(7)} 0`,
          message: 'Give up',
          close: true,
        },
        {
          // 9
          user: 'Bob Builder <bob@example.com>',
          date: `${day(8)} 0`,
          message: 'Handle errors\n\nWith a longer description.',
          parent: 'default',
          files: { 'services/api/src/handler.ts': 'export const h = 2;\n' },
        },
      ],
    });
    nodes = repo.nodes;
    await hg.addRepository('team/locked', {
      commits: [
        {
          files: {
            'catalog-info.yaml': component(
              'locked-away',
              `url:${locked.baseUrl}/team/locked`,
            ),
          },
        },
      ],
    });

    // Denies reading entities to one user: the catalog asks.
    const permissions = createServiceFactory({
      service: coreServices.permissions,
      deps: {},
      factory: () => {
        const decide = (
          requests: Array<{ permission: { name: string } }>,
          credentials: BackstageCredentials,
        ) =>
          requests.map(r => {
            const principal = credentials.principal as {
              type: string;
              userEntityRef?: string;
            };
            const user =
              principal.type === 'user' ? principal.userEntityRef : undefined;
            permissionChecks.push({ permission: r.permission.name, user });
            return {
              result:
                r.permission.name === 'catalog.entity.read' && user === OUTSIDER
                  ? AuthorizeResult.DENY
                  : AuthorizeResult.ALLOW,
            };
          });
        return {
          authorize: async (requests: any[], { credentials }: any) =>
            decide(requests, credentials),
          authorizeConditional: async (requests: any[], { credentials }: any) =>
            decide(requests, credentials),
        } as any;
      },
    });

    backend = await startTestBackend({
      features: [
        catalogPlugin,
        mercurialUrlReaderModule,
        catalogModuleMercurial,
        mercurialPlugin,
        permissions,
        mockServices.rootConfig.factory({
          data: {
            backend: { workingDirectory: work.path },
            integrations: {
              mercurial: [
                // The catalog reads the entity files straight from hg serve.
                { host: hg.host, baseUrl: hg.baseUrl },
                // The entities' source locations point at the front.
                {
                  host: proxy.host,
                  baseUrl: proxy.baseUrl,
                  username: USER.name,
                  password: USER.password,
                },
                // The locked front wants another password.
                {
                  host: locked.host,
                  baseUrl: locked.baseUrl,
                  username: USER.name,
                  password: USER.password,
                },
              ],
            },
            catalog: {
              processingInterval: { seconds: 1 },
              rules: [{ allow: ['Component', 'Location'] }],
              locations: [
                {
                  type: 'url',
                  target: `${hg.baseUrl}/${REPO}/file/default/catalog-info.yaml`,
                },
                {
                  type: 'url',
                  target: `${hg.baseUrl}/${REPO}/file/default/services/api/catalog-info.yaml`,
                },
                {
                  type: 'url',
                  target: `${hg.baseUrl}/${REPO}/file/default/services/worker/catalog-info.yaml`,
                },
                {
                  type: 'url',
                  target: `${hg.baseUrl}/team/locked/file/default/catalog-info.yaml`,
                },
              ],
            },
            mercurial: {
              cache: { headCheckTtl: { milliseconds: HEAD_CHECK_TTL_MS } },
            },
          },
        }),
      ],
    });
    base = `http://localhost:${backend.server.port()}/api/mercurial`;

    validate = await createOpenApiValidator();

    // Wait until the catalog has all five entities.
    const catalogUrl = `http://localhost:${backend.server.port()}/api/catalog`;
    await eventually('the entities in the catalog', async () => {
      const refs = [
        'platform',
        'platform-api',
        'platform-worker',
        'on-github',
        'locked-away',
      ];
      const found = await Promise.all(
        refs.map(name =>
          fetch(`${catalogUrl}/entities/by-name/component/default/${name}`, {
            headers: { Authorization: `Bearer ${token}` },
          }).then(r => r.ok),
        ),
      );
      return found.every(Boolean) ? true : undefined;
    });
  }, 60_000);

  afterAll(async () => {
    await backend?.stop();
    await proxy?.stop();
    await locked?.stop();
    await hg?.stop();
    await work?.remove();
  });

  describe('commits', () => {
    it('lists the history of the whole repository, newest first, with every field', async () => {
      const { status, body } = await get(
        '/entities/component/default/platform/commits',
      );
      expect(status).toBe(200);
      validate('CommitsResponse', body);
      const [n1, n2, n3, n4, , n6, , , n9] = nodes;
      expect(body).toMatchObject({
        entityRef: 'component:default/platform',
        repositoryUrl: `${proxy.baseUrl}/${REPO}`,
        revision: 'default',
        node: n9,
        path: '',
      });
      // The ancestors of default: not the stable or feature/old branches;
      // the tag commit of v1.0 (it is on default) is one of them.
      const list = body.commits.map((c: any) => c.node);
      expect(list).toHaveLength(7);
      expect([list[0], list[1], list[2], list[3], list[5], list[6]]).toEqual([
        n9,
        n6,
        n4,
        n3,
        n2,
        n1,
      ]);
      expect(body.commits[4].message).toMatch(/^Added tag v1\.0 for changeset/);

      expect(body.commits[0]).toEqual({
        node: n9,
        author: { name: 'Bob Builder', email: 'bob@example.com' },
        date: iso(day(8)),
        message: 'Handle errors\n\nWith a longer description.',
        branch: 'default',
        tags: [],
        bookmarks: [],
        parents: [n6],
        url: `${proxy.baseUrl}/${REPO}/rev/${n9}`,
      });
      // UTC, whatever the committer's time zone.
      expect(body.commits[1].date).toBe(iso(day(5)));
      expect(body.commits[2].bookmarks.sort()).toEqual([
        'feature/x',
        'review=1;2,3',
      ]);
      expect(body.commits[3].author).toEqual({ name: 'carol' });
      expect(body.commits[5].tags).toEqual(['v1.0']);

      // The changeset page is a real page of the server.
      const page = await fetch(body.commits[0].url, {
        headers: {
          Authorization: `Basic ${Buffer.from(
            `${USER.name}:${USER.password}`,
          ).toString('base64')}`,
        },
      });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(n9);
    });

    it('scopes the history of a sub-directory entity to its directory', async () => {
      const { status, body } = await get(
        '/entities/component/default/platform-api/commits',
      );
      expect(status).toBe(200);
      validate('CommitsResponse', body);
      const [, n2, , n4, , , , , n9] = nodes;
      expect(body.path).toBe('services/api');
      expect(body.commits.map((c: any) => c.node)).toEqual([n9, n4, n2]);
    });

    it('reads an entity whose source location our catalog module set', async () => {
      const { status, body } = await get(
        '/entities/component/default/platform-worker/commits',
      );
      expect(status).toBe(200);
      validate('CommitsResponse', body);
      expect(body).toMatchObject({
        repositoryUrl: `${hg.baseUrl}/${REPO}`,
        revision: 'default',
        path: 'services/worker',
      });
      expect(body.commits.map((c: any) => c.node)).toEqual([nodes[5]]);
    });

    it('narrows to a path below the entity directory, and limits', async () => {
      const [, , , n4, , , , , n9] = nodes;
      const narrowed = await get(
        '/entities/component/default/platform-api/commits?path=src/',
      );
      expect(narrowed.status).toBe(200);
      expect(narrowed.body.path).toBe('services/api/src');
      expect(narrowed.body.commits.map((c: any) => c.node)).toEqual([n9, n4]);

      const file = await get(
        '/entities/component/default/platform-api/commits?path=./index.ts',
      );
      expect(file.body.path).toBe('services/api/index.ts');
      expect(file.body.commits.map((c: any) => c.node)).toEqual([nodes[1]]);

      const none = await get(
        '/entities/component/default/platform-api/commits?path=no%20such%22dir',
      );
      expect(none.status).toBe(200);
      expect(none.body.commits).toEqual([]);

      const limited = await get(
        '/entities/component/default/platform/commits?limit=2',
      );
      expect(limited.body.commits.map((c: any) => c.node)).toEqual([
        n9,
        nodes[5],
      ]);
    });

    it.each([
      ['limit=0', /limit/],
      ['limit=101', /limit/],
      ['limit=abc', /limit/],
      ['limit=1.5', /limit/],
      ['path=../catalog-info.yaml', /'\.\.'/],
      ['path=src/../../x', /'\.\.'/],
      ['path=/etc', /relative/],
      ['unknown=1', /unknown/],
    ])(
      'refuses %s with 400 in Backstage error JSON',
      async (query, message) => {
        const { status, body } = await get(
          `/entities/component/default/platform-api/commits?${query}`,
        );
        expect(status).toBe(400);
        validate('Error', body);
        expect(body).toMatchObject({
          error: { name: 'InputError' },
          request: { method: 'GET' },
          response: { statusCode: 400 },
        });
        expect(body.error.message).toMatch(message);
      },
    );
  });

  describe('contributors', () => {
    it('counts the authors of the whole repository', async () => {
      const { status, body } = await get(
        '/entities/component/default/platform/contributors',
      );
      expect(status).toBe(200);
      validate('ContributorsResponse', body);
      expect(body).toMatchObject({
        entityRef: 'component:default/platform',
        path: '',
        commitCount: 7,
        truncated: false,
      });
      expect(body.contributors).toEqual([
        // commits 2, 9 and the tag commit of v1.0 (made by Bob, on day 1)
        {
          name: 'Bob Builder',
          email: 'bob@example.com',
          commitCount: 3,
          firstCommitDate: iso(day(1)),
          lastCommitDate: iso(day(8)),
        },
        {
          name: 'Alice Example',
          email: 'alice@example.com',
          commitCount: 2,
          firstCommitDate: iso(day(0)),
          lastCommitDate: iso(day(3)),
        },
        // One each: the later last commit first.
        {
          name: 'Dave',
          email: 'dave@example.com',
          commitCount: 1,
          firstCommitDate: iso(day(5)),
          lastCommitDate: iso(day(5)),
        },
        {
          name: 'carol',
          commitCount: 1,
          firstCommitDate: iso(day(2)),
          lastCommitDate: iso(day(2)),
        },
      ]);
    });

    it('scopes to the entity directory, and counts since a date', async () => {
      const all = await get(
        '/entities/component/default/platform-api/contributors',
      );
      expect(all.status).toBe(200);
      validate('ContributorsResponse', all.body);
      expect(all.body.path).toBe('services/api');
      expect(
        all.body.contributors.map((c: any) => [c.name, c.commitCount]),
      ).toEqual([
        ['Bob Builder', 2],
        ['Alice Example', 1],
      ]);

      const since = await get(
        `/entities/component/default/platform-api/contributors?since=${iso(
          day(3),
        ).slice(0, 10)}`,
      );
      expect(since.status).toBe(200);
      validate('ContributorsResponse', since.body);
      expect(since.body.since).toBe(iso(day(3)));
      expect(since.body.commitCount).toBe(2);
      expect(
        since.body.contributors.map((c: any) => [c.name, c.commitCount]),
      ).toEqual([
        ['Bob Builder', 1],
        ['Alice Example', 1],
      ]);

      const narrowed = await get(
        '/entities/component/default/platform-api/contributors?path=index.ts',
      );
      expect(narrowed.body.contributors).toEqual([
        {
          name: 'Bob Builder',
          email: 'bob@example.com',
          commitCount: 1,
          firstCommitDate: iso(day(1)),
          lastCommitDate: iso(day(1)),
        },
      ]);
    });

    it.each(['yesterday', '2024-02-30', '2024-01-01T10:00:00'])(
      'refuses since=%s with 400',
      async since => {
        const { status, body } = await get(
          `/entities/component/default/platform/contributors?since=${since}`,
        );
        expect(status).toBe(400);
        validate('Error', body);
        expect(body.error.message).toMatch(/since/);
      },
    );
  });

  describe('summary', () => {
    it('has the repository, the default head, branches, tags and bookmarks', async () => {
      const { status, body } = await get(
        '/entities/component/default/platform-api/summary',
      );
      expect(status).toBe(200);
      validate('SummaryResponse', body);
      const [, n2, n3, n4, n5, , , n8, n9] = nodes;
      expect(body).toMatchObject({
        entityRef: 'component:default/platform-api',
        repositoryUrl: `${proxy.baseUrl}/${REPO}`,
        revision: 'default',
        node: n9,
        defaultBranch: 'default',
        head: n9,
      });
      const branches = Object.fromEntries(
        body.branches.map((b: any) => [b.name, b]),
      );
      expect(Object.keys(branches).sort()).toEqual([
        'default',
        'feature/old',
        'stable',
      ]);
      expect(branches.default).toEqual({
        name: 'default',
        node: n9,
        open: true,
      });
      expect(branches['feature/old']).toEqual({
        name: 'feature/old',
        node: n8,
        open: false,
      });
      // The head of stable is the commit that added the tag v1.0.1.
      expect(branches.stable.open).toBe(true);
      expect(branches.stable.node).not.toBe(n5);
      expect(
        body.tags.sort((a: any, b: any) => a.name.localeCompare(b.name)),
      ).toEqual([
        { name: 'v1.0', node: n2 },
        { name: 'v1.0.1', node: n5 },
      ]);
      expect(body.bookmarks).toEqual([
        { name: 'docs-work', node: n3 },
        { name: 'feature/x', node: n4 },
        { name: 'review=1;2,3', node: n4 },
      ]);
    });
  });

  describe('access', () => {
    it('answers 404 for an entity whose source location is not on an hg server', async () => {
      for (const route of ['commits', 'contributors', 'summary', 'readme']) {
        const { status, body } = await get(
          `/entities/component/default/on-github/${route}`,
        );
        expect(status).toBe(404);
        validate('Error', body);
        expect(body.error).toEqual({
          name: 'NotFoundError',
          message:
            'component:default/on-github has no Mercurial source location (backstage.io/source-location is not under any integrations.mercurial baseUrl)',
        });
      }
    });

    it('keeps the source location written in the entity file', async () => {
      const { body } = await get(
        '/entities/component/default/on-github/summary',
      );
      expect(body.error.message).toMatch(/not under any integrations/);
    });

    it('answers 404 for an entity that does not exist', async () => {
      const { status, body } = await get(
        '/entities/component/default/nope/commits',
      );
      expect(status).toBe(404);
      validate('Error', body);
      expect(body.error.message).toBe(
        'Entity component:default/nope not found',
      );
    });

    it('answers 404, as for a missing entity, when the catalog refuses the caller the entity', async () => {
      const checksBefore = permissionChecks.length;
      const requestsBefore = proxy.requests.length;
      for (const route of ['commits', 'contributors', 'summary', 'readme']) {
        const denied = await get(
          `/entities/component/default/platform-api/${route}`,
          { token: outsiderToken },
        );
        expect(denied.status).toBe(404);
        expect(denied.body.error).toEqual({
          name: 'NotFoundError',
          message: 'Entity component:default/platform-api not found',
        });
      }
      // The catalog was asked, as the outsider, and said no...
      expect(permissionChecks.slice(checksBefore)).toContainEqual({
        permission: 'catalog.entity.read',
        user: OUTSIDER,
      });
      // ... not a word went to the hg server ...
      expect(proxy.requests.length).toBe(requestsBefore);
      // ... and the same entity answers the mock user.
      const allowed = await get(
        '/entities/component/default/platform-api/commits',
      );
      expect(allowed.status).toBe(200);
      expect(permissionChecks.slice(checksBefore)).toContainEqual({
        permission: 'catalog.entity.read',
        user: 'user:default/mock',
      });
    });

    it('answers 401 to a request with invalid credentials', async () => {
      const { status, body } = await get(
        '/entities/component/default/platform/commits',
        { token: 'not-a-token' },
      );
      expect(status).toBe(401);
      validate('Error', body);
    });

    it('answers 502, not 401, when the hg server refuses the integration credentials', async () => {
      for (const route of ['commits', 'contributors', 'summary', 'readme']) {
        const { status, body } = await get(
          `/entities/component/default/locked-away/${route}`,
        );
        expect(status).toBe(502);
        validate('Error', body);
        expect(body.error).toMatchObject({
          name: 'MercurialServerError',
          message: expect.stringContaining(
            `The Mercurial server ${locked.host} refused the credentials of its integrations.mercurial entry for the repository team/locked (HTTP 401`,
          ),
        });
        expect(JSON.stringify(body)).not.toContain(USER.password);
      }
      // The credentials went, and were refused.
      expect(locked.requests.length).toBeGreaterThan(0);
      expect(
        locked.requests.every(
          r => r.authorization?.startsWith('Basic ') && r.status === 401,
        ),
      ).toBe(true);
    });

    it('reads the hg server with the integration credentials', () => {
      const plugin = proxy.requests;
      expect(plugin.length).toBeGreaterThan(0);
      expect(plugin.every(r => r.user === USER.name && r.status === 200)).toBe(
        true,
      );
    });
  });

  describe('caching', () => {
    it('makes one data request per repository state, and reuses the head check for a while', async () => {
      // Past the head checks of the tests before.
      await sleep(HEAD_CHECK_TTL_MS + 100);
      const route = '/entities/component/default/platform/commits?limit=5';

      let from = proxy.requests.length;
      const first = await get(route);
      expect(first.status).toBe(200);
      // Uncached: the head check and the log.
      expect(hgRequests(from)).toEqual({
        total: 2,
        headChecks: 1,
        log: 1,
        branches: 0,
        tags: 0,
      });

      from = proxy.requests.length;
      const second = await get(route);
      expect(second.body).toEqual(first.body);
      // Cached, head check still fresh: nothing.
      expect(hgRequests(from).total).toBe(0);

      await sleep(HEAD_CHECK_TTL_MS + 100);
      from = proxy.requests.length;
      const third = await get(route);
      expect(third.body).toEqual(first.body);
      // Cached, head check expired: the head check alone.
      expect(hgRequests(from)).toEqual({
        total: 1,
        headChecks: 1,
        log: 0,
        branches: 0,
        tags: 0,
      });
    });

    it('answers a burst of identical requests with one head check and one data request', async () => {
      await sleep(HEAD_CHECK_TTL_MS + 100);
      const from = proxy.requests.length;
      const answers = await Promise.all(
        Array.from({ length: 10 }, () =>
          get('/entities/component/default/platform/commits?limit=7'),
        ),
      );
      expect(answers.every(a => a.status === 200)).toBe(true);
      expect(new Set(answers.map(a => JSON.stringify(a.body))).size).toBe(1);
      expect(hgRequests(from)).toEqual({
        total: 2,
        headChecks: 1,
        log: 1,
        branches: 0,
        tags: 0,
      });
    });

    it('sees a new commit once the head check has expired', async () => {
      const commitsRoute = '/entities/component/default/platform-api/commits';
      const summaryRoute = '/entities/component/default/platform-api/summary';
      const before = await get(commitsRoute);
      const summaryBefore = await get(summaryRoute);
      const dir = hg.repoDir(REPO);
      await runHg(['update', '-C', 'default'], { cwd: dir });
      await fs.writeFile(
        path.join(dir, 'services', 'api', 'index.ts'),
        'export const v = 2;\n',
      );
      await runHg(
        ['commit', '-u', 'Erin <erin@example.com>', '-m', 'Bump the API'],
        { cwd: dir },
      );
      const node = (
        await runHg(['log', '-r', '.', '-T', '{node}'], { cwd: dir })
      ).trim();

      await sleep(HEAD_CHECK_TTL_MS + 100);
      const from = proxy.requests.length;
      // Three routes at once, several times each: one head check for all.
      const contributorsRoute =
        '/entities/component/default/platform-api/contributors';
      const routes = [commitsRoute, summaryRoute, contributorsRoute];
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) => get(routes[i % 3])),
      );
      expect(answers.every(a => a.status === 200)).toBe(true);
      const [after, summary, contributors] = answers;
      expect(after.body.node).toBe(node);
      expect(after.body.commits[0]).toMatchObject({
        node,
        author: { name: 'Erin', email: 'erin@example.com' },
        message: 'Bump the API',
      });
      expect(after.body.commits.slice(1)).toEqual(before.body.commits);
      expect(summary.body.head).toBe(node);
      expect(summary.body.head).not.toBe(summaryBefore.body.head);
      expect(contributors.body.contributors[0]).toMatchObject({
        name: 'Bob Builder',
        commitCount: 2,
      });
      expect(contributors.body.contributors).toContainEqual(
        expect.objectContaining({ name: 'Erin', commitCount: 1 }),
      );
      // Uncached: one head check for all; json-log for commits, json-log
      // for contributors, json-branches and json-tags for the summary.
      expect(hgRequests(from)).toEqual({
        total: 5,
        headChecks: 1,
        log: 2,
        branches: 1,
        tags: 1,
      });

      // Another `since`: computed from the cached history, no request.
      const next = proxy.requests.length;
      const since = await get(`${contributorsRoute}?since=2024-03-05`);
      expect(since.status).toBe(200);
      expect(since.body.commitCount).toBe(2);
      expect(hgRequests(next).total).toBe(0);
    });
  });

  describe('the OpenAPI description', () => {
    it('is served at /openapi.json, with the paths of the spec', async () => {
      const spec = await loadOpenApiSpec();
      const { status, body } = await get('/openapi.json');
      expect(status).toBe(200);
      expect(Object.keys(body.paths).sort()).toEqual(
        Object.keys(spec.paths)
          .map(p => `/api/mercurial${p}`)
          .sort(),
      );
      expect(Object.keys(spec.paths).sort()).toEqual([
        '/entities/{kind}/{namespace}/{name}/commits',
        '/entities/{kind}/{namespace}/{name}/contributors',
        '/entities/{kind}/{namespace}/{name}/readme',
        '/entities/{kind}/{namespace}/{name}/summary',
        '/repositories/exists',
      ]);
    });
  });
});
