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

import { InputError } from '@backstage/errors';
import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import fs from 'fs-extra';
import path from 'node:path';

/** A path inside the workspace; an InputError for one that leaves it. */
export function workspaceDir(workspacePath: string, relative = './'): string {
  try {
    return resolveSafeChildPath(workspacePath, relative);
  } catch (e) {
    throw new InputError(
      `Path '${relative}' is outside the workspace; use a relative path inside it`,
      e,
    );
  }
}

/** The working directory of a clone in the workspace. */
export async function workingCopy(
  workspacePath: string,
  relative = './',
): Promise<string> {
  const dir = workspaceDir(workspacePath, relative);
  if (!(await fs.pathExists(path.join(dir, '.hg')))) {
    throw new InputError(
      `'${relative}' is not a Mercurial working directory (no .hg in it); clone one with hg:clone first`,
    );
  }
  return dir;
}
