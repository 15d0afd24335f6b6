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
  hgCommands,
  HgRunner,
  runHgCommand,
} from '@backstage-mercurial/integration-node';
import { isAccessRefused, pushRefusedError } from '../locations';
import { PublishTarget } from './target';

/**
 * Step 5 of publish:hg: pushes the commit of `repoDir` (and its bookmark)
 * to the target; a failed push undoes the repository's creation.
 */
export async function pushCopy(options: {
  repoDir: string;
  target: PublishTarget;
  bookmark?: string;
  runner: HgRunner;
  undoCreate?: () => Promise<void>;
}): Promise<void> {
  const { target } = options;
  try {
    await runHgCommand(
      options.runner,
      hgCommands.push({
        destination: target.location,
        revision: '.',
        bookmark: options.bookmark,
        newBranch: true,
      }),
      { ...(await target.runOptions('write')), cwd: options.repoDir },
    );
  } catch (e) {
    await options.undoCreate?.();
    if (isAccessRefused(e)) {
      throw pushRefusedError({
        remoteUrl: target.remoteUrl,
        integration: target.integration,
        onBehalfOf: target.onBehalfOf,
        cause: e,
      });
    }
    throw e;
  }
}
