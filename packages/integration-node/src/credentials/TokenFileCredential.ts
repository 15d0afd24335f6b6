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
  MercurialCredentials,
  MercurialIntegrationConfig,
} from '@backstage-mercurial/integration';
import { promises as fs, Stats } from 'node:fs';
import { MercurialCredentialsError } from '../errors';
import { describeIntegration } from './describe';

function signature(stats: Stats): string {
  return [stats.dev, stats.ino, stats.size, stats.mtimeMs, stats.ctimeMs].join(
    ':',
  );
}

/**
 * The token of a `tokenFile`: read when first asked for, then again whenever
 * the file changes (its inode, size, modification or change time; a
 * Kubernetes projected token is swapped in through a new symlink target, a
 * Vault agent rewrites its sink), so a rotated token is used by the next
 * request with no restart. The token goes as a bearer token, with the entry's
 * `username`.
 */
export class TokenFileCredential {
  private current?: { signature: string; credentials: MercurialCredentials };
  private pending?: Promise<MercurialCredentials>;

  /** How many times the file was read, for tests. */
  reads = 0;

  constructor(
    private readonly config: MercurialIntegrationConfig,
    private readonly path: string,
  ) {}

  private fail(problem: string): never {
    throw new MercurialCredentialsError(
      `Cannot get credentials for ${describeIntegration(this.config)}: its tokenFile '${this.path}' ${problem}`,
    );
  }

  async get(
    options: { refresh?: boolean } = {},
  ): Promise<MercurialCredentials> {
    let stats: Stats;
    try {
      stats = await fs.stat(this.path);
    } catch (error) {
      return this.fail(
        `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    if (!stats.isFile()) {
      return this.fail('is not a file');
    }
    const sig = signature(stats);
    if (!options.refresh && this.current?.signature === sig) {
      return this.current.credentials;
    }
    if (!this.pending) {
      const pending = this.read(sig);
      this.pending = pending;
      const clear = () => {
        if (this.pending === pending) {
          this.pending = undefined;
        }
      };
      pending.then(clear, clear);
    }
    return this.pending;
  }

  private async read(sig: string): Promise<MercurialCredentials> {
    this.reads += 1;
    let text: string;
    try {
      text = await fs.readFile(this.path, 'utf8');
    } catch (error) {
      return this.fail(
        `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    const token = text.trim();
    if (!token) {
      this.current = undefined;
      return this.fail('is empty');
    }
    if (/\s/.test(token)) {
      this.current = undefined;
      return this.fail(
        'holds more than one line or word; it must hold the token alone',
      );
    }
    const credentials: MercurialCredentials = {
      type: 'bearer',
      token,
      ...(this.config.username && { username: this.config.username }),
    };
    this.current = { signature: sig, credentials };
    return credentials;
  }
}
