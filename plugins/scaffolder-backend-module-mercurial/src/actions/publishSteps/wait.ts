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

import { MercurialHgwebClient } from '@backstage-mercurial/integration-node';
import { LoggerService } from '@backstage/backend-plugin-api';
import { CredentialsOnBehalf } from '../access';
import { PublishTarget } from './target';

/**
 * Step 6 of publish:hg: waits until the server's HTTP side serves the new
 * changeset (hgweb may take a while to notice a new repository), so that a
 * following catalog:register can read it; only warns when it does not in
 * time.
 */
export async function waitForPublishedNode(
  options: {
    target: PublishTarget;
    node: string;
    hgweb: MercurialHgwebClient;
    timeoutMs: number;
    logger: LoggerService;
    signal?: AbortSignal;
  } & CredentialsOnBehalf,
): Promise<void> {
  const { target, node, timeoutMs } = options;
  const served = await options.hgweb
    .forIntegration(target.integration)
    .waitForNode({
      repositoryPath: target.repositoryPath,
      node,
      timeoutMs,
      signal: options.signal,
      onBehalfOf: options.onBehalfOf,
      auditor: options.auditor,
    });
  if (!served) {
    options.logger.warn(
      `${target.remoteUrl} did not serve ${node} over HTTP within ${Math.round(timeoutMs / 1000)} s; steps that read it (catalog:register) may fail until it does`,
    );
  }
}
