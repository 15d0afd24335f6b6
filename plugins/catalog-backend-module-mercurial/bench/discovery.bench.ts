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
 * Discovery benchmark (issue 13, row 8 of `yarn bench`).
 *
 * One hg serve with 2,000 repositories (200 of them with a catalog-info.yaml;
 * made by copying two small repositories, so that making them is quick), its
 * access log counting every request; the discovery provider with the pack's
 * URL reader and its state in a real database (SQLite through knex, as the
 * catalog's database). Runs:
 *   1. the first run: every repository read (the baseline: what every run
 *      cost before discovery kept state);
 *   2. a re-run with nothing changed (target: at most 2 requests, at most
 *      2% of the first run's time);
 *   3. a re-run after a commit in 10 repositories (5 of them with the catalog
 *      file; target: at most 2 + 2 x 10 requests).
 * BENCH_REPOS=N changes the 2,000 (a tenth of them get the catalog file);
 * BENCH_ROWS without 8 skips it. Targets are reported, never enforced.
 */

import {
  createTempDir,
  markdownTable,
  median,
  now,
  runHg,
  seconds,
  silentLogger,
  sleep,
  startHgServer,
} from '@backstage-mercurial/test-utils';
import { MercurialUrlReader } from '@backstage-mercurial/backend-module-url-reader';
import { UrlReaders } from '@backstage/backend-defaults/urlReader';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { EntityProviderMutation } from '@backstage/plugin-catalog-node';
import knexFactory from 'knex';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MercurialDiscoveryEntityProvider } from '../src/MercurialDiscoveryEntityProvider';

const REPOS = Number(process.env.BENCH_REPOS) || 2000;
const WITH_CATALOG = Math.round(REPOS / 10);
const CHANGED = 10;

const log = (message: string) => console.log(message);

const catalogFile = (name: string) =>
  `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  type: service\n  owner: team\n  lifecycle: production\n`;

/** repo-0001 ... */
const nameOf = (i: number) =>
  `bench/repo-${String(i).padStart(String(REPOS).length, '0')}`;

async function main() {
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const work = await createTempDir('bench-discovery-');
    cleanups.push(() => work.remove());
    const root = path.join(work.path, 'repos');
    // The two repositories to copy, made by a first server on the root.
    const maker = await startHgServer({
      root,
      repositories: {
        'template/with': {
          commits: [{ files: { 'catalog-info.yaml': catalogFile('x') } }],
        },
        'template/without': {
          commits: [{ files: { 'README.md': '# no catalog file\n' } }],
        },
      },
    });
    const made = now();
    for (let i = 0; i < REPOS; i++) {
      // every tenth has the catalog file
      const from = i % 10 === 0 ? 'template/with' : 'template/without';
      await fs.cp(maker.repoDir(from), maker.repoDir(nameOf(i)), {
        recursive: true,
      });
    }
    await fs.rm(maker.repoDir('template'), { recursive: true });
    await maker.stop();
    log(
      `${REPOS} repositories (${WITH_CATALOG} with the catalog file) made in ${seconds(now() - made)}`,
    );
    const server = await startHgServer({
      root,
      // hgweb's default rescans the repositories every 20 s; the test
      // server's 0 (every request) would make each read cost O(repositories)
      webConfig: { web: { refreshinterval: '300' } },
    });
    cleanups.push(() => server.stop());
    // hgweb's lastchange has whole seconds: start in a later one
    await sleep(1100);

    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: ':memory:',
      useNullAsDefault: true,
    });
    cleanups.push(() => knex.destroy());
    const state = await MercurialDiscoveryEntityProvider.databaseStateStore(
      mockServices.database({ knex }),
    );
    const config = new ConfigReader({
      backend: { workingDirectory: path.join(work.path, 'work') },
      integrations: {
        mercurial: [{ host: server.host, baseUrl: server.baseUrl }],
      },
      catalog: {
        providers: {
          mercurial: {
            bench: { host: server.host, repositories: '^bench/' },
          },
        },
      },
    });
    const reader = UrlReaders.default({
      config,
      logger: silentLogger,
      factories: [MercurialUrlReader.factory],
    });
    const [provider] = MercurialDiscoveryEntityProvider.fromConfig(config, {
      logger: silentLogger,
      reader,
      schedule: { run: async () => {} },
      state,
    });
    let last: EntityProviderMutation | undefined;
    await provider.connect({
      applyMutation: async m => {
        last = m;
      },
      refresh: async () => {},
    });
    const registered = () => (last?.type === 'full' ? last.entities.length : 0);

    const run = async (what: string) => {
      const before = server.requests().length;
      const started = now();
      const result = await provider.refresh();
      const ms = now() - started;
      const requests = server.requests().length - before;
      log(
        `${what}: ${requests} requests, ${seconds(ms)}, read ${result.read}, registered ${registered()}, failed ${result.failed}`,
      );
      return { ms, requests, result };
    };

    const first = await run('first run');
    const unchanged = await run('unchanged re-run');
    // a commit in 10 repositories, half of them with the catalog file
    for (let k = 0; k < CHANGED; k++) {
      const dir = server.repoDir(nameOf(k * 5));
      await fs.writeFile(path.join(dir, 'CHANGELOG.md'), `change ${k}\n`);
      await runHg(['add', 'CHANGELOG.md'], { cwd: dir });
      await runHg(['commit', '-u', 'Bench <b@example.com>', '-m', 'change'], {
        cwd: dir,
      });
    }
    await sleep(1100);
    const changed = await run(`re-run after ${CHANGED} changed`);

    // what hgweb itself takes to make its index (it opens every repository)
    const indexTimes: number[] = [];
    for (let k = 0; k < 3; k++) {
      const started = now();
      await (await fetch(`${server.baseUrl}/?style=json`)).text();
      indexTimes.push(now() - started);
    }
    const index = median(indexTimes);
    log(`hgweb's index alone: ${seconds(index)} (median of 3)`);

    const ratio = unchanged.ms / first.ms;
    const rows = [
      [
        '8a',
        `discovery, first run (${REPOS} repositories, ${WITH_CATALOG} with catalog-info.yaml)`,
        'every repository read',
        `${first.requests} requests, ${seconds(first.ms)}`,
        '',
        '',
      ],
      [
        '8b',
        'discovery, re-run, nothing changed',
        `${unchanged.requests} requests, ${seconds(unchanged.ms)}`,
        `${(ratio * 100).toFixed(2)}% of the first run's time (hgweb's index alone: ${seconds(index)}, ${((index / first.ms) * 100).toFixed(2)}%)`,
        '<= 2 requests, <= 2% of the time',
        unchanged.requests <= 2 && ratio <= 0.02 ? 'yes' : 'NO',
      ],
      [
        '8c',
        `discovery, re-run after ${CHANGED} repositories changed`,
        `${changed.requests} requests, ${seconds(changed.ms)}`,
        `read ${changed.result.read}`,
        `<= ${2 + 2 * CHANGED} requests`,
        changed.requests <= 2 + 2 * CHANGED ? 'yes' : 'NO',
      ],
    ];
    log('');
    log(
      markdownTable(
        ['#', 'measurement', 'baseline / result', 'result', 'target', 'met'],
        rows,
      ),
    );
    if (registered() !== WITH_CATALOG) {
      throw new Error(
        `registered ${registered()} locations, not ${WITH_CATALOG}: the benchmark is broken`,
      );
    }
  } finally {
    for (const task of cleanups.reverse()) {
      await task().catch(e => log(`cleanup: ${e}`));
    }
  }
}

const rows = process.env.BENCH_ROWS?.split(',').map(r => r.trim());
if (!rows || rows.includes('8')) {
  main().catch(e => {
    console.error(e);
    process.exit(1);
  });
}
