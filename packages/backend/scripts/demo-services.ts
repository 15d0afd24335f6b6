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

/**
 * The PostgreSQL and Redis of the demo with `DEMO_DB=postgres`: started by
 * `scripts/start.sh` as
 *
 *   node -r @backstage/cli/config/nodeTransform.cjs scripts/demo-services.ts WORK_DIR ENV_FILE
 *
 * It starts a fresh PostgreSQL cluster in `WORK_DIR/postgres` and a Redis in
 * `WORK_DIR/redis` (both emptied first: the demo starts with an empty
 * database, as with SQLite in memory) with the helpers of the tests, on the
 * ports of `DEMO_PG_PORT` and `DEMO_REDIS_PORT` or free ones, writes the
 * variables that `app-config.postgres.yaml` reads to `ENV_FILE` (shell
 * assignments; the file appears when both answer), and runs until its stdin
 * reaches end of file or it gets SIGTERM, SIGINT or SIGHUP; then it stops
 * both and exits. Their logs (the last lines) go to `WORK_DIR/postgres.log`
 * and `WORK_DIR/redis.log` every 5 seconds and at the end.
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  PostgresTestServer,
  RedisTestServer,
  startPostgres,
  startRedis,
} from '@backstage-mercurial/test-utils';

function portFromEnv(name: string): number | undefined {
  const value = process.env[name];
  if (value === undefined || value === '') {
    return undefined;
  }
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 65535) {
    throw new Error(`${name} must be a port number, not '${value}'`);
  }
  return Number(value);
}

/** A shell assignment that `source` reads back as it is. */
function assignment(name: string, value: string | number): string {
  return `${name}='${String(value).replace(/'/g, `'\\''`)}'`;
}

async function main(args: string[]): Promise<void> {
  const [workDir, envFile] = args;
  if (!workDir || !envFile) {
    throw new Error('Usage: demo-services.ts WORK_DIR ENV_FILE');
  }
  const pgDir = path.resolve(workDir, 'postgres');
  const redisDir = path.resolve(workDir, 'redis');
  await fs.rm(envFile, { force: true });

  let pg: PostgresTestServer | undefined;
  let redis: RedisTestServer | undefined;
  // Their logs (the last lines), for when something goes wrong.
  const writeLogs = async () => {
    await Promise.all([
      pg && fs.writeFile(path.join(workDir, 'postgres.log'), pg.output()),
      redis && fs.writeFile(path.join(workDir, 'redis.log'), redis.output()),
    ]).catch(() => {});
  };
  let stopping: Promise<void> | undefined;
  const stop = (code: number) => {
    stopping ??= (async () => {
      await Promise.all([pg?.stop(), redis?.stop()]);
      await writeLogs();
      process.exit(code);
    })();
    return stopping;
  };
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(signal, () => stop(0));
  }
  // The start script holds the other end of stdin: end of file means it is
  // gone, however it died.
  process.stdin.on('end', () => stop(0));
  process.stdin.on('error', () => stop(0));
  process.stdin.resume();

  try {
    await Promise.all([
      fs.rm(pgDir, { recursive: true, force: true }),
      fs.rm(redisDir, { recursive: true, force: true }),
    ]);
    [pg, redis] = await Promise.all([
      startPostgres({ dir: pgDir, port: portFromEnv('DEMO_PG_PORT') }),
      startRedis({ dir: redisDir, port: portFromEnv('DEMO_REDIS_PORT') }),
    ]);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    await stop(1);
    return;
  }
  if (stopping) {
    return;
  }
  setInterval(writeLogs, 5000).unref();

  const lines = [
    '# Written by packages/backend/scripts/demo-services.ts for scripts/start.sh.',
    assignment('DEMO_PG_HOST', pg.host),
    assignment('DEMO_PG_PORT', pg.port),
    assignment('DEMO_PG_USER', pg.user),
    assignment('DEMO_PG_PASSWORD', pg.password),
    assignment('DEMO_PG_VERSION', pg.version),
    assignment('DEMO_REDIS_URL', redis.url),
  ];
  // Whole or not at all: the start script waits for the file.
  await fs.writeFile(`${envFile}.tmp`, `${lines.join('\n')}\n`);
  await fs.rename(`${envFile}.tmp`, envFile);
  // The helpers do not keep the event loop alive: stdin does, until the end.
}

main(process.argv.slice(2)).catch(error => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exit(1);
});
