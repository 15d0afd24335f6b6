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

import { UrlReaderServiceReadTreeResponse } from '@backstage/backend-plugin-api';
import { isServableByUrl } from '@backstage-mercurial/integration-node';
import { isError } from '@backstage/errors';

/** Characters that make a path (segment) a glob pattern. */
const GLOB_CHARS = /[*?[\]{}]/;

/** Whether a path is a glob pattern rather than one file's path. */
export function isGlob(path: string): boolean {
  return GLOB_CHARS.test(path);
}

export { isServableByUrl };

/**
 * The directory whose archive holds every file a glob can match: the
 * pattern's leading segments without glob characters, stopping before a
 * segment `hg serve` cannot serve by URL. `''` is the repository's root.
 */
export function globBaseDirectory(pattern: string): string {
  return leadingDirectories(pattern, s => !isGlob(s));
}

/**
 * The nearest directory above `filePath` that `hg serve` can serve by URL,
 * to read the file from an archive when its own name cannot be served.
 */
export function servableParentDirectory(filePath: string): string {
  return leadingDirectories(filePath, () => true);
}

function leadingDirectories(path: string, keep: (segment: string) => boolean) {
  const base: string[] = [];
  for (const segment of path.split('/').slice(0, -1)) {
    if (!keep(segment) || !isServableByUrl(segment)) {
      break;
    }
    base.push(segment);
  }
  return base.join('/');
}

/** A file read from a tree: its repository-relative path and content. */
export interface TreeFile {
  path: string;
  content: Buffer;
}

/**
 * Reads the files of one directory's tree whose repository-relative paths
 * match: one archive of the directory (or the command line, inside
 * `readTree`), never one request per file. A directory that does not exist
 * holds no files.
 *
 * @param options.directory - the repository-relative directory to read, `''`
 *   for the root
 * @param options.matches - whether a repository-relative file path is wanted
 * @param options.readTree - reads the directory's tree, passing the filter on
 *   (its paths are relative to the directory)
 * @returns the matching files, sorted by path
 */
export async function readMatchingFiles(options: {
  directory: string;
  matches: (path: string) => boolean;
  readTree: (
    directory: string,
    filter: (path: string) => boolean,
  ) => Promise<UrlReaderServiceReadTreeResponse>;
}): Promise<TreeFile[]> {
  const { directory, matches } = options;
  const full = (path: string) => (directory ? `${directory}/${path}` : path);
  let tree: UrlReaderServiceReadTreeResponse;
  try {
    // (the tree already holds no hg archive metadata: see safeTarStream)
    tree = await options.readTree(directory, path => matches(full(path)));
  } catch (error) {
    if (isError(error) && error.name === 'NotFoundError') {
      return [];
    }
    throw error;
  }
  const files = await tree.files();
  const result = await Promise.all(
    files.map(async file => ({
      path: full(file.path),
      content: await file.content(),
    })),
  );
  return result.sort((a, b) => (a.path < b.path ? -1 : +(a.path > b.path)));
}
