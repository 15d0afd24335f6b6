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
  getMercurialLookupUrl,
  getMercurialRepositoryUrl,
  MercurialIntegration,
  parseMercurialLookupResponse,
} from '@backstage-mercurial/integration';
import { fetchFromMercurial } from '@backstage-mercurial/integration-node';
import { LoggerService } from '@backstage/backend-plugin-api';

function sleep(ms: number) {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/**
 * Waits until the server's HTTP side serves `node` (hgweb may take a while
 * to notice a new repository), at most `timeoutMs`.
 *
 * @returns whether it did in time
 */
export async function waitForHttpNode(options: {
  integration: MercurialIntegration;
  repositoryPath: string;
  node: string;
  timeoutMs: number;
  logger: LoggerService;
  signal?: AbortSignal;
}): Promise<boolean> {
  const { integration, repositoryPath, node } = options;
  const url = getMercurialLookupUrl(integration.config, {
    repositoryPath,
    key: node,
  });
  const deadline = Date.now() + options.timeoutMs;
  let delay = 250;
  for (;;) {
    try {
      const response = await fetchFromMercurial(integration.config, url, {
        signal: options.signal,
      });
      if (response.ok) {
        const answer = parseMercurialLookupResponse(await response.text());
        if (answer === node) {
          return true;
        }
      } else {
        await response.body?.cancel();
      }
    } catch (e) {
      if (options.signal?.aborted) {
        throw e;
      }
    }
    if (Date.now() + delay > deadline) {
      options.logger.warn(
        `${getMercurialRepositoryUrl(integration.config, repositoryPath)} did not serve ${node} over HTTP within ${Math.round(options.timeoutMs / 1000)} s; steps that read it (catalog:register) may fail until it does`,
      );
      return false;
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 2000);
  }
}
