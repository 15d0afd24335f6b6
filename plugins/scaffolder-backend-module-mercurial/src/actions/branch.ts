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
  HgCommandError,
  hgCommands,
  HgOutgoingChangeset,
  HgRunner,
  runHgCommand,
} from '@backstage-mercurial/integration-node';
import { InputError } from '@backstage/errors';

/**
 * Makes the next commit of a working directory go on the named branch
 * `name`, which must be the current branch or a new one. The active bookmark
 * is deactivated first, so that it stays on the branch it marks instead of
 * following the commit onto the new branch.
 *
 * @returns whether the branch changed (then the next commit starts it, even
 * without file changes)
 */
export async function switchToBranch(
  runner: HgRunner,
  dir: string,
  name: string,
): Promise<boolean> {
  const current = await runHgCommand(runner, hgCommands.currentBranch(), {
    cwd: dir,
  });
  if (current === name) {
    return false;
  }
  // validate the name before anything changes
  const branch = hgCommands.branch({ name });
  await runHgCommand(runner, hgCommands.deactivateBookmark(), { cwd: dir });
  try {
    await runHgCommand(runner, branch, { cwd: dir });
  } catch (e) {
    if (
      e instanceof HgCommandError &&
      /branch of the same name already exists/i.test(e.stderr)
    ) {
      throw new InputError(
        `Cannot commit on branch '${name}': the working directory is on '${current}' and '${name}' already exists; clone at '${name}' (hg:clone's revision input) to add to it, or pick a new branch name`,
        e,
      );
    }
    throw e;
  }
  return true;
}

/**
 * What a push may send when a template asked for a branch or a bookmark:
 * only changesets on `branch`, carrying no bookmark but `bookmark`. An
 * InputError naming every other branch, bookmark and changeset otherwise.
 */
export function checkOutgoing(options: {
  outgoing: HgOutgoingChangeset[];
  branch?: string;
  bookmark?: string;
  remoteUrl: string;
}) {
  const { outgoing, branch, bookmark, remoteUrl } = options;
  const problems: string[] = [];
  if (branch) {
    const offBranch = outgoing.filter(c => c.branch !== branch);
    if (offBranch.length) {
      const branches = [...new Set(offBranch.map(c => c.branch))];
      problems.push(
        `it would send changesets on ${branches
          .map(b => `'${b}'`)
          .join(', ')}, not on the requested branch '${branch}': ${offBranch
          .map(c => `${c.node} (${c.branch})`)
          .join(', ')}`,
      );
    }
  }
  const otherBookmarks = outgoing.flatMap(c =>
    c.bookmarks.filter(b => b !== bookmark).map(b => ({ b, node: c.node })),
  );
  if (otherBookmarks.length) {
    problems.push(
      `it would move bookmark${otherBookmarks.length > 1 ? 's' : ''} ${otherBookmarks
        .map(({ b, node }) => `'${b}' (at ${node})`)
        .join(', ')}${bookmark ? `, not only '${bookmark}'` : ''}`,
    );
  }
  if (problems.length) {
    throw new InputError(
      `Refusing to push to ${remoteUrl}, nothing was pushed: ${problems.join(
        '; ',
      )}. Commit on the branch with hg:commit's 'branch' input right after hg:clone, so that only the new branch is sent`,
    );
  }
}
