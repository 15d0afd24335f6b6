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

import { MercurialIntegrations } from '@backstage-mercurial/integration';
import {
  HgTestServer,
  OidcTestProvider,
  startHgServer,
  startOidcProvider,
  startTokenFront,
  TokenFront,
} from '@backstage-mercurial/test-utils';
import { ConfigReader } from '@backstage/config';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HgwebServerClient, MercurialHgwebClient } from '../hgweb';
import { DefaultMercurialCredentialsService } from './DefaultMercurialCredentialsService';
import { createTempDir, writeScript } from './__testUtils__/helpers';

jest.setTimeout(90_000);

const CLIENT = { clientId: 'backstage-hg', clientSecret: 'cs-SECRET-client' };

/** The shared hgweb client with the default credentials service, through token fronts. */
describe('MercurialHgwebClient with DefaultMercurialCredentialsService', () => {
  let hg: HgTestServer;
  let provider: OidcTestProvider;
  let tmp: { path: string; remove(): Promise<void> };

  beforeAll(async () => {
    [hg, provider, tmp] = await Promise.all([
      startHgServer({
        repositories: {
          'team/app': { commits: [{ files: { 'README.md': '# app\n' } }] },
        },
      }),
      startOidcProvider({ accessTokenTtlSeconds: 3, clients: [CLIENT] }),
      createTempDir('hg-creds-client-'),
    ]);
  });
  afterAll(async () => {
    await provider?.stop();
    await hg?.stop();
    await tmp?.remove();
  });

  function clientFor(front: TokenFront, source: object) {
    const config = new ConfigReader({
      integrations: {
        mercurial: [{ host: front.host, baseUrl: front.baseUrl, ...source }],
      },
    });
    const integrations = MercurialIntegrations.fromConfig(config);
    const credentials = DefaultMercurialCredentialsService.fromConfig(config);
    const client = MercurialHgwebClient.create({ integrations, credentials });
    return client.forIntegration(
      integrations.byUrl(front.baseUrl)!,
    ) as HgwebServerClient;
  }

  it('oauth2: 3-second tokens across three lifetimes, one token request per lifetime, no refused read', async () => {
    const front = await startTokenFront({
      target: hg.baseUrl,
      jwks: {
        jwksUrl: provider.jwksUrl,
        issuer: provider.issuer,
        audience: provider.audience,
      },
    });
    try {
      const server = clientFor(front, {
        oauth2: {
          tokenUrl: provider.tokenUrl,
          clientId: CLIENT.clientId,
          clientSecret: CLIENT.clientSecret,
        },
      });
      const before = await provider.tokensIssued();
      const started = Date.now();
      const url = `${server.repositoryUrl('team/app')}/raw-file/tip/README.md`;
      const readOnce = () => server.getText(url, 'README.md of team/app');
      let reads = 0;
      while (Date.now() - started < 9_000) {
        const texts = await Promise.all(Array.from({ length: 8 }, readOnce));
        expect(texts.every(t => t === '# app\n')).toBe(true);
        reads += texts.length;
        await new Promise(r => setTimeout(r, 100));
      }
      const tokens = (await provider.tokensIssued()) - before;
      // 9 s of reads with tokens used 2.7 s at most (less, by their exp,
      // at least 1.8 s): 4 or 5 on an idle machine, never fewer than 9/3.
      expect(tokens).toBeGreaterThanOrEqual(3);
      expect(tokens).toBeLessThanOrEqual(5);
      expect(reads).toBeGreaterThan(100);
      expect(front.refused).toBe(0);
    } finally {
      await front.stop();
    }
  });

  it('credentialCommand: a 401 to a cached credential runs the command again, once, and the read succeeds', async () => {
    const file = path.join(tmp.path, 'gateway-token');
    await fs.writeFile(file, 'tok-SECRET-a');
    const log = path.join(tmp.path, 'broker.log');
    const script = await writeScript(
      tmp.path,
      'broker',
      `const fs = require('node:fs');
fs.appendFileSync(${JSON.stringify(log)}, 'x\\n');
process.stdout.write(JSON.stringify({
  token: fs.readFileSync(${JSON.stringify(file)}, 'utf8'),
  expiresAt: new Date(Date.now() + 3600000).toISOString(),
}));`,
    );
    const front = await startTokenFront({
      target: hg.baseUrl,
      tokenFile: file,
    });
    try {
      const server = clientFor(front, {
        credentialCommand: { command: [script] },
      });
      const url = `${server.repositoryUrl('team/app')}/raw-file/tip/README.md`;
      await expect(server.getText(url, 'README.md')).resolves.toBe('# app\n');
      // The gateway rotates its token before the hour the broker promised.
      await fs.writeFile(file, 'tok-SECRET-b');
      const texts = await Promise.all(
        Array.from({ length: 6 }, () => server.getText(url, 'README.md')),
      );
      expect(texts).toEqual(Array(6).fill('# app\n'));
      const runs = (await fs.readFile(log, 'utf8')).trim().split('\n');
      expect(runs).toHaveLength(2);
      expect(
        front.requests.filter(r => r.status === 401).map(r => r.token),
      ).toEqual(Array(front.refused).fill('tok-SECRET-a'));
    } finally {
      await front.stop();
    }
  });
});
