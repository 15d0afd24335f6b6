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
import { InputError } from '@backstage/errors';
import fs from 'fs-extra';
import path from 'node:path';

/**
 * Steps 3 and 4 of publish:hg: a new repository in `repoDir` holding a copy
 * of `sourceDir` (without any `.hg`), so that the workspace stays as it
 * was, and its first commit on `branch`, with `bookmark` on it.
 *
 * @returns the 40-hex node of the commit
 */
export async function commitCopy(options: {
  sourceDir: string;
  /** How the template names the source, for the error when it is empty. */
  sourcePath: string;
  repoDir: string;
  branch: string;
  bookmark?: string;
  message: string;
  author: string;
  runner: HgRunner;
}): Promise<string> {
  const { repoDir, branch, runner } = options;
  await fs.copy(options.sourceDir, repoDir, {
    filter: src => path.basename(src) !== '.hg',
  });
  await runHgCommand(runner, hgCommands.init({ dest: repoDir }));
  if (branch !== 'default') {
    await runHgCommand(runner, hgCommands.branch({ name: branch }), {
      cwd: repoDir,
    });
  }
  const committed = await runHgCommand(
    runner,
    hgCommands.commit({
      message: options.message,
      user: options.author,
      addRemove: true,
    }),
    { cwd: repoDir },
  );
  if (!committed) {
    throw new InputError(
      `There is nothing to publish: '${options.sourcePath}' holds no files`,
    );
  }
  if (options.bookmark) {
    await runHgCommand(
      runner,
      hgCommands.bookmark({ name: options.bookmark }),
      {
        cwd: repoDir,
      },
    );
  }
  return runHgCommand(runner, hgCommands.node(), { cwd: repoDir });
}
