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
import { LoggerService } from '@backstage/backend-plugin-api';
import { CredentialsOnBehalf } from '../access';
import { ResolvedActionOptions } from '../options';
import { ensureEmptyRepository } from './empty';
import { pushCopy } from './push';
import { resolvePublishTarget } from './target';
import { waitForPublishedNode } from './wait';

/**
 * Steps 1, 2, 5 and 6 of publish:hg, once the commit is made: resolve the
 * target, make sure it is an empty repository (creating it when it can),
 * push the commit, and wait until the server's HTTP side serves it.
 */
export async function publishCommit(
  options: {
    integration: MercurialIntegration;
    repositoryPath: string;
    /** The repository holding the commit. */
    repoDir: string;
    commitHash: string;
    branch: string;
    bookmark?: string;
    logger: LoggerService;
    signal?: AbortSignal;
  } & Pick<
    ResolvedActionOptions,
    'runner' | 'credentials' | 'hgweb' | 'publishWaitMs'
  > &
    CredentialsOnBehalf,
): Promise<void> {
  const { runner, logger, bookmark, commitHash } = options;
  const target = resolvePublishTarget(options);
  const undoCreate = await ensureEmptyRepository({ target, runner, logger });
  logger.info(
    `Pushing ${commitHash} (branch '${options.branch}'${
      bookmark ? `, bookmark '${bookmark}'` : ''
    }) to ${target.remoteUrl}`,
  );
  await pushCopy({
    repoDir: options.repoDir,
    target,
    bookmark,
    runner,
    undoCreate,
  });
  await waitForPublishedNode({
    target,
    node: commitHash,
    hgweb: options.hgweb,
    timeoutMs: options.publishWaitMs ?? 60_000,
    logger,
    signal: options.signal,
    onBehalfOf: options.onBehalfOf,
    auditor: options.auditor,
  });
}
