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

import { setTimeout as sleep } from 'node:timers/promises';
import type { HgwebRequestOptions } from './transport';
import type { MercurialServerClient } from './types';

/**
 * {@link MercurialServerClient.waitForNode} of every flavor: polls the
 * client's `lookup` of the node with a growing delay (250 ms, doubling, at
 * most 2 s), at most `timeoutMs`; with `onBehalfOf`, with that person's
 * credentials.
 *
 * @returns whether the server served the node in time
 * @throws the error of `signal` when it aborts
 */
export async function waitForNode(
  client: Pick<MercurialServerClient, 'lookup'>,
  options: {
    repositoryPath: string;
    node: string;
    timeoutMs: number;
    signal?: AbortSignal;
  } & Pick<HgwebRequestOptions, 'onBehalfOf' | 'auditor'>,
): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  let delay = 250;
  for (;;) {
    try {
      const node = await client.lookup(options.repositoryPath, options.node, {
        signal: options.signal,
        timeoutMs: Math.max(1000, deadline - Date.now()),
        onBehalfOf: options.onBehalfOf,
        auditor: options.auditor,
      });
      if (node === options.node) {
        return true;
      }
    } catch (e) {
      if (options.signal?.aborted) {
        throw e;
      }
    }
    if (Date.now() + delay > deadline) {
      return false;
    }
    await sleep(delay, undefined, { signal: options.signal });
    delay = Math.min(delay * 2, 2000);
  }
}
