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

import {
  createTempDir,
  HgTestServer,
  runHg,
  startHgServer,
} from '@backstage-mercurial/test-utils';
import { MercurialUrlReader } from '@backstage-mercurial/backend-module-url-reader';
import { UrlReaders } from '@backstage/backend-defaults/urlReader';
import { mockServices, TestDatabases } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import {
  EntityProviderConnection,
  EntityProviderMutation,
} from '@backstage/plugin-catalog-node';
import fs from 'fs-extra';
import { MercurialDiscoveryEntityProvider } from './MercurialDiscoveryEntityProvider';
import { MercurialDiscoveryStateStore } from './discoveryState';

jest.setTimeout(120_000);

const catalogFile = (name: string) =>
  `apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\nspec:\n  type: service\n  owner: team\n  lifecycle: production\n`;

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/**
 * hgweb's lastchange has whole seconds: a change is trusted once the index
 * is served in a later second. Waiting past the second keeps each step's
 * reads exact.
 */
const nextSecond = () => sleep(1100);

/**
 * Discovery that re-reads only what changed, against a real hg serve (its
 * access log counts what each run cost the server), the pack's URL reader,
 * and the state in a real database.
 */
describe('MercurialDiscoveryEntityProvider, run after run', () => {
  const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
  let server: HgTestServer;
  let work: { path: string; remove(): Promise<void> };
  let state: MercurialDiscoveryStateStore;
  const mutations: EntityProviderMutation[] = [];
  const logger = mockServices.logger.mock();

  const targetsOf = (m: EntityProviderMutation) =>
    m.type === 'full'
      ? m.entities
          .map(e => (e.entity.spec as { target: string }).target)
          .map(t => t.slice(server.baseUrl.length + 1).split('/file/')[0])
      : [];

  function provider(extra: object = {}, id = 'all') {
    const config = new ConfigReader({
      backend: { workingDirectory: work.path },
      integrations: {
        mercurial: [{ host: server.host, baseUrl: server.baseUrl }],
      },
      catalog: {
        providers: {
          mercurial: { [id]: { host: server.host, ...extra } },
        },
      },
    });
    const reader = UrlReaders.default({
      config,
      logger,
      factories: [MercurialUrlReader.factory],
    });
    const [p] = MercurialDiscoveryEntityProvider.fromConfig(config, {
      logger,
      reader,
      schedule: { run: async () => {} },
      state,
    });
    const connection: EntityProviderConnection = {
      applyMutation: async m => {
        mutations.push(m);
      },
      refresh: async () => {},
    };
    return { provider: p, connect: () => p.connect(connection) };
  }

  /** The requests hg serve saw during `fn`, but for the index. */
  async function requestsDuring<T>(fn: () => Promise<T>) {
    const before = server.requests().length;
    const result = await fn();
    const requests = server.requests().slice(before);
    return {
      result,
      index: requests.filter(r => r.path === '/' && r.query === 'style=json')
        .length,
      reads: requests.filter(
        r => !(r.path === '/' && r.query === 'style=json'),
      ),
    };
  }

  beforeAll(async () => {
    const db = await databases.init('SQLITE_3');
    state = await MercurialDiscoveryEntityProvider.databaseStateStore(
      mockServices.database({ knex: db }),
    );
    work = await createTempDir('discovery-incremental-');
    server = await startHgServer({
      repositories: {
        'team/a': {
          commits: [{ files: { 'catalog-info.yaml': catalogFile('a') } }],
        },
        'team/b': {
          commits: [{ files: { 'catalog-info.yaml': catalogFile('b') } }],
        },
        'team/c': {
          commits: [{ files: { 'README.md': 'no catalog file\n' } }],
        },
        'team/d': {
          commits: [{ files: { 'catalog-info.yaml': catalogFile('d') } }],
        },
        'team/e': { commits: [] },
      },
    });
    await nextSecond();
  });
  afterAll(async () => {
    await server?.stop();
    await work?.remove();
  });

  it('reads every repository on the first run, then only the index while nothing changes', async () => {
    const { provider: p, connect } = provider();
    await connect();
    const first = await requestsDuring(() => p.refresh());
    expect(first.result).toMatchObject({
      seen: 5,
      matched: 5,
      registered: 3,
      read: 5,
      full: true,
      failed: 0,
    });
    expect(first.index).toBe(1);
    expect(targetsOf(mutations.at(-1)!)).toEqual([
      'team/a',
      'team/b',
      'team/d',
    ]);

    const again = await requestsDuring(() => p.refresh());
    expect(again.result).toMatchObject({ read: 0, full: false, registered: 3 });
    expect(again.index).toBe(1);
    expect(again.reads).toEqual([]);
    // the same locations, not an empty list: the others keep theirs
    expect(targetsOf(mutations.at(-1)!)).toEqual([
      'team/a',
      'team/b',
      'team/d',
    ]);
    expect(String(logger.info.mock.calls.at(-1)?.[0])).toMatch(
      /saw 5 repositories on .*, 5 matched, registered 3 with catalog-info\.yaml; read 0 \(new or changed\)/,
    );
  });

  it('reads only the new and changed repositories, keeps the others, and removes the ones that went away', async () => {
    const { provider: p, connect } = provider();
    await connect();
    // c gets a catalog file, a loses its own, f is new, b goes away
    await fs.outputFile(
      `${server.repoDir('team/c')}/catalog-info.yaml`,
      catalogFile('c'),
    );
    await runHg(['add', 'catalog-info.yaml'], {
      cwd: server.repoDir('team/c'),
    });
    await runHg(['commit', '-u', 'T <t@example.com>', '-m', 'catalog'], {
      cwd: server.repoDir('team/c'),
    });
    await runHg(['remove', 'catalog-info.yaml'], {
      cwd: server.repoDir('team/a'),
    });
    await runHg(['commit', '-u', 'T <t@example.com>', '-m', 'no catalog'], {
      cwd: server.repoDir('team/a'),
    });
    await server.addRepository('team/f', {
      commits: [{ files: { 'catalog-info.yaml': catalogFile('f') } }],
    });
    await fs.remove(server.repoDir('team/b'));
    await nextSecond();

    const run = await requestsDuring(() => p.refresh());
    expect(run.result).toMatchObject({
      seen: 5,
      read: 3,
      full: false,
      registered: 3,
      failed: 0,
    });
    const touched = new Set(
      run.reads.map(r => r.path.split('/').slice(1, 3).join('/')),
    );
    expect([...touched].sort()).toEqual(['team/a', 'team/c', 'team/f']);
    // at most two requests per repository read (a look-up and the file)
    expect(run.reads.length).toBeLessThanOrEqual(2 * 3);
    expect(targetsOf(mutations.at(-1)!)).toEqual([
      'team/c',
      'team/d',
      'team/f',
    ]);
  });

  it('keeps the last state of a repository whose read fails, counts it, and reads it again on the next run', async () => {
    const { provider: p, connect } = provider();
    await connect();
    // A manifest hg cannot read: hg serve answers its files with 500 (the
    // look-up still works), and a push would move lastchange.
    const store = `${server.repoDir('team/d')}/.hg/store`;
    const good = await fs.readFile(`${store}/00manifest.i`);
    await fs.writeFile(`${store}/00manifest.i`, 'garbage');
    await fs.utimes(`${store}/00changelog.i`, new Date(), new Date());
    await nextSecond();
    const broken = await requestsDuring(() => p.refresh());
    expect(broken.result).toMatchObject({ read: 1, failed: 1, registered: 3 });
    // d keeps its location
    expect(targetsOf(mutations.at(-1)!)).toEqual([
      'team/c',
      'team/d',
      'team/f',
    ]);
    expect(String(logger.info.mock.calls.at(-1)?.[0])).toMatch(
      /; 1 could not be read and kept what the last run saw$/,
    );
    expect(String(logger.warn.mock.calls.at(-1)?.[0])).toMatch(
      /could not look for catalog-info\.yaml in 'team\/d', so it keeps what the last run saw/,
    );

    await fs.writeFile(`${store}/00manifest.i`, good);
    const mended = await requestsDuring(() => p.refresh());
    // read again although its marker may not have moved
    expect(mended.result).toMatchObject({ read: 1, failed: 0, registered: 3 });
    const quiet = await requestsDuring(() => p.refresh());
    expect(quiet.result).toMatchObject({ read: 0 });
    expect(quiet.reads).toEqual([]);
  });

  it('reads everything again once fullRunInterval has passed, and after its settings change', async () => {
    const daily = provider({ fullRunInterval: { milliseconds: 1 } }, 'often');
    await daily.connect();
    expect(await daily.provider.refresh()).toMatchObject({
      read: 5,
      full: true,
    });
    await sleep(5);
    expect(await daily.provider.refresh()).toMatchObject({
      read: 5,
      full: true,
    });

    // another catalogPath is another state: read in full once
    const other = provider({ catalogPath: 'README.md' });
    await other.connect();
    expect(await other.provider.refresh()).toMatchObject({
      read: 5,
      full: true,
    });
    expect(await other.provider.refresh()).toMatchObject({
      read: 0,
      full: false,
    });
  });

  it('refuses a concurrency or fullRunInterval that is not one', () => {
    expect(() => provider({ concurrency: 0 })).toThrow(
      "Invalid catalog.providers.mercurial.all config: 'concurrency' must be a whole number of at least 1, not 0",
    );
    expect(() => provider({ fullRunInterval: 'soon' })).toThrow(
      /Invalid catalog.providers.mercurial.all config: 'fullRunInterval' must be a duration such as \{ days: 1 \} or 'P1D'/,
    );
  });
});
