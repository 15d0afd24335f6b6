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
 * Discovery reads hgweb's repository index through the backend's one hgweb
 * client, with the credentials of the backend's credentials service: a real
 * catalog, hg serve behind a front that demands a token, app-config without
 * credentials, and a credentials service factory of the test's own.
 */

import {
  MercurialCredentialsRequest,
  MercurialCredentialsService,
  mercurialCredentialsServiceRef,
} from '@backstage-mercurial/integration-node';
import {
  BasicAuthProxy,
  createTempDir,
  eventually,
  HgTestServer,
  startBasicAuthProxy,
  startHgServer,
} from '@backstage-mercurial/test-utils';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import {
  mockServices,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { catalogModuleMercurial } from './module';

jest.setTimeout(60_000);

const TOKEN = 'idx-Token-41c9e07d';

describe('MercurialDiscoveryEntityProvider with a credentials service of its own', () => {
  let server: HgTestServer;
  let proxy: BasicAuthProxy;
  let backend: TestBackend;
  let work: { path: string; remove(): Promise<void> };
  let logger: ReturnType<typeof mockServices.logger.mock>;
  const asked: MercurialCredentialsRequest[] = [];
  /** Hands out the token and records what it was asked. */
  const credentials: MercurialCredentialsService = {
    async getCredentials(request) {
      asked.push(request);
      return { type: 'bearer', token: TOKEN };
    },
  };

  beforeAll(async () => {
    server = await startHgServer({
      repositories: {
        'team-a/alpha': { commits: [{ files: { 'README.md': 'a' } }] },
        'team-a/beta': { commits: [{ files: { 'README.md': 'b' } }] },
        'team-b/gamma': { commits: [{ files: { 'README.md': 'c' } }] },
      },
    });
    proxy = await startBasicAuthProxy({
      target: server.baseUrl,
      users: {},
      tokens: [TOKEN],
    });
    work = await createTempDir('catalog-credentials-');
    logger = mockServices.logger.mock();
    backend = await startTestBackend({
      features: [
        catalogPlugin,
        catalogModuleMercurial,
        logger.factory,
        createServiceFactory({
          service: mercurialCredentialsServiceRef,
          deps: {},
          factory: () => credentials,
        }),
        mockServices.rootConfig.factory({
          data: {
            backend: { workingDirectory: work.path },
            // no password or token: only the service has one
            integrations: {
              mercurial: [{ host: proxy.host, baseUrl: proxy.baseUrl }],
            },
            catalog: {
              providers: {
                mercurial: {
                  teamA: {
                    host: proxy.host,
                    repositories: '^team-a/',
                    schedule: {
                      frequency: { minutes: 30 },
                      timeout: { seconds: 30 },
                    },
                  },
                },
              },
            },
          },
        }),
      ],
    });
  });
  afterAll(async () => {
    await backend?.stop();
    await proxy?.stop();
    await server?.stop();
    await work?.remove();
  });

  it("lists the repositories with the service's token", async () => {
    const counts = await eventually('the discovery run', async () =>
      (logger.info as jest.Mock).mock.calls
        .map(c => String(c[0]))
        .find(m => m.startsWith('MercurialDiscoveryEntityProvider:teamA: saw')),
    );
    expect(counts).toMatch(/: saw 3 repositories on .*, 2 matched, /);
    const index = `${proxy.baseUrl}/?style=json`;
    expect(asked).toContainEqual({ url: index, purpose: 'read' });
    expect(
      proxy.requests
        .filter(r => r.url === '/?style=json')
        .map(r => [r.user, r.status]),
    ).toEqual([['token', 200]]);
    expect(
      JSON.stringify([
        (logger.info as jest.Mock).mock.calls,
        (logger.warn as jest.Mock).mock.calls,
        (logger.error as jest.Mock).mock.calls,
      ]),
    ).not.toContain(TOKEN);
  });
});
