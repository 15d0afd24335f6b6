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
  getMercurialRawFileUrl,
  MercurialCredentials,
  MercurialIntegration,
  MercurialUrl,
  parseMercurialUrl,
} from '@backstage-mercurial/integration';
import {
  AuthenticationError,
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { Readable } from 'node:stream';
import { MercurialServerClientBase } from '../base';
import { MercurialServerError } from '../../hgweb/errors';
import {
  HgwebBranch,
  HgwebChangeset,
  HgwebRepositoryState,
  HgwebTag,
  isHgNode,
  NULL_NODE,
} from '../../hgweb/wire';
import { HgwebClientShared, HgwebRequestOptions } from '../transport';
import type {
  MercurialCreateRepositoryRequest,
  MercurialDirectoryEntry,
  MercurialHistoryQuery,
  MercurialMergeRequest,
  MercurialRepositoryListing,
  MercurialServerClient,
} from '../types';

/** A changeset as Kallithea's `get_changesets` writes it. */
interface KallitheaChangeset {
  short_id: string;
  raw_id: string;
  revision: number;
  message: string;
  /** A local time of the server without an offset: `2026-12-01T19:10:15`. */
  date: string;
  author: string;
  added?: string[];
  changed?: string[];
  removed?: string[];
}

/** A repository as `get_repos` / `get_repo` write it. */
interface KallitheaRepository {
  repo_name: string;
  repo_type: string;
  description?: string;
  private?: boolean;
  enable_downloads?: boolean;
  last_changeset?: { raw_id: string; revision: number };
  /** With `with_revision_names`: name -> node. */
  tags?: Record<string, string>;
  branches?: Record<string, string>;
  bookmarks?: Record<string, string>;
}

/** The tags, open branches and bookmarks of a repository, with its tip. */
interface RevisionNames {
  tip: string;
  tags: Record<string, string>;
  branches: Record<string, string>;
  bookmarks: Record<string, string>;
}

/**
 * Methods that answer `Internal server error` to a non-admin key
 * (`create_repo_group` always; `get_repo_nodes` in some versions).
 */
const ADMIN_ONLY_METHODS = new Set(['create_repo_group', 'get_repo_nodes']);

/** Errors that mean this client called the API wrongly, or a version it does not know. */
const CALL_ERRORS =
  /^(No such method|Missing non optional|Unknown .* arg in JSON DATA|Incorrect JSON query|JSON parse error|Method not allowed|Content-Length|No Content-Length)/;

/** The history window of a path filter: changesets asked for per call. */
const PATH_WINDOW = 200;
/** Branches whose changesets are listed to label a page of history. */
const MAX_LABELLED_BRANCHES = 20;

type Options = HgwebRequestOptions;

/**
 * The {@link MercurialServerClient} of a Kallithea server (the `kallithea`
 * flavor; behaviour of Kallithea 0.7.0, not tested against a live one):
 *
 * - JSON-RPC at `apiBaseUrl` (default `{baseUrl}/_admin/api`) with the API
 *   key the credentials service gives (a bearer token) in the body; every
 *   answer is HTTP 200 and errors come as strings in `error`, mapped to
 *   Backstage errors (`Invalid API key` -> AuthenticationError, `... does not
 *   exist` -> NotFoundError, `Internal server error` of an admin-only method
 *   -> NotAllowedError, a call the API does not take -> MercurialServerError
 *   naming the method);
 * - raw files `/{repo}/raw/{node}/{path}` and archives
 *   `/{repo}/archive/{node}.tar.gz` with the API key as `Authorization:
 *   Bearer`, which Kallithea takes only for the views of its
 *   `api_access_controllers_whitelist` (`FilesController:raw`,
 *   `FilesController:archivefile`); its `Downloads disabled` page (HTTP 200)
 *   makes {@link KallitheaServerClient.readArchive} return undefined, so the
 *   reader uses the hg command line (which takes the user name and password);
 * - branches, tags and bookmarks from `get_repo` with `with_revision_names`.
 *
 * What Kallithea's API does not say: a changeset's parents (empty), the
 * branch of a changeset of a closed branch (`default`), closed branches
 * (left out of {@link KallitheaServerClient.getBranches}), every head (the
 * head check lists the open branches' tips); and the history of a node is
 * every changeset of a revision number up to it (Kallithea's changelog
 * order), not only its ancestors. Dates, which Kallithea writes in the
 * server's local time without an offset, are read as UTC.
 *
 * @public
 */
export class KallitheaServerClient
  extends MercurialServerClientBase
  implements MercurialServerClient
{
  private readonly apiUrl: string;
  private readonly warnedDownloads = new Set<string>();
  /** The changesets of each named branch, by repository and tip. */
  private readonly branchNodes = new Map<string, Map<string, Set<string>>>();

  constructor(integration: MercurialIntegration, shared: HgwebClientShared) {
    super(integration, shared);
    this.apiUrl =
      integration.config.apiBaseUrl ??
      `${integration.config.baseUrl}/_admin/api`;
  }

  // --- URLs -------------------------------------------------------------------

  async parseUrl(url: string): Promise<MercurialUrl> {
    return parseMercurialUrl(url, this.integration.config);
  }

  /**
   * The API takes its key in the body, web routes as Bearer (HTTP Basic is
   * ignored there).
   */
  protected authorize(
    credentials: MercurialCredentials,
    url: string,
  ): Record<string, string> {
    if (url === this.apiUrl || credentials.type !== 'bearer') {
      return {};
    }
    return { Authorization: `Bearer ${credentials.token}` };
  }

  // --- JSON-RPC ---------------------------------------------------------------

  /**
   * Calls a JSON-RPC method and returns its `result`; throws the Backstage
   * error its `error` means. Neither the body sent (it holds the API key)
   * nor the key ever reaches a message.
   */
  private async call<T>(
    method: string,
    args: Record<string, unknown>,
    what: string,
    options: Options & { idempotent?: boolean } = {},
  ): Promise<T> {
    let sentKey: string | undefined;
    const answer = await this.request(
      this.apiUrl,
      {
        ...options,
        method: 'POST',
        idempotent: options.idempotent ?? true,
        json: (credentials: MercurialCredentials | undefined) => {
          if (credentials?.type !== 'bearer') {
            throw new AuthenticationError(
              `Cannot ask the Kallithea server ${this.host} for ${what}: its API takes an API key, and the integration for ${this.integration.config.baseUrl} has none (configure 'token' or a credential source that gives one; 'username' and 'password' are only for hg commands)`,
            );
          }
          sentKey = credentials.token;
          return { id: 1, api_key: credentials.token, method, args };
        },
      },
      async response => {
        if (!response.ok) {
          return this.throwForStatus(
            response,
            `${what} (Kallithea's API at ${this.apiUrl})`,
          );
        }
        const text = await response.text();
        try {
          return JSON.parse(text) as {
            result?: unknown;
            error?: unknown;
          };
        } catch {
          throw new MercurialServerError(
            `The Kallithea server ${this.host} did not answer ${method} for ${what} with JSON (is ${this.apiUrl} Kallithea's API?)`,
          );
        }
      },
    );
    if (!answer || typeof answer !== 'object') {
      throw new MercurialServerError(
        `The Kallithea server ${this.host} answered ${method} for ${what} with something else than a JSON-RPC answer`,
      );
    }
    if (answer.error !== null && answer.error !== undefined) {
      let error = String(answer.error);
      if (sentKey) {
        error = error.split(sentKey).join('***');
      }
      throw this.rpcError(method, error, what);
    }
    return answer.result as T;
  }

  /** The Backstage error of a JSON-RPC `error` string. */
  private rpcError(method: string, error: string, what: string): Error {
    // A parse error echoes the raw body: never repeat it.
    const said = `Kallithea said '${
      error.startsWith('JSON parse error')
        ? 'JSON parse error'
        : error.slice(0, 300)
    }'`;
    if (error === 'Invalid API key') {
      return new AuthenticationError(
        `The Kallithea server ${this.host} refused the API key asking for ${what} (${said}); check the integration's token or credential source`,
      );
    }
    if (CALL_ERRORS.test(error)) {
      return new MercurialServerError(
        `Kallithea's API at ${this.apiUrl} does not take the call ${method} as this client makes it (${said}): a bug of this client, or a Kallithea version other than 0.7`,
      );
    }
    if (error === 'Internal server error' && ADMIN_ONLY_METHODS.has(method)) {
      return new NotAllowedError(
        `The Kallithea server ${this.host} let the API key not call ${method} for ${what} (${said}): Kallithea allows ${method} only to administrators here; give the integration an administrator's API key`,
      );
    }
    if (/ does not exist$/.test(error) || error === 'Repository is empty') {
      return new NotFoundError(
        `${capitalize(what)} was not found on the Kallithea server ${this.host}: ${said}`,
      );
    }
    if (
      /^(Access denied to repo|no permission|Only Kallithea admin)/.test(error)
    ) {
      return new NotAllowedError(
        `The Kallithea server ${this.host} refused ${what}: ${said}`,
      );
    }
    return new MercurialServerError(
      `The Kallithea server ${this.host} failed to answer ${method} for ${what}: ${said}`,
    );
  }

  private getRepo(
    repositoryPath: string,
    withNames: boolean,
    options: Options,
  ): Promise<KallitheaRepository> {
    return this.call<KallitheaRepository>(
      'get_repo',
      {
        repoid: repositoryPath,
        ...(withNames && { with_revision_names: true }),
      },
      `the repository ${repositoryPath}`,
      options,
    );
  }

  /** The tags, open branches and bookmarks, in one call. */
  private async revisionNames(
    repositoryPath: string,
    options: Options,
  ): Promise<RevisionNames> {
    const repo = await this.getRepo(repositoryPath, true, options);
    const tags = repo.tags ?? {};
    return {
      tip:
        tags.tip ??
        (repo.last_changeset && repo.last_changeset.revision >= 0
          ? repo.last_changeset.raw_id
          : NULL_NODE),
      tags,
      branches: repo.branches ?? {},
      bookmarks: repo.bookmarks ?? {},
    };
  }

  /**
   * `get_changeset` of a revision: undefined when Kallithea does not know
   * it (an unknown revision, or any of a repository without changesets).
   */
  private async getChangeset(
    repositoryPath: string,
    revision: string,
    options: Options,
  ): Promise<{ raw_id: string; revision: number } | undefined> {
    try {
      return await this.call<{ raw_id: string; revision: number }>(
        'get_changeset',
        { repoid: repositoryPath, raw_id: revision },
        `revision '${revision}' of ${repositoryPath}`,
        options,
      );
    } catch (e) {
      if (
        e instanceof NotFoundError &&
        /'Changeset .* does not exist'/.test(e.message)
      ) {
        return undefined;
      }
      throw e;
    }
  }

  // --- revisions --------------------------------------------------------------

  async lookup(
    repositoryPath: string,
    key: string,
    options: Options = {},
  ): Promise<string | undefined> {
    const changeset = await this.getChangeset(repositoryPath, key, options);
    if (changeset) {
      if (!isHgNode(changeset.raw_id)) {
        throw new MercurialServerError(
          `The Kallithea server ${this.host} resolved revision '${key}' of ${repositoryPath} to '${String(changeset.raw_id).slice(0, 100)}', which is not a node`,
        );
      }
      return changeset.raw_id;
    }
    if (key === 'tip') {
      // Kallithea knows no changeset at all in an empty repository.
      const repo = await this.getRepo(repositoryPath, false, options);
      if (!repo.last_changeset || repo.last_changeset.revision < 0) {
        return NULL_NODE;
      }
    }
    return undefined;
  }

  /**
   * The head check: `get_repo` with its revision names (one call), plus
   * `get_changeset` when `revision` is none of them. The heads are the
   * open branches' tips (Kallithea lists no other heads).
   */
  async getState(
    repositoryPath: string,
    revision: string,
    options: Options = {},
  ): Promise<HgwebRepositoryState> {
    const names = await this.revisionNames(repositoryPath, options);
    const heads = [...new Set(Object.values(names.branches))];
    const named =
      revision === 'tip'
        ? names.tip
        : (names.bookmarks[revision] ??
          names.tags[revision] ??
          names.branches[revision] ??
          (isHgNode(revision) &&
          (revision === names.tip || heads.includes(revision))
            ? revision
            : undefined));
    const node =
      named ??
      (names.tip === NULL_NODE
        ? undefined
        : (await this.getChangeset(repositoryPath, revision, options))?.raw_id);
    return {
      ...(node && node !== NULL_NODE && { node }),
      tip: names.tip,
      heads,
      bookmarks: Object.entries(names.bookmarks)
        .map(([name, bookmarkNode]) => ({ name, node: bookmarkNode }))
        .sort((a, b) => (a.name < b.name ? -1 : Number(a.name > b.name))),
    };
  }

  /** Every open named branch with its tip (Kallithea lists no closed ones). */
  async getBranches(
    repositoryPath: string,
    options: Options = {},
  ): Promise<HgwebBranch[]> {
    const { branches } = await this.revisionNames(repositoryPath, options);
    return Object.entries(branches).map(([branch, node]) => ({
      branch,
      node,
      status: 'open',
    }));
  }

  /** Every tag, `tip` included. */
  async getTags(
    repositoryPath: string,
    options: Options = {},
  ): Promise<HgwebTag[]> {
    const { tags } = await this.revisionNames(repositoryPath, options);
    return Object.entries(tags).map(([tag, node]) => ({ tag, node }));
  }

  // --- files ------------------------------------------------------------------

  /** Whether an answer is Kallithea's login page (after its 302). */
  private isLoginPage(response: Response): boolean {
    try {
      return new URL(response.url).pathname.endsWith('/_admin/login');
    } catch {
      return false;
    }
  }

  private loginError(what: string, view: string): AuthenticationError {
    return new AuthenticationError(
      `The Kallithea server ${this.host} sent the request for ${what} to its login page: the repository is not public and the API key was not taken. Kallithea takes API keys on web pages only for the views its administrator lists in api_access_controllers_whitelist; ${view} must be among them (and the key must be valid)`,
    );
  }

  async readFile(
    repositoryPath: string,
    node: string,
    path: string,
    options: Options & { what?: string } = {},
  ): Promise<Readable | undefined> {
    const what =
      options.what ??
      `file '${path}' at revision '${node}' of ${repositoryPath}`;
    const response = await this.fetch(
      getMercurialRawFileUrl(this.integration.config, {
        repositoryPath,
        revision: node,
        path,
      }),
      options,
    );
    if (this.isLoginPage(response)) {
      await response.body?.cancel();
      throw this.loginError(what, 'FilesController:raw');
    }
    if (response.status === 404) {
      // Kallithea's 404 page carries its flash message.
      const text = await response
        .clone()
        .text()
        .catch(() => '');
      if (/given path is a directory/i.test(text.slice(0, 20000))) {
        await response.body?.cancel();
        throw new InputError(`'${path}' is a directory, not a file`);
      }
    }
    if (!response.ok) {
      return this.throwForStatus(response, what);
    }
    if (!/^text\/html/.test(response.headers.get('content-type') ?? '')) {
      return this.bodyStream(response, what);
    }
    // Redirected to the summary page: a repository without changesets.
    await response.body?.cancel();
    throw new NotFoundError(
      `${capitalize(what)} was not found on the Kallithea server ${this.host}: it answered with a web page instead of the file (the repository has no changesets?)`,
    );
  }

  /**
   * The whole repository at `node` (Kallithea archives no sub-path).
   *
   * @returns undefined when the repository's downloads are disabled
   */
  async readArchive(
    repositoryPath: string,
    node: string,
    path: string,
    options: Options & { what?: string } = {},
  ): Promise<Readable | undefined> {
    const what =
      options.what ??
      (path
        ? `directory '${path}' of ${repositoryPath} at ${node}`
        : `the repository ${repositoryPath} at ${node}`);
    const response = await this.fetch(
      `${this.repositoryUrl(repositoryPath)}/archive/${encodeURIComponent(node)}.tar.gz`,
      options,
    );
    if (this.isLoginPage(response)) {
      await response.body?.cancel();
      throw this.loginError(what, 'FilesController:archivefile');
    }
    if (!response.ok) {
      return this.throwForStatus(response, what);
    }
    if (!/^text\/html/.test(response.headers.get('content-type') ?? '')) {
      return this.bodyStream(response, `the archive of ${what}`);
    }
    // Kallithea answers its refusals with HTTP 200 and a short page.
    const page = (await response.text()).trim().slice(0, 300);
    if (/^Downloads disabled/.test(page)) {
      if (!this.warnedDownloads.has(repositoryPath)) {
        this.warnedDownloads.add(repositoryPath);
        this.shared.logger?.warn(
          `Downloads are disabled for ${repositoryPath} on the Kallithea server ${this.host}: its trees are read with the hg command line instead of archives (enable downloads in the repository's settings, or update_repo with enable_downloads, for faster reads)`,
        );
      }
      return undefined;
    }
    if (/^Unknown revision/.test(page) || /^Empty repository/.test(page)) {
      throw new NotFoundError(
        `${capitalize(what)} was not found on the Kallithea server ${this.host}: Kallithea said '${page.slice(0, 100)}'`,
      );
    }
    throw new MercurialServerError(
      `The Kallithea server ${this.host} answered the archive of ${what} with a web page instead of an archive: '${page.slice(0, 100)}'`,
    );
  }

  /** One level, from `get_repo_nodes`' flat recursive list of the directory. */
  async listDirectory(
    repositoryPath: string,
    node: string,
    path: string,
    options: Options = {},
  ): Promise<MercurialDirectoryEntry[]> {
    const dir = path.replace(/^\/+|\/+$/g, '');
    const what = `directory '${dir || '/'}' at ${node} of ${repositoryPath}`;
    let nodes: Array<{ name?: string; type?: string }>;
    try {
      nodes = await this.call(
        'get_repo_nodes',
        {
          repoid: repositoryPath,
          revision: node,
          root_path: dir,
          ret_type: 'all',
        },
        what,
        options,
      );
    } catch (e) {
      if (
        e instanceof MercurialServerError &&
        /failed to get repo: /.test(e.message)
      ) {
        throw new NotFoundError(
          `${capitalize(what)} was not found on the Kallithea server ${this.host} (no such revision or directory, or a file)`,
          e,
        );
      }
      throw e;
    }
    if (!Array.isArray(nodes)) {
      throw new MercurialServerError(
        `The Kallithea server ${this.host} answered get_repo_nodes for ${what} without a list`,
      );
    }
    const prefix = dir ? `${dir}/` : '';
    return nodes
      .filter(
        n =>
          typeof n?.name === 'string' &&
          n.name.startsWith(prefix) &&
          n.name.length > prefix.length &&
          !n.name.slice(prefix.length).includes('/'),
      )
      .map(n => ({
        name: n.name!.slice(prefix.length),
        type: n.type === 'dir' ? 'directory' : 'file',
      }));
  }

  // --- history ------------------------------------------------------------------

  /**
   * Newest first, from the revision of `node` (or before `before`) down,
   * through `get_changesets` windows of revision numbers (`start`/`end`,
   * `reverse`; never `max_revisions`, which Kallithea applies to the oldest
   * changesets before reversing); a path filters on `with_file_list`.
   */
  async getHistory(
    query: MercurialHistoryQuery,
    options: Options = {},
  ): Promise<HgwebChangeset[]> {
    const { repositoryPath, path, limit } = query;
    if (limit <= 0) {
      return [];
    }
    const names = await this.revisionNames(repositoryPath, options);
    if (names.tip === NULL_NODE) {
      return [];
    }
    const anchorRevision = query.before ?? query.node;
    const anchor = await this.getChangeset(
      repositoryPath,
      anchorRevision,
      options,
    );
    if (!anchor) {
      throw new NotFoundError(
        `${capitalize(query.what)} was not found on the Kallithea server ${this.host}: it does not know revision '${anchorRevision}'`,
      );
    }
    const dir = path.replace(/^\/+|\/+$/g, '');
    const touches = (c: KallitheaChangeset) =>
      !dir ||
      [...(c.added ?? []), ...(c.changed ?? []), ...(c.removed ?? [])].some(
        f => f === dir || f.startsWith(`${dir}/`),
      );
    const found: KallitheaChangeset[] = [];
    let end = query.before ? anchor.revision - 1 : anchor.revision;
    let window = dir ? Math.max(PATH_WINDOW, limit) : limit;
    while (end >= 0 && found.length < limit) {
      const start = Math.max(0, end - window + 1);
      const page = await this.call<KallitheaChangeset[]>(
        'get_changesets',
        {
          repoid: repositoryPath,
          start,
          end,
          reverse: true,
          ...(dir && { with_file_list: true }),
        },
        query.what,
        options,
      );
      if (!Array.isArray(page)) {
        throw new MercurialServerError(
          `The Kallithea server ${this.host} answered get_changesets for ${query.what} without a list`,
        );
      }
      found.push(...page.filter(touches).slice(0, limit - found.length));
      end = start - 1;
      window = Math.min(window * 2, 5000);
    }
    const branchOf = await this.branchLabels(repositoryPath, names, options);
    const namesOf = (map: Record<string, string>, node: string) =>
      Object.entries(map)
        .filter(([, n]) => n === node)
        .map(([name]) => name);
    return found.map(c => ({
      node: c.raw_id,
      date: [parseKallitheaDate(c.date), 0],
      desc: c.message,
      branch: branchOf(c.raw_id),
      bookmarks: namesOf(names.bookmarks, c.raw_id),
      tags: namesOf(names.tags, c.raw_id),
      user: c.author,
      parents: [],
    }));
  }

  /**
   * The branch of each changeset: with one open branch, that one; else the
   * changesets of each other open branch (`get_changesets` with
   * `branch_name`, remembered per tip), the rest `default`.
   */
  private async branchLabels(
    repositoryPath: string,
    names: RevisionNames,
    options: Options,
  ): Promise<(node: string) => string> {
    const branches = Object.keys(names.branches);
    if (branches.length <= 1) {
      const only = branches[0] ?? 'default';
      return () => only;
    }
    const key = `${repositoryPath}\0${names.tip}`;
    let byBranch = this.branchNodes.get(key);
    if (!byBranch) {
      byBranch = new Map();
      for (const branch of branches
        .filter(b => b !== 'default')
        .slice(0, MAX_LABELLED_BRANCHES)) {
        const list = await this.call<KallitheaChangeset[]>(
          'get_changesets',
          { repoid: repositoryPath, branch_name: branch },
          `the changesets of branch '${branch}' of ${repositoryPath}`,
          options,
        );
        byBranch.set(branch, new Set((list ?? []).map(c => c.raw_id)));
      }
      // Remember the last few repositories' branches only.
      if (this.branchNodes.size >= 50) {
        this.branchNodes.delete(this.branchNodes.keys().next().value!);
      }
      this.branchNodes.set(key, byBranch);
    }
    const labels = byBranch;
    return node => {
      for (const [branch, nodes] of labels) {
        if (nodes.has(node)) {
          return branch;
        }
      }
      return 'default';
    };
  }

  // --- repositories ---------------------------------------------------------------

  /** `get_repos`: the hg repositories the key may read. */
  async listRepositories(
    options: Options & { group?: string } = {},
  ): Promise<MercurialRepositoryListing[]> {
    const repos = await this.call<KallitheaRepository[]>(
      'get_repos',
      {},
      `the repositories of ${this.integration.config.baseUrl}`,
      options,
    );
    if (!Array.isArray(repos)) {
      throw new MercurialServerError(
        `The Kallithea server ${this.host} answered get_repos without a list`,
      );
    }
    const group = options.group?.replace(/^\/+|\/+$/g, '');
    return repos
      .filter(
        r =>
          r?.repo_type === 'hg' &&
          typeof r.repo_name === 'string' &&
          (!group || r.repo_name.startsWith(`${group}/`)),
      )
      .map(r => ({
        repositoryPath: r.repo_name,
        ...(r.description && { description: r.description }),
        // its newest changeset: any push changes it
        ...(r.last_changeset?.raw_id && {
          changeMarker: `${r.last_changeset.revision}:${r.last_changeset.raw_id}`,
        }),
      }));
  }

  /**
   * `create_repo` (its missing repository groups first with
   * `create_repo_group`, which Kallithea allows only to administrators),
   * then `update_repo` with `enable_downloads`, which `create_repo` ignores.
   */
  async createRepository(
    request: MercurialCreateRepositoryRequest,
    options: Options = {},
  ): Promise<boolean> {
    const name = request.repositoryPath.replace(/^\/+|\/+$/g, '');
    const what = `the new repository ${name}`;
    const write: Options & { idempotent: boolean } = {
      ...options,
      purpose: 'write',
      idempotent: false,
    };
    const create = () =>
      this.call(
        'create_repo',
        {
          repo_name: name,
          repo_type: 'hg',
          description: request.description ?? '',
          private: request.visibility !== 'public',
        },
        what,
        write,
      );
    try {
      await create();
    } catch (e) {
      const missing = /'repo group `(.*)` not found'/.exec(
        (e as Error).message,
      );
      if (!missing) {
        throw this.conflictOf(e, name);
      }
      await this.createGroups(missing[1], write);
      try {
        await create();
      } catch (again) {
        throw this.conflictOf(again, name);
      }
    }
    try {
      await this.call(
        'update_repo',
        {
          repoid: name,
          enable_downloads: true,
        },
        `the downloads of ${name}`,
        write,
      );
    } catch (e) {
      this.shared.logger?.warn(
        `Created ${name} on the Kallithea server ${this.host}, but could not enable its downloads (${(e as Error).message}); its trees will be read with the hg command line`,
      );
    }
    return true;
  }

  private conflictOf(error: unknown, name: string): unknown {
    if (
      error instanceof MercurialServerError &&
      /'repo `.*` already exist'/.test(error.message)
    ) {
      return new ConflictError(
        `The repository ${name} exists already on the Kallithea server ${this.host}`,
        error,
      );
    }
    return error;
  }

  /** Creates `group` and its missing parents, one level at a time. */
  private async createGroups(group: string, options: Options) {
    const parts = group.split('/');
    for (let i = 0; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      try {
        await this.call(
          'create_repo_group',
          {
            group_name: parts[i],
            ...(parent && { parent }),
          },
          `the repository group ${parts.slice(0, i + 1).join('/')}`,
          options,
        );
      } catch (e) {
        if (
          e instanceof MercurialServerError &&
          /already exist'/.test(e.message)
        ) {
          continue;
        }
        if (e instanceof NotAllowedError) {
          throw new NotAllowedError(
            `The repository group ${group} does not exist on the Kallithea server ${this.host}, and only administrators may create groups there: ask one to create it, or give the integration an administrator's API key`,
            e,
          );
        }
        throw e;
      }
    }
  }

  /** Kallithea has no merge requests (its pull requests are not offered). */
  async createMergeRequest(): Promise<MercurialMergeRequest | undefined> {
    return undefined;
  }
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Unix seconds of Kallithea's offset-less date, read as UTC. */
function parseKallitheaDate(date: string): number {
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(date) ? date : `${date}Z`);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}
