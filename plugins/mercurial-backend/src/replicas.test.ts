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
 * Two backends with the plugin, as two replicas: one database (the plugin's
 * load claims) and one cache service (as one Redis), in front of one hg
 * serve whose requests are counted.
 */

import {
  BasicAuthProxy,
  HgTestServer,
  runHg,
  startBasicAuthProxy,
  startHgServer,
} from '@backstage-mercurial/test-utils';
import { CacheManager } from '@backstage/backend-defaults/cache';
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestBackend,
  TestDatabases,
} from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mercurialPlugin from './index';

jest.setTimeout(60_000);

const REPO = 'team/platform';
const USER = { name: 'backstage', password: 'hg-s3cret' };
/** Longer than a burst takes on a loaded machine. */
const HEAD_CHECK_TTL_MS = 2000;
const VIEWS = 100;

const databases = TestDatabases.create({
  ids: [
    'SQLITE_3',
    'POSTGRES_18',
    'POSTGRES_17',
    'POSTGRES_16',
    'POSTGRES_15',
    'POSTGRES_14',
  ],
  // Only databases given by connection string: never a container.
  disableDocker: true,
});

describe('two replicas of the backend on one database and one cache service', () => {
  let hg: HgTestServer;
  let proxy: BasicAuthProxy;

  beforeAll(async () => {
    hg = await startHgServer({
      repositories: {
        [REPO]: {
          commits: [
            {
              user: 'Alice Example <alice@example.com>',
              message: 'Start',
              files: { 'README.md': '# Platform\n' },
            },
          ],
        },
      },
    });
    proxy = await startBasicAuthProxy({
      target: hg.baseUrl,
      users: { [USER.name]: USER.password },
    });
  }, 60_000);

  afterAll(async () => {
    await proxy?.stop();
    await hg?.stop();
  });

  /** What the hg server was asked since `from`. */
  function hgRequests(from: number) {
    const seen = proxy.requests.slice(from);
    const count = (test: (url: URL) => boolean) =>
      seen.filter(r => test(new URL(r.url, 'http://x'))).length;
    return {
      headChecks: count(u => u.searchParams.get('cmd') === 'batch'),
      dataFetches: count(u => u.pathname.endsWith('/json-log')),
      total: seen.length,
    };
  }

  it.each(databases.eachSupportedId())(
    'on %s, a burst of 100 views over both makes one data fetch per repository head',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const cacheStore = CacheManager.fromConfig(
        new ConfigReader({ backend: { cache: { store: 'memory' } } }),
      );
      const backends: TestBackend[] = [];
      try {
        for (let i = 0; i < 2; i++) {
          backends.push(
            await startTestBackend({
              features: [
                mercurialPlugin,
                catalogServiceMock.factory({
                  entities: [
                    {
                      apiVersion: 'backstage.io/v1alpha1',
                      kind: 'Component',
                      metadata: {
                        name: 'platform',
                        annotations: {
                          'backstage.io/source-location': `url:${proxy.baseUrl}/${REPO}`,
                        },
                      },
                      spec: {},
                    },
                  ],
                }),
                mockServices.database.factory({ knex }),
                createServiceFactory({
                  service: coreServices.cache,
                  deps: { plugin: coreServices.pluginMetadata },
                  factory: ({ plugin }) => cacheStore.forPlugin(plugin.getId()),
                }),
                mockServices.rootConfig.factory({
                  data: {
                    integrations: {
                      mercurial: [
                        {
                          host: proxy.host,
                          baseUrl: proxy.baseUrl,
                          username: USER.name,
                          password: USER.password,
                        },
                      ],
                    },
                    mercurial: {
                      cache: {
                        headCheckTtl: { milliseconds: HEAD_CHECK_TTL_MS },
                      },
                    },
                  },
                }),
              ],
            }),
          );
        }
        const urls = backends.map(
          b =>
            `http://localhost:${b.server.port()}/api/mercurial/entities/component/default/platform/commits?limit=20`,
        );
        const burst = async () => {
          const from = proxy.requests.length;
          const answers = await Promise.all(
            Array.from({ length: VIEWS }, async (_, i) => {
              const response = await fetch(urls[i % 2], {
                headers: {
                  Authorization: mockCredentials.user.header(
                    `user:default/user${i % 10}`,
                  ),
                },
              });
              return { status: response.status, body: await response.json() };
            }),
          );
          expect(answers.map(a => a.status)).toEqual(Array(VIEWS).fill(200));
          const nodes = new Set(answers.map(a => a.body.node));
          expect(nodes.size).toBe(1);
          return { node: [...nodes][0] as string, ...hgRequests(from) };
        };

        const first = await burst();
        // One data fetch for both replicas. (The head checks are kept per
        // replica: one each, or more when the burst outlasts their TTL.)
        expect(first.dataFetches).toBe(1);
        expect(first.headChecks).toBeGreaterThanOrEqual(2);

        // A push: a new head, a new key, again one data fetch for both.
        const dir = hg.repoDir(REPO);
        await fs.writeFile(
          path.join(dir, 'README.md'),
          `# Platform ${databaseId}\n`,
        );
        await runHg(['commit', '-u', 'Bob <bob@example.com>', '-m', 'Bump'], {
          cwd: dir,
        });
        await sleep(HEAD_CHECK_TTL_MS + 100);
        const second = await burst();
        expect(second.node).not.toBe(first.node);
        expect(second.dataFetches).toBe(1);
        expect(await knex('mercurial_history__load_claims')).toEqual([]);
      } finally {
        for (const backend of backends) {
          await backend.stop();
        }
      }
    },
  );
});
