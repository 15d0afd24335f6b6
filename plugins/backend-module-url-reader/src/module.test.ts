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
  startBasicAuthProxy,
  startHgServer,
} from '@backstage-mercurial/test-utils';
import {
  HG_COMMAND_MIN_VALIDITY_MS,
  mercurialCredentialsServiceRef,
  MercurialCredentialsRequest,
} from '@backstage-mercurial/integration-node';
import {
  coreServices,
  createBackendPlugin,
  createServiceFactory,
  UrlReaderService,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import mercurialUrlReaderModule from './index';

/** A plugin that hands out its URL reader service. */
function probePlugin(
  pluginId: string,
  got: (reader: UrlReaderService) => void,
) {
  return createBackendPlugin({
    pluginId,
    register(env) {
      env.registerInit({
        deps: { urlReader: coreServices.urlReader },
        async init({ urlReader }) {
          got(urlReader);
        },
      });
    },
  });
}

/**
 * A front before `hg serve` that counts the requests waiting for their
 * answer's head at the same time (a request holds its place in the
 * client's per-host limit at least that long).
 */
async function startCountingFront(target: string) {
  const upstream = new URL(target);
  let inFlight = 0;
  const stats = { max: 0, requests: 0 };
  const server = http.createServer((req, res) => {
    inFlight++;
    stats.requests++;
    stats.max = Math.max(stats.max, inFlight);
    let counted = true;
    const done = () => {
      if (counted) {
        counted = false;
        inFlight--;
      }
    };
    const proxied = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      answer => {
        done();
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    proxied.on('error', error => {
      done();
      res.writeHead(502).end(error.message);
    });
    req.pipe(proxied);
  });
  await new Promise<void>(resolve =>
    server.listen(0, '127.0.0.1', () => resolve()),
  );
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    baseUrl: `http://${host}`,
    stats,
    stop: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const files = Object.fromEntries(
  Array.from({ length: 20 }, (_, i) => [`f${i}.txt`, `file ${i}\n`]),
);

describe('mercurialUrlReaderServiceFactory', () => {
  let server: HgTestServer;
  let work: Awaited<ReturnType<typeof createTempDir>>;

  beforeAll(async () => {
    server = await startHgServer({
      allowArchive: false,
      repositories: {
        r: { commits: [{ files: { ...files, 'd/a.md': 'a\n' } }] },
      },
    });
    work = await createTempDir('url-reader-module-');
  });
  afterAll(async () => {
    await server?.stop();
    await work?.remove();
  });

  /** A backend with the module, an integration for `front`, and `features`. */
  function startBackend(
    front: { host: string; baseUrl: string },
    features: Parameters<typeof startTestBackend>[0]['features'] = [],
  ) {
    return startTestBackend({
      features: [
        mercurialUrlReaderModule,
        ...(features ?? []),
        mockServices.rootConfig.factory({
          data: {
            backend: { workingDirectory: path.join(work.path, front.host) },
            integrations: {
              mercurial: [{ host: front.host, baseUrl: front.baseUrl }],
            },
          },
        }),
      ],
    });
  }

  it("reads, over HTTP and with the hg command line, with the credentials of the backend's credentials service, none of them in app-config", async () => {
    const PASSWORD = 'pw-Module-7719';
    const proxy = await startBasicAuthProxy({
      target: server.baseUrl,
      users: { alice: PASSWORD },
    });
    const asked: MercurialCredentialsRequest[] = [];
    let reader: UrlReaderService | undefined;
    const backend = await startBackend(proxy, [
      probePlugin('probe', r => {
        reader = r;
      }),
      createServiceFactory({
        service: mercurialCredentialsServiceRef,
        deps: {},
        factory: () => ({
          getCredentials: async (request: MercurialCredentialsRequest) => {
            asked.push(request);
            return {
              type: 'basic' as const,
              username: 'alice',
              password: PASSWORD,
            };
          },
        }),
      }),
    ]);
    try {
      const file = await reader!.readUrl(`${proxy.baseUrl}/r/file/tip/f1.txt`);
      expect((await file.buffer()).toString()).toBe('file 1\n');
      // archives are off: the tree comes from an hg clone, through the front
      const tree = await reader!.readTree(`${proxy.baseUrl}/r/file/tip/d/`);
      const [entry] = await tree.files();
      expect((await entry.content()).toString()).toBe('a\n');

      expect(asked).toContainEqual({
        url: `${proxy.baseUrl}/r/raw-file/${encodeURIComponent(
          server.repositories.r.nodes[0],
        )}/f1.txt`,
        purpose: 'read',
      });
      // the hg command line asked too, for the repository
      expect(asked).toContainEqual({
        url: `${proxy.baseUrl}/r`,
        purpose: 'read',
        minValidityMs: HG_COMMAND_MIN_VALIDITY_MS,
      });
      expect(proxy.requests.some(r => r.user === 'alice')).toBe(true);
    } finally {
      await backend.stop();
      await proxy.stop();
    }
  });

  it("shares the backend's one hgweb client, and its limit of concurrent requests per host, between the readers of two plugins", async () => {
    const front = await startCountingFront(server.baseUrl);
    const readers: UrlReaderService[] = [];
    const backend = await startBackend(front, [
      probePlugin('probe-a', r => readers.push(r)),
      probePlugin('probe-b', r => readers.push(r)),
    ]);
    try {
      expect(readers).toHaveLength(2);
      const contents = await Promise.all(
        readers.flatMap(reader =>
          Object.keys(files).map(async name =>
            (
              await (
                await reader.readUrl(`${front.baseUrl}/r/file/tip/${name}`)
              ).buffer()
            ).toString(),
          ),
        ),
      );
      expect(contents).toEqual([
        ...Object.values(files),
        ...Object.values(files),
      ]);
      // 40 reads (80 requests) at once, never more than 8 at the server
      expect(front.stats.requests).toBeGreaterThanOrEqual(80);
      expect(front.stats.max).toBeGreaterThan(1);
      expect(front.stats.max).toBeLessThanOrEqual(8);
    } finally {
      await backend.stop();
      await front.stop();
    }
  });
});
