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

import { HgwebServerClient } from './HgwebServerClient';
import {
  MercurialCredentials,
  MercurialIntegration,
  MercurialIntegrations,
} from '@backstage-mercurial/integration';
import { HgTestServer, startHgServer } from '@backstage-mercurial/test-utils';
import { ConfigReader } from '@backstage/config';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { MercurialCredentialsRequest } from '../credentials/types';
import { MercurialHgwebClient } from './MercurialHgwebClient';
import {
  escapeBatchArgument,
  NULL_NODE,
  parseBatchResponse,
  parseHeads,
  parseHgwebDate,
  parseListkeys,
} from './wire';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

/** Credentials as the integration's config has them, and every request for them. */
function staticCredentials(credentials?: MercurialCredentials) {
  const asked: MercurialCredentialsRequest[] = [];
  return {
    asked,
    getCredentials: async (request: MercurialCredentialsRequest) => {
      asked.push(request);
      return credentials;
    },
  };
}

function clientFor(
  config: ConstructorParameters<typeof MercurialIntegration>[0],
  credentials = staticCredentials(),
  retryDelayMs = 10,
) {
  const integration = new MercurialIntegration(config);
  const root = MercurialHgwebClient.create({
    integrations: new MercurialIntegrations([integration]),
    credentials,
    retryDelayMs,
  });
  return {
    root,
    client: root.forIntegration(integration) as HgwebServerClient,
    credentials,
  };
}

const servers: http.Server[] = [];
afterAll(async () => {
  await Promise.all(
    servers.map(
      s =>
        new Promise(resolve => {
          s.closeAllConnections();
          s.close(resolve);
        }),
    ),
  );
});

/**
 * A plain HTTP server of the test's own, recording each request; with
 * `target`, a front that forwards to it (after `handler` declined by
 * returning false), counting the requests in flight.
 */
async function start(
  handler: (
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ) => boolean | void,
  target?: string,
) {
  const seen: Array<{ url: string; authorization?: string }> = [];
  const stats = { inFlight: 0, maxInFlight: 0 };
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url!, authorization: req.headers.authorization });
    if (handler(req, res) !== false || !target) {
      return;
    }
    const to = new URL(target);
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    const upstream = http.request(
      {
        host: to.hostname,
        port: to.port,
        path: req.url,
        headers: { ...req.headers, host: to.host },
      },
      up => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.on('end', () => stats.inFlight--);
      },
    );
    upstream.on('error', () => {
      stats.inFlight--;
      res.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise<void>(resolve =>
    server.listen(0, '127.0.0.1', () => resolve()),
  );
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    seen,
    stats,
  };
}

describe('wire-protocol answers', () => {
  it('escapes batch arguments and unescapes batch answers', () => {
    const text = 'x:y,z;w=v :c';
    expect(escapeBatchArgument(text)).toBe('x:cy:oz:sw:ev :cc');
    expect(
      parseBatchResponse(
        `${escapeBatchArgument(text)};${escapeBatchArgument('1 abc\n')}`,
      ),
    ).toEqual([text, '1 abc\n']);
  });

  it('reads heads', () => {
    expect(parseHeads(`${A} ${B}\n`)).toEqual([A, B]);
    expect(parseHeads('\n')).toEqual([]);
    expect(() => parseHeads('<html>')).toThrow(/heads/);
  });

  it('reads listkeys, sorted by name', () => {
    expect(
      parseListkeys(`zeta\t${A}\nfeature/x\t${B}\nwith\ttab\t${A}\n`),
    ).toEqual([
      { name: 'feature/x', node: B },
      { name: 'with\ttab', node: A },
      { name: 'zeta', node: A },
    ]);
    expect(parseListkeys('')).toEqual([]);
    expect(() => parseListkeys('nonsense')).toThrow(/listkeys/);
  });

  it('reads hgweb dates as instants', () => {
    expect(parseHgwebDate([1704067200, -3600]).toISOString()).toBe(
      '2024-01-01T00:00:00.000Z',
    );
    expect(parseHgwebDate(1704067200.5).toISOString()).toBe(
      '2024-01-01T00:00:00.500Z',
    );
  });
});

describe('HgwebServerClient against hg serve', () => {
  let hg: HgTestServer;
  let nodes: string[];

  beforeAll(async () => {
    hg = await startHgServer({
      repositories: {
        'team/app': {
          commits: [
            {
              files: { 'README.md': '# app\n' },
              message: 'first',
              tags: ['v1'],
            },
            {
              files: { 'docs/a.md': 'a\n' },
              message: 'second',
              bookmarks: ['feature'],
            },
          ],
        },
        'team/empty': { commits: [] },
      },
    });
    nodes = hg.repositories['team/app'].nodes;
  }, 60_000);
  afterAll(() => hg?.stop());

  const integration = () => ({ host: hg.host, baseUrl: hg.baseUrl });

  it('looks up, checks heads, reads logs, branches, tags, files and the index', async () => {
    const { client } = clientFor(integration());
    expect(await client.lookup('team/app', 'default')).toBe(nodes[1]);
    expect(await client.lookup('team/app', 'nonesuch')).toBeUndefined();
    expect(await client.lookup('team/empty', 'tip')).toBe(NULL_NODE);
    expect(await client.resolveNode('team/app', nodes[0])).toBe(nodes[0]);
    await expect(client.resolveNode('team/empty', 'tip')).rejects.toMatchObject(
      {
        name: 'NotFoundError',
        message: `Revision 'tip' of team/empty was not found on the Mercurial server ${hg.host}: the repository has no changesets`,
      },
    );
    await expect(client.lookup('team/none', 'tip')).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringMatching(
        /^The repository team\/none was not found on the Mercurial server 127\.0\.0\.1:\d+/,
      ),
    });

    expect(await client.getState('team/app', 'default')).toEqual({
      node: nodes[1],
      tip: nodes[1],
      heads: [nodes[1]],
      bookmarks: [{ name: 'feature', node: nodes[1] }],
    });

    const log = await client.getLog('team/app', 'all()', 10, 'the log');
    expect(log.map(c => c.desc)).toEqual([
      'second',
      expect.stringMatching(/tag v1/),
      'first',
    ]);
    const fileLog = await client.getFileLog('team/app', 'tip', 'README.md', 5);
    expect(fileLog.map(c => c.node)).toEqual([nodes[0]]);
    expect((await client.getBranches('team/app')).map(b => b.branch)).toEqual([
      'default',
    ]);
    expect((await client.getTags('team/app')).map(t => t.tag)).toEqual(['v1']);

    const raw = await client.getRawFile('team/app', nodes[1], 'docs/a.md');
    expect(await raw.text()).toBe('a\n');
    const missing = await client.getRawFile('team/app', nodes[1], 'nope.md');
    await expect(
      client.throwForStatus(missing, "file 'nope.md' of team/app"),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: expect.stringMatching(
        /^file 'nope\.md' of team\/app was not found on the Mercurial server 127\.0\.0\.1:\d+: nope\.md@[0-9a-f]+: not found in manifest$/,
      ),
    });
    const archive = await client.getArchive('team/app', nodes[1], 'docs');
    expect(archive.status).toBe(200);
    const bytes = Buffer.from(await archive.arrayBuffer());
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));

    expect(
      (await client.listRepositories()).map(r => r.repositoryPath).sort(),
    ).toEqual(['team/app', 'team/empty']);
    const inGroup = await client.listRepositories({ group: 'team/app' });
    expect(inGroup.map(r => r.repositoryPath)).toEqual(['team/app']);
    // hg serve's lastchange (once the commit's second is over; the exact
    // rule is tested below)
    expect(inGroup[0].changeMarker ?? '0').toMatch(/^\d+$/);
    expect(
      await client.waitForNode({
        repositoryPath: 'team/app',
        node: nodes[0],
        timeoutMs: 2000,
      }),
    ).toBe(true);
    expect(
      await client.waitForNode({
        repositoryPath: 'team/app',
        node: A,
        timeoutMs: 600,
      }),
    ).toBe(false);
  });

  it('keeps at most maxConcurrentRequests requests per host in flight, so a burst of 50 reads all succeed', async () => {
    // Between the client and hg serve: a front that counts the requests in
    // flight. A stock hg serve has a listen queue of 5.
    const [first, second] = nodes;
    for (const [limit, expected] of [
      [undefined, 8],
      [3, 3],
    ] as const) {
      const front = await start(() => false, hg.baseUrl);
      // As a backend builds it: from app-config (the limit as a string, as
      // an environment variable gives it).
      const config = new ConfigReader({
        integrations: {
          mercurial: [
            {
              host: front.host,
              baseUrl: front.url,
              ...(limit && { maxConcurrentRequests: String(limit) }),
            },
          ],
        },
      });
      const root = MercurialHgwebClient.fromConfig(config, {
        credentials: staticCredentials(),
      });
      const client = root.forIntegration(
        MercurialIntegrations.fromConfig(config).list()[0],
      ) as HgwebServerClient;
      const texts = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          client.getText(
            `${front.url}/team/app/raw-file/${i % 2 ? second : first}/README.md`,
            'README.md',
          ),
        ),
      );
      expect(texts.every(t => t === '# app\n')).toBe(true);
      expect(front.stats.maxInFlight).toBe(expected);
      expect(root.requestCount).toBe(50);
    }
  });
});

describe('HgwebServerClient requests', () => {
  it('sends credentials to its own baseUrl only, not where a redirect leads, and asks for them per request', async () => {
    const elsewhere = await start((_req, res) => {
      res.end('elsewhere');
    });
    const own = await start((req, res) => {
      if (req.url === '/hg/team/a?x=1') {
        res.writeHead(302, { Location: '/hg/team/b?x=1' }).end();
      } else if (req.url === '/hg/team/b?x=1') {
        res.writeHead(302, { Location: `${elsewhere.url}/hg/team/c` }).end();
      } else {
        res.end('own');
      }
    });
    const { client, credentials } = clientFor(
      { host: own.host, baseUrl: `${own.url}/hg` },
      staticCredentials({ type: 'basic', username: 'u', password: 'p' }),
    );
    await expect(
      client.getText(`${own.url}/hg/team/a?x=1`, 'a page'),
    ).resolves.toBe('elsewhere');
    // outside the base path: no credentials asked for or sent
    await client.getText(`${own.url}/other`, 'another page', {
      purpose: 'write',
    });
    const basic = `Basic ${Buffer.from('u:p').toString('base64')}`;
    expect(own.seen).toEqual([
      { url: '/hg/team/a?x=1', authorization: basic },
      { url: '/hg/team/b?x=1', authorization: basic },
      { url: '/other', authorization: undefined },
    ]);
    expect(elsewhere.seen).toEqual([
      { url: '/hg/team/c', authorization: undefined },
    ]);
    expect(credentials.asked).toEqual([
      { url: `${own.url}/hg/team/a?x=1`, purpose: 'read' },
      { url: `${own.url}/hg/team/b?x=1`, purpose: 'read' },
    ]);
  });

  it('asks for the credentials of the person a request is made for, the refresh after a 401 included', async () => {
    let refused = false;
    const own = await start((_req, res) => {
      if (!refused) {
        refused = true;
        res.writeHead(401, { 'WWW-Authenticate': 'Basic' }).end();
      } else {
        res.end('ok');
      }
    });
    const { client, credentials } = clientFor(
      { host: own.host, baseUrl: own.url },
      staticCredentials({ type: 'basic', username: 'alice', password: 'p' }),
    );
    const alice = {
      userEntityRef: 'user:default/alice',
      ownershipEntityRefs: ['user:default/alice'],
    };
    await expect(
      client.getText(`${own.url}/team/a`, 'a page', { onBehalfOf: alice }),
    ).resolves.toBe('ok');
    await client.getText(`${own.url}/team/b`, 'a page');
    expect(credentials.asked).toEqual([
      { url: `${own.url}/team/a`, purpose: 'read', onBehalfOf: alice },
      {
        url: `${own.url}/team/a`,
        purpose: 'read',
        onBehalfOf: alice,
        refresh: true,
        refused: { type: 'basic', username: 'alice', password: 'p' },
      },
      { url: `${own.url}/team/b`, purpose: 'read' },
    ]);
  });

  it('maps refusals, missing things, failures and timeouts to errors naming the host and what the server said', async () => {
    const server = await start((req, res) => {
      if (req.url === '/denied') {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic' }).end();
      } else if (req.url === '/forbidden') {
        res.writeHead(403).end('read not authorized');
      } else if (req.url === '/missing') {
        res
          .writeHead(404, { 'Content-Type': 'application/json' })
          .end('{"error": "unknown revision \'x\'"}');
      } else if (req.url === '/slow') {
        setTimeout(() => res.end('late'), 2000);
      } else if (req.url === '/html') {
        res.end('<html>not json</html>');
      } else {
        res.writeHead(500).end('boom');
      }
    });
    const config = { host: server.host, baseUrl: server.url };
    const anonymous = clientFor(config).client;
    const withToken = clientFor(
      config,
      staticCredentials({ type: 'bearer', token: 'tok-Map-1' }),
    ).client;
    await expect(
      anonymous.getText(`${server.url}/denied`, 'the log of x'),
    ).rejects.toMatchObject({
      name: 'AuthenticationError',
      message: expect.stringMatching(
        /requires credentials for the log of x \(HTTP 401\), and its integrations\.mercurial entry has none/,
      ),
    });
    const refused = await withToken
      .getText(`${server.url}/denied`, 'the log of x')
      .catch(e => e);
    expect(refused).toMatchObject({
      name: 'AuthenticationError',
      message: expect.stringMatching(
        /refused the credentials of its integrations\.mercurial entry for the log of x \(HTTP 401\)/,
      ),
    });
    expect(refused.message).not.toContain('tok-Map-1');
    await expect(
      withToken.getText(`${server.url}/forbidden`, 'x'),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringMatching(/HTTP 403: read not authorized/),
    });
    await expect(
      anonymous.getText(`${server.url}/missing`, 'the log'),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: `The log was not found on the Mercurial server ${server.host}: unknown revision 'x'`,
    });
    await expect(
      anonymous.getText(`${server.url}/slow`, 'x', { timeoutMs: 500 }),
    ).rejects.toMatchObject({
      name: 'MercurialServerError',
      message: expect.stringMatching(/gave no answer within 0.5 s/),
    });
    await expect(
      anonymous.getJson(`${server.url}/html`, 'the branches'),
    ).rejects.toMatchObject({
      name: 'MercurialServerError',
      message: expect.stringMatching(
        /did not answer the branches with JSON \(is it hgweb\?\)/,
      ),
    });
    await expect(
      anonymous.getText(`${server.url}/other`, 'x'),
    ).rejects.toMatchObject({
      name: 'MercurialServerError',
      statusCode: 502,
      message: expect.stringMatching(/HTTP 500: boom/),
    });
    // the 500 was retried twice
    expect(server.seen.filter(s => s.url === '/other')).toHaveLength(3);
  });

  it('refuses an index answer without a list of repositories, rather than reading it as none (discovery would remove every location)', async () => {
    const server = await start((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
    const { client } = clientFor({
      host: server.host,
      baseUrl: `${server.url}/hg`,
    });
    await expect(client.listRepositories()).rejects.toMatchObject({
      name: 'MercurialServerError',
      message: `The Mercurial server ${server.host} answered the index of repositories at ${server.url}/hg without a list of repositories (is it hgweb serving several repositories?)`,
    });
    expect(server.seen.map(s => s.url)).toEqual(['/hg/?style=json']);
  });

  it("gives each repository hgweb's lastchange as its change marker, only once the index is served in a later second", async () => {
    const served = Date.parse('Thu, 03 Dec 2026 12:00:10 GMT') / 1000;
    const server = await start((_req, res) => {
      res
        .writeHead(200, {
          'Content-Type': 'application/json',
          Date: new Date(served * 1000).toUTCString(),
        })
        .end(
          JSON.stringify({
            entries: [
              { name: 'old', lastchange: [served - 60, 0] },
              { name: 'last-second', lastchange: [served - 1, -3600] },
              { name: 'this-second', lastchange: [served, 0] },
              { name: 'no-date', description: 'unknown' },
            ],
          }),
        );
    });
    const { client } = clientFor({ host: server.host, baseUrl: server.url });
    expect(await client.listRepositories()).toEqual([
      { repositoryPath: 'old', changeMarker: String(served - 60) },
      { repositoryPath: 'last-second', changeMarker: String(served - 1) },
      // a push later in this second would keep it: not trusted yet
      { repositoryPath: 'this-second' },
      { repositoryPath: 'no-date' },
    ]);
  });

  it('retries twice with a growing backoff after a 5xx answer or a reset connection, and gives up after the third failure', async () => {
    const hits = new Map<string, number[]>();
    const server = await start((req, res) => {
      const times = hits.get(req.url!) ?? [];
      times.push(Date.now());
      hits.set(req.url!, times);
      const n = times.length;
      if (req.url === '/cold' && n < 3) {
        res.writeHead(n === 1 ? 500 : 502).end('cold start');
      } else if (req.url === '/reset' && n === 1) {
        req.socket.destroy();
      } else if (req.url === '/always-reset') {
        req.socket.destroy();
      } else {
        res.end(`ok ${n}`);
      }
    });
    const { client } = clientFor(
      { host: server.host, baseUrl: server.url },
      staticCredentials(),
      100,
    );
    expect(await client.getText(`${server.url}/cold`, 'x')).toBe('ok 3');
    const [t1, t2, t3] = hits.get('/cold')!;
    // 100-200 ms, then 200-400 ms
    expect(t2 - t1).toBeGreaterThanOrEqual(95);
    expect(t3 - t2).toBeGreaterThanOrEqual(195);
    expect(await client.getText(`${server.url}/reset`, 'x')).toBe('ok 2');
    const error = await client
      .getText(`${server.url}/always-reset`, 'x')
      .catch(e => e);
    expect(error).toMatchObject({
      name: 'MercurialServerError',
      message: expect.stringMatching(
        /^Could not reach the Mercurial server 127\.0\.0\.1:\d+ at http:\/\/127\.0\.0\.1:\d+\/always-reset: /,
      ),
    });
    expect(hits.get('/always-reset')).toHaveLength(3);
  });

  it('waits as long as Retry-After says on a 429 or 503, retries a 429 POST too, and fails at once on a wait over a minute', async () => {
    const hits = new Map<string, number[]>();
    const server = await start((req, res) => {
      const times = hits.get(req.url!) ?? [];
      times.push(Date.now());
      hits.set(req.url!, times);
      const n = times.length;
      if (req.url === '/busy' && n === 1) {
        res.writeHead(503, { 'Retry-After': '1' }).end('busy');
      } else if (req.url === '/limited' && n === 1) {
        res
          .writeHead(429, {
            'Retry-After': new Date(Date.now() + 2000).toUTCString(),
          })
          .end('slow down');
      } else if (req.url === '/post' && n === 1) {
        res.writeHead(429, { 'Retry-After': '0' }).end('slow down');
      } else if (req.url === '/post500') {
        res.writeHead(500).end('boom');
      } else if (req.url === '/later') {
        res.writeHead(503, { 'Retry-After': '3600' }).end('maintenance');
      } else {
        res.end(`ok ${n}`);
      }
    });
    const { client } = clientFor({ host: server.host, baseUrl: server.url });
    expect(await client.getText(`${server.url}/busy`, 'x')).toBe('ok 2');
    const [b1, b2] = hits.get('/busy')!;
    expect(b2 - b1).toBeGreaterThanOrEqual(990);
    expect(await client.getText(`${server.url}/limited`, 'x')).toBe('ok 2');
    const [l1, l2] = hits.get('/limited')!;
    // an HTTP date has whole seconds: at least one second later
    expect(l2 - l1).toBeGreaterThanOrEqual(990);
    const post = await client.fetch(`${server.url}/post`, {
      method: 'POST',
      json: {},
    });
    expect(await post.text()).toBe('ok 2');
    const post500 = await client.fetch(`${server.url}/post500`, {
      method: 'POST',
      json: {},
    });
    expect(post500.status).toBe(500);
    await post500.body?.cancel();
    expect(hits.get('/post500')).toHaveLength(1);
    await expect(
      client.getText(`${server.url}/later`, 'the index'),
    ).rejects.toMatchObject({
      name: 'MercurialServerError',
      message: expect.stringMatching(/HTTP 503/),
    });
    expect(hits.get('/later')).toHaveLength(1);
  });

  it('names the host, never the credentials, when the server cannot be reached', async () => {
    const { client, root } = clientFor(
      { host: '127.0.0.1:1', baseUrl: 'http://127.0.0.1:1' },
      staticCredentials({
        type: 'basic',
        username: 'u',
        password: 'pw-Unreachable-9',
      }),
    );
    const error = await client
      .getText('http://127.0.0.1:1/r', 'x')
      .catch(e => e);
    expect(error.message).toMatch(
      /^Could not reach the Mercurial server 127\.0\.0\.1:1 at http:\/\/127\.0\.0\.1:1\/r/,
    );
    expect(error.message).not.toContain('pw-Unreachable-9');
    expect(root.requestCount).toBe(3);
  });

  it('asks for fresh credentials once when the server refuses the ones it sent with 401', async () => {
    const server = await start((req, res) => {
      if (req.headers.authorization === 'Bearer fresh') {
        res.end('welcome');
      } else {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic' }).end();
      }
    });
    const asked: MercurialCredentialsRequest[] = [];
    const { client } = clientFor(
      { host: server.host, baseUrl: server.url },
      {
        asked,
        getCredentials: async request => {
          asked.push(request);
          return {
            type: 'bearer',
            token: request.refresh ? 'fresh' : 'stale',
          };
        },
      },
    );
    expect(await client.getText(`${server.url}/r`, 'x')).toBe('welcome');
    expect(asked).toEqual([
      { url: `${server.url}/r`, purpose: 'read' },
      {
        url: `${server.url}/r`,
        purpose: 'read',
        refresh: true,
        refused: { type: 'bearer', token: 'stale' },
      },
    ]);
    // refused again after the refresh: the error, no third try
    const refusing = await start((_req, res) => {
      res.writeHead(401).end();
    });
    const again = clientFor(
      { host: refusing.host, baseUrl: refusing.url },
      staticCredentials({ type: 'bearer', token: 't' }),
    ).client;
    await expect(again.getText(`${refusing.url}/r`, 'x')).rejects.toMatchObject(
      { name: 'AuthenticationError' },
    );
    expect(refusing.seen).toHaveLength(2);
  });

  it('sends nothing when the credentials service fails', async () => {
    const server = await start((_req, res) => {
      res.end('ok');
    });
    const { client } = clientFor(
      { host: server.host, baseUrl: server.url },
      {
        asked: [],
        getCredentials: async () => {
          throw new Error('the credential command failed');
        },
      },
    );
    await expect(client.getText(`${server.url}/r`, 'x')).rejects.toThrow(
      'the credential command failed',
    );
    expect(server.seen).toEqual([]);
  });

  it('fails a body stream that is cut off with an error naming the host', async () => {
    const server = await start((_req, res) => {
      res.writeHead(200, { 'Content-Length': '1000' });
      res.write('x'.repeat(100));
      setTimeout(() => res.destroy(), 50);
    });
    const { client } = clientFor({ host: server.host, baseUrl: server.url });
    const response = await client.fetch(`${server.url}/big`);
    const stream = client.bodyStream(response, 'the archive of team/app');
    const error = await new Promise<Error>(resolve => {
      stream.on('error', resolve);
      stream.resume();
    });
    expect(error).toMatchObject({
      name: 'ServiceUnavailableError',
      message: expect.stringMatching(
        /^The Mercurial server 127\.0\.0\.1:\d+ cut off the transfer of the archive of team\/app after 100 bytes/,
      ),
    });
  });
});
