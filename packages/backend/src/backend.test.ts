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
import { rootConfigServiceFactory } from '@backstage/backend-defaults/rootConfig';
import {
  coreServices,
  createBackendModule,
  createServiceFactory,
  RootLoggerService,
  SchedulerService,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import {
  createTempDir,
  eventually,
  startHgServer,
  HgTestServer,
  mockAuthWithActorsFactory,
} from '@backstage-mercurial/test-utils';
import { stringify as stringifyYaml } from 'yaml';
import { buildDemoRepositories } from '../scripts/demo-repos';
import { backendFeatures } from './features';

// Generous: the backend starts, the catalog reads both locations over HTTP,
// TechDocs runs mkdocs; a loaded CI machine can be slow. Polls inside are
// bounded by these timeouts only.
jest.setTimeout(180_000);

/**
 * The example backend's features and its real app-config.yaml (with
 * HG_DEMO_PORT set to the test server's port), against the demo repositories
 * built as scripts/start.sh builds them and served by a real hg serve.
 */
/** Every message the backend logs, with its level: the catalog reports conflicts only there. */
const logged: { level: string; message: string }[] = [];
class RecordingLogger implements RootLoggerService {
  error(message: string) {
    logged.push({ level: 'error', message });
  }
  warn(message: string) {
    logged.push({ level: 'warn', message });
  }
  info(message: string) {
    logged.push({ level: 'info', message });
  }
  debug(message: string) {
    logged.push({ level: 'debug', message });
  }
  child(): RecordingLogger {
    return this;
  }
}
const recordingRootLogger = createServiceFactory({
  service: coreServices.rootLogger,
  deps: {},
  factory: () => new RecordingLogger(),
});

/** The catalog's scheduler, to run discovery now instead of in a minute. */
let catalogScheduler: SchedulerService | undefined;
const catalogSchedulerProbe = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'test-scheduler-probe',
  register(env) {
    env.registerInit({
      deps: { scheduler: coreServices.scheduler },
      async init({ scheduler }) {
        catalogScheduler = scheduler;
      },
    });
  },
});

describe('example backend', () => {
  let tempDir: { path: string; remove(): Promise<void> };
  let server: HgTestServer;
  let backendUrl: string;
  const savedPort = process.env.HG_DEMO_PORT;
  const savedRoot = process.env.HG_DEMO_ROOT;

  const get = (urlPath: string, init?: RequestInit) =>
    fetch(`${backendUrl}${urlPath}`, {
      ...init,
      headers: {
        Authorization: mockCredentials.user.header(),
        ...init?.headers,
      },
    });

  const entityByName = (kind: string, name: string) =>
    eventually('the backend', async () => {
      const res = await get(
        `/api/catalog/entities/by-name/${kind}/default/${name}`,
      );
      return res.status === 200 ? ((await res.json()) as Entity) : undefined;
    });

  beforeAll(async () => {
    tempDir = await createTempDir('backend-test-');
    server = await startHgServer({ root: path.join(tempDir.path, 'repos') });
    await buildDemoRepositories({
      root: server.root,
    });

    // Everything the backend writes goes to the temp directory.
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
        // app-config.yaml names it relative to packages/backend, where the
        // backend runs; jest may run from the repository root.
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

    process.env.HG_DEMO_PORT = String(server.port);
    process.env.HG_DEMO_ROOT = server.root;
    const backend = await startTestBackend({
      features: [
        // Without the portal's features (portal.browser.test.ts starts the
        // whole demo with start.sh).
        ...backendFeatures,
        // The permission backend needs on-behalf-of tokens with an actor.
        mockAuthWithActorsFactory(),
        recordingRootLogger,
        catalogSchedulerProbe,
        rootConfigServiceFactory({
          argv: [
            '--config',
            path.resolve(__dirname, '../app-config.yaml'),
            '--config',
            overrides,
          ],
          watch: false,
        }),
      ],
    });
    backendUrl = `http://localhost:${backend.server.port()}`;
  });

  afterAll(async () => {
    if (savedPort === undefined) {
      delete process.env.HG_DEMO_PORT;
    } else {
      process.env.HG_DEMO_PORT = savedPort;
    }
    if (savedRoot === undefined) {
      delete process.env.HG_DEMO_ROOT;
    } else {
      process.env.HG_DEMO_ROOT = savedRoot;
    }
    // startTestBackend stops the backend after all tests.
    await server?.stop();
    await tempDir?.remove();
  });

  it('lists the demo component, read from hgweb', async () => {
    const entity = await entityByName('component', 'hg-demo-service');
    expect(entity.spec?.type).toBe('service');
    expect(
      entity.metadata.annotations?.['backstage.io/managed-by-location'],
    ).toBe(`url:${server.baseUrl}/demo/service/file/default/catalog-info.yaml`);
  });

  it('lists the demo template', async () => {
    const entity = await entityByName('template', 'hg-demo-service-template');
    expect(entity.apiVersion).toBe('scaffolder.backstage.io/v1beta3');

    // The two discovered locations, the templates repository's own Location
    // entity and demo/org.yaml's file location were processed without errors.
    const locations = await eventually('the backend', async () => {
      const res = await get('/api/catalog/entities?filter=kind=location');
      const list = (await res.json()) as Entity[];
      return list.length === 4 ? list : undefined;
    });
    for (const location of locations) {
      const status = (location as { status?: { items?: unknown[] } }).status;
      expect(status?.items ?? []).toEqual([]);
    }
  });

  it('runs the template against the skeleton in hg (dry run)', async () => {
    const template = await entityByName('template', 'hg-demo-service-template');
    const res = await get('/api/scaffolder/v2/dry-run', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        template,
        values: {
          name: 'my-service',
          description: 'Made in a test',
          repoUrl: `${server.host}?owner=demo&repo=my-service`,
        },
        secrets: {},
        directoryContents: [],
      }),
    });
    expect(res.status).toBe(200);
    const result = (await res.json()) as {
      directoryContents: { path: string; base64Content: string }[];
    };
    const files = Object.fromEntries(
      result.directoryContents.map(f => [
        f.path,
        Buffer.from(f.base64Content, 'base64').toString('utf8'),
      ]),
    );
    expect(Object.keys(files).sort()).toEqual([
      'README.md',
      'catalog-info.yaml',
      'docs/index.md',
      'mkdocs.yml',
    ]);
    expect(files['catalog-info.yaml']).toContain('name: my-service');
    expect(files['README.md']).toContain('Made in a test');
  });

  it('runs the template for real: publish:hg creates the repository in localRoot, catalog:register adds it', async () => {
    await entityByName('template', 'hg-demo-service-template');
    const created = await get('/api/scaffolder/v2/tasks', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        templateRef: 'template:default/hg-demo-service-template',
        values: {
          name: 'made-in-test',
          description: 'Published by a test',
          repoUrl: `${server.host}?owner=demo&repo=made-in-test`,
        },
      }),
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const task = await eventually('the backend', async () => {
      const body = (await (
        await get(`/api/scaffolder/v2/tasks/${id}`)
      ).json()) as { status: string };
      return ['completed', 'failed'].includes(body.status) ? body : undefined;
    });
    expect(task.status).toBe('completed');
    expect(
      await fs.readFile(
        path.join(server.root, 'demo/made-in-test/.hg/store/00changelog.i'),
      ),
    ).toBeTruthy();
    const entity = await entityByName('component', 'made-in-test');
    // Registered at the branch, not at the first changeset's node: the
    // entity follows later commits, and discovery finds the same location.
    const contents = `${server.baseUrl}/demo/made-in-test/file/default/`;
    expect(entity.metadata.annotations?.['backstage.io/source-location']).toBe(
      `url:${contents}`,
    );
    expect(
      entity.metadata.annotations?.['backstage.io/managed-by-location'],
    ).toBe(`url:${contents}catalog-info.yaml`);

    // Discovery runs again and finds the new repository: the same entity
    // from the same location, so the catalog reports no conflict.
    const runs = () =>
      logged.filter(l =>
        /MercurialDiscoveryEntityProvider:demo: saw .* registered 3 with/.test(
          l.message,
        ),
      ).length;
    const runsBefore = runs();
    await catalogScheduler!.triggerTask(
      'MercurialDiscoveryEntityProvider:demo:refresh',
    );
    await eventually('discovery to run again', async () =>
      runs() > runsBefore ? true : undefined,
    );
    await eventually('the discovered location to be processed', async () => {
      const res = await get(
        `/api/catalog/entities/by-query?filter=kind=location,spec.target=${encodeURIComponent(
          `${contents}catalog-info.yaml`,
        )}`,
      );
      const body = (await res.json()) as { items: Entity[] };
      // processed, children emitted: a conflict would have been logged by now
      return body.items.length > 0 ? body.items : undefined;
    });
    const conflicts = logged.filter(l =>
      /conflicting entityRef/i.test(l.message),
    );
    expect(conflicts).toEqual([]);
  });
  it('answers the commit history and summary of the demo component', async () => {
    await entityByName('component', 'hg-demo-service');
    const commits = await eventually('the backend', async () => {
      const res = await get(
        '/api/mercurial/entities/component/default/hg-demo-service/commits?limit=5',
      );
      return res.status === 200 ? ((await res.json()) as any) : undefined;
    });
    // The first commit, then demo/history/service.json (the tag of v1.0 is
    // a changeset of its own), newest first.
    expect(
      commits.commits.map((c: any) => [
        c.author.name,
        c.message.split('\n')[0],
      ]),
    ).toEqual([
      [
        'Alice Example',
        expect.stringMatching(/^Added tag v1.0 for changeset [0-9a-f]{12}$/),
      ],
      ['Alice Example', 'Release 1.0'],
      [
        'Bob Example',
        'README: say where the history on the entity page comes from',
      ],
      ['Alice Example', 'Describe how the service is run'],
      ['Backstage Demo', 'Demo repository demo/service'],
    ]);
    expect(commits.commits[1].tags).toEqual(['v1.0']);
    const summary = await get(
      '/api/mercurial/entities/component/default/hg-demo-service/summary',
    );
    expect(summary.status).toBe(200);
    expect(((await summary.json()) as any).repositoryUrl).toBe(
      `${server.baseUrl}/demo/service`,
    );
  });

  // scripts/setup.sh installs mkdocs; TechDocs needs it to build.
  describe('TechDocs', () => {
    it('builds and serves the docs of the demo component', async () => {
      await entityByName('component', 'hg-demo-service');
      const sync = await get(
        '/api/techdocs/sync/default/component/hg-demo-service',
      );
      expect(sync.status).toBe(200);
      const events = await sync.text();
      expect(events).toContain('event: finish');
      expect(events).not.toContain('event: error');

      const docs =
        '/api/techdocs/static/docs/default/component/hg-demo-service';
      const page = await get(`${docs}/index.html`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('<title>Demo service</title>');
      expect(html).toContain('docs/index.md');
      expect((await get(`${docs}/operations/index.html`)).status).toBe(200);
    });
  });
});
