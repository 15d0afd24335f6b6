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

import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  createTempDir,
  HgTestServer,
  OidcTestProvider,
  startHgServer,
  startOidcProvider,
  startTokenFront,
  TokenFront,
} from './index';

jest.setTimeout(60_000);

const CLIENT = { clientId: 'backstage-hg', clientSecret: 'cs-test-SECRET' };

async function requestToken(
  provider: OidcTestProvider,
  client = CLIENT,
): Promise<Response> {
  return fetch(provider.tokenUrl, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  });
}

const status = async (url: string, authorization?: string) => {
  const res = await fetch(url, {
    headers: authorization ? { Authorization: authorization } : {},
  });
  await res.arrayBuffer();
  return res;
};

describe('startOidcProvider and startTokenFront', () => {
  let hg: HgTestServer;
  let provider: OidcTestProvider;
  let front: TokenFront;

  beforeAll(async () => {
    hg = await startHgServer({
      repositories: { app: { commits: [{ files: { 'a.txt': 'a\n' } }] } },
    });
    provider = await startOidcProvider({
      accessTokenTtlSeconds: 2,
      clients: [CLIENT],
    });
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

  it('issues short-lived JWT access tokens by the client credentials grant, and counts them', async () => {
    const res = await requestToken(provider);
    const body = await res.json();
    expect(res.status).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 2 });
    const [, payload] = body.access_token.split('.');
    expect(
      JSON.parse(Buffer.from(payload, 'base64url').toString()),
    ).toMatchObject({
      iss: provider.issuer,
      aud: provider.audience,
      client_id: CLIENT.clientId,
    });
    expect(await provider.tokensIssued()).toBe(1);

    const refused = await requestToken(provider, {
      clientId: CLIENT.clientId,
      clientSecret: 'wrong',
    });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: 'invalid_client' });
    expect(await provider.tokensIssued()).toBe(1);
    await provider.flush();
    expect(provider.events.map(e => e.event)).toEqual(['token', 'token-error']);
  });

  it('forwards only requests with a valid, unexpired token, as Bearer or as the Basic password', async () => {
    const { access_token: token } = await (await requestToken(provider)).json();
    const url = `${front.baseUrl}/app/raw-file/tip/a.txt`;

    const none = await status(url);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe(
      'Basic realm="Mercurial repositories"',
    );
    expect((await status(url, 'Bearer not-a-jwt')).status).toBe(401);
    expect((await status(url, `Bearer ${token}`)).status).toBe(200);
    expect(
      (
        await status(
          url,
          `Basic ${Buffer.from(`oauth2:${token}`).toString('base64')}`,
        )
      ).status,
    ).toBe(200);

    await new Promise(resolve => setTimeout(resolve, 2_100));
    const expired = await status(url, `Bearer ${token}`);
    expect(expired.status).toBe(401);
    expect(front.requests[front.requests.length - 1].reason).toBe(
      'ERR_JWT_EXPIRED',
    );
    expect(front.accepted).toBe(2);
    expect(front.refused).toBe(3);
  });

  it('in file mode accepts only the token currently in the file', async () => {
    const tmp = await createTempDir();
    const file = path.join(tmp.path, 'token');
    await fs.writeFile(file, 'first-token\n');
    const fileFront = await startTokenFront({
      target: hg.baseUrl,
      tokenFile: file,
    });
    try {
      const url = `${fileFront.baseUrl}/app/raw-file/tip/a.txt`;
      expect((await status(url, 'Bearer first-token')).status).toBe(200);
      await fs.writeFile(file, 'second-token\n');
      expect((await status(url, 'Bearer first-token')).status).toBe(401);
      expect((await status(url, 'Bearer second-token')).status).toBe(200);
      expect(fileFront.requests.map(r => r.reason)).toEqual([
        undefined,
        'not the current token',
        undefined,
      ]);
    } finally {
      await fileFront.stop();
      await tmp.remove();
    }
  });

  it('stops the provider process', async () => {
    const other = await startOidcProvider({
      accessTokenTtlSeconds: 5,
      clients: [CLIENT],
    });
    await other.stop();
    await expect(fetch(other.tokenUrl)).rejects.toThrow();
    await other.stop();
  });
});
