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

import { assertSafeHgUrl, assertSafeHgValue } from './guard';
import { HgRunner, HgRunOptions } from './HgRunner';

/**
 * A hg command as data: its arguments, the exit codes that are not failures,
 * and how to read its output.
 *
 * @public
 */
export interface HgCommand<T> {
  args: string[];
  okExitCodes?: number[];
  parse(result: { stdout: string; exitCode: number }): T;
}

/**
 * One changeset as `hg log -T json` describes it.
 *
 * @public
 */
export interface HgChangeset {
  node: string;
  rev: number;
  branch: string;
  /** `Name <email>` as recorded. */
  user: string;
  /** ISO 8601, UTC. */
  date: string;
  desc: string;
  tags: string[];
  bookmarks: string[];
  parents: string[];
  phase?: string;
}

function parseJsonLog(stdout: string): HgChangeset[] {
  const raw = JSON.parse(stdout || '[]') as Array<{
    node: string;
    rev: number;
    branch: string;
    user: string;
    date: [number, number];
    desc: string;
    tags: string[];
    bookmarks: string[];
    parents: string[];
    phase?: string;
  }>;
  return raw.map(c => ({
    node: c.node,
    rev: c.rev,
    branch: c.branch,
    user: c.user,
    date: new Date(c.date[0] * 1000).toISOString(),
    desc: c.desc,
    tags: c.tags,
    bookmarks: c.bookmarks,
    parents: c.parents,
    phase: c.phase,
  }));
}

function parseNode(stdout: string): string {
  const node = stdout.trim();
  if (!/^[0-9a-f]{40}$/.test(node)) {
    throw new Error(`Expected a 40-hex changeset node from hg, got '${node}'`);
  }
  return node;
}

const nothing = () => undefined;

/**
 * One changeset that `hg push` would send, as `hg outgoing` describes it.
 *
 * @public
 */
export interface HgOutgoingChangeset {
  node: string;
  branch: string;
  bookmarks: string[];
}

function parseOutgoing(stdout: string): HgOutgoingChangeset[] {
  const text = stdout.trim();
  if (!text) {
    return [];
  }
  const raw = JSON.parse(text) as Array<{
    node: string;
    branch: string;
    bookmarks: string[];
  }>;
  return raw.map(c => ({
    node: parseNode(c.node),
    branch: c.branch,
    bookmarks: c.bookmarks,
  }));
}

/**
 * Builders for the hg commands this project runs. Each validates every
 * user-supplied value with {@link assertSafeHgValue} or
 * {@link assertSafeHgUrl} before anything runs, and reads output through
 * templates, never through human-readable text.
 *
 * @public
 */
export const hgCommands = {
  /** `hg clone [-r REV] [-u REV] [-U] SOURCE DEST` */
  clone(options: {
    source: string;
    dest: string;
    /** Clone only this revision and its ancestors. */
    revision?: string;
    /** Clone everything, then update the working directory to this revision. */
    updateRevision?: string;
    noUpdate?: boolean;
    /** Ask for a stream clone (`--stream`); hg falls back when refused. */
    stream?: boolean;
  }): HgCommand<void> {
    assertSafeHgUrl('source', options.source);
    assertSafeHgValue('destination', options.dest);
    const args = ['clone', '--noninteractive'];
    if (options.revision) {
      assertSafeHgValue('revision', options.revision);
      args.push('--rev', options.revision);
    }
    if (options.updateRevision) {
      assertSafeHgValue('revision', options.updateRevision);
      args.push('--updaterev', options.updateRevision);
    }
    if (options.noUpdate) {
      args.push('--noupdate');
    }
    if (options.stream) {
      args.push('--stream');
    }
    args.push('--', options.source, options.dest);
    return { args, parse: nothing };
  },

  /** `hg pull [-r REV] [SOURCE]` */
  pull(options: { source?: string; revision?: string } = {}): HgCommand<void> {
    const args = ['pull', '--noninteractive'];
    if (options.revision) {
      assertSafeHgValue('revision', options.revision);
      args.push('--rev', options.revision);
    }
    if (options.source) {
      assertSafeHgUrl('source', options.source);
      args.push('--', options.source);
    }
    return { args, parse: nothing };
  },

  /**
   * `hg recover`: rolls back the transaction a killed hg left behind
   * ("abandoned transaction found"). Exit code 1: there was none.
   */
  recover(): HgCommand<void> {
    return { args: ['recover'], okExitCodes: [0, 1], parse: nothing };
  },

  /**
   * `hg push [-r REV] [-B BOOKMARK] [--new-branch] [DEST]`. Resolves to
   * `false` when there was nothing to push (exit code 1).
   */
  push(
    options: {
      destination?: string;
      revision?: string;
      bookmark?: string;
      newBranch?: boolean;
    } = {},
  ): HgCommand<boolean> {
    const args = ['push', '--noninteractive'];
    if (options.revision) {
      assertSafeHgValue('revision', options.revision);
      args.push('--rev', options.revision);
    }
    if (options.bookmark) {
      assertSafeHgValue('bookmark', options.bookmark);
      args.push('--bookmark', options.bookmark);
    }
    if (options.newBranch) {
      args.push('--new-branch');
    }
    if (options.destination) {
      assertSafeHgUrl('destination', options.destination);
      args.push('--', options.destination);
    }
    return { args, okExitCodes: [0, 1], parse: r => r.exitCode === 0 };
  },

  /**
   * `hg outgoing -q -r REV -T json(node,branch,bookmarks) [DEST]`: the
   * changesets that `hg push -r REV DEST` would send (REV and its ancestors
   * the destination lacks), oldest first; `[]` when there are none.
   */
  outgoing(
    options: { destination?: string; revision?: string } = {},
  ): HgCommand<HgOutgoingChangeset[]> {
    const args = ['outgoing', '--quiet'];
    if (options.revision) {
      assertSafeHgValue('revision', options.revision);
      args.push('--rev', options.revision);
    }
    args.push('--template', 'json(node,branch,bookmarks)');
    if (options.destination) {
      assertSafeHgUrl('destination', options.destination);
      args.push('--', options.destination);
    }
    return {
      args,
      okExitCodes: [0, 1],
      parse: r => (r.exitCode === 0 ? parseOutgoing(r.stdout) : []),
    };
  },

  /** `hg log -T json [-r REVSET] [-l N] [PATH...]`, newest first when the revset says so. */
  log(
    options: { revset?: string; limit?: number; paths?: string[] } = {},
  ): HgCommand<HgChangeset[]> {
    const args = ['log', '--template', 'json'];
    if (options.revset) {
      assertSafeHgValue('revision', options.revset);
      args.push('--rev', options.revset);
    }
    if (options.limit !== undefined) {
      if (!Number.isInteger(options.limit) || options.limit < 1) {
        throw new Error(`The log limit must be a positive integer`);
      }
      args.push('--limit', String(options.limit));
    }
    const paths = options.paths ?? [];
    paths.forEach(p => assertSafeHgValue('path', p));
    if (paths.length) {
      args.push('--', ...paths.map(p => `path:${p}`));
    }
    return { args, parse: r => parseJsonLog(r.stdout) };
  },

  /** The 40-hex node of a revision (default: the working directory's parent). */
  node(options: { revision?: string } = {}): HgCommand<string> {
    const revision = options.revision ?? '.';
    assertSafeHgValue('revision', revision);
    return {
      args: ['log', '--rev', revision, '--limit', '1', '--template', '{node}'],
      parse: r => parseNode(r.stdout),
    };
  },

  /**
   * `hg identify -r REV -T '{node}' [SOURCE]`: the node of a revision, also of
   * a remote repository. The null node (40 zeros) means an empty repository.
   */
  identify(
    options: { source?: string; revision?: string } = {},
  ): HgCommand<string> {
    const revision = options.revision ?? '.';
    assertSafeHgValue('revision', revision);
    const args = ['identify', '--rev', revision, '--template', '{node}'];
    if (options.source) {
      assertSafeHgUrl('source', options.source);
      args.push('--', options.source);
    }
    return { args, parse: r => parseNode(r.stdout) };
  },

  /** `hg config paths.NAME`: where `hg push`/`pull` go by default. */
  path(options: { name?: string } = {}): HgCommand<string | undefined> {
    const name = options.name ?? 'default';
    assertSafeHgValue('path name', name);
    return {
      args: ['config', `paths.${name}`],
      okExitCodes: [0, 1],
      parse: r => (r.exitCode === 0 ? r.stdout.trim() || undefined : undefined),
    };
  },

  /** `hg branch`: the branch of the working directory (and of the next commit). */
  currentBranch(): HgCommand<string> {
    return { args: ['branch'], parse: r => r.stdout.trim() };
  },

  /** `hg init [DEST]` (a local path or an ssh:// URL) */
  init(options: { dest?: string } = {}): HgCommand<void> {
    const args = ['init'];
    if (options.dest) {
      assertSafeHgUrl('destination', options.dest);
      args.push('--', options.dest);
    }
    return { args, parse: nothing };
  },

  /** `hg addremove` of the whole working directory */
  addRemove(): HgCommand<void> {
    return { args: ['addremove', '--similarity', '0'], parse: nothing };
  },

  /**
   * `hg commit -u USER -m MESSAGE`. Resolves to `false` when there was
   * nothing to commit (exit code 1).
   */
  commit(options: {
    message: string;
    user: string;
    date?: string;
    addRemove?: boolean;
    closeBranch?: boolean;
  }): HgCommand<boolean> {
    if (!options.message) {
      throw new Error('A commit message must not be empty');
    }
    assertSafeHgValue('author', options.user);
    const args = ['commit', '--user', options.user];
    if (options.date) {
      assertSafeHgValue('date', options.date);
      args.push('--date', options.date);
    }
    if (options.addRemove) {
      args.push('--addremove');
    }
    if (options.closeBranch) {
      args.push('--close-branch');
    }
    // A message may start with '-': as the value of --message it is not
    // read as an option.
    args.push(`--message=${options.message}`);
    return { args, okExitCodes: [0, 1], parse: r => r.exitCode === 0 };
  },

  /** `hg branch NAME` (sets the branch of the next commit) */
  branch(options: { name: string; force?: boolean }): HgCommand<void> {
    assertSafeHgValue('branch', options.name);
    const args = ['branch'];
    if (options.force) {
      args.push('--force');
    }
    args.push('--', options.name);
    return { args, parse: nothing };
  },

  /** `hg bookmark [-r REV] NAME` (moves it when it exists) */
  bookmark(options: { name: string; revision?: string }): HgCommand<void> {
    assertSafeHgValue('bookmark', options.name);
    const args = ['bookmark', '--force'];
    if (options.revision) {
      assertSafeHgValue('revision', options.revision);
      args.push('--rev', options.revision);
    }
    args.push('--', options.name);
    return { args, parse: nothing };
  },

  /**
   * `hg bookmarks --inactive`: the next commit moves no bookmark (a no-op
   * when none is active).
   */
  deactivateBookmark(): HgCommand<void> {
    return { args: ['bookmarks', '--inactive'], parse: nothing };
  },

  /** `hg update -C REV` */
  update(options: { revision: string; clean?: boolean }): HgCommand<void> {
    assertSafeHgValue('revision', options.revision);
    const args = ['update'];
    if (options.clean) {
      args.push('--clean');
    }
    args.push('--rev', options.revision);
    return { args, parse: nothing };
  },

  /**
   * `hg archive -r REV [-I path:SUBPATH] -t TYPE DEST`; without `dest` the
   * archive goes to stdout (`-`), for {@link HgRunner.stream}.
   */
  archive(options: {
    dest?: string;
    revision: string;
    subPath?: string;
    type?: 'files' | 'tar' | 'tgz' | 'zip';
  }): HgCommand<void> {
    const type = options.type ?? (options.dest ? 'files' : 'tar');
    if (options.dest) {
      assertSafeHgValue('destination', options.dest);
    } else if (type === 'files') {
      throw new Error('An archive of type files needs a destination');
    }
    assertSafeHgValue('revision', options.revision);
    const args = ['archive', '--rev', options.revision, '--type', type];
    if (options.subPath) {
      assertSafeHgValue('path', options.subPath);
      args.push('--include', `path:${options.subPath}`);
    }
    args.push('--', options.dest ?? '-');
    return { args, parse: nothing };
  },
};

/**
 * Runs a command built by {@link hgCommands} and reads its output.
 *
 * @public
 */
export async function runHgCommand<T>(
  runner: HgRunner,
  command: HgCommand<T>,
  options?: HgRunOptions,
): Promise<T> {
  const result = await runner.run(command.args, {
    ...options,
    okExitCodes: options?.okExitCodes ?? command.okExitCodes,
  });
  return command.parse(result);
}
