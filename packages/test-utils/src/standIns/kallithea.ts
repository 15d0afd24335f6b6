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

import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { runHg } from '../hg';
import { listenOnLoopback } from '../loopback';
import {
  createHgRepository,
  HgCommitSpec,
  HgRepositoryInfo,
} from '../repository';
import { HgTestServer, startHgServer } from '../server';
import { createTempDir } from '../tempDir';

/**
 * A user of {@link startKallitheaStandIn}.
 *
 * @public
 */
export interface KallitheaStandInUser {
  username: string;
  /** What hg over HTTP takes (with the user name). */
  password: string;
  /** What the JSON-RPC API and the whitelisted web views take. */
  apiKey: string;
  /** A Kallithea administrator (`hg.admin`): every repository, every method. */
  admin?: boolean;
}

/**
 * A repository of {@link startKallitheaStandIn}.
 *
 * @public
 */
export interface KallitheaStandInRepository {
  /** Its full name, `group/repo` in a repository group. */
  name: string;
  /** Readable only by its owner and administrators; default false. */
  private?: boolean;
  /** Archives can be downloaded; default false, as on Kallithea. */
  enableDownloads?: boolean;
  description?: string;
  /** The user name of its owner; default the first administrator. */
  owner?: string;
  /**
   * Commits to create it with (`createHgRepository`); without them a
   * repository must already be in `root` (made by the test with hg), else an
   * empty one is created.
   */
  commits?: HgCommitSpec[];
}

/**
 * Options of {@link startKallitheaStandIn}.
 *
 * @public
 */
export interface KallitheaStandInOptions {
  users: KallitheaStandInUser[];
  repositories?: KallitheaStandInRepository[];
  /**
   * `api_access_controllers_whitelist`: the web views that take `?api_key=`
   * or `Authorization: Bearer`; default `FilesController:raw` and
   * `FilesController:archivefile`.
   */
  whitelist?: string[];
  /**
   * The directory of the repositories (not removed by `stop()`); default a
   * fresh temp directory.
   */
  root?: string;
  /**
   * `get_repo_nodes` answers `Internal server error` to a non-admin key, as
   * some Kallithea versions do; default false (0.7.0 checks read access).
   */
  repoNodesAdminOnly?: boolean;
}

/**
 * One request the stand-in answered.
 *
 * @public
 */
export interface KallitheaStandInRequest {
  method: string;
  /** The URL path, percent-decoded. */
  path: string;
  /** The query parameters (an `api_key` value is shown as `***`). */
  query: Record<string, string>;
  /** `api`: JSON-RPC; `web`: a web route; `hg`: the wire protocol. */
  kind: 'api' | 'web' | 'hg';
  /** The JSON-RPC method, for `api`. */
  rpcMethod?: string;
  /** How the request carried credentials, as the stand-in read them. */
  credential: 'none' | 'body-api-key' | 'query-api-key' | 'bearer' | 'basic';
  /** The user the credentials belong to, when they were valid where sent. */
  user?: string;
  status: number;
}

/**
 * A running stand-in made by {@link startKallitheaStandIn}.
 *
 * @public
 */
export interface KallitheaStandIn {
  /** `http://127.0.0.1:PORT`, the Kallithea base URL. */
  baseUrl: string;
  host: string;
  /** `{baseUrl}/_admin/api` */
  apiUrl: string;
  /** The directory of the repositories. */
  root: string;
  /** The hg serve the wire protocol goes to. */
  hg: HgTestServer;
  repoDir(name: string): string;
  /** `{baseUrl}/{name}`: what hg clones. */
  repoUrl(name: string): string;
  /** The repositories created from `commits`, by name. */
  created: Record<string, HgRepositoryInfo>;
  /** Every request so far. */
  requests: KallitheaStandInRequest[];
  /** The JSON-RPC calls so far, of one method or all. */
  rpcCalls(method?: string): KallitheaStandInRequest[];
  /** Sets a repository's `enable_downloads`. */
  setEnableDownloads(name: string, enabled: boolean): void;
  stop(): Promise<void>;
}

interface RepoState {
  id: number;
  name: string;
  private: boolean;
  enableDownloads: boolean;
  description: string;
  owner: string;
  createdOn: Date;
}

interface GroupState {
  name: string;
  owner: string;
}

interface HgChangeset {
  node: string;
  rev: number;
  desc: string;
  date: [number, number];
  author: string;
  file_adds: string[];
  file_mods: string[];
  file_dels: string[];
}

const NULL_NODE = '0'.repeat(40);

/** Python's ordering of two strings. */
function compare(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  return a < b ? -1 : 1;
}

/** The images Kallithea's raw view serves inline as what they are. */
const IMAGE_TYPES: Record<string, string> = {
  '.ico': 'image/x-icon',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
};

/** The view of Kallithea's routes below a repository. */
const VIEWS: Record<string, string> = {
  raw: 'FilesController:raw',
  rawfile: 'FilesController:rawfile',
  archive: 'FilesController:archivefile',
};

const DEFAULT_WHITELIST = [
  'FilesController:raw',
  'FilesController:archivefile',
];

/** The archive types of Kallithea's `ARCHIVE_SPECS`: extension, content type, hg type. */
const ARCHIVE_SPECS: Array<[string, string, string]> = [
  ['.tar.bz2', 'application/x-bzip2', 'tbz2'],
  ['.tar.gz', 'application/x-gzip', 'tgz'],
  ['.zip', 'application/zip', 'zip'],
];

/** Python's `datetime.isoformat()` of a local time, as Kallithea's JSON writes it. */
function isoLocal(date: Date, millis = false): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const base = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
  return millis && date.getMilliseconds()
    ? `${base}.${pad(date.getMilliseconds(), 3)}`
    : base;
}

function html(title: string, body: string): string {
  return `<!DOCTYPE html>\n<html><head><title>${title} - Kallithea</title></head><body><h1>${title}</h1><p>${body}</p></body></html>\n`;
}

/** What JSON-RPC methods take: name -> required (true) or optional (false). */
const SIGNATURES: Record<string, Record<string, boolean>> = {
  get_repos: {},
  get_repo: {
    repoid: true,
    with_revision_names: false,
    with_pullrequests: false,
  },
  get_repo_nodes: {
    repoid: true,
    revision: true,
    root_path: true,
    ret_type: false,
  },
  get_changesets: {
    repoid: true,
    start: false,
    end: false,
    start_date: false,
    end_date: false,
    branch_name: false,
    reverse: false,
    with_file_list: false,
    max_revisions: false,
  },
  get_changeset: { repoid: true, raw_id: true, with_reviews: false },
  create_repo: {
    repo_name: true,
    owner: false,
    repo_type: false,
    description: false,
    private: false,
    clone_uri: false,
    landing_rev: false,
    enable_statistics: false,
    enable_downloads: false,
    copy_permissions: false,
  },
  create_repo_group: {
    group_name: true,
    description: false,
    owner: false,
    parent: false,
    copy_permissions: false,
  },
  update_repo: {
    repoid: true,
    name: false,
    owner: false,
    group: false,
    description: false,
    private: false,
    clone_uri: false,
    landing_rev: false,
    enable_statistics: false,
    enable_downloads: false,
  },
  rescan_repos: { remove_obsolete: false },
};

/** Methods decorated with `HasPermissionAnyDecorator('hg.admin')`. */
const ADMIN_ONLY = new Set(['create_repo_group', 'rescan_repos']);

/** A failure the method reports in `error` (Kallithea's JSONRPCError). */
class RpcError extends Error {}

/**
 * Starts a stand-in for a Kallithea 0.7.0 server on a free 127.0.0.1 port,
 * answering exactly what `hosted-products.md` records of a real one, over a
 * directory of real hg repositories (nodes, file contents, logs and archives
 * come from the real hg; the wire protocol goes to a real `hg serve`):
 *
 * - JSON-RPC `POST /_admin/api` (`get_repos`, `get_repo` with
 *   `with_revision_names`, `get_changesets` with Kallithea's quirks,
 *   `get_changeset`, `get_repo_nodes`, `create_repo`, `create_repo_group`,
 *   `update_repo`, `rescan_repos`): always HTTP 200 with
 *   `{"id", "result", "error"}`, the errors worded as Kallithea's source;
 * - `/{repo}/raw|rawfile/{rev}/{path}` and `/{repo}/archive/{rev}.tar.gz`
 *   (`Downloads disabled`, `Unknown revision X` as 200 text/html), taking an
 *   API key (`?api_key=` or Bearer) only for whitelisted views; a private
 *   repository without one answers 302 to `/_admin/login`;
 * - hg over HTTP at `/{repo}`: user name and password only (401 otherwise),
 *   public repositories anonymously for pulls.
 *
 * @public
 */
export async function startKallitheaStandIn(
  options: KallitheaStandInOptions,
): Promise<KallitheaStandIn> {
  const tempDir = options.root ? undefined : await createTempDir('kallithea-');
  const rootDir = options.root ?? path.join(tempDir!.path, 'repos');
  await fs.mkdir(rootDir, { recursive: true });
  const root = await fs.realpath(rootDir);
  const repoDir = (name: string) => path.join(root, ...name.split('/'));
  const whitelist = options.whitelist ?? DEFAULT_WHITELIST;
  const users = options.users;
  const firstAdmin = users.find(u => u.admin)?.username ?? users[0]?.username;

  const repos = new Map<string, RepoState>();
  const groups = new Map<string, GroupState>();
  const created: Record<string, HgRepositoryInfo> = {};
  let nextId = 1;
  const addGroups = (name: string, owner: string) => {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const group = parts.slice(0, i).join('/');
      if (!groups.has(group)) {
        groups.set(group, { name: group, owner });
      }
    }
  };
  for (const spec of options.repositories ?? []) {
    const dir = repoDir(spec.name);
    const hasHg = await fs
      .stat(path.join(dir, '.hg'))
      .then(() => true)
      .catch(() => false);
    if (spec.commits || !hasHg) {
      created[spec.name] = await createHgRepository(dir, {
        commits: spec.commits,
      });
    }
    const owner = spec.owner ?? firstAdmin;
    repos.set(spec.name, {
      id: nextId++,
      name: spec.name,
      private: spec.private ?? false,
      enableDownloads: spec.enableDownloads ?? false,
      description: spec.description ?? '',
      owner,
      createdOn: new Date(),
    });
    addGroups(spec.name, owner);
  }

  const hg = await startHgServer({
    root,
    allowPush: true,
    allowArchive: false,
  });
  const requests: KallitheaStandInRequest[] = [];

  // --- hg helpers -----------------------------------------------------------

  const hgIn = (name: string, args: string[]) =>
    runHg(['-R', repoDir(name), ...args]);

  const changesets = async (
    name: string,
    revset: string,
  ): Promise<HgChangeset[]> => {
    const out = await hgIn(name, [
      'log',
      '-r',
      revset,
      '-T',
      '{dict(node, rev, desc, date, author, file_adds, file_mods, file_dels)|json}\n',
    ]);
    return out
      .split('\n')
      .filter(Boolean)
      .map(line => JSON.parse(line) as HgChangeset);
  };

  /** Resolves a symbol as Kallithea's `revsymbol` does (no revsets). */
  const resolve = async (
    name: string,
    key: string | number,
  ): Promise<HgChangeset | undefined> => {
    const text = String(key);
    if (!text || /['\\]/.test(text)) {
      return undefined;
    }
    const found = await changesets(name, `'${text}'`).catch(() => []);
    // not the working directory's pseudo-node (ffff...)
    return found[0]?.rev === 2147483647 ? undefined : found[0];
  };

  const isEmpty = async (name: string) =>
    (await hgIn(name, ['log', '-r', 'tip', '-T', '{rev}'])).trim() === '-1';

  const changesetJson = (c: HgChangeset, withFiles = false) => ({
    short_id: c.node.slice(0, 12),
    raw_id: c.node,
    revision: c.rev,
    message: c.desc,
    date: isoLocal(new Date(c.date[0] * 1000)),
    author: c.author,
    ...(withFiles && {
      added: c.file_adds,
      changed: c.file_mods,
      removed: c.file_dels,
    }),
  });

  const lastChangeset = async (name: string) => {
    const [tip] = await changesets(name, 'tip');
    if (!tip || tip.rev === -1) {
      return {
        short_id: NULL_NODE.slice(0, 12),
        raw_id: NULL_NODE,
        revision: -1,
        message: '',
        date: isoLocal(new Date(0)),
        author: '',
      };
    }
    return changesetJson(tip);
  };

  const files = async (name: string, node: string): Promise<string[]> => {
    const out = await hgIn(name, ['files', '-r', node, '-T', '{path}\n']).catch(
      () => '',
    );
    return out.split('\n').filter(Boolean);
  };

  // --- permissions ------------------------------------------------------------

  const canRead = (user: KallitheaStandInUser | undefined, repo: RepoState) =>
    !repo.private || user?.admin || user?.username === repo.owner;
  const canAdmin = (user: KallitheaStandInUser | undefined, repo: RepoState) =>
    Boolean(user?.admin || user?.username === repo.owner);

  // --- JSON-RPC -----------------------------------------------------------------

  const repoOrError = (repoid: unknown): RepoState => {
    const repo =
      typeof repoid === 'number'
        ? [...repos.values()].find(r => r.id === repoid)
        : repos.get(String(repoid));
    if (!repo) {
      throw new RpcError(`repository \`${repoid}\` does not exist`);
    }
    return repo;
  };

  const apiData = async (repo: RepoState) => ({
    repo_id: repo.id,
    repo_name: repo.name,
    repo_type: 'hg',
    clone_uri: null,
    private: repo.private,
    created_on: isoLocal(repo.createdOn, true),
    description: repo.description,
    landing_rev: ['rev', 'tip'],
    owner: repo.owner,
    fork_of: null,
    enable_statistics: false,
    enable_downloads: repo.enableDownloads,
    last_changeset: await lastChangeset(repo.name),
  });

  const revisionNames = async (name: string) => {
    if (await isEmpty(name)) {
      return { tags: {}, branches: {}, bookmarks: {} };
    }
    const [tags, branches, bookmarks] = await Promise.all([
      hgIn(name, ['tags', '-T', 'json']),
      hgIn(name, ['branches', '-T', 'json']),
      hgIn(name, ['bookmarks', '-T', 'json']),
    ]).then(all => all.map(text => JSON.parse(text || '[]')));
    const byName = (
      list: Array<Record<string, any>>,
      key: string,
      reverse: boolean,
    ) =>
      Object.fromEntries(
        list
          .filter(e => !e.closed)
          .map(e => [String(e[key]), String(e.node)] as [string, string])
          .sort(([a], [b]) => compare(a, b) * (reverse ? -1 : 1)),
      );
    return {
      tags: byName(tags, 'tag', true),
      branches: byName(branches, 'branch', false),
      bookmarks: byName(bookmarks, 'bookmark', true),
    };
  };

  const methods: Record<
    string,
    (args: Record<string, any>, user: KallitheaStandInUser) => Promise<unknown>
  > = {
    get_repos: async (_args, user) =>
      Promise.all(
        [...repos.values()].filter(r => canRead(user, r)).map(apiData),
      ),

    get_repo: async (args, user) => {
      const repo = repoOrError(args.repoid);
      if (!canRead(user, repo)) {
        throw new RpcError(`repository \`${args.repoid}\` does not exist`);
      }
      return {
        ...(await apiData(repo)),
        ...(args.with_revision_names && (await revisionNames(repo.name))),
        members: [
          { name: repo.owner, type: 'user', permission: 'repository.admin' },
        ],
        followers: [],
      };
    },

    get_repo_nodes: async (args, user) => {
      const repo = repoOrError(args.repoid);
      if (options.repoNodesAdminOnly && !user.admin) {
        throw new Error('HTTPForbidden');
      }
      if (!canRead(user, repo)) {
        throw new RpcError(`repository \`${args.repoid}\` does not exist`);
      }
      const retType = args.ret_type ?? 'all';
      const failed = () =>
        new RpcError(`failed to get repo: \`${repo.name}\` nodes`);
      const cs = await resolve(repo.name, args.revision);
      if (!cs || cs.rev === -1) {
        throw failed();
      }
      const all = await files(repo.name, cs.node);
      const top = String(args.root_path ?? '').replace(/^\/+|\/+$/g, '');
      const below = top ? all.filter(f => f.startsWith(`${top}/`)) : all;
      if (top && !below.length) {
        throw failed();
      }
      const dirs: Array<{ name: string; type: string }> = [];
      const fileNodes: Array<{ name: string; type: string }> = [];
      // Kallithea's changeset.walk: top-down, each level sorted by name.
      const walk = (dir: string) => {
        const prefix = dir ? `${dir}/` : '';
        const childDirs = new Set<string>();
        const childFiles: string[] = [];
        for (const f of below) {
          if (!f.startsWith(prefix)) continue;
          const rest = f.slice(prefix.length);
          const slash = rest.indexOf('/');
          if (slash === -1) childFiles.push(f);
          else childDirs.add(prefix + rest.slice(0, slash));
        }
        const sortedDirs = [...childDirs].sort();
        fileNodes.push(
          ...childFiles.sort().map(name => ({ name, type: 'file' })),
        );
        dirs.push(...sortedDirs.map(name => ({ name, type: 'dir' })));
        sortedDirs.forEach(walk);
      };
      walk(top);
      const map: Record<string, unknown> = {
        all: [...dirs, ...fileNodes],
        files: fileNodes,
        dirs,
      };
      if (!(retType in map)) {
        throw new RpcError('ret_type must be one of all,dirs,files');
      }
      return map[retType];
    },

    get_changesets: async (args, user) => {
      const repo = repoOrError(args.repoid);
      if (!canRead(user, repo)) {
        throw new RpcError(`Access denied to repo ${repo.name}`);
      }
      if (await isEmpty(repo.name)) {
        throw new RpcError('Repository is empty');
      }
      const all = await changesets(repo.name, 'all()');
      const position = async (key: unknown) => {
        if (key === undefined || key === null) return undefined;
        const cs =
          key === -1
            ? all[all.length - 1]
            : await resolve(repo.name, key as string);
        if (!cs) {
          // ChangesetDoesNotExistError: not a JSONRPCError
          throw new Error('ChangesetDoesNotExistError');
        }
        return cs.rev;
      };
      const startPos = await position(args.start);
      let endPos = await position(args.end);
      if (startPos !== undefined && endPos !== undefined && startPos > endPos) {
        throw new Error('RepositoryError: start cannot be after end');
      }
      if (endPos !== undefined) endPos += 1;
      let list = all;
      const branch = args.branch_name as string | undefined;
      const startDate = args.start_date
        ? new Date(String(args.start_date)).getTime() / 1000
        : undefined;
      const endDate = args.end_date
        ? new Date(String(args.end_date)).getTime() / 1000
        : undefined;
      if (
        branch ||
        startDate !== undefined ||
        endDate !== undefined ||
        args.max_revisions
      ) {
        let matching = all;
        if (branch) {
          const onBranch = await changesets(
            repo.name,
            `branch('${branch.replace(/['\\]/g, '')}')`,
          ).catch(() => undefined);
          if (!onBranch) throw new Error('BranchDoesNotExistError');
          const nodes = new Set(onBranch.map(c => c.node));
          matching = matching.filter(c => nodes.has(c.node));
        }
        if (startDate !== undefined)
          matching = matching.filter(c => c.date[0] > startDate);
        if (endDate !== undefined)
          matching = matching.filter(c => c.date[0] < endDate);
        // limit() of the revspec: the oldest, before any slicing or reversal
        list = args.max_revisions
          ? matching.slice(0, Number(args.max_revisions))
          : matching;
      }
      // Kallithea slices the filtered list by positions in the whole one.
      const revs = list.slice(startPos ?? 0, endPos);
      if (args.reverse) revs.reverse();
      return revs.map(c => changesetJson(c, Boolean(args.with_file_list)));
    },

    get_changeset: async (args, user) => {
      const repo = repoOrError(args.repoid);
      if (!canRead(user, repo)) {
        throw new RpcError(`Access denied to repo ${repo.name}`);
      }
      const cs = await resolve(repo.name, args.raw_id);
      if (!cs || cs.rev === -1) {
        throw new RpcError(`Changeset ${args.raw_id} does not exist`);
      }
      const match = /^(.*?)\s*<([^>]*)>\s*$/.exec(cs.author);
      return {
        raw_id: cs.node,
        short_id: cs.node.slice(0, 12),
        revision: cs.rev,
        date: isoLocal(new Date(cs.date[0] * 1000)),
        message: cs.desc,
        author: {
          name: match ? match[1] : cs.author,
          email: match ? match[2] : '',
        },
        added: cs.file_adds,
        changed: cs.file_mods,
        removed: cs.file_dels,
      };
    },

    create_repo: async (args, user) => {
      const name = String(args.repo_name);
      const parts = name.split('/');
      if (parts.length > 1) {
        const group = parts.slice(0, -1).join('/');
        const state = groups.get(group);
        if (!state) {
          throw new RpcError(`repo group \`${group}\` not found`);
        }
        if (!user.admin && state.owner !== user.username) {
          throw new RpcError(`no permission to create repo in ${group}`);
        }
      }
      if (!user.admin && args.owner !== undefined && args.owner !== null) {
        throw new RpcError('Only Kallithea admin can specify `owner` param');
      }
      const owner = args.owner ? String(args.owner) : user.username;
      if (!users.some(u => u.username === owner)) {
        throw new RpcError(`user \`${owner}\` does not exist`);
      }
      if (repos.has(name)) {
        throw new RpcError(`repo \`${name}\` already exist`);
      }
      if (
        (args.repo_type ?? 'hg') !== 'hg' ||
        parts.some(p => !p || p === '.' || p === '..')
      ) {
        throw new RpcError(`failed to create repository \`${name}\``);
      }
      await fs.mkdir(path.dirname(repoDir(name)), { recursive: true });
      await runHg(['init', repoDir(name)]);
      repos.set(name, {
        id: nextId++,
        name,
        private: Boolean(args.private),
        // create_repo ignores enable_downloads (the default setting is off)
        enableDownloads: false,
        description: String(args.description ?? ''),
        owner,
        createdOn: new Date(),
      });
      return { msg: `Created new repository \`${name}\``, success: true };
    },

    create_repo_group: async (args, user) => {
      const name = String(args.group_name);
      if (groups.has(name)) {
        throw new RpcError(`repo group \`${name}\` already exist`);
      }
      let full = name;
      if (args.parent !== undefined && args.parent !== null) {
        const parent = String(args.parent);
        if (!groups.has(parent)) {
          throw new RpcError(`repository group \`${parent}\` does not exist`);
        }
        full = `${parent}/${name}`;
      }
      const owner = args.owner ? String(args.owner) : user.username;
      groups.set(full, { name: full, owner });
      await fs.mkdir(repoDir(full), { recursive: true });
      return {
        msg: `created new repo group \`${name}\``,
        repo_group: {
          group_id: groups.size,
          group_name: full,
          group_description: String(args.description ?? name),
          parent_group: args.parent ?? null,
          repositories: [],
          owner,
        },
      };
    },

    update_repo: async (args, user) => {
      const repo = repoOrError(args.repoid);
      if (!canAdmin(user, repo)) {
        throw new RpcError(`repository \`${args.repoid}\` does not exist`);
      }
      if (!user.admin && args.owner !== undefined && args.owner !== null) {
        throw new RpcError('Only Kallithea admin can specify `owner` param');
      }
      if (typeof args.enable_downloads === 'boolean') {
        repo.enableDownloads = args.enable_downloads;
      }
      if (typeof args.private === 'boolean') repo.private = args.private;
      if (typeof args.description === 'string')
        repo.description = args.description;
      return {
        msg: `updated repo ID:${repo.id} ${repo.name}`,
        repository: await apiData(repo),
      };
    },

    rescan_repos: async (_args, user) => {
      const added: string[] = [];
      const walk = async (dir: string, prefix: string) => {
        const entries = await fs.readdir(dir, { withFileTypes: true });
        for (const e of entries) {
          if (!e.isDirectory() || e.name === '.hg') continue;
          const name = prefix ? `${prefix}/${e.name}` : e.name;
          const isRepo = await fs
            .stat(path.join(dir, e.name, '.hg'))
            .then(() => true)
            .catch(() => false);
          if (isRepo) {
            if (!repos.has(name)) {
              repos.set(name, {
                id: nextId++,
                name,
                private: false,
                enableDownloads: false,
                description: '',
                owner: user.username,
                createdOn: new Date(),
              });
              addGroups(name, user.username);
              added.push(name);
            }
          } else {
            await walk(path.join(dir, e.name), name);
          }
        }
      };
      await walk(root, '');
      return { added, removed: [] };
    },
  };

  const handleApi = async (
    body: string,
    record: KallitheaStandInRequest,
  ): Promise<unknown> => {
    let json: any;
    try {
      json = JSON.parse(body);
    } catch (e) {
      return {
        id: null,
        result: null,
        error: `JSON parse error ERR:${(e as Error).message} RAW:${JSON.stringify(body.slice(0, 100))}`,
      };
    }
    for (const key of ['api_key', 'id', 'method', 'args']) {
      if (!json || typeof json !== 'object' || !(key in json)) {
        return {
          id: json?.id ?? null,
          result: null,
          error: `Incorrect JSON query missing '${key}'`,
        };
      }
    }
    const id = json.id;
    record.credential = 'body-api-key';
    record.rpcMethod = String(json.method);
    const user = users.find(u => u.apiKey === json.api_key);
    if (!user) {
      return { id, result: null, error: 'Invalid API key' };
    }
    record.user = user.username;
    const method = String(json.method);
    if (method.startsWith('_')) {
      return { id, result: null, error: 'Method not allowed' };
    }
    const signature = SIGNATURES[method];
    if (!signature) {
      return { id, result: null, error: `No such method: ${method}` };
    }
    const args: Record<string, unknown> =
      json.args && typeof json.args === 'object' && !Array.isArray(json.args)
        ? json.args
        : {};
    for (const [arg, required] of Object.entries(signature)) {
      if (required && !(arg in args)) {
        return {
          id,
          result: null,
          error: `Missing non optional \`${arg}\` arg in JSON DATA`,
        };
      }
    }
    const extra = Object.keys(args).filter(a => !(a in signature));
    if (extra.length) {
      return {
        id,
        result: null,
        error: `Unknown ${extra.map(a => `\`${a}\``).join(', ')} arg in JSON DATA`,
      };
    }
    try {
      if (ADMIN_ONLY.has(method) && !user.admin) {
        throw new Error('HTTPForbidden');
      }
      const result = await methods[method](args, user);
      return { id, result, error: null };
    } catch (e) {
      return {
        id,
        result: null,
        error: e instanceof RpcError ? e.message : 'Internal server error',
      };
    }
  };

  // --- web routes -------------------------------------------------------------------

  const bearerOf = (req: http.IncomingMessage) => {
    const auth = req.headers.authorization;
    return auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
  };

  const basicOf = (req: http.IncomingMessage) => {
    const auth = req.headers.authorization;
    if (!auth?.startsWith('Basic ')) return undefined;
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0
      ? undefined
      : {
          username: decoded.slice(0, colon),
          password: decoded.slice(colon + 1),
        };
  };

  /** The repository a path starts with (the longest name) and the rest. */
  const splitRepo = (segments: string[]) => {
    for (let i = segments.length; i > 0; i--) {
      const name = segments.slice(0, i).join('/');
      if (repos.has(name)) {
        return { repo: repos.get(name)!, rest: segments.slice(i) };
      }
    }
    return undefined;
  };

  const send = (
    res: http.ServerResponse,
    record: KallitheaStandInRequest,
    status: number,
    headers: Record<string, string>,
    body?: string | Buffer,
  ) => {
    record.status = status;
    res.writeHead(status, headers);
    res.end(body);
  };
  const sendHtml = (
    res: http.ServerResponse,
    record: KallitheaStandInRequest,
    status: number,
    text: string,
  ) =>
    send(
      res,
      record,
      status,
      { 'Content-Type': 'text/html; charset=UTF-8' },
      text,
    );

  const withTempFile = async <T>(fn: (file: string) => Promise<T>) => {
    const dir = await createTempDir('kallithea-file-');
    try {
      return await fn(path.join(dir.path, 'out'));
    } finally {
      await dir.remove();
    }
  };

  const handleWeb = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    repo: RepoState,
    rest: string[],
    record: KallitheaStandInRequest,
  ) => {
    const view = rest.length === 0 ? 'SummaryController:index' : VIEWS[rest[0]];
    if (!view || req.method !== 'GET') {
      sendHtml(
        res,
        record,
        404,
        html('404 Not Found', 'The resource could not be found.'),
      );
      return;
    }
    const queryKey = url.searchParams.get('api_key') ?? undefined;
    const bearer = bearerOf(req);
    record.credential = 'none';
    if (queryKey) {
      record.credential = 'query-api-key';
    } else if (bearer) {
      record.credential = 'bearer';
    } else if (basicOf(req)) {
      record.credential = 'basic';
    }
    const key = queryKey ?? bearer;
    // HTTP Basic is ignored; a key only counts for whitelisted views.
    const user =
      key && whitelist.includes(view)
        ? users.find(u => u.apiKey === key)
        : undefined;
    record.user = user?.username;
    if (!canRead(user, repo)) {
      if (!user) {
        send(res, record, 302, {
          Location: `/_admin/login?came_from=${encodeURIComponent(url.pathname)}`,
          'Content-Type': 'text/html; charset=UTF-8',
        });
        return;
      }
      sendHtml(
        res,
        record,
        403,
        html('403 Forbidden', 'Access was denied to this resource.'),
      );
      return;
    }
    if (view === 'SummaryController:index') {
      sendHtml(
        res,
        record,
        200,
        html(repo.name, repo.description || 'Summary'),
      );
      return;
    }
    if (view === 'FilesController:archivefile') {
      if (rest.length !== 2) {
        sendHtml(
          res,
          record,
          404,
          html('404 Not Found', 'The resource could not be found.'),
        );
        return;
      }
      const fname = rest[1];
      const spec = ARCHIVE_SPECS.find(
        ([ext]) => fname.endsWith(ext) && fname.length > ext.length,
      );
      if (!repo.enableDownloads) {
        sendHtml(res, record, 200, 'Downloads disabled');
        return;
      }
      if (!spec) {
        sendHtml(res, record, 200, 'Unknown archive type');
        return;
      }
      const revision = fname.slice(0, -spec[0].length);
      if (await isEmpty(repo.name)) {
        sendHtml(res, record, 200, 'Empty repository');
        return;
      }
      const cs = await resolve(repo.name, revision);
      if (!cs) {
        sendHtml(res, record, 200, `Unknown revision ${revision}`);
        return;
      }
      const short = cs.node.slice(0, 12);
      const base = repo.name.split('/').pop()!;
      const data = await withTempFile(async file => {
        await hgIn(repo.name, [
          'archive',
          '-r',
          cs.node,
          '-t',
          spec[2],
          '--prefix',
          `${base}-${short}/`,
          file,
        ]);
        return fs.readFile(file);
      });
      send(
        res,
        record,
        200,
        {
          'Content-Type': spec[1],
          'Content-Disposition': `attachment; filename=${repo.name.replace(/\//g, '_')}-${short}${spec[0]}`,
          'Content-Length': String(data.length),
        },
        data,
      );
      return;
    }
    // raw / rawfile
    const revision = rest[1];
    const filePath = rest.slice(2).join('/');
    if (await isEmpty(repo.name)) {
      send(res, record, 302, { Location: `/${repo.name}` });
      return;
    }
    const cs = revision ? await resolve(repo.name, revision) : undefined;
    if (!cs || !filePath) {
      sendHtml(
        res,
        record,
        404,
        html(
          '404 Not Found',
          'Such revision does not exist for this repository',
        ),
      );
      return;
    }
    const all = await files(repo.name, cs.node);
    if (!all.includes(filePath)) {
      sendHtml(
        res,
        record,
        404,
        html(
          '404 Not Found',
          all.some(f => f.startsWith(`${filePath}/`))
            ? 'given path is a directory'
            : `There is no file nor directory at the given path: '${filePath}' at revision ${cs.node.slice(0, 12)}`,
        ),
      );
      return;
    }
    const data = await withTempFile(async file => {
      await hgIn(repo.name, [
        'cat',
        '-r',
        cs.node,
        '-o',
        file,
        `path:${filePath}`,
      ]);
      return fs.readFile(file);
    });
    const basename = filePath.split('/').pop()!;
    // FilesController.raw: images inline, other binaries as downloads, the
    // rest as text/plain (never text/html).
    const image = IMAGE_TYPES[path.extname(basename).toLowerCase()];
    let type = 'text/plain; charset=UTF-8';
    let disposition = view === 'FilesController:raw' ? 'inline' : 'attachment';
    if (image) {
      type = image;
    } else if (data.includes(0)) {
      type = 'application/octet-stream';
      disposition = 'attachment';
    }
    send(
      res,
      record,
      200,
      {
        'Content-Type': type,
        'Content-Disposition': `${disposition}; filename="${basename}"`,
        'Content-Length': String(data.length),
      },
      data,
    );
  };

  // --- hg over HTTP ---------------------------------------------------------------

  const handleHg = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    repo: RepoState,
    record: KallitheaStandInRequest,
  ) => {
    const cmd = url.searchParams.get('cmd') ?? '';
    const push = cmd === 'unbundle' || cmd === 'pushkey';
    const basic = basicOf(req);
    record.credential = 'none';
    if (basic) {
      record.credential = 'basic';
    } else if (bearerOf(req)) {
      record.credential = 'bearer';
    }
    const user = basic
      ? users.find(
          u => u.username === basic.username && u.password === basic.password,
        )
      : undefined;
    record.user = user?.username;
    const challenge = () => {
      req.resume();
      send(
        res,
        record,
        401,
        {
          'WWW-Authenticate': 'Basic realm="Kallithea"',
          'Content-Type': 'text/plain',
        },
        '401 Unauthorized\n',
      );
    };
    if (basic && !user) {
      challenge();
      return;
    }
    if (!user && (push || repo.private)) {
      challenge();
      return;
    }
    if (push ? !canAdmin(user, repo) : !canRead(user, repo)) {
      req.resume();
      send(
        res,
        record,
        403,
        { 'Content-Type': 'text/plain' },
        '403 Forbidden\n',
      );
      return;
    }
    const headers = { ...req.headers };
    delete headers.authorization;
    delete headers.host;
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: hg.port,
        method: req.method,
        path: `/${repo.name.split('/').map(encodeURIComponent).join('/')}${url.search}`,
        headers,
        agent: false,
      },
      answer => {
        record.status = answer.statusCode ?? 502;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', error => {
      if (!res.headersSent) {
        send(res, record, 502, { 'Content-Type': 'text/plain' }, String(error));
      } else {
        res.destroy(error);
      }
    });
    req.pipe(upstream);
  };

  // --- the server ------------------------------------------------------------------

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let decoded: string;
    try {
      decoded = decodeURIComponent(url.pathname);
    } catch {
      decoded = url.pathname;
    }
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) {
      query[k] = k === 'api_key' ? '***' : v;
    }
    const record: KallitheaStandInRequest = {
      method: req.method ?? 'GET',
      path: decoded,
      query,
      kind: 'web',
      credential: 'none',
      status: 0,
    };
    requests.push(record);
    const fail = (error: unknown) => {
      if (!res.headersSent) {
        sendHtml(
          res,
          record,
          500,
          html('500 Internal Server Error', String(error)),
        );
      } else {
        res.destroy();
      }
    };
    if (decoded === '/_admin/api') {
      record.kind = 'api';
      if (req.method !== 'POST') {
        sendHtml(res, record, 405, html('405 Method Not Allowed', 'POST only'));
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', c => chunks.push(c));
      req.on('end', () => {
        handleApi(Buffer.concat(chunks).toString('utf8'), record)
          .then(answer =>
            send(
              res,
              record,
              200,
              { 'Content-Type': 'application/json' },
              JSON.stringify(answer),
            ),
          )
          .catch(fail);
      });
      return;
    }
    if (decoded === '/_admin/login') {
      sendHtml(
        res,
        record,
        200,
        html('Log In', '<form method="post">Username, password</form>'),
      );
      return;
    }
    const segments = decoded.split('/').filter(Boolean);
    const found = splitRepo(segments);
    if (!found) {
      sendHtml(
        res,
        record,
        404,
        html('404 Not Found', 'The resource could not be found.'),
      );
      return;
    }
    const isHg =
      found.rest.length === 0 &&
      (url.searchParams.has('cmd') ||
        (req.headers.accept ?? '').startsWith('application/mercurial'));
    if (isHg) {
      record.kind = 'hg';
      handleHg(req, res, url, found.repo, record);
      return;
    }
    handleWeb(req, res, url, found.repo, found.rest, record).catch(fail);
  });

  const listening = await listenOnLoopback(server);
  return {
    baseUrl: listening.baseUrl,
    host: listening.host,
    apiUrl: `${listening.baseUrl}/_admin/api`,
    root,
    hg,
    repoDir,
    repoUrl: name =>
      `${listening.baseUrl}/${name.split('/').map(encodeURIComponent).join('/')}`,
    created,
    requests,
    rpcCalls: method =>
      requests.filter(
        r =>
          r.kind === 'api' && (method === undefined || r.rpcMethod === method),
      ),
    setEnableDownloads: (name, enabled) => {
      const repo = repos.get(name);
      if (!repo) throw new Error(`No repository ${name}`);
      repo.enableDownloads = enabled;
    },
    stop: async () => {
      await listening.stop();
      await hg.stop();
      await tempDir?.remove();
    },
  };
}
