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
 * Replicas benchmark (issue 13, row 9 of `yarn bench`).
 *
 * A real PostgreSQL and Redis, one hg serve (its access log counts the
 * requests) with the demo repositories, and two replicas of the example
 * backend (src/index.ts, each in its own process, app-config.postgres.yaml).
 * A round is a push (a new head), a wait past the head-check TTL (1 s), then
 * a burst of 100 concurrent `commits` views of the demo component: first
 * all on one replica (the baseline), then, after another push, spread over
 * both. Per burst: the data fetches (json-log) in the access log, and its
 * time. Target: 1 data fetch per head, also over two replicas.
 *
 * BENCH_REPS=N sets the rounds (default 5); BENCH_ROWS without 9 skips it.
 * Targets are reported, never enforced.
 */

import path from 'node:path';
import { promises as fs } from 'node:fs';
import {
  createTempDir,
  eventually,
  freePort,
  markdownTable,
  median,
  now,
  runHg,
  seconds,
  sleep,
  startHgServer,
  startPostgres,
  startRedis,
} from '@backstage-mercurial/test-utils';
import { buildDemoRepositories } from '../scripts/demo-repos';
import {
  Replica,
  startReplica,
  stopReplica,
} from '../src/__testUtils__/replicas';

const ROUNDS = Number(process.env.BENCH_REPS) || 5;
const VIEWS = 100;
const ROUTE =
  '/api/mercurial/entities/component/default/hg-demo-service/commits?limit=5';

const log = (message: string) => console.log(message);

async function main() {
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const work = await createTempDir('bench-replicas-');
    cleanups.push(() => work.remove());
    const [postgres, redis] = await Promise.all([
      startPostgres(),
      startRedis(),
    ]);
    cleanups.push(() => postgres.stop());
    cleanups.push(() => redis.stop());
    const hg = await startHgServer({ root: path.join(work.path, 'repos') });
    cleanups.push(() => hg.stop());
    await buildDemoRepositories({ root: hg.root });
    const replicas: Replica[] = [];
    // stopped before Redis: a backend whose Redis goes away exits
    cleanups.push(() => Promise.all(replicas.map(stopReplica)));
    for (const name of ['r1', 'r2']) {
      const port = await freePort();
      replicas.push(
        await startReplica({
          name,
          port,
          dir: work.path,
          postgres,
          redis,
          env: { HG_DEMO_PORT: String(hg.port), HG_DEMO_ROOT: hg.root },
          config: {
            app: { baseUrl: `http://localhost:${port}` },
            backend: {
              baseUrl: `http://localhost:${port}`,
              listen: { port },
              workingDirectory: path.join(work.path, name, 'work'),
            },
            mercurial: { cache: { headCheckTtl: { seconds: 1 } } },
            techdocs: {
              publisher: {
                type: 'local',
                local: { publishDirectory: path.join(work.path, 'techdocs') },
              },
            },
          },
        }),
      );
    }
    await eventually(
      'the demo component',
      async () =>
        (
          await fetch(
            `${replicas[0].url}/api/catalog/entities/by-name/component/default/hg-demo-service`,
          )
        ).status === 200,
      { timeoutMs: 120_000 },
    );

    const dir = hg.repoDir('demo/service');
    let pushes = 0;
    const push = async () => {
      pushes++;
      await fs.writeFile(path.join(dir, 'CHANGES.md'), `change ${pushes}\n`);
      await runHg(['addremove', '-q'], { cwd: dir });
      await runHg(['commit', '-u', 'Bench <b@example.com>', '-m', 'change'], {
        cwd: dir,
      });
      await sleep(1500);
    };
    const burst = async (on: Replica[]) => {
      const before = hg.requests().length;
      const started = now();
      await Promise.all(
        Array.from({ length: VIEWS }, async (_, i) => {
          const res = await fetch(`${on[i % on.length].url}${ROUTE}`);
          if (res.status !== 200) {
            throw new Error(
              `a view answered ${res.status}: ${await res.text()}`,
            );
          }
          await res.arrayBuffer();
        }),
      );
      const ms = now() - started;
      const data = hg
        .requests()
        .slice(before)
        .filter(r => r.path.includes('json-log')).length;
      return { ms, data };
    };
    const one: Array<{ ms: number; data: number }> = [];
    const both: Array<{ ms: number; data: number }> = [];
    for (let round = 1; round <= ROUNDS; round++) {
      await push();
      one.push(await burst([replicas[0]]));
      await push();
      both.push(await burst(replicas));
      log(
        `round ${round}: one replica ${one.at(-1)!.data} data fetches in ${seconds(one.at(-1)!.ms)}, two replicas ${both.at(-1)!.data} in ${seconds(both.at(-1)!.ms)}`,
      );
    }
    const worst = Math.max(...both.map(b => b.data));
    log('');
    log(
      markdownTable(
        [
          '#',
          'measurement',
          'baseline (one replica)',
          'result (two replicas)',
          'target',
          'met',
        ],
        [
          [
            '9',
            `history burst: ${VIEWS} views of one entity after a push, upstream data fetches per head (worst of ${ROUNDS} rounds)`,
            `${Math.max(...one.map(b => b.data))}`,
            `${worst}`,
            '1',
            worst <= 1 ? 'yes' : 'NO',
          ],
          [
            '9',
            'history burst time (median)',
            seconds(median(one.map(b => b.ms))),
            seconds(median(both.map(b => b.ms))),
            '',
            '',
          ],
        ],
      ),
    );
  } finally {
    for (const task of cleanups.reverse()) {
      await task().catch(e => log(`cleanup: ${e}`));
    }
  }
}

const rows = process.env.BENCH_ROWS?.split(',').map(r => r.trim());
if (!rows || rows.includes('9')) {
  main().catch(e => {
    console.error(e);
    process.exit(1);
  });
}
