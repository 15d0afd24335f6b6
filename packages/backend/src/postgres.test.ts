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

import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { cacheServiceFactory } from '@backstage/backend-defaults/cache';
import { databaseServiceFactory } from '@backstage/backend-defaults/database';
import { rootConfigServiceFactory } from '@backstage/backend-defaults/rootConfig';
import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import {
  createTempDir,
  eventually,
  HgTestServer,
  mockAuthWithActorsFactory,
  PostgresTestServer,
  RedisTestServer,
  startHgServer,
  startPostgres,
  startRedis,
} from '@backstage-mercurial/test-utils';
import { Client } from 'pg';
import { stringify as stringifyYaml } from 'yaml';
import { buildDemoRepositories } from '../scripts/demo-repos';
import { backendFeatures } from './features';

jest.setTimeout(180_000);

/** The reply of one RESP command (`GET key`) on a new connection. */
function redisGet(port: number, key: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('connect', () =>
      socket.write(
        `*2\r\n$3\r\nGET\r\n$${Buffer.byteLength(key)}\r\n${key}\r\n`,
      ),
    );
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (reply.startsWith('$-1\r\n') || reply.split('\r\n').length >= 3) {
        socket.destroy();
        resolve(reply);
      }
    });
    socket.on('error', reject);
  });
}

/** Writes a value with the catalog's cache service when the backend starts. */
const cacheProbe = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'test-cache-probe',
  register(env) {
    env.registerInit({
      deps: { cache: coreServices.cache },
      async init({ cache }) {
        await cache.set('probe', { written: 'by the catalog' });
      },
    });
  },
});

/**
 * The example backend with app-config.yaml and app-config.postgres.yaml (what
 * `DEMO_DB=postgres scripts/start.sh` runs), on a real PostgreSQL and Redis
 * and Backstage's own database and cache services.
 */
describe('example backend on PostgreSQL and Redis (DEMO_DB=postgres)', () => {
  let tempDir: { path: string; remove(): Promise<void> };
  let server: HgTestServer;
  let pg: PostgresTestServer;
  let redis: RedisTestServer;
  let backend: { stop(): Promise<void> } | undefined;
  let backendUrl: string;
  const variables = [
    'HG_DEMO_PORT',
    'HG_DEMO_ROOT',
    'DEMO_PG_HOST',
    'DEMO_PG_PORT',
    'DEMO_PG_USER',
    'DEMO_PG_PASSWORD',
    'DEMO_REDIS_URL',
  ];
  const saved = Object.fromEntries(variables.map(n => [n, process.env[n]]));

  beforeAll(async () => {
    tempDir = await createTempDir('backend-pg-test-');
    [server, pg, redis] = await Promise.all([
      startHgServer({ root: path.join(tempDir.path, 'repos') }),
      startPostgres(),
      startRedis(),
    ]);
    await buildDemoRepositories({ root: server.root });

    const workingDirectory = path.join(tempDir.path, 'work');
    const publishDirectory = path.join(tempDir.path, 'techdocs');
    await fs.mkdir(workingDirectory);
    await fs.mkdir(publishDirectory);
    const overrides = path.join(tempDir.path, 'app-config.test.yaml');
    await fs.writeFile(
      overrides,
      stringifyYaml({
        backend: { workingDirectory },
        techdocs: { publisher: { local: { publishDirectory } } },
        catalog: {
          locations: [
            {
              type: 'file',
              target: path.resolve(__dirname, '../demo/org.yaml'),
            },
          ],
        },
      }),
    );

    // What start.sh sets (from scripts/demo-services.ts).
    Object.assign(process.env, {
      HG_DEMO_PORT: String(server.port),
      HG_DEMO_ROOT: server.root,
      DEMO_PG_HOST: pg.host,
      DEMO_PG_PORT: String(pg.port),
      DEMO_PG_USER: pg.user,
      DEMO_PG_PASSWORD: pg.password,
      DEMO_REDIS_URL: redis.url,
    });
    const started = await startTestBackend({
      features: [
        ...backendFeatures,
        mockAuthWithActorsFactory(),
        // The real database and cache services, instead of the test
        // backend's SQLite and in-memory mocks.
        databaseServiceFactory,
        cacheServiceFactory,
        cacheProbe,
        rootConfigServiceFactory({
          argv: [
            '--config',
            path.resolve(__dirname, '../app-config.yaml'),
            '--config',
            path.resolve(__dirname, '../app-config.postgres.yaml'),
            '--config',
            overrides,
          ],
          watch: false,
        }),
      ],
    });
    backend = started;
    backendUrl = `http://localhost:${started.server.port()}`;
  });

  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) {
        delete process.env[name];
      } else {
        process.env[name] = value;
      }
    }
    // The backend first (startTestBackend's own hook would stop it only
    // after this one, when PostgreSQL is gone), with its connection pools.
    await backend?.stop();
    // Not Redis: Backstage's redis cache store (@keyv/redis) never closes
    // its connections, not even when the backend stops, and puts no error
    // listener on them, so a Redis that goes away throws an unhandled
    // 'error' (SocketClosedUnexpectedlyError) in the process. The server
    // stops when this test process is gone (startRedis's watchdog).
    await Promise.all([server?.stop(), pg?.stop()]);
    await tempDir?.remove();
  });

  it('serves the demo component, with the catalog in PostgreSQL', async () => {
    const entity = await eventually('the backend', async () => {
      const res = await fetch(
        `${backendUrl}/api/catalog/entities/by-name/component/default/hg-demo-service`,
        { headers: { Authorization: mockCredentials.user.header() } },
      );
      return res.status === 200 ? ((await res.json()) as Entity) : undefined;
    });
    expect(entity.spec?.type).toBe('service');

    const client = new Client({
      ...pg.connection,
      database: 'backstage_plugin_catalog',
    });
    await client.connect();
    try {
      const { rows } = await client.query<{ entity_ref: string }>(
        'SELECT entity_ref FROM refresh_state ORDER BY entity_ref',
      );
      expect(rows.map(r => r.entity_ref)).toContain(
        'component:default/hg-demo-service',
      );
    } finally {
      await client.end();
    }
  });

  it('keeps the cache in Redis', async () => {
    // Backstage's redis store: the plugin, ':', the key in base64; the value
    // JSON in a keyv envelope.
    const key = `catalog:${Buffer.from('probe').toString('base64')}`;
    const reply = await redisGet(redis.port, key);
    expect(reply).toContain('{"value":{"written":"by the catalog"}}');
  });
});
