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
  getMercurialRequestOptions,
  MercurialIntegrations,
} from '@backstage-mercurial/integration';
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
import { hgCommands, runHgCommand } from '../commands';
import { HgRunner } from '../HgRunner';
import { DefaultMercurialCredentialsService } from './DefaultMercurialCredentialsService';
import { getHgAuth } from './hgAuth';
import { createTempDir, writeScript } from './__testUtils__/helpers';

jest.setTimeout(90_000);

const CLIENT = {
  clientId: 'backstage-hg',
  clientSecret: 'cs-SECRET-round-trip',
};

/**
 * HTTP requests (plain fetch with getMercurialRequestOptions) and hg
 * commands (HgRunner with getHgAuth) through a token front before a real
 * hg serve, with credentials from the service.
 */
describe('credentials service round trip through a token front to hg serve', () => {
  let hg: HgTestServer;
  let provider: OidcTestProvider;
  let tmp: { path: string; remove(): Promise<void> };
  const runner = new HgRunner();

  beforeAll(async () => {
    [hg, provider, tmp] = await Promise.all([
      startHgServer({
        repositories: {
          'team/app': { commits: [{ files: { 'README.md': '# app\n' } }] },
        },
      }),
      startOidcProvider({ accessTokenTtlSeconds: 5, clients: [CLIENT] }),
      createTempDir('hg-creds-rt-'),
    ]);
  });
  afterAll(async () => {
    await provider?.stop();
    await hg?.stop();
    await tmp?.remove();
  });

  async function setUp(front: TokenFront, source: object) {
    const entry = { host: front.host, baseUrl: front.baseUrl, ...source };
    const config = new ConfigReader({ integrations: { mercurial: [entry] } });
    const integration = MercurialIntegrations.fromConfig(config).byUrl(
      front.baseUrl,
    )!;
    const service = DefaultMercurialCredentialsService.fromConfig(config);
    const repoUrl = `${front.baseUrl}/team/app`;
    const read = async () => {
      const credentials = await service.getCredentials({ url: repoUrl });
      const res = await fetch(
        `${repoUrl}/raw-file/tip/README.md`,
        getMercurialRequestOptions(integration.config, credentials),
      );
      return { status: res.status, text: await res.text() };
    };
    let clones = 0;
    const clone = async () => {
      clones += 1;
      const dest = path.join(
        tmp.path,
        `${front.host.replace(':', '-')}-${clones}`,
      );
      const psDump = `${dest}.ps`;
      const credentials = await service.getCredentials({ url: repoUrl });
      await runHgCommand(runner, hgCommands.clone({ source: repoUrl, dest }), {
        auth: [getHgAuth(integration.config, credentials)!],
        // Every command line on the machine while hg runs.
        config: { hooks: { 'pre-clone': `ps -eo args > '${psDump}'` } },
      });
      return {
        readme: await fs.readFile(path.join(dest, 'README.md'), 'utf8'),
        ps: await fs.readFile(psDump, 'utf8'),
        credentials,
      };
    };
    return { read, clone, service };
  }

  it('oauth2: reads over HTTP (Bearer) and clones with hg (the token as the password of oauth2) through the JWKS front', async () => {
    const front = await startTokenFront({
      target: hg.baseUrl,
      jwks: {
        jwksUrl: provider.jwksUrl,
        issuer: provider.issuer,
        audience: provider.audience,
      },
    });
    try {
      const { read, clone } = await setUp(front, {
        oauth2: {
          tokenUrl: provider.tokenUrl,
          clientId: CLIENT.clientId,
          clientSecret: CLIENT.clientSecret,
        },
      });
      await expect(read()).resolves.toEqual({ status: 200, text: '# app\n' });
      const { readme, ps, credentials } = await clone();
      expect(readme).toBe('# app\n');
      const token = (credentials as { token: string }).token;
      expect(ps).toMatch(/hg/);
      expect(ps).not.toContain(token);
      expect(ps).not.toContain(CLIENT.clientSecret);
      // hg sent the token as the Basic password of 'oauth2', after the challenge.
      const basic = front.requests.filter(r => r.token === token && r.accepted);
      expect(basic.some(r => r.user === undefined)).toBe(true); // fetch: Bearer
      expect(basic.some(r => r.user === 'oauth2')).toBe(true); // hg: Basic
      expect(front.requests.filter(r => r.token && !r.accepted)).toEqual([]);
      expect(await provider.tokensIssued(CLIENT.clientId)).toBe(1);
    } finally {
      await front.stop();
    }
  });

  it('tokenFile: after the file is rotated the next read and clone use the new token, with no restart and no refused request', async () => {
    const file = path.join(tmp.path, 'token');
    await fs.writeFile(file, 'tok-SECRET-first\n');
    const front = await startTokenFront({
      target: hg.baseUrl,
      tokenFile: file,
    });
    try {
      const { read, clone } = await setUp(front, { tokenFile: file });
      await expect(read()).resolves.toMatchObject({ status: 200 });
      await expect(clone()).resolves.toMatchObject({ readme: '# app\n' });

      await fs.writeFile(file, 'tok-SECRET-second\n');
      await expect(read()).resolves.toMatchObject({ status: 200 });
      const { ps } = await clone();
      expect(ps).not.toMatch(/SECRET/);
      expect(front.requests.filter(r => r.token && !r.accepted)).toEqual([]);
      expect(
        front.requests.filter(r => r.accepted).map(r => r.token),
      ).toContain('tok-SECRET-second');
    } finally {
      await front.stop();
    }
  });

  it('credentialCommand: what the command prints gets through the front; a failing command sends nothing', async () => {
    const file = path.join(tmp.path, 'broker-token');
    await fs.writeFile(file, 'tok-SECRET-broker');
    const front = await startTokenFront({
      target: hg.baseUrl,
      tokenFile: file,
    });
    try {
      const script = await writeScript(
        tmp.path,
        'broker',
        `process.stdout.write(JSON.stringify({ username: 'svc', token: require('node:fs').readFileSync(${JSON.stringify(file)}, 'utf8') }));`,
      );
      const { read, clone } = await setUp(front, {
        credentialCommand: { command: [script] },
      });
      await expect(read()).resolves.toMatchObject({ status: 200 });
      const { readme, ps } = await clone();
      expect(readme).toBe('# app\n');
      expect(ps).not.toMatch(/SECRET/);
      expect(front.requests.some(r => r.accepted && r.user === 'svc')).toBe(
        true,
      );

      const failing = await writeScript(
        tmp.path,
        'failing-broker',
        `process.exit(2);`,
      );
      const seen = front.requests.length;
      const broken = await setUp(front, {
        credentialCommand: { command: [failing] },
      });
      await expect(broken.read()).rejects.toThrow(/exited with code 2/);
      await expect(broken.clone()).rejects.toThrow(/exited with code 2/);
      expect(front.requests.length).toBe(seen);
    } finally {
      await front.stop();
    }
  });
});
