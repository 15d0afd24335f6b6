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

import { ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  eventually,
  PostgresTestServer,
  RedisTestServer,
} from '@backstage-mercurial/test-utils';
import { stringify as stringifyYaml } from 'yaml';

/** packages/backend, where the example backend runs. */
export const BACKEND_DIR = path.resolve(__dirname, '..', '..');

/** One replica: the example backend (src/index.ts) in a process of its own. */
export interface Replica {
  name: string;
  url: string;
  workDir: string;
  /** Every line it logged, with when it arrived. */
  lines: Array<{ at: number; text: string }>;
  proc: ChildProcess;
  exited: Promise<void>;
}

/**
 * Starts the example backend as a replica does: `src/index.ts` with
 * app-config.yaml, app-config.postgres.yaml (PostgreSQL, Redis) and
 * `config` on top, in a process group of its own, and waits until it is
 * ready. `REPLICAS_LOG_DIR` keeps each replica's log there.
 */
export async function startReplica(options: {
  name: string;
  port: number;
  /** A directory for the replica's config file and working directory. */
  dir: string;
  config: object;
  postgres: PostgresTestServer;
  redis: RedisTestServer;
  env?: Record<string, string>;
}): Promise<Replica> {
  const { name, port, postgres, redis } = options;
  const configFile = path.join(options.dir, `${name}.yaml`);
  const workDir = path.join(options.dir, name, 'work');
  await fs.mkdir(workDir, { recursive: true });
  await fs.writeFile(configFile, stringifyYaml(options.config));
  const proc = spawn(
    process.execPath,
    [
      '-r',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      'src/index.ts',
      '--config',
      'app-config.yaml',
      '--config',
      'app-config.postgres.yaml',
      '--config',
      configFile,
    ],
    {
      cwd: BACKEND_DIR,
      env: {
        ...process.env,
        NODE_ENV: 'development',
        DEMO_PG_HOST: postgres.host,
        DEMO_PG_PORT: String(postgres.port),
        DEMO_PG_USER: postgres.user,
        DEMO_PG_PASSWORD: postgres.password,
        DEMO_REDIS_URL: redis.url,
        ...options.env,
      },
      // its own process group: a kill reaches its hg commands too
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: Replica['lines'] = [];
  for (const stream of [proc.stdout!, proc.stderr!]) {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop()!;
      for (const text of parts) {
        lines.push({ at: Date.now(), text });
      }
      if (process.env.REPLICAS_LOG_DIR) {
        void fs.appendFile(
          path.join(process.env.REPLICAS_LOG_DIR, `${name}.log`),
          parts.map(t => `${t}\n`).join(''),
        );
      }
    });
  }
  const exited = new Promise<void>(resolve =>
    proc.once('exit', () => resolve()),
  );
  const replica: Replica = {
    name,
    url: `http://localhost:${port}`,
    workDir,
    lines,
    proc,
    exited,
  };
  let gone = false;
  exited.then(() => {
    gone = true;
  });
  await eventually(
    `${name} ready`,
    async () => {
      if (gone) {
        throw new Error(
          `${name} exited:\n${lines
            .slice(-40)
            .map(l => l.text)
            .join('\n')}`,
        );
      }
      const res = await fetch(
        `${replica.url}/.backstage/health/v1/readiness`,
      ).catch(() => undefined);
      return res?.status === 200;
    },
    { timeoutMs: 240_000 },
  );
  return replica;
}

/** SIGKILL to the replica's process group (its hg commands too), as a crash. */
export async function killReplica(replica: Replica): Promise<void> {
  try {
    process.kill(-replica.proc.pid!, 'SIGKILL');
  } catch {
    // gone already
  }
  await replica.exited;
}

/** SIGTERM, SIGKILL after 20 seconds. */
export async function stopReplica(replica: Replica): Promise<void> {
  try {
    process.kill(-replica.proc.pid!, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => killReplica(replica), 20_000);
  await replica.exited;
  clearTimeout(timer);
}
