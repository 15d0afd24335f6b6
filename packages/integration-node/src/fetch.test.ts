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

import http from 'node:http';
import { AddressInfo } from 'node:net';
import { fetchFromMercurial } from './fetch';

/** A server that records Authorization headers and redirects /go to `target`. */
async function recordingServer(target?: () => string) {
  const seen: Array<string | undefined> = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers.authorization);
    if (req.url?.startsWith('/hg/go') && target) {
      res.writeHead(302, { Location: target() });
      res.end();
      return;
    }
    res.end('ok');
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    seen,
    host: `127.0.0.1:${port}`,
    close: () => new Promise(r => server.close(r)),
  };
}

describe('fetchFromMercurial', () => {
  it('sends credentials under baseUrl only, also along redirects', async () => {
    const other = await recordingServer();
    const hg = await recordingServer(
      () => `http://localhost:${other.host.split(':')[1]}/x`,
    );
    const config = {
      host: hg.host,
      baseUrl: `http://${hg.host}/hg`,
      token: 'tok-Fetch-1',
    };
    try {
      expect(
        await (
          await fetchFromMercurial(config, `http://${hg.host}/hg/r`)
        ).text(),
      ).toBe('ok');
      // outside the base path: no credentials
      await fetchFromMercurial(config, `http://${hg.host}/elsewhere`);
      // a redirect to another host: followed, without credentials
      expect(
        await (
          await fetchFromMercurial(config, `http://${hg.host}/hg/go`)
        ).text(),
      ).toBe('ok');
      expect(hg.seen).toEqual([
        'Bearer tok-Fetch-1',
        undefined,
        'Bearer tok-Fetch-1',
      ]);
      expect(other.seen).toEqual([undefined]);
      // credentials given for the request win over the configured ones
      await fetchFromMercurial(config, `http://${hg.host}/hg/r`, {
        credentials: { type: 'basic', username: 'u', password: 'p' },
      });
      expect(hg.seen.at(-1)).toBe(
        `Basic ${Buffer.from('u:p').toString('base64')}`,
      );
    } finally {
      await hg.close();
      await other.close();
    }
  });

  it('names the host, not the credentials, when the server cannot be reached', async () => {
    const config = {
      host: '127.0.0.1:1',
      baseUrl: 'http://127.0.0.1:1',
      username: 'u',
      password: 'pw-Unreachable-9',
    };
    const error = await fetchFromMercurial(
      config,
      'http://127.0.0.1:1/r',
    ).catch(e => e);
    expect(error.message).toMatch(
      /^Could not reach the Mercurial server 127\.0\.0\.1:1 at http:\/\/127\.0\.0\.1:1\/r/,
    );
    expect(error.message).not.toContain('pw-Unreachable-9');
  });
});
