/**
 * @jest-environment node
 */
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

import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { ResponseError } from '@backstage/errors';
import { MercurialClient } from './MercurialClient';

describe('MercurialClient', () => {
  let server: Server;
  let baseUrl: string;
  let requests: Array<{ url: string; authorization?: string }>;
  let reply: (req: IncomingMessage) => { status: number; body: unknown };

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push({
        url: req.url!,
        authorization: req.headers.authorization,
      });
      const { status, body } = reply(req);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/mercurial`;
  });
  afterAll(() => new Promise(resolve => server.close(resolve)));
  beforeEach(() => {
    requests = [];
    reply = () => ({ status: 200, body: { ok: true } });
  });

  function client() {
    return new MercurialClient({
      discoveryApi: {
        getBaseUrl: async pluginId => {
          expect(pluginId).toBe('mercurial');
          return baseUrl;
        },
      },
      fetchApi: {
        fetch: (input, init) =>
          fetch(input, {
            ...init,
            headers: { authorization: 'Bearer user-token' },
          }),
      },
    });
  }

  const ref = { kind: 'Component', namespace: 'default', name: 'payments api' };

  it.each([
    [
      'getReadme',
      () => client().getReadme(ref),
      '/api/mercurial/entities/Component/default/payments%20api/readme',
    ],
    [
      'getCommits without options',
      () => client().getCommits(ref),
      '/api/mercurial/entities/Component/default/payments%20api/commits',
    ],
    [
      'getCommits with limit, path and before',
      () =>
        client().getCommits(ref, {
          limit: 25,
          path: 'src/a b.ts',
          before: 'a'.repeat(40),
        }),
      `/api/mercurial/entities/Component/default/payments%20api/commits?limit=25&path=src%2Fa+b.ts&before=${'a'.repeat(40)}`,
    ],
    [
      'getCommits with an empty path',
      () => client().getCommits(ref, { path: '' }),
      '/api/mercurial/entities/Component/default/payments%20api/commits',
    ],
    [
      'getContributors',
      () =>
        client().getContributors(ref, {
          path: 'docs',
          since: '2026-01-01T00:00:00Z',
        }),
      '/api/mercurial/entities/Component/default/payments%20api/contributors?path=docs&since=2026-01-01T00%3A00%3A00Z',
    ],
    [
      'getSummary',
      () => client().getSummary(ref),
      '/api/mercurial/entities/Component/default/payments%20api/summary',
    ],
    [
      'checkRepository',
      () => client().checkRepository('hg.example.com?owner=team&repo=new'),
      '/api/mercurial/repositories/exists?repoUrl=hg.example.com%3Fowner%3Dteam%26repo%3Dnew',
    ],
  ])('%s asks its route', async (_name, call, url) => {
    await expect(call()).resolves.toEqual({ ok: true });
    expect(requests).toEqual([{ url, authorization: 'Bearer user-token' }]);
  });

  it('rejects with a ResponseError that carries the route message', async () => {
    reply = () => ({
      status: 403,
      body: {
        error: {
          name: 'NotAllowedError',
          message:
            'Permission mercurial.history.read was denied for user:default/guest',
        },
        request: { method: 'GET', url: '/x' },
        response: { statusCode: 403 },
      },
    });
    const error = await client()
      .getSummary(ref)
      .catch(e => e);
    expect(ResponseError.is(error)).toBe(true);
    expect(error.statusCode).toBe(403);
    expect(error.body.error.message).toBe(
      'Permission mercurial.history.read was denied for user:default/guest',
    );
  });
});
