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

import { MercurialIntegration } from '@backstage-mercurial/integration';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import {
  escapeBatchArgument,
  HgwebClient,
  parseBatchResponse,
  parseHeads,
  parseListkeys,
} from './hgweb';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

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
});

describe('HgwebClient', () => {
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

  /** A server that records the Authorization header of each request. */
  async function start(
    handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  ) {
    const seen: Array<{ url: string; authorization?: string }> = [];
    const server = http.createServer((req, res) => {
      seen.push({ url: req.url!, authorization: req.headers.authorization });
      handler(req, res);
    });
    await new Promise<void>(resolve =>
      server.listen(0, '127.0.0.1', () => resolve()),
    );
    servers.push(server);
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}`, seen };
  }

  it('sends the credentials to its own baseUrl only, not where a redirect leads', async () => {
    const elsewhere = await start((_req, res) => res.end('elsewhere'));
    const own = await start((req, res) => {
      if (req.url === '/hg/team/a?x=1') {
        res.writeHead(302, { Location: '/hg/team/b?x=1' }).end();
      } else if (req.url === '/hg/team/b?x=1') {
        res.writeHead(302, { Location: `${elsewhere.url}/hg/team/c` }).end();
      } else {
        res.writeHead(404).end();
      }
    });
    const client = new HgwebClient(
      new MercurialIntegration({
        host: own.host,
        baseUrl: `${own.url}/hg`,
        username: 'u',
        password: 'p',
      }),
      { timeoutMs: 5000 },
    );
    await expect(
      client.getText(`${own.url}/hg/team/a?x=1`, 'a page'),
    ).resolves.toBe('elsewhere');
    const basic = `Basic ${Buffer.from('u:p').toString('base64')}`;
    expect(own.seen).toEqual([
      { url: '/hg/team/a?x=1', authorization: basic },
      { url: '/hg/team/b?x=1', authorization: basic },
    ]);
    expect(elsewhere.seen).toEqual([
      { url: '/hg/team/c', authorization: undefined },
    ]);
  });

  it('answers 502 for refused credentials, 404 for what is missing, 502 for failures', async () => {
    const server = await start((req, res) => {
      if (req.url === '/denied') {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic' }).end();
      } else if (req.url === '/missing') {
        res
          .writeHead(404, { 'Content-Type': 'application/json' })
          .end('{"error": "unknown revision \'x\'"}');
      } else if (req.url === '/slow') {
        setTimeout(() => res.end('late'), 2000);
      } else {
        res.writeHead(500).end('boom');
      }
    });
    const client = new HgwebClient(
      new MercurialIntegration({
        host: server.host,
        baseUrl: server.url,
        token: 't',
      }),
      { timeoutMs: 500 },
    );
    await expect(
      client.getText(`${server.url}/denied`, 'x'),
    ).rejects.toMatchObject({
      name: 'MercurialServerError',
      statusCode: 502,
      message: expect.stringMatching(/refused the configured credentials/),
    });
    await expect(
      client.getText(`${server.url}/missing`, 'the log'),
    ).rejects.toMatchObject({
      name: 'NotFoundError',
      message: `The log was not found on the Mercurial server ${server.host}: unknown revision 'x'`,
    });
    await expect(
      client.getText(`${server.url}/slow`, 'x'),
    ).rejects.toMatchObject({
      name: 'MercurialServerError',
      message: expect.stringMatching(/no answer within 0.5 s/),
    });
    await expect(
      client.getText(`${server.url}/other`, 'x'),
    ).rejects.toMatchObject({
      name: 'MercurialServerError',
      message: expect.stringMatching(/HTTP 500: boom/),
    });
  });
});
