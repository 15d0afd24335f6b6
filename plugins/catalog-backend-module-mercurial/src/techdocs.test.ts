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
 * TechDocs end to end: a real backend (catalog, TechDocs with the local
 * builder, Debian's mkdocs and the local publisher, our URL reader and our
 * catalog module) against a real hg serve, with archives on and off.
 *
 * TechDocs checks an entity for updates at most once a minute, in memory,
 * keyed by the entity's uid (BuildMetadataStorage in
 * @backstage/plugin-techdocs-backend). Each phase therefore runs in a fresh
 * backend, as after a restart: its catalog gives the entities new uids, and
 * the publish directory, the backend's working directory (the hg clones of
 * the archive-less reader) and the hg server are kept. This also proves that
 * the etag is read back from the published techdocs_metadata.json.
 */

import mercurialUrlReaderModule from '@backstage-mercurial/backend-module-url-reader';
import {
  createTempDir,
  eventually,
  HgTestServer,
  runHg,
  startHgServer,
} from '@backstage-mercurial/test-utils';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import { CatalogClient } from '@backstage/catalog-client';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import techdocsPlugin from '@backstage/plugin-techdocs-backend';
import fs from 'fs-extra';
import path from 'node:path';
import { catalogModuleMercurial } from './module';

// Three backend starts and six mkdocs runs per server, on a busy machine.
jest.setTimeout(180_000);

const REPO = 'team/docs';
const SOURCE_LOCATION = 'backstage.io/source-location';

/** The three entities: how each is registered and where its docs are. */
const ENTITIES = {
  // At the root of the repository: dir:. is the repository.
  'hg-root': { docs: 'docs/index.md', title: 'Root docs' },
  // In a sub-directory, registered by its raw-file URL: dir:. must resolve
  // against the source-location our catalog module sets
  // (file/default/services/api/), since the managed-by-location (a raw-file
  // URL) would resolve to a raw-file "directory", which is no tree.
  'hg-api': { docs: 'services/api/docs/index.md', title: 'API docs' },
  // A url: ref to a docs directory elsewhere in the repository.
  'hg-handbook': { docs: 'handbook/docs/index.md', title: 'Handbook' },
};
type Name = keyof typeof ENTITIES;
const NAMES = Object.keys(ENTITIES) as Name[];

function component(name: Name, techdocsRef: string) {
  return `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${name}
  annotations:
    backstage.io/techdocs-ref: ${techdocsRef}
spec:
  type: service
  owner: team
  lifecycle: production
`;
}

/** The text of an entity's docs page at a version. */
const pageText = (name: Name, version: string) =>
  `The ${name} page, version ${version}.`;
const page = (name: Name, version: string) =>
  `# ${ENTITIES[name].title}\n\n${pageText(name, version)}\n`;

function repositoryFiles(repoUrl: string): Record<string, string> {
  const mkdocs = (name: Name) => `site_name: ${ENTITIES[name].title}\n`;
  return {
    'catalog-info.yaml': component('hg-root', 'dir:.'),
    'mkdocs.yml': mkdocs('hg-root'),
    [ENTITIES['hg-root'].docs]: page('hg-root', 'one'),
    'services/api/catalog-info.yaml': component('hg-api', 'dir:.'),
    'services/api/mkdocs.yml': mkdocs('hg-api'),
    [ENTITIES['hg-api'].docs]: page('hg-api', 'one'),
    'catalog/handbook.yaml': component(
      'hg-handbook',
      `url:${repoUrl}/file/default/handbook/`,
    ),
    'handbook/mkdocs.yml': mkdocs('hg-handbook'),
    [ENTITIES['hg-handbook'].docs]: page('hg-handbook', 'one'),
  };
}

/** The requests hg serve logged, as `METHOD /path?query STATUS`. */
function loggedRequests(log: string): string[] {
  return [...log.matchAll(/"([A-Z]+) (\S+) HTTP\/[\d.]+" (\d{3})/g)].map(
    m => `${m[1]} ${m[2]} ${m[3]}`,
  );
}

/**
 * Runs `action` and returns the requests hg serve logged meanwhile, between
 * two marker requests (hg serve keeps only the end of its log, and its log
 * reaches us through a pipe: waiting for the second marker makes sure every
 * earlier line has arrived).
 */
async function requestsDuring(
  server: HgTestServer,
  action: () => Promise<void>,
): Promise<string[]> {
  const id = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const mark = async (which: string) => {
    const marker = `/?style=raw&test-marker=${which}-${id}`;
    const response = await fetch(`${server.baseUrl}${marker}`);
    await response.arrayBuffer();
    return marker;
  };
  const start = await mark('start');
  await action();
  const end = await mark('end');
  const log = await eventually(
    'the end marker in the hg serve log',
    async () => (server.output().includes(end) ? server.output() : undefined),
  );
  const from = log.lastIndexOf(start);
  expect(from).toBeGreaterThanOrEqual(0); // still in the kept log
  return loggedRequests(log.slice(from, log.lastIndexOf(end))).filter(
    r => !r.includes('test-marker='),
  );
}

interface Running {
  backend: TestBackend;
  url: string;
  client: CatalogClient;
}

describe.each([
  ['with archives', true],
  ['with archives switched off (hg command line)', false],
])('TechDocs from hg %s', (_title, allowArchive) => {
  let server: HgTestServer;
  let temp: { path: string; remove(): Promise<void> };
  let running: Running | undefined;
  let repoUrl: string;
  let publishDirectory: string;
  let workingDirectory: string;

  const token = mockCredentials.user.token();
  const authorization = mockCredentials.user.header();

  /** A backend as after a restart: same directories, fresh catalog. */
  async function startBackend(): Promise<Running> {
    await running?.backend.stop();
    running = undefined;
    const backend = await startTestBackend({
      features: [
        catalogPlugin,
        techdocsPlugin,
        mercurialUrlReaderModule,
        catalogModuleMercurial,
        mockServices.rootConfig.factory({
          data: {
            backend: { workingDirectory },
            integrations: {
              mercurial: [{ host: server.host, baseUrl: server.baseUrl }],
            },
            catalog: {
              rules: [{ allow: ['Component', 'Location'] }],
              locations: [
                `${repoUrl}/file/default/catalog-info.yaml`,
                `${repoUrl}/raw-file/default/services/api/catalog-info.yaml`,
                `${repoUrl}/file/default/catalog/handbook.yaml`,
              ].map(target => ({ type: 'url', target })),
            },
            techdocs: {
              builder: 'local',
              generator: {
                runIn: 'local',
                mkdocs: { omitTechdocsCorePlugin: true },
              },
              publisher: { type: 'local', local: { publishDirectory } },
            },
          },
        }),
      ],
    });
    const url = `http://localhost:${backend.server.port()}`;
    const client = new CatalogClient({
      discoveryApi: { getBaseUrl: async id => `${url}/api/${id}` },
    });
    running = { backend, url, client };
    // TechDocs needs the entities in the catalog (with their uids).
    for (const name of NAMES) {
      await eventually(`component ${name} in the catalog`, () =>
        client.getEntityByRef(`component:default/${name}`, { token }),
      );
    }
    return running;
  }

  const get = (urlPath: string, init?: RequestInit) =>
    fetch(`${running!.url}${urlPath}`, {
      ...init,
      headers: { authorization, ...init?.headers },
    });

  /** TechDocs' sync endpoint: builds if needed; `updated` says whether it did. */
  async function sync(name: Name): Promise<{ updated: boolean }> {
    const response = await get(`/api/techdocs/sync/default/component/${name}`, {
      headers: { accept: 'text/event-stream' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    // `event: log|error|finish` and `data: <json>`, one blank line apart;
    // the stream ends after `error` or `finish`.
    const events = (await response.text())
      .split('\n\n')
      .filter(Boolean)
      .map(block => ({
        event: /^event: (.*)$/m.exec(block)?.[1],
        data: JSON.parse(/^data: (.*)$/m.exec(block)?.[1] ?? 'null'),
      }));
    const error = events.find(e => e.event === 'error');
    if (error) {
      const log = events.filter(e => e.event === 'log').map(e => e.data);
      throw new Error(
        `TechDocs could not build ${name}: ${error.data}\n${log.join('\n')}`,
      );
    }
    const finish = events.find(e => e.event === 'finish');
    expect(finish).toBeDefined();
    return finish!.data;
  }

  async function servedPage(name: Name): Promise<string> {
    const response = await get(
      `/api/techdocs/static/docs/default/component/${name}/index.html`,
    );
    expect(response.status).toBe(200);
    return response.text();
  }

  const publishedFile = (name: Name, file: string) =>
    path.join(publishDirectory, 'default', 'component', name, file);

  async function techdocsMetadata(name: Name) {
    const response = await get(
      `/api/techdocs/metadata/techdocs/default/component/${name}`,
    );
    expect(response.status).toBe(200);
    return (await response.json()) as {
      etag?: string;
      build_timestamp?: number;
    };
  }

  async function commitNewDocs(version: string): Promise<string> {
    const dir = server.repoDir(REPO);
    for (const name of NAMES) {
      await fs.writeFile(
        path.join(dir, ENTITIES[name].docs),
        page(name, version),
      );
    }
    await runHg(
      ['commit', '-u', 'Docs Writer <docs@example.com>', '-m', version],
      { cwd: dir },
    );
    return (await runHg(['log', '-r', 'tip', '-T', '{node}'], { cwd: dir }))
      .trim()
      .slice(0, 40);
  }

  /** How the trees were downloaded: hgweb archives or hg's wire protocol. */
  const archiveDownloads = (requests: string[]) =>
    requests.filter(r => /\/archive\/[0-9a-f]{40}\.tar\.gz/.test(r));
  const bundleDownloads = (requests: string[]) =>
    requests.filter(r => /[?&]cmd=getbundle/.test(r));

  function expectTreesDownloaded(requests: string[], node: string) {
    if (allowArchive) {
      // one archive of each docs directory, at the looked-up node
      expect(archiveDownloads(requests)).toEqual([
        `GET /${REPO}/archive/${node}.tar.gz 200`,
        `GET /${REPO}/archive/${node}.tar.gz/services/api 200`,
        `GET /${REPO}/archive/${node}.tar.gz/handbook 200`,
      ]);
      expect(bundleDownloads(requests)).toEqual([]);
    } else {
      // the first archive is refused (the reader remembers it), then hg
      // clones or pulls once; the other trees come from that clone
      expect(archiveDownloads(requests)).toEqual([
        `GET /${REPO}/archive/${node}.tar.gz 403`,
      ]);
      expect(bundleDownloads(requests)).toEqual([
        `GET /${REPO}?cmd=getbundle 200`,
      ]);
    }
  }

  beforeAll(async () => {
    temp = await createTempDir('techdocs-e2e-');
    publishDirectory = path.join(temp.path, 'published');
    workingDirectory = path.join(temp.path, 'work');
    await fs.ensureDir(publishDirectory);
    await fs.ensureDir(workingDirectory);
    server = await startHgServer({ allowArchive });
    repoUrl = server.repoUrl(REPO);
    await server.addRepository(REPO, {
      commits: [{ files: repositoryFiles(repoUrl) }],
    });
  });

  afterAll(async () => {
    await running?.backend.stop();
    await server?.stop();
    await temp?.remove();
  });

  it('builds the docs of a dir:. entity at the root, one in a sub-directory and a url: ref, and serves them', async () => {
    const { client } = await startBackend();
    const node = server.repositories[REPO].nodes[0];

    // Where the docs are read from: dir:. against the source-location of
    // our catalog module, and the url: ref as written.
    const api = await client.getEntityByRef('component:default/hg-api', {
      token,
    });
    expect(api?.metadata.annotations?.[SOURCE_LOCATION]).toBe(
      `url:${repoUrl}/file/default/services/api/`,
    );
    const expectedTargets: Record<Name, string> = {
      'hg-root': `${repoUrl}/file/default/`,
      'hg-api': `${repoUrl}/file/default/services/api/`,
      'hg-handbook': `${repoUrl}/file/default/handbook/`,
    };
    for (const name of NAMES) {
      const response = await get(
        `/api/techdocs/metadata/entity/default/component/${name}`,
      );
      expect(response.status).toBe(200);
      const { locationMetadata } = await response.json();
      expect(locationMetadata).toEqual({
        type: 'url',
        target: expectedTargets[name],
      });
    }

    const requests = await requestsDuring(server, async () => {
      for (const name of NAMES) {
        expect(await sync(name)).toEqual({ updated: true });
      }
    });
    expectTreesDownloaded(requests, node);

    for (const name of NAMES) {
      const html = await servedPage(name);
      expect(html).toContain(pageText(name, 'one'));
      expect(html).toContain(`<title>${ENTITIES[name].title}</title>`);
      // each entity got its own docs, not those of the repository root
      for (const other of NAMES.filter(n => n !== name)) {
        expect(html).not.toContain(pageText(other, 'one'));
      }
      expect((await techdocsMetadata(name)).etag).toBe(node);
    }
  });

  it('rebuilds after a new commit to the docs, in a restarted backend', async () => {
    const node = await commitNewDocs('two');
    expect(node).not.toBe(server.repositories[REPO].nodes[0]);
    await startBackend();

    const requests = await requestsDuring(server, async () => {
      for (const name of NAMES) {
        expect(await sync(name)).toEqual({ updated: true });
      }
    });
    expectTreesDownloaded(requests, node);

    for (const name of NAMES) {
      const html = await servedPage(name);
      expect(html).toContain(pageText(name, 'two'));
      expect(html).not.toContain(pageText(name, 'one'));
      expect((await techdocsMetadata(name)).etag).toBe(node);
    }
  });

  it('does not rebuild without a new commit: one look-up per entity, nothing downloaded, nothing published', async () => {
    const before = new Map<Name, { metadata: string; mtimeMs: number }>();
    for (const name of NAMES) {
      before.set(name, {
        metadata: await fs.readFile(
          publishedFile(name, 'techdocs_metadata.json'),
          'utf8',
        ),
        mtimeMs: (await fs.stat(publishedFile(name, 'index.html'))).mtimeMs,
      });
    }
    await startBackend();

    const requests = await requestsDuring(server, async () => {
      for (const name of NAMES) {
        expect(await sync(name)).toEqual({ updated: false });
      }
    });
    // The catalog may re-read its catalog files meanwhile; TechDocs made
    // exactly one wire-protocol look-up per entity and downloaded nothing.
    expect(requests.filter(r => !r.includes('/raw-file/'))).toEqual(
      NAMES.map(() => `GET /${REPO}?cmd=lookup&key=default 200`),
    );

    for (const name of NAMES) {
      const { metadata, mtimeMs } = before.get(name)!;
      expect(
        await fs.readFile(
          publishedFile(name, 'techdocs_metadata.json'),
          'utf8',
        ),
      ).toBe(metadata);
      expect((await fs.stat(publishedFile(name, 'index.html'))).mtimeMs).toBe(
        mtimeMs,
      );
      expect(await servedPage(name)).toContain(pageText(name, 'two'));
    }
  });
});
