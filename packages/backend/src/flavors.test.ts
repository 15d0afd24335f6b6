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
 * One table of scenarios, every flavor: the example backend's features (real
 * catalog, TechDocs, scaffolder, permission and history backend) against an
 * hgweb server, a Heptapod stand-in and a Kallithea stand-in, each serving
 * the same real hg repositories. Every scenario reads through the flavor's
 * server client only; the flavor decides the URLs the entities carry.
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { rootConfigServiceFactory } from '@backstage/backend-defaults/rootConfig';
import {
  coreServices,
  createBackendModule,
  SchedulerService,
  ServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import {
  createTempDir,
  eventually,
  HgRepositorySpec,
  mockAuthWithActorsFactory,
  runHg,
} from '@backstage-mercurial/test-utils';
import { stringify as stringifyYaml } from 'yaml';
import { backendFeatures } from './features';
import { recordingRootLogger } from './__testUtils__/logger';
import { FLAVOR_SERVERS, FlavorServer } from './__testUtils__/flavorServers';

jest.setTimeout(240_000);

const SERVICE = 'team/service';

const COMPONENT = (name: string) =>
  stringifyYaml({
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name,
      description: `The ${name} component`,
      annotations: { 'backstage.io/techdocs-ref': 'dir:.' },
    },
    spec: { type: 'service', lifecycle: 'production', owner: 'team' },
  });

/** The repositories every flavor serves, with real changesets. */
const REPOSITORIES: Record<string, HgRepositorySpec> = {
  [SERVICE]: {
    commits: [
      {
        message: 'Start the service',
        user: 'Alice Example <alice@example.com>',
        files: {
          'catalog-info.yaml': COMPONENT('flavored-service'),
          'README.md': '# Flavored service\n\nRead from every flavor.\n',
          'mkdocs.yml': 'site_name: Flavored docs\nnav:\n  - index.md\n',
          'docs/index.md': '# Flavored docs\n\nBuilt by TechDocs.\n',
        },
      },
      {
        message: 'Describe the API',
        user: 'Bob Example <bob@example.com>',
        files: {
          'apis/api.yaml': stringifyYaml({
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'API',
            metadata: { name: 'flavored-api' },
            spec: {
              type: 'openapi',
              lifecycle: 'production',
              owner: 'team',
              definition: 'openapi: 3.0.0\n',
            },
          }),
          'skeleton/catalog-info.yaml': COMPONENT('made-from-skeleton'),
          'skeleton/README.md': '# Made from the skeleton\n',
        },
      },
      {
        message: 'Say more in the docs',
        user: 'Alice Example <alice@example.com>',
        files: {
          'docs/index.md': '# Flavored docs\n\nBuilt by TechDocs, twice.\n',
        },
      },
    ],
  },
  // No catalog file: discovery reads it and registers nothing.
  'team/no-catalog': {
    commits: [{ files: { 'README.md': 'nothing to see\n' } }],
  },
  // Outside the discovered group.
  'elsewhere/service': {
    commits: [{ files: { 'catalog-info.yaml': COMPONENT('elsewhere') } }],
  },
};

const TEMPLATE = {
  apiVersion: 'scaffolder.backstage.io/v1beta3',
  kind: 'Template',
  metadata: { name: 'flavored-publish' },
  spec: {
    type: 'service',
    owner: 'team',
    parameters: [
      {
        properties: {
          skeletonUrl: { type: 'string' },
          repoUrl: { type: 'string' },
        },
      },
    ],
    steps: [
      {
        id: 'fetch',
        action: 'fetch:plain',
        input: { url: '${{ parameters.skeletonUrl }}' },
      },
      {
        id: 'publish',
        action: 'publish:hg',
        input: {
          repoUrl: '${{ parameters.repoUrl }}',
          commitMessage: 'Made from the skeleton',
          authorName: 'Scaffolder',
          authorEmail: 'scaffolder@example.com',
        },
      },
    ],
    output: {
      remoteUrl: '${{ steps.publish.output.remoteUrl }}',
      commitHash: '${{ steps.publish.output.commitHash }}',
      catalogInfoUrl: '${{ steps.publish.output.catalogInfoUrl }}',
    },
  },
};

let catalogScheduler: SchedulerService | undefined;
const catalogSchedulerProbe = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'flavor-test-scheduler-probe',
  register(env) {
    env.registerInit({
      deps: { scheduler: coreServices.scheduler },
      async init({ scheduler }) {
        catalogScheduler = scheduler;
      },
    });
  },
});

describe.each(FLAVOR_SERVERS.map(f => [f.flavor, f] as const))(
  'the %s flavor',
  (_flavor, setup) => {
    let tempDir: { path: string; remove(): Promise<void> };
    let server: FlavorServer;
    let backendUrl: string;
    const logs = recordingRootLogger();
    // A scheduler of this backend's own: startTestBackend's default is one
    // mock for every backend of the file, where the three backends' task
    // (one provider id) would replace each other's.
    const scheduler = mockServices.scheduler() as ReturnType<
      typeof mockServices.scheduler
    > & { factory(): ServiceFactory };
    let serviceNodes: string[];

    const get = (urlPath: string, init?: RequestInit) =>
      fetch(`${backendUrl}${urlPath}`, {
        ...init,
        headers: {
          Authorization: mockCredentials.user.header(),
          ...init?.headers,
        },
      });

    const entityByName = (kind: string, name: string) =>
      eventually(`${kind} ${name} in the catalog`, async () => {
        const res = await get(
          `/api/catalog/entities/by-name/${kind}/default/${name}`,
        );
        return res.status === 200 ? ((await res.json()) as Entity) : undefined;
      });

    beforeAll(async () => {
      tempDir = await createTempDir(`flavor-${setup.flavor}-`);
      server = await setup.start({
        root: path.join(tempDir.path, 'repos'),
        repositories: REPOSITORIES,
      });
      const log = await runHg([
        'log',
        '-T',
        '{node}\\n',
        '-R',
        server.repositoryDir(SERVICE),
      ]);
      serviceNodes = log.trim().split('\n');

      const workingDirectory = path.join(tempDir.path, 'work');
      const publishDirectory = path.join(tempDir.path, 'techdocs');
      await fs.mkdir(workingDirectory);
      await fs.mkdir(publishDirectory);
      const templateFile = path.join(tempDir.path, 'template.yaml');
      await fs.writeFile(templateFile, stringifyYaml(TEMPLATE));
      const config = path.join(tempDir.path, 'app-config.yaml');
      await fs.writeFile(
        config,
        stringifyYaml({
          app: { baseUrl: 'http://localhost:7007' },
          backend: {
            baseUrl: 'http://localhost:7007',
            listen: { port: 0 },
            database: { client: 'better-sqlite3', connection: ':memory:' },
            workingDirectory,
          },
          permission: { enabled: true },
          integrations: { mercurial: [server.integration] },
          catalog: {
            rules: [{ allow: ['Component', 'API', 'Location', 'Template'] }],
            locations: [{ type: 'file', target: templateFile }],
            providers: {
              mercurial: {
                flavored: {
                  host: server.host,
                  group: 'team',
                  catalogPath: 'catalog-info.yaml',
                  schedule: {
                    frequency: { minutes: 30 },
                    timeout: { minutes: 1 },
                  },
                },
              },
            },
          },
          techdocs: {
            builder: 'local',
            generator: {
              runIn: 'local',
              mkdocs: { omitTechdocsCorePlugin: true },
            },
            publisher: { type: 'local', local: { publishDirectory } },
          },
        }),
      );
      const backend = await startTestBackend({
        features: [
          ...backendFeatures,
          mockAuthWithActorsFactory(),
          catalogSchedulerProbe,
          scheduler.factory(),
          logs.factory,
          rootConfigServiceFactory({
            argv: ['--config', config],
            watch: false,
          }),
        ],
      });
      backendUrl = `http://localhost:${backend.server.port()}`;
    });

    afterAll(async () => {
      await server?.stop();
      await tempDir?.remove();
    });

    it('discovery registers the repositories of the group that have a catalog file, at the flavor URLs', async () => {
      const entity = await entityByName('component', 'flavored-service');
      expect(
        entity.metadata.annotations?.['backstage.io/managed-by-location'],
      ).toBe(`url:${server.fileUrl(SERVICE, 'catalog-info.yaml')}`);
      expect(
        entity.metadata.annotations?.['backstage.io/source-location'],
      ).toBe(`url:${server.directoryUrl(SERVICE)}`);
      // Set only where the flavor has a web editor (hgweb has none).
      expect(entity.metadata.annotations?.['backstage.io/edit-url']).toBe(
        server.editUrl(SERVICE, 'catalog-info.yaml'),
      );
      const res = await get('/api/catalog/entities?filter=kind=location');
      const targets = ((await res.json()) as Entity[]).map(
        l => (l.spec as { target?: string }).target,
      );
      // team/no-catalog has none; elsewhere/service is not in the group.
      expect(targets).toContain(server.fileUrl(SERVICE, 'catalog-info.yaml'));
      expect(targets.join(' ')).not.toContain('no-catalog');
      expect(targets.join(' ')).not.toContain('elsewhere');
    });

    it('the URL reader reads a url location written as the flavor writes file pages', async () => {
      const target = server.fileUrl(SERVICE, 'apis/api.yaml');
      const res = await get('/api/catalog/locations', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ type: 'url', target }),
      });
      expect(res.status).toBe(201);
      const api = await entityByName('api', 'flavored-api');
      expect(
        api.metadata.annotations?.['backstage.io/managed-by-location'],
      ).toBe(`url:${target}`);
    });

    it('TechDocs builds the docs from the flavor and serves them', async () => {
      await entityByName('component', 'flavored-service');
      const sync = await get(
        '/api/techdocs/sync/default/component/flavored-service',
      );
      expect(sync.status).toBe(200);
      const events = await sync.text();
      expect(events).toContain('event: finish');
      expect(events).not.toContain('event: error');
      const page = await get(
        '/api/techdocs/static/docs/default/component/flavored-service/index.html',
      );
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('Flavored docs');
      expect(html).toContain('Built by TechDocs, twice.');
    });

    it('the history backend answers hg nodes, contributors and the README with the flavor links', async () => {
      await entityByName('component', 'flavored-service');
      const commits = (await (
        await get(
          '/api/mercurial/entities/component/default/flavored-service/commits?limit=2',
        )
      ).json()) as any;
      expect(commits.commits.map((c: any) => c.node)).toEqual(
        serviceNodes.slice(0, 2),
      );
      expect(commits.commits.map((c: any) => c.message)).toEqual([
        'Say more in the docs',
        'Describe the API',
      ]);
      expect(commits.commits[0].author.name).toBe('Alice Example');
      expect(commits.commits[0].url).toBe(
        server.changesetUrl(SERVICE, serviceNodes[0]),
      );
      expect(commits.next).toBe(serviceNodes[1]);
      const next = (await (
        await get(
          `/api/mercurial/entities/component/default/flavored-service/commits?limit=2&before=${commits.next}`,
        )
      ).json()) as any;
      expect(next.commits.map((c: any) => c.node)).toEqual([serviceNodes[2]]);
      expect(next.next).toBeUndefined();

      const contributors = (await (
        await get(
          '/api/mercurial/entities/component/default/flavored-service/contributors',
        )
      ).json()) as any;
      expect(
        contributors.contributors.map((c: any) => [
          c.name,
          c.email,
          c.commitCount,
        ]),
      ).toEqual([
        ['Alice Example', 'alice@example.com', 2],
        ['Bob Example', 'bob@example.com', 1],
      ]);

      const readme = await get(
        '/api/mercurial/entities/component/default/flavored-service/readme',
      );
      expect(readme.status).toBe(200);
      expect(JSON.stringify(await readme.json())).toContain(
        'Read from every flavor.',
      );
    });

    it('the scaffolder fetches a skeleton from the flavor and publish:hg creates and pushes a new repository', async () => {
      await entityByName('template', 'flavored-publish');
      const created = await get('/api/scaffolder/v2/tasks', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          templateRef: 'template:default/flavored-publish',
          values: {
            skeletonUrl: server.directoryUrl(SERVICE, 'skeleton'),
            repoUrl: `${server.host}?owner=team&repo=made`,
          },
        }),
      });
      expect(created.status).toBe(201);
      const { id } = (await created.json()) as { id: string };
      const task = await eventually('the task to end', async () => {
        const body = (await (
          await get(`/api/scaffolder/v2/tasks/${id}`)
        ).json()) as { status: string; output?: Record<string, string> };
        return ['completed', 'failed'].includes(body.status) ? body : undefined;
      });
      if (task.status !== 'completed') {
        const events = await (
          await get(`/api/scaffolder/v2/tasks/${id}/events`)
        ).text();
        throw new Error(`The task ${task.status}: ${events.slice(-2000)}`);
      }
      const published = await runHg([
        'log',
        '-T',
        '{node} {desc}\\n',
        '-R',
        server.repositoryDir('team/made'),
      ]);
      const [node, ...message] = published.trim().split(' ');
      expect(message.join(' ')).toBe('Made from the skeleton');
      const files = await runHg(['files', '-r', node], {
        cwd: server.repositoryDir('team/made'),
      });
      expect(files.trim().split('\n').sort()).toEqual([
        'README.md',
        'catalog-info.yaml',
      ]);
      // The task's outputs come with its completion event.
      const events = (await (
        await get(`/api/scaffolder/v2/tasks/${id}/events`)
      ).json()) as {
        type: string;
        body: { output?: Record<string, string> };
      }[];
      const output = events.find(e => e.type === 'completion')?.body.output;
      expect(output?.commitHash).toBe(node);
      expect(output?.remoteUrl).toBe(server.repositoryUrl('team/made'));
    });

    it('publish:hg refuses a repository that has changesets and leaves it as it was', async () => {
      await entityByName('template', 'flavored-publish');
      const created = await get('/api/scaffolder/v2/tasks', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({
          templateRef: 'template:default/flavored-publish',
          values: {
            skeletonUrl: server.directoryUrl(SERVICE, 'skeleton'),
            repoUrl: `${server.host}?owner=team&repo=service`,
          },
        }),
      });
      const { id } = (await created.json()) as { id: string };
      const task = await eventually('the task to end', async () => {
        const body = (await (
          await get(`/api/scaffolder/v2/tasks/${id}`)
        ).json()) as { status: string };
        return ['completed', 'failed'].includes(body.status) ? body : undefined;
      });
      expect(task.status).toBe('failed');
      const events = await (
        await get(`/api/scaffolder/v2/tasks/${id}/events`)
      ).text();
      expect(events).toContain(
        `Cannot publish to ${server.repositoryUrl(SERVICE)}: the repository already has changesets (tip ${serviceNodes[0]})`,
      );
      const log = await runHg([
        'log',
        '-T',
        '{node}\\n',
        '-R',
        server.repositoryDir(SERVICE),
      ]);
      expect(log.trim().split('\n')).toEqual(serviceNodes);
    });

    it('runs discovery again without changes and keeps the same locations', async () => {
      await entityByName('component', 'flavored-service');
      const before = await get('/api/catalog/entities?filter=kind=location');
      const count = ((await before.json()) as Entity[]).length;
      const runs = () =>
        logs.logged.filter(l =>
          l.startsWith('MercurialDiscoveryEntityProvider:flavored: saw'),
        );
      const seen = runs().length;
      await catalogScheduler!.triggerTask(
        'MercurialDiscoveryEntityProvider:flavored:refresh',
      );
      // not every repository is read again: those whose change marker
      // (lastchange, last_activity_at, last_changeset) did not move keep
      // their locations unread
      const [run] = runs().slice(seen);
      const [, matched, read] =
        / (\d+) matched, .*; read (\d+) \(new or changed\)/.exec(run)!;
      expect(Number(read)).toBeGreaterThanOrEqual(1);
      expect(Number(read)).toBeLessThan(Number(matched));
      // the repository made by the scaffolder is found too
      await entityByName('component', 'made-from-skeleton');
      const after = await get('/api/catalog/entities?filter=kind=location');
      expect(((await after.json()) as Entity[]).length).toBe(count + 1);
    });
  },
);
