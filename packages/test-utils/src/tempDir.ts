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

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Creates a fresh, empty directory below the system temp directory for a
 * test; `remove()` deletes it.
 *
 * @example
 * ```ts
 * const tmp = await createTempDir();
 * afterAll(() => tmp.remove());
 * ```
 *
 * @param prefix - the start of the directory's name; default `hg-test-`
 * @returns `path`: the absolute (real) path of the directory; `remove()`:
 *   deletes it and everything in it (safe to call twice)
 * @public
 */
export async function createTempDir(
  prefix = 'hg-test-',
): Promise<{ path: string; remove(): Promise<void> }> {
  const created = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  // The real path, so that it compares equal to the paths hg reports (e.g. on
  // macOS, where the temp directory is below a symlink).
  const real = await fs.realpath(created);
  return {
    path: real,
    async remove() {
      await fs.rm(real, { recursive: true, force: true });
    },
  };
}
