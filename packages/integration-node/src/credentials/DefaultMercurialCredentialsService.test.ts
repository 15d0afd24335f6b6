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
import { MercurialCredentialsError } from '../errors';
import { TokenFileCredential } from './TokenFileCredential';
import {
  createTempDir,
  exposed,
  rejection,
  serviceFor,
} from './__testUtils__/helpers';

describe('DefaultMercurialCredentialsService', () => {
  let tmp: { path: string; remove(): Promise<void> };
  beforeAll(async () => {
    tmp = await createTempDir('hg-creds-');
  });
  afterAll(() => tmp.remove());

  it('gives the static credentials of the entry matching the URL, and none for a URL under no baseUrl', async () => {
    const { service } = serviceFor([
      { host: 'a.example.com', username: 'u', password: 'pw' },
      { host: 'b.example.com', token: 'tok' },
      { host: 'c.example.com' },
    ]);
    await expect(
      service.getCredentials({ url: 'https://a.example.com/r' }),
    ).resolves.toEqual({ type: 'basic', username: 'u', password: 'pw' });
    await expect(
      service.getCredentials({ url: 'https://b.example.com/r', refresh: true }),
    ).resolves.toEqual({ type: 'bearer', token: 'tok' });
    await expect(
      service.getCredentials({ url: 'https://c.example.com/r' }),
    ).resolves.toBeUndefined();
    await expect(
      service.getCredentials({ url: 'https://elsewhere.example.com/r' }),
    ).resolves.toBeUndefined();
    // Not even a look-alike host gets them.
    await expect(
      service.getCredentials({ url: 'https://a.example.com.evil.test/r' }),
    ).resolves.toBeUndefined();
  });

  describe('tokenFile', () => {
    it('reads the token with the entry username, and reads it again only when the file changes (rotation, no restart)', async () => {
      const file = path.join(tmp.path, 'rotated-token');
      await fs.writeFile(file, 'tok-SECRET-one\n');
      const { service, logger } = serviceFor([
        {
          host: 'hg.example.com',
          username: 'backstage',
          tokenFile: file,
        },
      ]);
      const url = 'https://hg.example.com/team/repo';
      await expect(service.getCredentials({ url })).resolves.toEqual({
        type: 'bearer',
        token: 'tok-SECRET-one',
        username: 'backstage',
      });

      // Rewritten in place (a Vault agent's sink) with a token of the same length.
      await fs.writeFile(file, 'tok-SECRET-two\n');
      await expect(service.getCredentials({ url })).resolves.toMatchObject({
        token: 'tok-SECRET-two',
      });

      // Replaced through a new file renamed over it (a Kubernetes projected volume swaps a symlink).
      const next = path.join(tmp.path, 'rotated-token.next');
      await fs.writeFile(next, 'tok-SECRET-three');
      await fs.rename(next, file);
      await expect(service.getCredentials({ url })).resolves.toMatchObject({
        token: 'tok-SECRET-three',
      });
      expect(logger.lines.join('\n')).not.toMatch(/SECRET/);
    });

    it('reads the file once for a burst of requests while it is unchanged', async () => {
      const file = path.join(tmp.path, 'steady-token');
      await fs.writeFile(file, 'tok-steady');
      const credential = new TokenFileCredential(
        { host: 'hg.example.com', baseUrl: 'https://hg.example.com' },
        file,
      );
      const all = await Promise.all(
        Array.from({ length: 20 }, () => credential.get()),
      );
      expect(
        all.every(c => c.type === 'bearer' && c.token === 'tok-steady'),
      ).toBe(true);
      await credential.get();
      expect(credential.reads).toBe(1);
      await credential.get({ refresh: true });
      expect(credential.reads).toBe(2);
      await fs.writeFile(file, 'tok-moved');
      await expect(credential.get()).resolves.toMatchObject({
        token: 'tok-moved',
      });
      expect(credential.reads).toBe(3);
    });

    it('follows a symlinked token file swapped to a new target', async () => {
      const dir = path.join(tmp.path, 'projected');
      await fs.mkdir(path.join(dir, '..2026_1'), { recursive: true });
      await fs.mkdir(path.join(dir, '..2026_2'), { recursive: true });
      await fs.writeFile(path.join(dir, '..2026_1', 'token'), 'first');
      await fs.writeFile(path.join(dir, '..2026_2', 'token'), 'second');
      await fs.symlink('..2026_1', path.join(dir, '..data'));
      await fs.symlink('..data/token', path.join(dir, 'token'));
      const { service } = serviceFor([
        { host: 'hg.example.com', tokenFile: path.join(dir, 'token') },
      ]);
      const url = 'https://hg.example.com/r';
      await expect(service.getCredentials({ url })).resolves.toMatchObject({
        token: 'first',
      });
      await fs.symlink('..2026_2', path.join(dir, '..data_tmp'));
      await fs.rename(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
      await expect(service.getCredentials({ url })).resolves.toMatchObject({
        token: 'second',
      });
    });

    it('fails closed with an error naming the integration and the path when the file is missing or empty', async () => {
      const missing = path.join(tmp.path, 'no-such-token');
      const empty = path.join(tmp.path, 'empty-token');
      await fs.writeFile(empty, '\n');
      const { service } = serviceFor([
        { host: 'a.example.com', tokenFile: missing },
        { host: 'b.example.com', tokenFile: empty },
      ]);
      const gone = await rejection(
        service.getCredentials({ url: 'https://a.example.com/r' }),
      );
      expect(gone).toBeInstanceOf(MercurialCredentialsError);
      expect(gone.message).toBe(
        `Cannot get credentials for the Mercurial integration 'a.example.com': its tokenFile '${missing}' cannot be read (ENOENT)`,
      );
      await expect(
        service.getCredentials({ url: 'https://b.example.com/r' }),
      ).rejects.toThrow(
        `Cannot get credentials for the Mercurial integration 'b.example.com': its tokenFile '${empty}' is empty`,
      );
    });

    it('stops giving a token once its file is gone', async () => {
      const file = path.join(tmp.path, 'vanishing-token');
      await fs.writeFile(file, 'tok-SECRET-gone');
      const { service } = serviceFor([
        { host: 'hg.example.com', tokenFile: file },
      ]);
      const url = 'https://hg.example.com/r';
      await service.getCredentials({ url });
      await fs.rm(file);
      const error = await rejection(service.getCredentials({ url }));
      expect(error.message).toMatch(/cannot be read \(ENOENT\)/);
      expect(exposed(error)).not.toMatch(/SECRET/);
    });
  });
});
