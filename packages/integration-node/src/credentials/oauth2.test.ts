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
  HgTestServer,
  OidcTestProvider,
  startHgServer,
  startOidcProvider,
  startTokenFront,
  TokenFront,
} from '@backstage-mercurial/test-utils';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import { getMercurialRequestOptions } from '@backstage-mercurial/integration';
import { MercurialCredentialsError } from '../errors';
import { exposed, rejection, serviceFor } from './__testUtils__/helpers';

jest.setTimeout(60_000);

const TTL_SECONDS = 3;
const CLIENT = { clientId: 'backstage-hg', clientSecret: 'cs-SECRET-4711' };
const OTHER = { clientId: 'other-client', clientSecret: 'cs-SECRET-other' };

function claims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

describe('DefaultMercurialCredentialsService oauth2', () => {
  let provider: OidcTestProvider;
  let hg: HgTestServer;
  let front: TokenFront;

  beforeAll(async () => {
    [provider, hg] = await Promise.all([
      startOidcProvider({
        accessTokenTtlSeconds: TTL_SECONDS,
        clients: [CLIENT, OTHER],
        resources: ['https://hg.test', 'https://hg3.example.com'],
      }),
      startHgServer({
        repositories: { app: { commits: [{ files: { 'a.txt': 'a\n' } }] } },
      }),
    ]);
    front = await startTokenFront({
      target: hg.baseUrl,
      jwks: {
        jwksUrl: provider.jwksUrl,
        issuer: provider.issuer,
        audience: provider.audience,
      },
    });
  });
  afterAll(async () => {
    await front?.stop();
    await provider?.stop();
    await hg?.stop();
  });

  const entry = (oauth2: object = {}, extra: object = {}) => ({
    host: front.host,
    baseUrl: front.baseUrl,
    oauth2: {
      tokenUrl: provider.tokenUrl,
      clientId: CLIENT.clientId,
      clientSecret: CLIENT.clientSecret,
      ...oauth2,
    },
    ...extra,
  });

  it('gets a bearer token by the client credentials grant, one request for twenty concurrent callers', async () => {
    const { service } = serviceFor([entry()]);
    const before = await provider.tokensIssued(CLIENT.clientId);
    const url = `${front.baseUrl}/app`;
    const all = await Promise.all(
      Array.from({ length: 20 }, () => service.getCredentials({ url })),
    );
    expect((await provider.tokensIssued(CLIENT.clientId)) - before).toBe(1);
    const [first] = all;
    expect(new Set(all.map(c => c?.type === 'bearer' && c.token)).size).toBe(1);
    expect(first).toMatchObject({ type: 'bearer', username: 'oauth2' });
    const lifetime = first!.expiresAt!.getTime() - Date.now();
    expect(lifetime).toBeGreaterThan(1_000);
    expect(lifetime).toBeLessThanOrEqual(TTL_SECONDS * 1000);
    expect(claims((first as { token: string }).token)).toMatchObject({
      iss: provider.issuer,
      aud: 'https://hg.test',
      client_id: CLIENT.clientId,
    });
  });

  it('asks for one token per lifetime across several lifetimes, renewed just before expiry, and every request through the JWKS front succeeds', async () => {
    const { service, logger } = serviceFor([entry({}, { username: 'svc' })]);
    await provider.flush();
    const before = provider.events.length;
    const url = `${front.baseUrl}/app/raw-file/tip/a.txt`;
    const started = Date.now();
    const statuses: number[] = [];
    const config = { host: front.host, baseUrl: front.baseUrl };
    const seen: Array<{ at: number; token: string }> = [];
    const readOnce = async () => {
      const credentials = await service.getCredentials({ url });
      const token = (credentials as { token: string }).token;
      seen.push({ at: Date.now() - started, token });
      const res = await fetch(
        url,
        getMercurialRequestOptions(config, credentials),
      );
      await res.arrayBuffer();
      statuses.push(res.status);
    };
    // About 3.3 lifetimes of reads, ten at a time every 100 ms.
    while (Date.now() - started < 3.3 * TTL_SECONDS * 1000) {
      await Promise.all(Array.from({ length: 10 }, readOnce));
      await new Promise(r => setTimeout(r, 100));
    }
    await provider.flush();
    const issued = provider.events.slice(before);
    expect(issued.every(e => e.event === 'token')).toBe(true);
    // One token per lifetime: at least four for ~9.9 s of reads (every 2.7 s),
    // at most five (when exp, rounded down to the second, comes sooner).
    expect(issued.length).toBeGreaterThanOrEqual(4);
    expect(issued.length).toBeLessThanOrEqual(5);
    for (let i = 1; i < issued.length; i++) {
      // Not renewed early: a token is used at least 2.7 s, or less only
      // when the JWT's exp (whole seconds) comes sooner.
      expect(issued[i].at - issued[i - 1].at).toBeGreaterThanOrEqual(1_700);
    }
    // Not used late: no token is handed out more than 2.7 s (3 s minus a
    // tenth) after it was first handed out, however slow the loop is.
    for (const token of new Set(seen.map(s => s.token))) {
      const times = seen.filter(s => s.token === token).map(s => s.at);
      expect(Math.max(...times) - Math.min(...times)).toBeLessThanOrEqual(
        2_700,
      );
    }
    expect(new Set(seen.map(s => s.token)).size).toBe(issued.length);
    // Every read was answered (how many fit in the time depends on the
    // machine: no count of them is asserted), each token by several reads.
    expect(statuses).toHaveLength(seen.length);
    expect(seen.length).toBeGreaterThan(2 * issued.length);
    expect(statuses.every(s => s === 200)).toBe(true);
    expect(logger.lines.join('\n')).toMatch(
      /from its OAuth 2.0 token endpoint/,
    );
    for (const { token } of seen) {
      expect(logger.lines.join('\n')).not.toContain(token);
    }
    expect(logger.lines.join('\n')).not.toContain(CLIENT.clientSecret);
  });

  it('mints a new token on refresh, once for concurrent refreshes', async () => {
    const { service } = serviceFor([entry()]);
    const url = `${front.baseUrl}/app`;
    const first = await service.getCredentials({ url });
    const before = await provider.tokensIssued();
    const refreshed = await Promise.all(
      Array.from({ length: 5 }, () =>
        service.getCredentials({ url, refresh: true }),
      ),
    );
    expect((await provider.tokensIssued()) - before).toBe(1);
    expect(
      new Set(refreshed.map(c => (c as { token: string }).token)).size,
    ).toBe(1);
    expect(refreshed[0]).not.toEqual(first);
    await expect(service.getCredentials({ url })).resolves.toEqual(
      refreshed[0],
    );
    expect((await provider.tokensIssued()) - before).toBe(1);
  });

  it('sends scope, and audience as audience and RFC 8707 resource', async () => {
    const { service } = serviceFor([
      entry({ scope: 'hg:read', audience: 'https://hg3.example.com' }),
    ]);
    const credentials = await service.getCredentials({
      url: `${front.baseUrl}/app`,
    });
    expect(claims((credentials as { token: string }).token)).toMatchObject({
      aud: 'https://hg3.example.com',
      scope: 'hg:read',
    });
  });

  it('names the IdP error when it refuses the client, never the secret', async () => {
    const { service, logger } = serviceFor([
      entry({ clientSecret: 'cs-SECRET-wrong' }),
    ]);
    const error = await rejection(
      service.getCredentials({ url: `${front.baseUrl}/app` }),
    );
    expect(error).toBeInstanceOf(MercurialCredentialsError);
    expect(error.message).toBe(
      `Cannot get credentials for the Mercurial integration '${front.host}': the OAuth 2.0 token endpoint ${provider.tokenUrl} refused the client credentials grant with HTTP 401: invalid_client (client authentication failed) (client 'backstage-hg')`,
    );
    expect(exposed(error)).not.toMatch(/SECRET/);
    expect(logger.lines.join('\n')).not.toMatch(/SECRET/);
  });

  it('names the IdP error for a resource it does not serve', async () => {
    const { service } = serviceFor([
      entry({ audience: 'https://unknown.example.com' }),
    ]);
    await expect(
      service.getCredentials({ url: `${front.baseUrl}/app` }),
    ).rejects.toThrow(
      /refused the client credentials grant with HTTP 400: invalid_target/,
    );
  });

  it('fails closed when the token endpoint cannot be reached', async () => {
    const closed = http.createServer();
    await new Promise<void>(r => closed.listen(0, '127.0.0.1', () => r()));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise(r => closed.close(r));
    const { service } = serviceFor([
      entry({ tokenUrl: `http://127.0.0.1:${closedPort}/token` }),
    ]);
    const error = await rejection(
      service.getCredentials({ url: `${front.baseUrl}/app` }),
    );
    expect(error.message).toMatch(
      new RegExp(
        `the OAuth 2.0 token endpoint http://127\\.0\\.0\\.1:${closedPort}/token could not be reached: .*ECONNREFUSED`,
      ),
    );
    expect(exposed(error)).not.toMatch(/SECRET/);
  });

  it('fails closed when the token endpoint answers something else than a token', async () => {
    const { service } = serviceFor([
      entry({ tokenUrl: `${hg.baseUrl}/app/raw-file/tip/a.txt` }),
    ]);
    await expect(
      service.getCredentials({ url: `${front.baseUrl}/app` }),
    ).rejects.toThrow(
      /answered HTTP 200 with something that is not a JSON object/,
    );
  });
});
