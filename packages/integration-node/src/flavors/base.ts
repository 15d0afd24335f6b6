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
  getMercurialChangesetUrl,
  getMercurialRepositoryUrl,
} from '@backstage-mercurial/integration';
import { NotFoundError } from '@backstage/errors';
import { isHgNode, NULL_NODE } from '../hgweb/wire';
import { HgwebRequestOptions, MercurialHttpTransport } from './transport';
import type { MercurialServerClient } from './types';
import { waitForNode } from './waitForNode';

/**
 * What every flavor's server client does the same way: its URLs come from
 * the integration's URL helpers (which dispatch on the flavor), a revision
 * becomes a node through the flavor's own `lookup`, and waiting for a node
 * polls that `lookup`.
 */
export abstract class MercurialServerClientBase
  extends MercurialHttpTransport
  implements
    Pick<
      MercurialServerClient,
      | 'repositoryUrl'
      | 'describeRepository'
      | 'changesetUrl'
      | 'resolveNode'
      | 'waitForNode'
    >
{
  abstract lookup(
    repositoryPath: string,
    key: string,
    options?: HgwebRequestOptions,
  ): Promise<string | undefined>;

  repositoryUrl(repositoryPath: string): string {
    return getMercurialRepositoryUrl(this.integration.config, repositoryPath);
  }

  /**
   * A repository's name for messages: its path, or its URL on a
   * single-repository server (whose repository path is '').
   */
  describeRepository(repositoryPath: string): string {
    return repositoryPath || this.repositoryUrl(repositoryPath);
  }

  changesetUrl(repositoryPath: string, node: string): string {
    return getMercurialChangesetUrl(this.integration.config, {
      repositoryPath,
      node,
    });
  }

  /**
   * The node of a revision: the revision itself when it is a full node,
   * else through `lookup`.
   *
   * @throws NotFoundError when the revision is unknown or the repository
   *   has no changesets
   */
  async resolveNode(
    repositoryPath: string,
    revision: string,
    options: HgwebRequestOptions = {},
  ): Promise<string> {
    if (isHgNode(revision)) {
      return revision;
    }
    const node = await this.lookup(repositoryPath, revision, options);
    if (!node || node === NULL_NODE) {
      throw new NotFoundError(
        `Revision '${revision}' of ${this.describeRepository(repositoryPath)} was not found on the Mercurial server ${this.host}${
          node === NULL_NODE ? ': the repository has no changesets' : ''
        }`,
      );
    }
    return node;
  }

  waitForNode(
    options: Parameters<MercurialServerClient['waitForNode']>[0],
  ): Promise<boolean> {
    return waitForNode(this, options);
  }
}
