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
import path from 'node:path';
import {
  createTempDir,
  eventually,
  freePort,
  HgwebAccessLogEntry,
  HgTestServer,
  PostgresTestServer,
  RedisTestServer,
  runHg,
  startHgServer,
  startPostgres,
  startRedis,
} from '@backstage-mercurial/test-utils';
import { buildDemoRepositories } from '../scripts/demo-repos';
import {
  killReplica,
  Replica,
  startReplica,
  stopReplica,
} from './__testUtils__/replicas';

jest.setTimeout(600_000);

const DISCOVERY_SECONDS = 5;

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/**
 * Two replicas of the example backend, as an adopter runs them: the same
 * config (app-config.yaml and app-config.postgres.yaml: PostgreSQL for the
 * database, Redis for the cache) but for their port and working directory,
 * in processes of their own, against one hg serve whose access log counts
 * what the portal cost the server. TechDocs publishes to one directory both
 * see (the local publisher on a shared disk, as a bucket would be).
 */
describe('two replicas of the example backend on PostgreSQL and Redis', () => {
  let work: { path: string; remove(): Promise<void> };
  let postgres: PostgresTestServer;
  let redis: RedisTestServer;
  /** The demo server, archives on. */
  let hg: HgTestServer;
  /** A server without archives: the URL reader reads it with hg clones. */
  let cli: HgTestServer;
  const replicas: Replica[] = [];
  const ports: number[] = [];

  function configOf(name: string, port: number) {
    return {
      app: { baseUrl: `http://localhost:${port}` },
      backend: {
        baseUrl: `http://localhost:${port}`,
        listen: { port },
        workingDirectory: path.join(work.path, name, 'work'),
      },
      integrations: {
        mercurial: [
          { host: hg.host, baseUrl: hg.baseUrl, localRoot: hg.root },
          { host: cli.host, baseUrl: cli.baseUrl },
        ],
      },
      mercurial: { cache: { headCheckTtl: { seconds: 1 } } },
      catalog: {
        locations: [
          { type: 'file', target: './demo/org.yaml' },
          {
            type: 'url',
            target: `${cli.baseUrl}/cli/docs/file/default/catalog-info.yaml`,
          },
        ],
        providers: {
          mercurial: {
            demo: {
              host: hg.host,
              // (merged into app-config.yaml's { minutes: 1 }: minutes 0)
              schedule: {
                frequency: { minutes: 0, seconds: DISCOVERY_SECONDS },
                timeout: { minutes: 1 },
              },
            },
          },
        },
      },
      techdocs: {
        publisher: {
          type: 'local',
          local: { publishDirectory: path.join(work.path, 'techdocs') },
        },
      },
    };
  }

  const startOne = (name: string, port: number) =>
    startReplica({
      name,
      port,
      dir: work.path,
      config: configOf(name, port),
      postgres,
      redis,
      env: { HG_DEMO_PORT: String(hg.port), HG_DEMO_ROOT: hg.root },
    });
  const kill = killReplica;
  const stop = stopReplica;

  const get = async (replica: Replica, route: string, init?: RequestInit) =>
    fetch(`${replica.url}${route}`, init);

  async function requestsDuring<T>(server: HgTestServer, fn: () => Promise<T>) {
    const before = server.requests().length;
    const result = await fn();
    return { result, requests: server.requests().slice(before) };
  }

  const entity = (replica: Replica, name: string) =>
    eventually(
      `component ${name} in ${replica.name}'s catalog`,
      async () => {
        const res = await get(
          replica,
          `/api/catalog/entities/by-name/component/default/${name}`,
        );
        return res.status === 200 && res.json();
      },
      { timeoutMs: 120_000 },
    );

  async function sync(replica: Replica, name: string) {
    const res = await get(
      replica,
      `/api/techdocs/sync/default/component/${name}`,
      { headers: { accept: 'text/event-stream' } },
    );
    expect(res.status).toBe(200);
    return res.text();
  }

  beforeAll(async () => {
    work = await createTempDir('backend-replicas-');
    [postgres, redis] = await Promise.all([startPostgres(), startRedis()]);
    hg = await startHgServer({ root: path.join(work.path, 'repos') });
    await buildDemoRepositories({ root: hg.root });
    // A repository of docs big enough that a clone takes a while, on a
    // server without archives.
    const big: Record<string, string> = {};
    for (let i = 0; i < 400; i++) {
      big[`data/blob-${i}.txt`] = `${i} `.repeat(20_000);
    }
    cli = await startHgServer({
      allowArchive: false,
      repositories: {
        'cli/docs': {
          commits: [
            {
              files: {
                'catalog-info.yaml': `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: cli-docs\n  annotations:\n    backstage.io/techdocs-ref: dir:.\nspec:\n  type: service\n  owner: demo-team\n  lifecycle: experimental\n`,
                'mkdocs.yml': 'site_name: CLI docs\nnav:\n  - Home: index.md\n',
                'docs/index.md': '# CLI docs\n\nRead with hg clones.\n',
                ...big,
              },
            },
          ],
        },
      },
    });
    // one after the other: the first creates the plugins' databases
    ports.push(await freePort(), await freePort());
    replicas.push(await startOne('r1', ports[0]));
    replicas.push(await startOne('r2', ports[1]));
  });

  afterAll(async () => {
    await Promise.all(replicas.map(r => stop(r)));
    await cli?.stop();
    await hg?.stop();
    await redis?.stop();
    await postgres?.stop();
    await work?.remove();
  });

  it('runs discovery once per schedule across both, with the same locations throughout, and shares what it saw', async () => {
    const [r1, r2] = replicas;
    await entity(r1, 'hg-demo-service');
    const runs = () =>
      replicas
        .flatMap(r =>
          r.lines
            .filter(l =>
              /MercurialDiscoveryEntityProvider:demo: saw \d+ repositories/.test(
                l.text,
              ),
            )
            .map(l => ({ ...l, replica: r.name })),
        )
        .sort((a, b) => a.at - b.at);
    const locations = async (replica: Replica) => {
      const res = await get(
        replica,
        '/api/catalog/entities?filter=kind=location&fields=metadata.name,spec.target',
      );
      const items = (await res.json()) as Array<{
        metadata: { name: string };
        spec: { target: string };
      }>;
      return items
        .filter(i => i.metadata.name.startsWith('mercurial-discovered-'))
        .map(i => i.spec.target)
        .sort();
    };
    const seenBefore = runs().length;
    const started = Date.now();
    const samples: string[][] = [];
    while (Date.now() - started < 6 * DISCOVERY_SECONDS * 1000) {
      samples.push(await locations(r1), await locations(r2));
      await sleep(1000);
    }
    const window = runs().slice(seenBefore);
    // about one run per period in all (not one per replica)
    expect(window.length).toBeGreaterThanOrEqual(3);
    expect(window.length).toBeLessThanOrEqual(7);
    // never two at once, nor two in one period
    for (let i = 1; i < window.length; i++) {
      expect(window[i].at - window[i - 1].at).toBeGreaterThan(
        DISCOVERY_SECONDS * 1000 * 0.8,
      );
    }
    // after the first run, whichever replica runs reads nothing again: the
    // state is shared
    for (const run of window) {
      expect(run.text).toMatch(/; read 0 \(new or changed\)/);
    }
    // no duplicate and no flapping location, in either replica
    const expected = [
      `${hg.baseUrl}/demo/service/file/default/catalog-info.yaml`,
      `${hg.baseUrl}/demo/templates/file/default/catalog-info.yaml`,
    ];
    for (const sample of samples) {
      expect(sample).toEqual(expected);
    }
  });

  it('shares the history cache: a burst of 100 views over both replicas makes one data fetch per repository head', async () => {
    const route =
      '/api/mercurial/entities/component/default/hg-demo-service/commits?limit=5';
    const burst = async () => {
      const { result, requests } = await requestsDuring(hg, () =>
        Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            get(replicas[i % 2], route).then(async r => {
              expect(r.status).toBe(200);
              return ((await r.json()) as { commits: unknown[] }).commits
                .length;
            }),
          ),
        ),
      );
      return {
        result,
        dataFetches: requests.filter((r: HgwebAccessLogEntry) =>
          r.path.includes('json-log'),
        ).length,
      };
    };
    const first = await burst();
    expect(first.dataFetches).toBe(1);
    expect(new Set(first.result).size).toBe(1);
    // a new head: one more fetch, again once for both
    const dir = hg.repoDir('demo/service');
    await fs.writeFile(path.join(dir, 'CHANGES.md'), 'a change\n');
    await runHg(['add', 'CHANGES.md'], { cwd: dir });
    await runHg(['commit', '-u', 'T <t@example.com>', '-m', 'change'], {
      cwd: dir,
    });
    await sleep(1500);
    const second = await burst();
    expect(second.dataFetches).toBe(1);
  });

  it('builds TechDocs of an entity once, and both replicas serve it', async () => {
    const [r1, r2] = replicas;
    const archives = (requests: HgwebAccessLogEntry[]) =>
      requests.filter(r => r.path.includes('/archive/')).length;
    const built = await requestsDuring(hg, () => sync(r1, 'hg-demo-service'));
    expect(built.result).toMatch(/event: finish\ndata: \{"updated":true\}/);
    expect(archives(built.requests)).toBe(1);
    const again = await requestsDuring(hg, () => sync(r2, 'hg-demo-service'));
    // the other replica finds the published docs up to date: no build
    expect(again.result).toMatch(/event: finish\ndata: \{"updated":false\}/);
    expect(archives(again.requests)).toBe(0);
    for (const replica of replicas) {
      const page = await get(
        replica,
        '/api/techdocs/static/docs/default/component/hg-demo-service/index.html',
      );
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Demo service');
    }
  });

  it('keeps a URL reader cache per replica: a replica killed in the middle of a clone starts again cleanly, and both then read the repository at once', async () => {
    let [r1] = replicas;
    await entity(r1, 'cli-docs');
    const cacheDir = path.join(r1.workDir, 'mercurial-url-reader');
    // r1 starts a TechDocs build: a clone, killed once it is under way
    const pending = sync(r1, 'cli-docs').catch(() => 'cut off');
    const leftover = await eventually(
      'a clone under way in r1',
      async () =>
        (await fs.readdir(cacheDir).catch(() => [] as string[])).find(n =>
          n.includes('.tmp-'),
        ),
      { timeoutMs: 60_000, intervalMs: 5 },
    );
    await kill(r1);
    await pending;
    expect(await fs.readdir(cacheDir)).toContain(leftover);

    r1 = await startOne('r1', ports[0]);
    replicas[0] = r1;
    const [a, b] = await Promise.all(replicas.map(r => sync(r, 'cli-docs')));
    for (const events of [a, b]) {
      expect(events).toContain('event: finish');
      expect(events).not.toContain('event: error');
    }
    // the half-made clone is gone; each replica has its own clone
    expect(await fs.readdir(cacheDir)).not.toContain(leftover);
    for (const replica of replicas) {
      const names = await fs.readdir(
        path.join(replica.workDir, 'mercurial-url-reader'),
      );
      expect(names.filter(n => n.startsWith('cli_docs-'))).toHaveLength(1);
      const page = await get(
        replica,
        '/api/techdocs/static/docs/default/component/cli-docs/index.html',
      );
      expect(await page.text()).toContain('Read with hg clones.');
    }
  });

  it('runs each publish:hg task once, on whichever replica claims it', async () => {
    await entity(replicas[0], 'hg-demo-service');
    await eventually(
      'the demo template',
      async () =>
        (
          await get(
            replicas[0],
            '/api/catalog/entities/by-name/template/default/hg-demo-service-template',
          )
        ).status === 200,
      { timeoutMs: 120_000 },
    );
    const names = ['made-1', 'made-2', 'made-3', 'made-4'];
    const tasks = await (async () => {
      const ids = await Promise.all(
        names.map(async (name, i) => {
          const res = await get(replicas[i % 2], '/api/scaffolder/v2/tasks', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({
              templateRef: 'template:default/hg-demo-service-template',
              values: {
                name,
                description: 'Made by a replica',
                repoUrl: `${hg.host}?owner=demo&repo=${name}`,
              },
            }),
          });
          expect(res.status).toBe(201);
          return ((await res.json()) as { id: string }).id;
        }),
      );
      return Promise.all(
        ids.map(id =>
          eventually(
            `task ${id}`,
            async () => {
              const task = (await (
                await get(replicas[1], `/api/scaffolder/v2/tasks/${id}`)
              ).json()) as { status: string };
              return (
                ['completed', 'failed'].includes(task.status) && { ...task, id }
              );
            },
            { timeoutMs: 180_000 },
          ),
        ),
      );
    })();
    expect(tasks.map(t => t.status)).toEqual(names.map(() => 'completed'));
    for (const name of names) {
      // one changeset, pushed once
      expect(
        await runHg(['log', '-T', '{rev}\n'], {
          cwd: hg.repoDir(`demo/${name}`),
        }),
      ).toBe('0\n');
    }
    // each step started once, on one replica
    for (const task of tasks) {
      const events = (await (
        await get(replicas[0], `/api/scaffolder/v2/tasks/${task.id}/events`)
      ).json()) as Array<{ body: { stepId?: string; status?: string } }>;
      expect(
        events.filter(
          e => e.body.stepId === 'publish' && e.body.status === 'processing',
        ),
      ).toHaveLength(1);
    }
  });
});
