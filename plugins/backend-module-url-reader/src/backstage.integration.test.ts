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
 * Backstage's own code (the catalog backend, TechDocs' URL preparer, the
 * scaffolder's fetch actions) consuming the Mercurial URL reader, against a
 * real `hg serve`, with archives on and with archives switched off (the
 * reader then reads trees through the hg command line). Nothing of the
 * reader or of hg is mocked.
 */

import {
  createTempDir,
  eventually,
  HgRepositorySpec,
  HgTestServer,
  runHg,
  startHgServer,
} from '@backstage-mercurial/test-utils';
import { UrlReaders } from '@backstage/backend-defaults/urlReader';
import { UrlReaderService } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import { CatalogClient } from '@backstage/catalog-client';
import {
  ANNOTATION_EDIT_URL,
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  ANNOTATION_SOURCE_LOCATION,
  ANNOTATION_VIEW_URL,
  Entity,
} from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import catalogPlugin, {
  UrlReaderProcessor,
} from '@backstage/plugin-catalog-backend';
import {
  CatalogProcessorCache,
  CatalogProcessorParser,
  CatalogProcessorResult,
  parseEntityYaml,
} from '@backstage/plugin-catalog-node';
import { ScmIntegrations } from '@backstage/integration';
import {
  createFetchPlainAction,
  createFetchTemplateAction,
} from '@backstage/plugin-scaffolder-backend';
import { ActionContext } from '@backstage/plugin-scaffolder-node';
import { UrlPreparer } from '@backstage/plugin-techdocs-node';
import fs from 'fs-extra';
import path from 'node:path';
import mercurialUrlReaderModule from './index';
import { MercurialUrlReader } from './MercurialUrlReader';

// Real servers and a real catalog: a generous timeout; no assertion is about
// how long anything takes.
jest.setTimeout(60_000);

/** Not valid UTF-8, with NUL bytes, CR and LF: any text conversion shows. */
const LOGO = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x01, 0xff, 0xfe, 0x80,
  0x0d, 0x0a, 0x00,
]);

const API_REPO = 'team/payments/api';
const MONO_REPO = 'team/platform/monorepo';
const DOCS_REPO = 'team/docs/handbook';
const TEMPLATES_REPO = 'team/templates/service';
const WORKER_REPO = 'team/payments/worker';
const HELD_REPO = 'team/payments/held';

/** Set by the catalog on an entity that no location produces any more. */
const ANNOTATION_ORPHAN = 'backstage.io/orphan';

function component(
  name: string,
  lines: { description?: string; lifecycle?: string; extra?: string } = {},
) {
  return [
    'apiVersion: backstage.io/v1alpha1',
    'kind: Component',
    'metadata:',
    `  name: ${name}`,
    ...(lines.description ? [`  description: ${lines.description}`] : []),
    'spec:',
    '  type: service',
    `  lifecycle: ${lines.lifecycle ?? 'production'}`,
    '  owner: team-payments',
    ...(lines.extra ? [lines.extra] : []),
    '',
  ].join('\n');
}

const REPOSITORIES: Record<string, HgRepositorySpec> = {
  // One catalog file at the root; its description comes from the README.
  [API_REPO]: {
    commits: [
      {
        files: {
          'catalog-info.yaml': component('payments-api', {
            description: '{ $text: ./README.md }',
          }),
          'README.md': '# Payments API\n\nTakes the money.\n',
        },
      },
    ],
  },
  // Catalog files spread over sub-directories, found by a glob location.
  [MONO_REPO]: {
    commits: [
      {
        files: {
          'catalog-info.yaml': [
            'apiVersion: backstage.io/v1alpha1',
            'kind: System',
            'metadata:',
            '  name: platform',
            'spec:',
            '  owner: team-platform',
            '',
          ].join('\n'),
          'services/billing/catalog-info.yaml': component('billing', {
            description: '{ $text: ./README.md }',
          }),
          'services/billing/README.md': 'Bills every customer.\n',
          'services/ledger/catalog-info.yaml': component('ledger'),
          // A path hg serve cannot serve by URL (non-ASCII), and a
          // placeholder reading another such file.
          'services/café/catalog-info.yaml': component('cafe', {
            description: '{ $text: ./menü.md }',
          }),
          'services/café/menü.md': 'Coffee and cake.\n',
          // Not matched by **/catalog-info.yaml.
          'services/ledger/not-catalog-info.yaml': component('not-me'),
          'services/ledger/catalog-info.yml': component('not-me-either'),
          'apis/ledger/v1/catalog-info.yaml': [
            'apiVersion: backstage.io/v1alpha1',
            'kind: API',
            'metadata:',
            '  name: ledger-api',
            'spec:',
            '  type: openapi',
            '  lifecycle: production',
            '  owner: team-platform',
            '  definition:',
            '    $text: ./openapi.yaml',
            '',
          ].join('\n'),
          'apis/ledger/v1/openapi.yaml':
            'openapi: 3.0.0\ninfo:\n  title: Ledger\n',
        },
      },
    ],
  },
  // A TechDocs tree below a sub-directory, and noise around it.
  [DOCS_REPO]: {
    commits: [
      {
        files: {
          'README.md': '# Handbook repository\n',
          'docs-root/mkdocs.yml': 'site_name: Handbook\nnav:\n  - index.md\n',
          'docs-root/docs/index.md': '# Handbook\n\nVersion one.\n',
          'docs-root/docs/guides/on call.md': '# On call\n',
          'docs-root/docs/img/logo.png': LOGO,
          'src/main.ts': 'export {};\n',
        },
      },
    ],
  },
  // One catalog file, read by the catalog's UrlReaderProcessor alone.
  [WORKER_REPO]: {
    commits: [{ files: { 'catalog-info.yaml': component('payments-worker') } }],
  },
  [HELD_REPO]: {
    commits: [{ files: { 'catalog-info.yaml': component('payments-held') } }],
  },
  // A scaffolder skeleton (with a templated file name) beside other files.
  [TEMPLATES_REPO]: {
    commits: [
      {
        files: {
          'template.yaml': 'kind: Template\n',
          'skeleton/README.md':
            '# ${{ values.name }}\n\nOwned by ${{ values.owner }}.\n',
          'skeleton/src/deep/nested/index.ts':
            "export const name = '${{ values.name }}';\n",
          'skeleton/assets/logo.png': LOGO,
          'skeleton/scripts/run.sh': {
            content: '#!/bin/sh\necho ${{ values.name }}\n',
            executable: true,
          },
          'skeleton/docs/${{ values.name }}.md': 'About ${{ values.name }}.\n',
          'other/ignored.txt': 'not part of the skeleton\n',
        },
      },
    ],
  },
};

/** Writes files into a served repository and commits them. */
async function commit(
  server: HgTestServer,
  repo: string,
  files: Record<string, string>,
): Promise<string> {
  const dir = server.repoDir(repo);
  for (const [file, content] of Object.entries(files)) {
    await fs.outputFile(path.join(dir, file), content);
  }
  await runHg(
    ['commit', '--addremove', '-u', 'Test <t@example.com>', '-m', 'change'],
    { cwd: dir },
  );
  return (await runHg(['log', '-r', '.', '-T', '{node}'], { cwd: dir })).trim();
}

/**
 * Commits in a served repository, holding the transaction open (in a
 * `pretxncommit` hook, after the changeset is written and before it is
 * visible to others) while `whileOpen` runs.
 */
async function commitHeldOpen(
  dir: string,
  files: Record<string, string>,
  whileOpen: () => Promise<void>,
): Promise<void> {
  const signals = await createTempDir('hg-held-commit-');
  const inHook = path.join(signals.path, 'in-hook');
  const release = path.join(signals.path, 'release');
  try {
    for (const [file, content] of Object.entries(files)) {
      await fs.outputFile(path.join(dir, file), content);
    }
    const hook = `touch '${inHook}'; while [ ! -f '${release}' ]; do sleep 0.02; done`;
    let done = false;
    const committing = runHg(
      [
        '--config',
        `hooks.pretxncommit.hold=${hook}`,
        'commit',
        '-u',
        'Test <t@example.com>',
        '-m',
        'held open',
      ],
      { cwd: dir },
    ).finally(() => {
      done = true;
    });
    try {
      while (!(await fs.pathExists(inHook))) {
        if (done) {
          break; // the commit failed before the hook: `committing` says why
        }
        await new Promise(resolve => setTimeout(resolve, 10));
      }
      if (!done) {
        await whileOpen();
      }
    } finally {
      await fs.writeFile(release, '');
      await committing;
    }
  } finally {
    await signals.remove();
  }
}

async function makeReader(server: HgTestServer, workingDirectory: string) {
  await fs.ensureDir(workingDirectory);
  const config = new ConfigReader({
    backend: { workingDirectory },
    integrations: {
      mercurial: [{ host: server.host, baseUrl: server.baseUrl }],
    },
  });
  const reader: UrlReaderService = UrlReaders.default({
    config,
    logger: mockServices.logger.mock(),
    factories: [MercurialUrlReader.factory],
  });
  return { reader, config };
}

/**
 * A scaffolder action context as the task worker makes it, for the input of
 * one step (createMockActionContext of
 * @backstage/plugin-scaffolder-node-test-utils is not published for
 * @backstage/plugin-scaffolder-node 1.0 yet).
 */
function actionContext(
  workspacePath: string,
  input: { url: string; targetPath?: string; values?: Record<string, string> },
  tempDirs: string[],
): ActionContext<any> {
  return {
    logger: mockServices.logger.mock(),
    workspacePath,
    input,
    output: jest.fn(),
    checkpoint: async ({ fn }) => fn(),
    createTemporaryDirectory: async () => {
      const dir = await fs.mkdtemp(path.join(workspacePath, '..', 'tmp-'));
      tempDirs.push(dir);
      return dir;
    },
    getInitiatorCredentials: async () => mockCredentials.user(),
    task: { id: 'task-1' },
    isDryRun: false,
  };
}

async function readTextFiles(dir: string, files: string[]) {
  const result: Record<string, string> = {};
  for (const file of files) {
    result[file] = await fs.readFile(path.join(dir, file), 'utf8');
  }
  return result;
}

describe.each([
  ['with archives', true],
  ['with archives switched off (hg command line)', false],
])('Backstage reading Mercurial %s', (_name, allowArchive) => {
  let server: HgTestServer;
  let work: { path: string; remove(): Promise<void> };

  beforeAll(async () => {
    server = await startHgServer({
      allowArchive,
      repositories: REPOSITORIES,
    });
    work = await createTempDir('backstage-integration-');
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await work?.remove();
  });

  describe('the catalog backend', () => {
    let backend: TestBackend;
    let catalog: CatalogClient;
    let apiUrl: string;
    let monoUrl: string;
    const token = mockCredentials.user.token();

    const getEntity = (ref: string) => catalog.getEntityByRef(ref, { token });

    /** Every entity the catalog has, where from, for failure messages. */
    const explain = async () => {
      const { items } = await catalog.getEntities({}, { token });
      return items
        .map(e => {
          const annotations = e.metadata.annotations ?? {};
          return `${e.kind}:${e.metadata.name} from ${
            annotations[ANNOTATION_LOCATION]
          }${annotations[ANNOTATION_ORPHAN] ? ' (orphan)' : ''}`;
        })
        .join('\n');
    };

    beforeAll(async () => {
      apiUrl = server.repoUrl(API_REPO);
      monoUrl = server.repoUrl(MONO_REPO);
      backend = await startTestBackend({
        features: [
          catalogPlugin,
          mercurialUrlReaderModule,
          mockServices.rootConfig.factory({
            data: {
              backend: {
                workingDirectory: path.join(work.path, 'catalog-backend'),
              },
              integrations: {
                mercurial: [{ host: server.host, baseUrl: server.baseUrl }],
              },
              catalog: {
                processingInterval: { seconds: 1 },
                rules: [{ allow: ['Component', 'API', 'System', 'Location'] }],
                locations: [
                  {
                    type: 'url',
                    target: `${apiUrl}/file/default/catalog-info.yaml`,
                  },
                  {
                    type: 'url',
                    target: `${monoUrl}/file/tip/**/catalog-info.yaml`,
                  },
                ],
              },
            },
          }),
        ],
      });
      const port = backend.server.port();
      catalog = new CatalogClient({
        discoveryApi: {
          getBaseUrl: async pluginId =>
            `http://localhost:${port}/api/${pluginId}`,
        },
      });
    }, 60_000);

    afterAll(async () => {
      await backend?.stop();
    });

    it('ingests a url location pointing at one catalog file, resolving $text from the repository', async () => {
      const entity = await eventually(
        'component:default/payments-api',
        async () => {
          const e = await getEntity('component:default/payments-api');
          return e?.metadata.description ? e : undefined;
        },
        { explain },
      );
      expect(entity.metadata.description).toBe(
        '# Payments API\n\nTakes the money.\n',
      );
      expect(entity.spec).toMatchObject({
        type: 'service',
        lifecycle: 'production',
      });
      const target = `${apiUrl}/file/default/catalog-info.yaml`;
      expect(entity.metadata.annotations).toMatchObject({
        [ANNOTATION_LOCATION]: `url:${target}`,
        [ANNOTATION_ORIGIN_LOCATION]: `url:${target}`,
        [ANNOTATION_VIEW_URL]: target,
      });
      // Backstage's integrations do not know Mercurial (see the notes):
      // no edit or source location from the built-in processor.
      expect(entity.metadata.annotations).not.toHaveProperty(
        ANNOTATION_EDIT_URL,
      );
      expect(entity.metadata.annotations).not.toHaveProperty(
        ANNOTATION_SOURCE_LOCATION,
      );

      // The location entity made from the config points at the same URL.
      const { items: locations } = await catalog.getEntities(
        { filter: { kind: 'Location', 'spec.target': target } },
        { token },
      );
      expect(locations).toHaveLength(1);
      expect(locations[0].spec).toEqual({ type: 'url', target });
    });

    it('ingests a glob location: every catalog-info.yaml below the repository, each with its own hg URL', async () => {
      const refs = [
        'system:default/platform',
        'component:default/billing',
        'component:default/ledger',
        'api:default/ledger-api',
      ];
      const entities = await eventually(
        'the entities of the glob location',
        async () => {
          const found = await Promise.all(refs.map(getEntity));
          return found.every(e => e) ? (found as Entity[]) : undefined;
        },
        { explain },
      );
      const glob = `${monoUrl}/file/tip/**/catalog-info.yaml`;
      const files = [
        'catalog-info.yaml',
        'services/billing/catalog-info.yaml',
        'services/ledger/catalog-info.yaml',
        'apis/ledger/v1/catalog-info.yaml',
      ];
      for (const [i, entity] of entities.entries()) {
        const annotations = entity.metadata.annotations!;
        expect(annotations[ANNOTATION_ORIGIN_LOCATION]).toBe(`url:${glob}`);
        // The file's own URL, at a revision (the node hgweb resolved tip
        // to, or tip itself).
        const location = annotations[ANNOTATION_LOCATION];
        const prefix = `url:${monoUrl}/file/`;
        expect(location.startsWith(prefix)).toBe(true);
        const [revision, ...rest] = location.slice(prefix.length).split('/');
        expect(revision).toMatch(/^(tip|[0-9a-f]{40})$/);
        expect(rest.join('/')).toBe(files[i]);
        expect(annotations[ANNOTATION_VIEW_URL]).toBe(
          location.slice('url:'.length),
        );
        // ... and that URL is one hg serve answers with that very file.
        const raw = await fetch(
          annotations[ANNOTATION_VIEW_URL].replace('/file/', '/raw-file/'),
        );
        expect(raw.status).toBe(200);
        expect(await raw.text()).toContain(`name: ${entity.metadata.name}`);
      }

      // Placeholders resolve relative to the file that was found.
      const [, billing, , api] = entities;
      expect(billing.metadata.description).toBe('Bills every customer.\n');
      expect(api.spec?.definition).toBe(
        'openapi: 3.0.0\ninfo:\n  title: Ledger\n',
      );

      // Files that do not match the glob were not ingested.
      expect(await getEntity('component:default/not-me')).toBeUndefined();
      expect(
        await getEntity('component:default/not-me-either'),
      ).toBeUndefined();
    });

    it('ingests, by a glob location, a catalog file whose path hg serve cannot serve by URL, resolving $text of another such file', async () => {
      const cafe = await eventually(
        'the entity of services/café/catalog-info.yaml',
        () => getEntity('component:default/cafe'),
        { explain },
      );
      const annotations = cafe.metadata.annotations!;
      expect(annotations[ANNOTATION_ORIGIN_LOCATION]).toBe(
        `url:${monoUrl}/file/tip/**/catalog-info.yaml`,
      );
      expect(annotations[ANNOTATION_LOCATION]).toBe(
        `url:${monoUrl}/file/tip/services/caf%C3%A9/catalog-info.yaml`,
      );
      // hg serve itself answers that URL with 404: the reader read the
      // file from an archive (or the command line).
      const raw = await fetch(
        `${monoUrl}/raw-file/tip/services/caf%C3%A9/men%C3%BC.md`,
      );
      await raw.body?.cancel();
      expect(raw.status).toBe(404);
      expect(cafe.metadata.description).toBe('Coffee and cake.\n');
    });

    it('answers through its HTTP API with the mock user token', async () => {
      const port = backend.server.port();
      const response = await fetch(
        `http://localhost:${port}/api/catalog/entities/by-query?filter=kind=component,metadata.name=payments-api`,
        { headers: { Authorization: `Bearer ${token}` } },
      );
      expect(response.status).toBe(200);
      const body = (await response.json()) as { items: Entity[] };
      expect(body.items.map(e => e.metadata.name)).toEqual(['payments-api']);
      expect(body.items[0].metadata.annotations?.[ANNOTATION_LOCATION]).toBe(
        `url:${apiUrl}/file/default/catalog-info.yaml`,
      );
    });

    it('sees a new commit to a single-file location (catalog file and $text target)', async () => {
      await commit(server, API_REPO, {
        'README.md': '# Payments API\n\nTakes the money, twice.\n',
        'catalog-info.yaml': component('payments-api', {
          description: '{ $text: ./README.md }',
          lifecycle: 'deprecated',
        }),
      });
      const entity = await eventually(
        'the new commit in component:default/payments-api',
        async () => {
          const e = await getEntity('component:default/payments-api');
          return e?.spec?.lifecycle === 'deprecated' &&
            e.metadata.description?.includes('twice')
            ? e
            : undefined;
        },
        { explain },
      );
      expect(entity.metadata.description).toBe(
        '# Payments API\n\nTakes the money, twice.\n',
      );
    });

    // Fails with the reader as it is: see the report of this change. The
    // reader's glob search returns URLs pinned to the node the revision
    // resolved to (`file/<node>/services/ledger/catalog-info.yaml`), and the
    // catalog keys each entity by that URL (its location key). After a new
    // commit, the same entities come with other URLs: the catalog refuses
    // them as conflicting ("Detected conflicting entityRef ... already
    // referenced by url:.../file/<old node>/... and now also
    // url:.../file/<new node>/..."), drops the location's references to them
    // and marks them as orphans; with the default orphan strategy they are
    // then deleted, and not re-created while the repository stays the same.
    it('sees a new commit to a glob location, updating the same entities', async () => {
      const before = (await getEntity('component:default/ledger'))!;
      await commit(server, MONO_REPO, {
        'services/billing/README.md': 'Bills every customer, monthly.\n',
        'services/ledger/catalog-info.yaml': component('ledger', {
          lifecycle: 'deprecated',
        }),
      });
      const outcome = await eventually(
        'the new commit in the entities of the glob location',
        async () => {
          const billing = await getEntity('component:default/billing');
          const ledger = await getEntity('component:default/ledger');
          if (
            billing?.metadata.annotations?.[ANNOTATION_ORPHAN] ||
            ledger?.metadata.annotations?.[ANNOTATION_ORPHAN]
          ) {
            return { orphaned: true as const, billing, ledger };
          }
          return billing?.metadata.description?.includes('monthly') &&
            ledger?.spec?.lifecycle === 'deprecated'
            ? { orphaned: false as const, billing, ledger }
            : undefined;
        },
        { explain },
      );
      if (outcome.orphaned) {
        throw new Error(
          `After a new commit the catalog made the entities of the glob location orphans instead of updating them:\n${await explain()}`,
        );
      }
      const { billing, ledger } = outcome;
      expect(billing.metadata.description).toBe(
        'Bills every customer, monthly.\n',
      );
      expect(ledger.metadata.uid).toBe(before.metadata.uid);
      expect(ledger.metadata.annotations).not.toHaveProperty(ANNOTATION_ORPHAN);
    });
  });

  describe("TechDocs' URL preparer", () => {
    let reader: UrlReaderService;
    let preparer: UrlPreparer;
    const prepared: string[] = [];
    const entity = (): Entity => ({
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Component',
      metadata: {
        name: 'handbook',
        namespace: 'default',
        annotations: {
          'backstage.io/techdocs-ref': `url:${server.repoUrl(
            DOCS_REPO,
          )}/file/default/docs-root/`,
        },
      },
      spec: { type: 'documentation', lifecycle: 'production', owner: 'me' },
    });

    beforeAll(async () => {
      ({ reader } = await makeReader(server, path.join(work.path, 'techdocs')));
      preparer = UrlPreparer.fromConfig({
        reader,
        logger: mockServices.logger.mock(),
      });
    });

    afterAll(async () => {
      for (const dir of prepared) {
        await fs.remove(dir);
      }
    });

    it('prepares the docs directory, then answers NotModifiedError for its etag, then sees a new commit', async () => {
      const first = await preparer.prepare(entity());
      prepared.push(first.preparedDir);
      expect(first.etag).toBe(server.repositories[DOCS_REPO].nodes[0]);
      expect(
        await readTextFiles(first.preparedDir, [
          'mkdocs.yml',
          'docs/index.md',
          'docs/guides/on call.md',
        ]),
      ).toEqual({
        'mkdocs.yml': 'site_name: Handbook\nnav:\n  - index.md\n',
        'docs/index.md': '# Handbook\n\nVersion one.\n',
        'docs/guides/on call.md': '# On call\n',
      });
      expect(
        await fs.readFile(path.join(first.preparedDir, 'docs/img/logo.png')),
      ).toEqual(LOGO);
      // Only the docs directory, nothing from around it.
      expect((await fs.readdir(first.preparedDir)).sort()).toEqual([
        'docs',
        'mkdocs.yml',
      ]);

      const again = await preparer.prepare(entity(), { etag: first.etag }).then(
        r => {
          prepared.push(r.preparedDir);
          return r;
        },
        e => e,
      );
      expect(again).toBeInstanceOf(Error);
      expect(again.name).toBe('NotModifiedError');

      const node = await commit(server, DOCS_REPO, {
        'docs-root/docs/index.md': '# Handbook\n\nVersion two.\n',
      });
      const second = await preparer.prepare(entity(), { etag: first.etag });
      prepared.push(second.preparedDir);
      expect(second.etag).toBe(node);
      expect(second.etag).not.toBe(first.etag);
      expect(
        await fs.readFile(
          path.join(second.preparedDir, 'docs/index.md'),
          'utf8',
        ),
      ).toBe('# Handbook\n\nVersion two.\n');

      // The way the trees came: hgweb's archives, or clones in the cache.
      expect(
        await fs.pathExists(
          path.join(work.path, 'techdocs', 'mercurial-url-reader'),
        ),
      ).toBe(!allowArchive);
    });
  });

  describe("the scaffolder's fetch actions", () => {
    let reader: UrlReaderService;
    let integrations: ScmIntegrations;
    let skeletonUrl: string;
    const tempDirs: string[] = [];

    beforeAll(async () => {
      const made = await makeReader(server, path.join(work.path, 'scaffolder'));
      reader = made.reader;
      integrations = ScmIntegrations.fromConfig(made.config);
      skeletonUrl = `${server.repoUrl(TEMPLATES_REPO)}/file/default/skeleton/`;
    });

    afterAll(async () => {
      for (const dir of tempDirs) {
        await fs.remove(dir);
      }
    });

    async function workspace(name: string) {
      const dir = path.join(work.path, 'workspaces', name, 'workspace');
      await fs.ensureDir(dir);
      return dir;
    }

    it('fetch:plain copies a skeleton byte for byte, executable bits included', async () => {
      const action = createFetchPlainAction({ reader, integrations });
      const workspacePath = await workspace('plain');
      await action.handler(
        actionContext(
          workspacePath,
          { url: skeletonUrl, targetPath: './out' },
          tempDirs,
        ),
      );
      const out = path.join(workspacePath, 'out');
      expect(
        await readTextFiles(out, [
          'README.md',
          'src/deep/nested/index.ts',
          'scripts/run.sh',
          'docs/${{ values.name }}.md',
        ]),
      ).toEqual({
        'README.md': '# ${{ values.name }}\n\nOwned by ${{ values.owner }}.\n',
        'src/deep/nested/index.ts':
          "export const name = '${{ values.name }}';\n",
        'scripts/run.sh': '#!/bin/sh\necho ${{ values.name }}\n',
        'docs/${{ values.name }}.md': 'About ${{ values.name }}.\n',
      });
      expect(await fs.readFile(path.join(out, 'assets/logo.png'))).toEqual(
        LOGO,
      );
      expect(
        (await fs.stat(path.join(out, 'scripts/run.sh'))).mode & 0o111,
      ).not.toBe(0);
      expect((await fs.stat(path.join(out, 'README.md'))).mode & 0o111).toBe(0);
      expect((await fs.readdir(out)).sort()).toEqual([
        'README.md',
        'assets',
        'docs',
        'scripts',
        'src',
      ]);

      // The way the tree came: hgweb's archive, or a clone in the cache.
      expect(
        await fs.pathExists(
          path.join(work.path, 'scaffolder', 'mercurial-url-reader'),
        ),
      ).toBe(!allowArchive);
    });

    it('fetch:plain of a repository root copies the repository, not hg archive metadata', async () => {
      const action = createFetchPlainAction({ reader, integrations });
      const workspacePath = await workspace('plain-root');
      await action.handler(
        actionContext(
          workspacePath,
          {
            url: `${server.repoUrl(TEMPLATES_REPO)}/file/default/`,
            targetPath: './out',
          },
          tempDirs,
        ),
      );
      const entries = await fs.readdir(path.join(workspacePath, 'out'));
      expect(entries).toContain('skeleton');
      expect(entries).not.toContain('.hg_archival.txt');
    });

    it('fetch:template renders a skeleton: contents and file names, binaries untouched', async () => {
      const action = createFetchTemplateAction({ reader, integrations });
      const workspacePath = await workspace('template');
      await action.handler(
        actionContext(
          workspacePath,
          {
            url: skeletonUrl,
            targetPath: './out',
            values: { name: 'my-service', owner: 'team-a' },
          },
          tempDirs,
        ),
      );
      const out = path.join(workspacePath, 'out');
      expect(
        await readTextFiles(out, [
          'README.md',
          'src/deep/nested/index.ts',
          'scripts/run.sh',
          'docs/my-service.md',
        ]),
      ).toEqual({
        'README.md': '# my-service\n\nOwned by team-a.\n',
        'src/deep/nested/index.ts': "export const name = 'my-service';\n",
        'scripts/run.sh': '#!/bin/sh\necho my-service\n',
        'docs/my-service.md': 'About my-service.\n',
      });
      expect(await fs.readFile(path.join(out, 'assets/logo.png'))).toEqual(
        LOGO,
      );
      expect(
        (await fs.stat(path.join(out, 'scripts/run.sh'))).mode & 0o111,
      ).not.toBe(0);
    });
  });

  describe("the catalog's UrlReaderProcessor, revalidating with the etag", () => {
    /**
     * The processor the catalog reads `url` locations with, on its own, with
     * an in-memory cache: `read()` gives the lifecycle of each entity it
     * emits, as the catalog would store it.
     */
    async function makeProcessor(repo: string, workDir: string) {
      const { reader } = await makeReader(
        server,
        path.join(work.path, workDir),
      );
      const processor = new UrlReaderProcessor({
        reader,
        logger: mockServices.logger.mock(),
      });
      const store = new Map<string, unknown>();
      const cache: CatalogProcessorCache = {
        get: async key => store.get(key) as any,
        set: async (key, value) => {
          store.set(key, value);
        },
      };
      const parser: CatalogProcessorParser = async function* parse({
        data,
        location,
      }) {
        yield* parseEntityYaml(data, location);
      };
      const target = `${server.repoUrl(repo)}/file/default/catalog-info.yaml`;
      const read = async () => {
        const results: CatalogProcessorResult[] = [];
        await processor.readLocation(
          { type: 'url', target },
          false,
          result => results.push(result),
          parser,
          cache,
        );
        return results.flatMap(r => {
          if (r.type === 'entity') {
            return [r.entity.spec?.lifecycle];
          }
          return r.type === 'error' ? [`error: ${r.error.message}`] : [];
        });
      };
      /** hgweb's own ETag for the file, asked for directly. */
      const hgwebEtag = async () => {
        const response = await fetch(target.replace('/file/', '/raw-file/'));
        await response.arrayBuffer();
        return response.headers.get('etag');
      };
      return { reader, read, hgwebEtag };
    }

    // Fails with the reader as it is (see the report of this change, and
    // the next test for the other half): for a URL without glob characters,
    // search() and readUrl() hand out hgweb's own ETag and send it back as
    // If-None-Match. hgweb's ETag is W/"<newest mtime, in whole seconds, of
    // .hg/store/00changelog.i, phaseroots, obsstore and .hg/bookmarks, or of
    // the directory where one of them is missing>". Commits less than about
    // a second apart often leave it unchanged: hg itself moves the
    // changelog's mtime on to the next whole second when a write would
    // otherwise look unchanged ("checkambig"), so the following commit, made
    // in that next second, gets the same ETag. hgweb then answers 304, and
    // the catalog keeps the old entity until the repository changes again.
    // Commits are made one after the other until hgweb's ETag repeats (in a
    // few commits, usually the second or third; eight at most).
    it('sees every one of commits made in quick succession, and reuses its cache in between', async () => {
      const { reader, read, hgwebEtag } = await makeProcessor(
        WORKER_REPO,
        'processor-1',
      );
      // Observed, not replaced: the calls go through to the real reader.
      const search = jest.spyOn(reader, 'search');

      expect(await read()).toEqual(['production']);
      // Unchanged: the reader says so, the processor answers from its cache.
      expect(await read()).toEqual(['production']);
      await expect(search.mock.results[1].value).rejects.toMatchObject({
        name: 'NotModifiedError',
      });

      let etag = await hgwebEtag();
      let repeated = false;
      for (let i = 1; i <= 8 && !repeated; i++) {
        const lifecycle = `stage-${i}`;
        const dir = server.repoDir(WORKER_REPO);
        // When the last commit's changelog mtime was moved on into the
        // next second, a commit made in that second repeats the ETag: wait
        // for it (nothing but hg's own bookkeeping is looked at).
        const changelog = path.join(dir, '.hg/store/00changelog.i');
        const { mtimeMs } = await fs.stat(changelog);
        while (Date.now() < mtimeMs) {
          await new Promise(resolve => setTimeout(resolve, 10));
        }
        await fs.writeFile(
          path.join(dir, 'catalog-info.yaml'),
          component('payments-worker', { lifecycle }),
        );
        await runHg(['commit', '-u', 'T <t@example.com>', '-m', lifecycle], {
          cwd: dir,
        });
        const next = await hgwebEtag();
        repeated = next === etag;
        etag = next;
        expect(await read()).toEqual([lifecycle]);
      }
    });

    // Fails with the reader as it is: see the report of this change. For a
    // URL without glob characters, search() and readUrl() hand out hgweb's
    // own ETag and send it back as If-None-Match. hgweb's ETag is
    // W/"<newest mtime, in whole seconds, of .hg/store/00changelog.i,
    // phaseroots, obsstore and .hg/bookmarks, or of the directory where one
    // of them is missing>". In a repository without obsstore (most of them)
    // that includes the mtime of .hg/store, which changes when a transaction
    // *starts* (its journal files), while the new changeset only becomes
    // visible when it *ends*. A read in between gets the old file under the
    // ETag of the new state; when the transaction ends within the same
    // second, every later revalidation is answered 304 and the catalog keeps
    // the old entity until the repository changes again. Here the commit is
    // held open by a pretxncommit hook while the catalog reads.
    it('sees a commit that was under way while it last read', async () => {
      const { read, hgwebEtag } = await makeProcessor(HELD_REPO, 'processor-2');
      const lifecycle = 'deprecated';
      let readWhileOpen: unknown[] = [];
      let etagWhileOpen: string | null = null;
      const dir = server.repoDir(HELD_REPO);
      await commitHeldOpen(
        dir,
        { 'catalog-info.yaml': component('payments-held', { lifecycle }) },
        async () => {
          readWhileOpen = await read();
          etagWhileOpen = await hgwebEtag();
        },
      );
      if ((await hgwebEtag()) !== etagWhileOpen) {
        // The transaction ended in a later second than it started in (a
        // loaded machine). Move the mtimes hgweb's ETag is made of (those
        // of hg.py's `foi`, or their directory where one is missing) back
        // into that second, as a transaction that ended within it leaves
        // them: the case under test, without waiting for luck.
        const second = Number(/\d+/.exec(etagWhileOpen!)![0]);
        for (const [file, where] of [
          ['.hg/store/00changelog.i', '.hg/store'],
          ['.hg/store/phaseroots', '.hg/store'],
          ['.hg/store/obsstore', '.hg/store'],
          ['.hg/bookmarks', '.hg'],
        ]) {
          const target = (await fs.pathExists(path.join(dir, file)))
            ? file
            : where;
          await fs.utimes(path.join(dir, target), second, second);
        }
      }
      expect(await hgwebEtag()).toBe(etagWhileOpen);
      expect(readWhileOpen).toEqual(['production']);
      expect(await read()).toEqual([lifecycle]);
    });
  });
});
