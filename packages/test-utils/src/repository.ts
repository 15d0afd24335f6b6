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

import { Buffer } from 'node:buffer';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runHg } from './hg';

/**
 * A file's content in a repository description:
 * - a string: utf-8 text
 * - a Buffer: binary content, written as is
 * - `{ content, executable }`: text or binary content; `executable: true`
 *   writes it with mode 0755, which hg records as the `x` flag
 * - `{ symlink }`: a symbolic link pointing at `symlink` (hg records the `l`
 *   flag and the target as the content)
 *
 * @public
 */
export type HgFileSpec =
  | string
  | Buffer
  | { content: string | Buffer; executable?: boolean }
  | { symlink: string };

/**
 * One commit in a repository description. The working directory of the
 * repository starts where the previous commit (or tag commit) left it.
 *
 * @public
 */
export interface HgCommitSpec {
  /**
   * Files to add or change, by path relative to the repository root (`/`
   * separated; spaces and non-ASCII characters are fine); `null` deletes the
   * file (it must exist).
   */
  files?: Record<string, HgFileSpec | null>;
  /** The commit message; default `commit N` (N counts the commits of the spec from 1). */
  message?: string;
  /** The committer; default `Test User <test@example.com>`. */
  user?: string;
  /**
   * The commit date in any format hg accepts, e.g.
   * `'2024-01-02 10:00:00 +0000'`; default a fixed date that increases by one
   * hour per commit (starting 2024-01-01 00:00 UTC), so nodes are
   * deterministic.
   */
  date?: string;
  /**
   * The named branch to commit on; `hg branch -f NAME` runs when it differs
   * from the branch of the working directory. Without it the commit stays on
   * the working directory's branch.
   */
  branch?: string;
  /**
   * A revision (number, node, tag, bookmark, branch name or revset) to
   * `hg update -C` to before this commit, e.g. to create a second head or to
   * branch off an older commit. A bookmark given here is not activated (it
   * does not move with the new commit). Beware that tag commits (see `tags`)
   * take revision numbers too.
   */
  parent?: string;
  /**
   * Tags to put on this commit (`hg tag -f -r NODE ...`, one call for all).
   * Note that this makes an extra "Added tag" commit on top of this one,
   * which becomes the parent of the next commit.
   */
  tags?: string[];
  /** Bookmarks to put on this commit (`hg bookmark -f -r NODE ...`); they stay inactive. */
  bookmarks?: string[];
  /** Commit with `--close-branch`. */
  close?: boolean;
}

/**
 * The description of a repository: its commits, in order.
 *
 * @public
 */
export interface HgRepositorySpec {
  /** The commits; none (or an empty list) makes an empty repository. */
  commits?: HgCommitSpec[];
}

/**
 * A repository built by {@link createHgRepository}.
 *
 * @public
 */
export interface HgRepositoryInfo {
  /** The absolute (real) path of the repository root. */
  path: string;
  /**
   * The 40 hex digit node of each commit of the spec, in the spec's order
   * (tag commits are not included).
   */
  nodes: string[];
}

/** The default date of the first commit: 2024-01-01 00:00:00 UTC. */
const FIRST_DATE = Date.UTC(2024, 0, 1) / 1000;
const DEFAULT_USER = 'Test User <test@example.com>';

function checkFileName(name: string): void {
  const segments = name.split('/');
  if (
    !name ||
    name.startsWith('/') ||
    name.includes('\\') ||
    name.includes('\0') ||
    segments.some(s => s === '' || s === '.' || s === '..') ||
    segments[0] === '.hg'
  ) {
    throw new Error(
      `Invalid file name in repository spec: ${JSON.stringify(name)} (must be a relative, '/' separated path without '.', '..' or empty segments, outside .hg)`,
    );
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch {
    return false;
  }
}

async function writeSpecFile(
  root: string,
  name: string,
  spec: HgFileSpec,
): Promise<void> {
  const target = path.join(root, ...name.split('/'));
  // Replace whatever is there (a file, a symlink, a directory) so that the
  // type and mode are exactly those of the spec.
  await fs.rm(target, { recursive: true, force: true });
  await fs.mkdir(path.dirname(target), { recursive: true });
  if (typeof spec === 'string' || Buffer.isBuffer(spec)) {
    await fs.writeFile(target, spec);
    await fs.chmod(target, 0o644);
  } else if ('symlink' in spec) {
    await fs.symlink(spec.symlink, target);
  } else {
    await fs.writeFile(target, spec.content);
    // chmod after writing: the mode of writeFile is filtered by the umask.
    await fs.chmod(target, spec.executable ? 0o755 : 0o644);
  }
}

/**
 * Builds a Mercurial repository at `dir` (created if missing; it must not be
 * a repository yet) with the real `hg`, one `hg commit` per commit of the
 * spec.
 *
 * @example
 * ```ts
 * const { nodes } = await createHgRepository(dir, {
 *   commits: [
 *     { files: { 'README.md': '# Hello\n' }, tags: ['v1.0'] },
 *     { branch: 'stable', files: { 'run.sh': { content: '#!/bin/sh\n', executable: true } } },
 *   ],
 * });
 * ```
 *
 * @param dir - where to create the repository
 * @param spec - the commits to make
 * @returns the repository's path and the node of each commit of the spec
 * @public
 */
export async function createHgRepository(
  dir: string,
  spec: HgRepositorySpec,
): Promise<HgRepositoryInfo> {
  await fs.mkdir(dir, { recursive: true });
  const root = await fs.realpath(dir);
  if (await exists(path.join(root, '.hg'))) {
    throw new Error(`Cannot create a repository at ${root}: it already is one`);
  }
  await runHg(['init', root]);

  const nodes: string[] = [];
  // The branch of the working directory, when known.
  let currentBranch: string | undefined = 'default';
  let hasBookmarks = false;

  const commits = spec.commits ?? [];
  for (const [index, commit] of commits.entries()) {
    const label = `commit ${index + 1} of ${root}`;
    const user = commit.user ?? DEFAULT_USER;
    const date = commit.date ?? `${FIRST_DATE + index * 3600} 0`;

    if (commit.parent !== undefined) {
      await runHg(['update', '-C', '-r', commit.parent], { cwd: root });
      if (hasBookmarks) {
        // `hg update NAME` activates the bookmark NAME; keep them all inactive.
        await runHg(['bookmark', '--inactive'], { cwd: root });
      }
      currentBranch = undefined;
    }
    if (commit.branch !== undefined && commit.branch !== currentBranch) {
      await runHg(['branch', '-f', '--', commit.branch], { cwd: root });
    }
    if (commit.branch !== undefined) {
      currentBranch = commit.branch;
    }

    const patterns: string[] = [];
    for (const [name, fileSpec] of Object.entries(commit.files ?? {})) {
      checkFileName(name);
      if (fileSpec === null) {
        const target = path.join(root, ...name.split('/'));
        if (!(await exists(target))) {
          throw new Error(
            `Cannot delete ${JSON.stringify(name)} in ${label}: it does not exist`,
          );
        }
        await fs.rm(target, { recursive: true, force: true });
      } else {
        await writeSpecFile(root, name, fileSpec);
      }
      // `path:` so that names are never taken as globs; explicit names are
      // added even when .hgignore matches them.
      patterns.push(`path:${name}`);
    }

    const args = [
      'commit',
      '--addremove',
      '--debug',
      '-u',
      user,
      '-d',
      date,
      '-m',
      commit.message ?? `commit ${index + 1}`,
    ];
    if (commit.close) {
      args.push('--close-branch');
    }
    if (patterns.length) {
      args.push('--', ...patterns);
    }
    let output: string;
    try {
      output = await runHg(args, { cwd: root });
    } catch (error) {
      throw new Error(
        `Failed to make ${label} (a commit needs file changes, a new branch or close: true): ${(error as Error).message}`,
      );
    }
    const match = /^committed changeset \d+:([0-9a-f]{40})$/m.exec(output);
    if (!match) {
      throw new Error(
        `Failed to make ${label}: hg commit did not report the new node. Output: ${output}`,
      );
    }
    const node = match[1];
    nodes.push(node);

    if (commit.tags?.length) {
      await runHg(
        ['tag', '-f', '-r', node, '-u', user, '-d', date, '--', ...commit.tags],
        {
          cwd: root,
        },
      );
    }
    if (commit.bookmarks?.length) {
      await runHg(['bookmark', '-f', '-r', node, '--', ...commit.bookmarks], {
        cwd: root,
      });
      hasBookmarks = true;
    }
  }

  return { path: root, nodes };
}
