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
 * History burst benchmark (issue 10, row 7 of `yarn bench`).
 *
 * One hgweb under WSGI behind HTTP Basic auth (hgweb's own allow_read
 * decides), with its access log; two real backends with the history plugin,
 * one with `readAs: caller`, one with `readAs: service`, both getting
 * minted passwords from the same credential command. A round is: a push
 * (a new head), a wait past the head-check TTL, then in each backend a burst
 * of 100 concurrent views (commits route) of one entity by 10 users (10
 * views each, interleaved), the two bursts in alternating order. Per burst:
 * its time and the upstream requests in the server's access log, split into
 * data fetches (json-log) and head/access checks (wire-protocol batch).
 *
 * The first round also mints credentials (10 credential-command runs for
 * caller, 1 for service): it is shown on its own, the later rounds are the
 * steady state the target is for.
 *
 * BENCH_REPS=N sets the number of rounds (default 6); BENCH_ROWS without 7
 * skips it. Targets are reported, never enforced.
 */

import {
  createTempDir,
  hgwebCredentialCommandPath,
  HgwebAccessLogEntry,
  markdownTable,
  median,
  now,
  Row,
  runHg,
  seconds,
  silentLogger,
  sleep,
  startHgwebWsgi,
  writeHgwebMintSecret,
} from '@backstage-mercurial/test-utils';
import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import mercurialPlugin from '../src';

const ROUNDS = Number(process.env.BENCH_REPS) || 6;
const USERS = Array.from(
  { length: 10 },
  (_, i) => `u${String(i + 1).padStart(2, '0')}`,
);
const VIEWS_PER_USER = 10;
const HEAD_CHECK_TTL_MS = 1000;
const REPO = 'team/payments';
const SERVICE_USER = 'backstage';

const TARGET_DATA_FETCHES = 1;
const TARGET_CHECKS = USERS.length;
const TARGET_RATIO = 1.3;

const log = (message: string) => console.log(message);

type Mode = 'caller' | 'service';

interface Burst {
  ms: number;
  data: number;
  checks: number;
  other: number;
  status: Record<number, number>;
}

function kinds(entries: HgwebAccessLogEntry[]) {
  let data = 0;
  let checks = 0;
  let other = 0;
  for (const e of entries) {
    if (/(^|&)cmd=/.test(e.query)) {
      checks++;
    } else if (/json-log|style=json/.test(`${e.path}?${e.query}`)) {
      data++;
    } else {
      other++;
    }
  }
  return { data, checks, other };
}

async function main() {
  const cleanups: Array<() => Promise<unknown>> = [];
  const cleanup = async () => {
    for (const task of cleanups.reverse()) {
      await task().catch(e => log(`cleanup: ${e}`));
    }
  };
  try {
    const work = await createTempDir('bench-history-');
    cleanups.push(() => work.remove());
    const secret = randomBytes(24).toString('hex');
    const hg = await startHgwebWsgi({
      mintSecret: secret,
      repositories: {
        [REPO]: {
          commits: [
            { files: { 'README.md': '# payments\n' }, message: 'first' },
          ],
          access: { allowRead: [...USERS, SERVICE_USER] },
        },
      },
    });
    cleanups.push(() => hg.stop());
    const secretFile = await writeHgwebMintSecret(work.path, {
      secret,
      serviceUser: SERVICE_USER,
      logFile: path.join(work.path, 'mints.log'),
    });

    const entity = {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: 'payments',
        namespace: 'default',
        annotations: {
          'backstage.io/source-location': `url:${hg.repoUrl(REPO)}/`,
        },
      },
      spec: {
        type: 'service',
        lifecycle: 'production',
        owner: 'team-payments',
      },
    };

    const start = async (mode: Mode) => {
      const backend = await startTestBackend({
        features: [
          mercurialPlugin,
          catalogServiceMock.factory({ entities: [entity] }),
          createServiceFactory({
            service: coreServices.rootLogger,
            deps: {},
            factory: () => silentLogger as any,
          }),
          mockServices.rootConfig.factory({
            data: {
              integrations: {
                mercurial: [
                  {
                    host: hg.host,
                    baseUrl: hg.baseUrl,
                    ...(mode === 'caller' && { readAs: 'caller' }),
                    credentialCommand: {
                      command: [
                        process.execPath,
                        hgwebCredentialCommandPath,
                        secretFile,
                      ],
                    },
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
      cleanups.push(() => backend.stop());
      const address = backend.server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      return `http://127.0.0.1:${port}/api/mercurial/entities/component/default/payments/commits?limit=20`;
    };
    const urls: Record<Mode, string> = {
      caller: await start('caller'),
      service: await start('service'),
    };

    const burst = async (mode: Mode): Promise<Burst> => {
      hg.clearRequests();
      const status: Record<number, number> = {};
      const views = [];
      for (let v = 0; v < VIEWS_PER_USER; v++) {
        for (const user of USERS) {
          views.push(user);
        }
      }
      const started = now();
      await Promise.all(
        views.map(async user => {
          const response = await fetch(urls[mode], {
            headers: {
              Authorization: mockCredentials.user.header(
                `user:default/${user}`,
              ),
            },
          });
          await response.arrayBuffer();
          status[response.status] = (status[response.status] ?? 0) + 1;
        }),
      );
      const ms = now() - started;
      return { ms, ...kinds(hg.requests()), status };
    };

    log(
      `[7] history burst: ${USERS.length} users x ${VIEWS_PER_USER} concurrent views of one entity after a push, readAs: caller vs readAs: service, ${ROUNDS} rounds (hgweb under WSGI, Basic auth, minted passwords; headCheckTtl ${HEAD_CHECK_TTL_MS} ms)`,
    );
    const results: Record<Mode, Burst[]> = { caller: [], service: [] };
    const repoDir = hg.repoDir(REPO);
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) {
        // A push: a new head, so every burst fetches its data once.
        await fs.appendFile(
          path.join(repoDir, 'README.md'),
          `change ${round}\n`,
        );
        await runHg(
          [
            'commit',
            '-q',
            '-m',
            `change ${round}`,
            '-u',
            'Bench <bench@example.com>',
          ],
          { cwd: repoDir },
        );
      }
      await sleep(HEAD_CHECK_TTL_MS + 300);
      const order: Mode[] =
        round % 2 ? ['service', 'caller'] : ['caller', 'service'];
      for (const mode of order) {
        const b = await burst(mode);
        results[mode].push(b);
        log(
          `    round ${round + 1} ${mode.padEnd(7)}: ${seconds(b.ms)}, ${b.data} data fetches, ${b.checks} checks, ${b.other} other requests, answers ${JSON.stringify(b.status)}`,
        );
      }
    }

    const steady = (mode: Mode) => results[mode].slice(1);
    const t = (mode: Mode) => median(steady(mode).map(b => b.ms));
    const most = (mode: Mode, key: 'data' | 'checks') =>
      Math.max(...steady(mode).map(b => b[key]));
    const ratio = t('caller') / t('service');
    const allOk = (['caller', 'service'] as Mode[]).every(m =>
      results[m].every(b => b.status[200] === USERS.length * VIEWS_PER_USER),
    );
    const row: Row = {
      id: '7',
      what: `history burst: ${USERS.length} users x ${VIEWS_PER_USER} concurrent views of one entity after a push (commits route), median of ${ROUNDS - 1} rounds after the first`,
      reader: `readAs: caller ${seconds(t('caller'))}, at most ${most('caller', 'data')} data fetch + ${most('caller', 'checks')} checks per burst (first round with 10 mints: ${seconds(results.caller[0].ms)})`,
      baseline: `readAs: service ${seconds(t('service'))}, at most ${most('service', 'data')} data fetch + ${most('service', 'checks')} checks (first round: ${seconds(results.service[0].ms)})`,
      result: `${ratio.toFixed(2)}x${allOk ? '' : '; SOME VIEWS FAILED'}`,
      target: `<= ${TARGET_DATA_FETCHES} data fetch per head + <= ${TARGET_CHECKS} checks, <= ${TARGET_RATIO}x`,
      met:
        allOk &&
        most('caller', 'data') <= TARGET_DATA_FETCHES &&
        most('caller', 'checks') <= TARGET_CHECKS &&
        ratio <= TARGET_RATIO,
    };
    log('');
    log(
      `Results (${new Date().toISOString().slice(0, 10)}; Node ${process.version}, ${os.cpus().length} cores; medians):`,
    );
    log('');
    log(
      markdownTable(
        ['#', 'measurement', 'caller', 'baseline', 'result', 'target', 'met'],
        [
          [
            row.id,
            row.what,
            row.reader,
            row.baseline,
            row.result,
            row.target,
            row.met ? 'yes' : 'NO',
          ],
        ],
      ),
    );
  } finally {
    await cleanup();
  }
}

const rows = process.env.BENCH_ROWS?.split(',').map(r => r.trim());
if (rows && !rows.includes('7')) {
  log(`[7] skipped (BENCH_ROWS=${process.env.BENCH_ROWS})`);
} else {
  main().then(
    () => process.exit(0),
    error => {
      console.error('The benchmark failed:', error);
      process.exit(1);
    },
  );
}
