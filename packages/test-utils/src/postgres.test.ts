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
import os from 'node:os';
import path from 'node:path';
import { DatabaseManager } from '@backstage/backend-defaults/database';
import { mockServices } from '@backstage/backend-test-utils';
import { Client } from 'pg';
import { createTempDir, PostgresTestServer, startPostgres } from './index';
import {
  accepts,
  exists,
  startInProcessThenKill,
  waitUntilClosed,
} from './__testUtils__/processChecks';

jest.setTimeout(60_000);

/** Runs `fn` with a client connected to `database` of the server. */
async function withClient<T>(
  server: PostgresTestServer,
  database: string,
  fn: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({ ...server.connection, database });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe('startPostgres', () => {
  let pg: PostgresTestServer;

  beforeAll(async () => {
    pg = await startPostgres();
  });

  afterAll(() => pg?.stop());

  it('describes itself', () => {
    expect(pg.host).toBe('127.0.0.1');
    expect(pg.port).toBeGreaterThan(0);
    expect(pg.user).toBe('backstage');
    expect(pg.password).toBe('backstage');
    expect(pg.database).toBe('backstage');
    expect(pg.connection).toEqual({
      host: '127.0.0.1',
      port: pg.port,
      user: 'backstage',
      password: 'backstage',
    });
    expect(pg.url).toBe(
      `postgresql://backstage:backstage@127.0.0.1:${pg.port}/backstage`,
    );
    expect(pg.version).toMatch(/^\d+\.\d+/);
    expect(pg.dir.startsWith(os.tmpdir())).toBe(true);
    expect(pg.output()).toContain('ready to accept connections');
  });

  it('stores and reads rows, as the superuser, in UTF-8', async () => {
    const rows = await withClient(pg, 'postgres', async client => {
      await client.query(
        'CREATE TABLE entities (id serial PRIMARY KEY, name text NOT NULL)',
      );
      await client.query('INSERT INTO entities (name) VALUES ($1), ($2)', [
        'hg-demo-service',
        'Zürich ✓',
      ]);
      const who = await client.query<{ user: string; super: string }>(
        "SELECT current_user AS user, current_setting('is_superuser') AS super",
      );
      expect(who.rows).toEqual([{ user: 'backstage', super: 'on' }]);
      const encoding = await client.query('SHOW server_encoding');
      expect(encoding.rows[0].server_encoding).toBe('UTF8');
      return (
        await client.query<{ name: string }>(
          'SELECT name FROM entities ORDER BY id',
        )
      ).rows;
    });
    expect(rows.map(r => r.name)).toEqual(['hg-demo-service', 'Zürich ✓']);
  });

  it('connects with the URL, or without naming a database', async () => {
    for (const options of [{ connectionString: pg.url }, pg.connection]) {
      const client = new Client(options);
      await client.connect();
      try {
        const result = await client.query(
          'SELECT 1 + 1 AS two, current_database() AS db',
        );
        expect(result.rows).toEqual([{ two: 2, db: 'backstage' }]);
      } finally {
        await client.end();
      }
    }
  });

  it('creates more databases with CREATE DATABASE', async () => {
    await withClient(pg, 'postgres', client =>
      client.query('CREATE DATABASE second'),
    );
    await withClient(pg, 'second', async client => {
      await client.query('CREATE TABLE t (v text)');
      await client.query("INSERT INTO t VALUES ('in second')");
      const result = await client.query('SELECT v FROM t');
      expect(result.rows).toEqual([{ v: 'in second' }]);
    });
    // The table is in the second database only.
    await withClient(pg, 'postgres', async client => {
      const result = await client.query(
        "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 't'",
      );
      expect(result.rows).toEqual([{ n: 0 }]);
    });
  });

  it("is what Backstage's database manager (backend.database.client: pg) needs", async () => {
    const manager = DatabaseManager.fromConfig(
      mockServices.rootConfig({
        data: {
          backend: { database: { client: 'pg', connection: pg.connection } },
        },
      }),
    );
    const database = manager.forPlugin('catalog', {
      logger: mockServices.logger.mock(),
      lifecycle: mockServices.lifecycle.mock(),
    });
    const knex = await database.getClient();
    try {
      // A database of its own per plugin, created by the manager.
      const [{ name }] = (
        await knex.raw<{ rows: { name: string }[] }>(
          'SELECT current_database() AS name',
        )
      ).rows;
      expect(name).toBe('backstage_plugin_catalog');
      await knex.schema.createTable('things', table => {
        table.increments('id');
        table.string('name');
      });
      await knex('things').insert([{ name: 'a' }, { name: 'b' }]);
      expect(await knex('things').orderBy('id').pluck('name')).toEqual([
        'a',
        'b',
      ]);
    } finally {
      await knex.destroy();
    }
  });

  it('runs several servers at once', async () => {
    const other = await startPostgres({ user: 'other', password: 's3cret' });
    try {
      expect(other.port).not.toBe(pg.port);
      expect(other.dir).not.toBe(pg.dir);
      const user = await withClient(other, 'postgres', async client => {
        return (await client.query('SELECT current_user AS u')).rows[0].u;
      });
      expect(user).toBe('other');
      expect(other.url).toBe(
        `postgresql://other:s3cret@127.0.0.1:${other.port}/other`,
      );
    } finally {
      await other.stop();
    }
  });

  it('stops: the port is closed and the temp directory gone', async () => {
    const server = await startPostgres();
    expect(await accepts(server.port)).toBe(true);
    expect(await exists(path.join(server.dir, 'data', 'PG_VERSION'))).toBe(
      true,
    );
    // A client still connected does not hold the (fast) shutdown up.
    const client = new Client(server.connection);
    client.on('error', () => {});
    await client.connect();
    const started = Date.now();
    await server.stop();
    await server.stop(); // twice is fine
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await accepts(server.port)).toBe(false);
    expect(await exists(server.dir)).toBe(false);
    expect(server.output()).toContain('database system is shut down');
    await client.end().catch(() => {});
  });

  it('keeps a directory it was given', async () => {
    const tmp = await createTempDir('pg-test-dir-');
    // Searchable by the user postgres runs as when the tests run as root.
    await fs.chmod(tmp.path, 0o755);
    try {
      const dir = path.join(tmp.path, 'cluster');
      const server = await startPostgres({ dir });
      expect(server.dir).toBe(dir);
      await server.stop();
      expect(await accepts(server.port)).toBe(false);
      expect(await exists(path.join(dir, 'data', 'PG_VERSION'))).toBe(true);
      // Not into a directory that holds something.
      await expect(startPostgres({ dir })).rejects.toThrow(
        /must be empty or missing/,
      );
    } finally {
      await tmp.remove();
    }
    expect(await exists(tmp.path)).toBe(false);
  });

  it('says what failed, with the log, when postgres does not start', async () => {
    const before = (await fs.readdir(os.tmpdir())).filter(name =>
      name.startsWith('pg-test-'),
    );
    await expect(
      startPostgres({ settings: { max_connections: 'lots' } }),
    ).rejects.toThrow(
      /postgres did not start on 127\.0\.0\.1:\d+.*exited[\s\S]*postgres said:[\s\S]*max_connections/,
    );
    // On a port that is taken, when it was asked for.
    await expect(startPostgres({ port: pg.port })).rejects.toThrow(
      /port taken[\s\S]*Address already in use/,
    );
    const after = (await fs.readdir(os.tmpdir())).filter(name =>
      name.startsWith('pg-test-'),
    );
    expect(after.sort()).toEqual(before.sort());
  });

  it('says so when PostgreSQL is not installed', async () => {
    const empty = await createTempDir('pg-test-bin-');
    try {
      await expect(startPostgres({ binDir: empty.path })).rejects.toThrow(
        `PostgreSQL is not installed in ${empty.path} (no initdb and postgres there): apt-get install postgresql`,
      );
    } finally {
      await empty.remove();
    }
  });

  it('does not outlive a test process that dies without stopping it', async () => {
    const started = await startInProcessThenKill(
      path.join(__dirname, 'postgres.ts'),
      'startPostgres()',
    );
    expect(await waitUntilClosed(started.port, 15_000)).toBe(true);
    // The watchdog removes the temp directory once postgres has exited.
    const deadline = Date.now() + 5_000;
    while ((await exists(started.dir!)) && Date.now() < deadline) {
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    expect(await exists(started.dir!)).toBe(false);
  });
});
