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

import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  coreServices,
  createBackendModule,
  UrlReaderService,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import {
  createTempDir,
  eventually,
  HgTestServer,
  OidcTestProvider,
  startHgServer,
  startOidcProvider,
  startTokenFront,
  TokenFront,
  mockAuthWithActorsFactory,
} from '@backstage-mercurial/test-utils';
import { buildDemoRepositories } from '../scripts/demo-repos';
import { backendFeatures } from './features';
import { recordingRootLogger } from './__testUtils__/logger';

// The example backend with each credential source, against a real hg serve
// behind a front that accepts only valid tokens: the catalog, the URL
// reader, the history routes and a template run that publishes with
// publish:hg all get their credentials from the source, renewed across
// several token lifetimes, and no token shows anywhere.
jest.setTimeout(240_000);

const run = promisify(execFile);

/** Every message and meta field the backend logs. */
const { logged, factory: recordingLoggerFactory } = recordingRootLogger();

/** The command lines of every process, sampled while `task` runs. */
async function sampleProcesses<T>(
  task: () => Promise<T>,
): Promise<{ result: T; samples: string[] }> {
  const samples: string[] = [];
  let done = false;
  const sampler = (async () => {
    while (!done) {
      const { stdout } = await run('ps', ['-eo', 'args']);
      samples.push(stdout);
      await new Promise(r => setTimeout(r, 50));
    }
  })();
  try {
    return { result: await task(), samples };
  } finally {
    done = true;
    await sampler;
  }
}

const TTL_SECONDS = 3;
const CLIENT_SECRET = 'client-Secret-e2e-1';

type Source = 'oauth2' | 'tokenFile' | 'credentialCommand';

describe.each<Source>(['oauth2', 'tokenFile', 'credentialCommand'])(
  'the example backend with %s credentials',
  source => {
    let tempDir: { path: string; remove(): Promise<void> };
    let server: HgTestServer;
    let front: TokenFront;
    let provider: OidcTestProvider | undefined;
    let backendUrl: string;
    let urlReader: UrlReaderService;
    let tokenFile: string;
    let countFile: string;
    /** Every token value the source handed out (also those the front saw). */
    const secrets = new Set<string>([CLIENT_SECRET]);

    const get = (urlPath: string, init?: RequestInit) =>
      fetch(`${backendUrl}${urlPath}`, init);

    const writeToken = async (token: string) => {
      secrets.add(token);
      await fs.writeFile(`${tokenFile}.new`, token);
      await fs.rename(`${tokenFile}.new`, tokenFile);
    };

    beforeAll(async () => {
      logged.length = 0;
      tempDir = await createTempDir('backend-credentials-test-');
      tokenFile = path.join(tempDir.path, 'token');
      countFile = path.join(tempDir.path, 'count');
      server = await startHgServer({
        root: path.join(tempDir.path, 'repos'),
        allowPush: true,
      });

      let integration: Record<string, unknown>;
      if (source === 'oauth2') {
        provider = await startOidcProvider({
          accessTokenTtlSeconds: TTL_SECONDS,
          clients: [{ clientId: 'backstage-hg', clientSecret: CLIENT_SECRET }],
        });
        front = await startTokenFront({
          target: server.baseUrl,
          jwks: { jwksUrl: provider.jwksUrl, issuer: provider.issuer },
        });
        integration = {
          oauth2: {
            tokenUrl: provider.tokenUrl,
            clientId: 'backstage-hg',
            clientSecret: CLIENT_SECRET,
          },
        };
      } else {
        await writeToken('file-Token-1');
        front = await startTokenFront({ target: server.baseUrl, tokenFile });
        if (source === 'tokenFile') {
          integration = { tokenFile };
        } else {
          // A broker: prints the file's token, valid for TTL_SECONDS, and
          // counts its runs.
          const script = path.join(tempDir.path, 'hg-credentials.js');
          await fs.writeFile(
            script,
            `const fs = require('fs');
let input = '';
process.stdin.on('data', d => (input += d));
process.stdin.on('end', () => {
  JSON.parse(input);
  fs.appendFileSync(${JSON.stringify(countFile)}, 'x');
  process.stdout.write(JSON.stringify({
    token: fs.readFileSync(${JSON.stringify(tokenFile)}, 'utf8'),
    expiresAt: new Date(Date.now() + ${TTL_SECONDS * 1000}).toISOString(),
  }));
});
`,
          );
          integration = {
            credentialCommand: { command: [process.execPath, script] },
          };
        }
      }

      await buildDemoRepositories({
        root: server.root,
      });
      await server.addRepository('demo/made-by-test', { commits: [] });
      await fs.mkdir(path.join(tempDir.path, 'work'));

      const backend = await startTestBackend({
        features: [
          ...backendFeatures,
          // The permission backend needs on-behalf-of tokens with an actor.
          mockAuthWithActorsFactory(),
          recordingLoggerFactory,
          createBackendModule({
            pluginId: 'catalog',
            moduleId: 'test-url-reader-probe',
            register(env) {
              env.registerInit({
                deps: { reader: coreServices.urlReader },
                async init({ reader }) {
                  urlReader = reader;
                },
              });
            },
          }),
          mockServices.rootConfig.factory({
            data: {
              backend: {
                baseUrl: 'http://localhost:0',
                workingDirectory: path.join(tempDir.path, 'work'),
                auth: { dangerouslyDisableDefaultAuthPolicy: true },
              },
              integrations: {
                mercurial: [
                  {
                    host: front.host,
                    baseUrl: front.baseUrl,
                    username: 'backstage',
                    ...integration,
                  },
                ],
              },
              catalog: {
                rules: [{ allow: ['Component', 'Template', 'Location'] }],
                locations: [
                  {
                    type: 'url',
                    target: `${front.baseUrl}/demo/service/file/default/catalog-info.yaml`,
                  },
                  {
                    type: 'url',
                    target: `${front.baseUrl}/demo/templates/file/default/template.yaml`,
                  },
                ],
              },
            },
          }),
        ],
      });
      backendUrl = `http://localhost:${backend.server.port()}`;
    });

    afterAll(async () => {
      await front?.stop();
      await provider?.stop();
      await server?.stop();
      await tempDir?.remove();
    });

    it('reads, answers history and publishes across several token lifetimes, renewing once per lifetime, and no token shows anywhere', async () => {
      const entity = await eventually('the catalog', async () => {
        const res = await get(
          '/api/catalog/entities/by-name/component/default/hg-demo-service',
        );
        return res.status === 200 ? res.json() : undefined;
      });
      expect(entity).toBeTruthy();

      // Reads and history views for 3.5 lifetimes; a token file rotates
      // halfway (a credential command's token is renewed by its expiresAt).
      const started = Date.now();
      const readmeUrl = `${front.baseUrl}/demo/service/raw-file/default/README.md`;
      /** When each read round ended, ms after the start. */
      const reads: number[] = [];
      let rotated = false;
      while (Date.now() - started < TTL_SECONDS * 3500) {
        if (source === 'tokenFile' && !rotated && Date.now() - started > 5000) {
          await writeToken('file-Token-2');
          rotated = true;
        }
        const [readme, commits] = await Promise.all([
          urlReader.readUrl(readmeUrl).then(r => r.buffer()),
          get(
            '/api/mercurial/entities/component/default/hg-demo-service/commits?limit=3',
          ),
        ]);
        expect(readme.toString()).toContain('Demo service');
        expect(commits.status).toBe(200);
        reads.push(Date.now() - started);
        await new Promise(r => setTimeout(r, 100));
      }
      // reads in each of the three whole lifetimes (however fast this
      // machine reads: no count of reads)
      for (let lifetime = 0; lifetime < 3; lifetime++) {
        expect(
          reads.filter(
            t =>
              t >= lifetime * TTL_SECONDS * 1000 &&
              t < (lifetime + 1) * TTL_SECONDS * 1000,
          ).length,
        ).toBeGreaterThan(0);
      }

      // publish:hg over HTTP to the empty repository, with the source's
      // credentials, while the process list is sampled.
      const { result: task, samples } = await sampleProcesses(async () => {
        const created = await get('/api/scaffolder/v2/tasks', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({
            templateRef: 'template:default/hg-demo-service-template',
            values: {
              name: 'made-by-test',
              description: 'Published',
              repoUrl: `${front.host}?owner=demo&repo=made-by-test`,
            },
          }),
        });
        expect(created.status).toBe(201);
        const { id } = (await created.json()) as { id: string };
        const done = await eventually('the task', async () => {
          const body = (await (
            await get(`/api/scaffolder/v2/tasks/${id}`)
          ).json()) as { status: string };
          return ['completed', 'failed'].includes(body.status)
            ? body
            : undefined;
        });
        const events = await (
          await get(`/api/scaffolder/v2/tasks/${id}/events`)
        ).text();
        return { ...done, events };
      });
      expect({
        status: task.status,
        errors: task.events
          .split('\n')
          .filter(line => /error|fail/i.test(line))
          .join('\n'),
      }).toEqual({ status: 'completed', errors: '' });
      const { stdout: tip } = await run('hg', [
        'log',
        '-R',
        server.repoDir('demo/made-by-test'),
        '-r',
        'tip',
        '-T',
        '{desc}',
      ]);
      expect(tip).toBe('Create made-by-test from the demo template');

      // Every request that carried a token was accepted: the source
      // renewed in time, and the rotated file was picked up at once.
      const withToken = front.requests.filter(r => r.token);
      expect(withToken.length).toBeGreaterThan(reads.length);
      expect(withToken.filter(r => !r.accepted)).toEqual([]);
      // Only hg's first, credential-less probe of each command is refused.
      expect(front.requests.filter(r => !r.accepted && !r.token).length).toBe(
        front.requests.filter(r => !r.token).length,
      );
      for (const r of withToken) {
        secrets.add(r.token!);
      }
      // Lifetimes from the first read to now (the template run included). A
      // JWT's exp is in whole seconds, so a 3-second token may be good for
      // only 2 s after it was issued; each is used 90% of that.
      const lifetimes = (Date.now() - started) / 1000 / TTL_SECONDS;
      const atMost = Math.ceil(
        (lifetimes * TTL_SECONDS) / ((TTL_SECONDS - 1) * 0.9),
      );
      // How often the source was asked to mint: one per lifetime, not one
      // per read, plus at most one for each of the template run's two hg
      // commands (they ask for a credential good for another 60 s).
      const mints =
        source === 'oauth2'
          ? await provider!.tokensIssued('backstage-hg')
          : (await fs.readFile(countFile, 'utf8').catch(() => '')).length;
      const [least, most] =
        source === 'oauth2'
          ? [Math.floor(lifetimes), atMost + 3]
          : [Math.floor(lifetimes), Math.ceil(lifetimes / 0.9) + 3];
      expect({
        source,
        mintsInBounds:
          source === 'tokenFile' || (mints >= least && mints <= most),
      }).toEqual({ source, mintsInBounds: true });
      expect(mints).toBeLessThan(reads.length / 3);
      // The rotated file's token was used from the next request on.
      expect(
        source !== 'tokenFile' ||
          withToken.some(r => r.token === 'file-Token-2'),
      ).toBe(true);

      const places = {
        logs: logged.join('\n'),
        taskEvents: task.events,
        ps: samples.join('\n'),
      };
      expect(samples.some(s => /\bhg\b/.test(s))).toBe(true);
      for (const secret of secrets) {
        for (const [where, text] of Object.entries(places)) {
          expect({ where, leaked: text.includes(secret) }).toEqual({
            where,
            leaked: false,
          });
        }
      }
    });
  },
);
