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
  heptapodRefOf,
  MercurialIntegration,
  MercurialUrl,
  parseHeptapodMercurialUrl,
  splitHeptapodRef,
} from '@backstage-mercurial/integration';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
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
  MercurialMergeRequestRequest,
  MercurialRepositoryListing,
  MercurialServerClient,
} from '../types';

/** A project as GitLab's API v4 writes it, with Heptapod's `vcs_type`. */
interface HeptapodProject {
  id: number;
  path_with_namespace: string;
  description?: string | null;
  default_branch?: string | null;
  archived?: boolean;
  vcs_type?: string;
  last_activity_at?: string;
}

/** A commit of GitLab's commits API; Heptapod adds the hg node as `hg_id`. */
interface HeptapodCommit {
  id: string;
  hg_id?: string;
  message: string;
  author_name: string;
  author_email: string;
  authored_date: string;
}

interface HeptapodRefEntry {
  name: string;
  commit: HeptapodCommit;
}

type Options = HgwebRequestOptions;

const API = "Heptapod's API";
/** How long the branch list that splits URLs is kept. */
const BRANCHES_TTL_MS = 60_000;
const PER_PAGE = 100;
/**
 * How old `last_activity_at` must be before discovery trusts it: GitLab's
 * hour without updates (RESET_PROJECT_ACTIVITY_INTERVAL), and 5 minutes for
 * clocks that differ.
 */
const ACTIVITY_SETTLED_MS = 65 * 60_000;

/**
 * The {@link MercurialServerClient} of a Heptapod server (the `heptapod`
 * flavor: GitLab's REST API v4 at `apiBaseUrl`, default `{baseUrl}/api/v4`,
 * with Heptapod's `vcs_type` and `hg_id`; not tested against a live one).
 * The token the credentials service gives (a personal, project or group
 * access token) goes as `Authorization: Bearer` to the API only.
 *
 * - a project's id comes from `GET /projects/{path}`, cached per client;
 * - a ref's node from `GET .../repository/commits?ref_name=&per_page=1`
 *   (`hg_id`): with the id cached, the head check costs one request;
 * - files from the files API (`/repository/files/{path}/raw?ref=`), trees
 *   from `/repository/archive.tar.gz?sha=&path=` (only the tree's files),
 *   directories from `/repository/tree`;
 * - history from the commits API, branches and tags from theirs (refs
 *   `branch/{name}`), every list paged by `X-Next-Page`.
 *
 * Not in Heptapod's answers: the hg parents of a commit (left empty) and its
 * named branch (left empty): GitLab's commits carry Git ids only besides
 * `hg_id`.
 *
 * @public
 */
export class HeptapodServerClient
  extends MercurialServerClientBase
  implements MercurialServerClient
{
  private readonly apiUrl: string;
  private readonly projects = new Map<string, Promise<HeptapodProject>>();
  private readonly branchNames = new Map<
    string,
    { at: number; names: Promise<{ branches: string[]; tags: string[] }> }
  >();

  constructor(integration: MercurialIntegration, shared: HgwebClientShared) {
    super(integration, shared);
    this.apiUrl =
      integration.config.apiBaseUrl ?? `${integration.config.baseUrl}/api/v4`;
  }

  // --- URLs ------------------------------------------------------------------

  /**
   * Splits ref and path against the project's own branch and tag names
   * (hg branch names may contain `/`), which it asks Heptapod for (kept a
   * minute).
   */
  async parseUrl(url: string, options: Options = {}): Promise<MercurialUrl> {
    const guessed = parseHeptapodMercurialUrl(url, this.integration.config);
    if (guessed.kind === 'repository') {
      return guessed;
    }
    const names = await this.refNames(guessed.repositoryPath, options);
    return parseHeptapodMercurialUrl(url, this.integration.config, refAndPath =>
      splitHeptapodRef(refAndPath, names),
    );
  }

  // --- the API ---------------------------------------------------------------

  private projectUrl(project: HeptapodProject, rest: string): string {
    return `${this.apiUrl}/projects/${project.id}${rest}`;
  }

  private async api<T>(
    url: string,
    what: string,
    options: Options,
  ): Promise<T> {
    return this.getJson<T>(url, what, { ...options, server: API });
  }

  /** Every page of a list, following `X-Next-Page`. */
  private async allPages<T>(
    url: string,
    what: string,
    options: Options,
  ): Promise<T[]> {
    const all: T[] = [];
    let page = '1';
    for (;;) {
      const pageUrl = new URL(url);
      pageUrl.searchParams.set('per_page', String(PER_PAGE));
      pageUrl.searchParams.set('page', page);
      const response = await this.fetch(pageUrl.toString(), options);
      if (!response.ok) {
        await this.throwForStatus(response, what);
      }
      const text = await response.text();
      let items: T[];
      try {
        items = JSON.parse(text) as T[];
      } catch {
        throw new MercurialServerError(
          `The Mercurial server ${this.host} did not answer ${what} with JSON (is it ${API}?): '${text.slice(0, 100)}'`,
        );
      }
      if (!Array.isArray(items)) {
        throw new MercurialServerError(
          `The Mercurial server ${this.host} answered ${what} with something that is not a list`,
        );
      }
      all.push(...items);
      const next = response.headers.get('x-next-page');
      if (!next || next === page) {
        return all;
      }
      page = next;
    }
  }

  /** The project, by path (cached; a failure is not). */
  private project(
    repositoryPath: string,
    options: Options,
  ): Promise<HeptapodProject> {
    let project = this.projects.get(repositoryPath);
    if (!project) {
      project = this.api<HeptapodProject>(
        `${this.apiUrl}/projects/${encodeURIComponent(repositoryPath)}`,
        `project ${repositoryPath}`,
        options,
      );
      this.projects.set(repositoryPath, project);
      project.catch(() => this.projects.delete(repositoryPath));
    }
    return project;
  }

  /**
   * The ref a revision stands for: Heptapod refs as they are, `default` is
   * `branch/default`, `tip` the project's default branch.
   */
  private async refOf(
    repositoryPath: string,
    revision: string,
    options: Options,
  ): Promise<string | undefined> {
    if (revision === 'tip') {
      const project = await this.project(repositoryPath, options);
      return project.default_branch || undefined;
    }
    return heptapodRefOf(revision);
  }

  private async refNames(
    repositoryPath: string,
    options: Options,
  ): Promise<{ branches: string[]; tags: string[] }> {
    const cached = this.branchNames.get(repositoryPath);
    if (cached && Date.now() - cached.at < BRANCHES_TTL_MS) {
      return cached.names;
    }
    const names = Promise.all([
      this.getBranches(repositoryPath, options),
      this.getTags(repositoryPath, options),
    ]).then(([branches, tags]) => ({
      branches: branches.map(b => b.branch),
      tags: tags.map(t => t.tag),
    }));
    this.branchNames.set(repositoryPath, { at: Date.now(), names });
    names.catch(() => this.branchNames.delete(repositoryPath));
    return names;
  }

  /**
   * Commits of a ref, newest first: at least `count` of them when there are
   * (following `X-Next-Page`, as GitLab caps a page at 100); undefined when
   * the ref is unknown.
   */
  private async commits(
    repositoryPath: string,
    query: { ref: string; path?: string; count: number },
    what: string,
    options: Options,
  ): Promise<HeptapodCommit[] | undefined> {
    const project = await this.project(repositoryPath, options);
    const all: HeptapodCommit[] = [];
    let page = '1';
    for (;;) {
      const url = new URL(this.projectUrl(project, '/repository/commits'));
      url.searchParams.set('ref_name', query.ref);
      if (query.path) {
        url.searchParams.set('path', query.path);
      }
      // the same page size on every page, or the pages would not line up
      url.searchParams.set('per_page', String(Math.min(PER_PAGE, query.count)));
      if (page !== '1') {
        url.searchParams.set('page', page);
      }
      const response = await this.fetch(url.toString(), options);
      if (response.status === 404) {
        // GitLab's answer to a ref it does not know
        await response.body?.cancel();
        return undefined;
      }
      if (!response.ok) {
        return this.throwForStatus(response, what);
      }
      all.push(...((await response.json()) as HeptapodCommit[]));
      const next = response.headers.get('x-next-page');
      if (all.length >= query.count || !next || next === page) {
        return all;
      }
      page = next;
    }
  }

  private nodeOf(commit: HeptapodCommit, what: string): string {
    if (!isHgNode(commit.hg_id ?? '')) {
      throw new MercurialServerError(
        `The Mercurial server ${this.host} answered ${what} with a commit without an hg node (hg_id); is it Heptapod, and the project an hg project?`,
      );
    }
    return commit.hg_id!;
  }

  // --- revisions ---------------------------------------------------------------

  async lookup(
    repositoryPath: string,
    key: string,
    options: Options = {},
  ): Promise<string | undefined> {
    const ref = await this.refOf(repositoryPath, key, options);
    if (ref === undefined) {
      // `tip` of a project without changesets
      return NULL_NODE;
    }
    const what = `revision '${key}' of ${repositoryPath}`;
    const found = await this.commits(
      repositoryPath,
      { ref, count: 1 },
      what,
      options,
    );
    if (!found?.length) {
      return undefined;
    }
    return this.nodeOf(found[0], what);
  }

  async getState(
    repositoryPath: string,
    revision: string,
    options: Options = {},
  ): Promise<HgwebRepositoryState> {
    const [node, branches] = await Promise.all([
      this.lookup(repositoryPath, revision, options),
      this.getBranches(repositoryPath, options),
    ]);
    const project = await this.project(repositoryPath, options);
    const defaultBranch = project.default_branch?.replace(/^branch\//, '');
    const tip =
      branches.find(b => b.branch === defaultBranch)?.node ??
      branches[0]?.node ??
      NULL_NODE;
    return {
      node,
      tip,
      heads: [...new Set(branches.map(b => b.node))],
      // Heptapod has bookmarks off by default; its API lists none.
      bookmarks: [],
    };
  }

  // --- files and trees -----------------------------------------------------------

  async readFile(
    repositoryPath: string,
    node: string,
    path: string,
    options: Options & { what?: string } = {},
  ): Promise<Readable | undefined> {
    const what =
      options.what ?? `file '${path}' at ${node} of ${repositoryPath}`;
    const project = await this.project(repositoryPath, options);
    const url = this.projectUrl(
      project,
      `/repository/files/${encodeURIComponent(path)}/raw?ref=${encodeURIComponent(node)}`,
    );
    const response = await this.fetch(url, options);
    if (!response.ok) {
      return this.throwForStatus(response, what);
    }
    return this.bodyStream(response, what);
  }

  async readArchive(
    repositoryPath: string,
    node: string,
    path: string,
    options: Options & { what?: string } = {},
  ): Promise<Readable | undefined> {
    const what =
      options.what ??
      `${path ? `directory '${path}'` : 'the tree'} of ${repositoryPath} at ${node}`;
    const project = await this.project(repositoryPath, options);
    const url = new URL(this.projectUrl(project, '/repository/archive.tar.gz'));
    url.searchParams.set('sha', node);
    if (path) {
      url.searchParams.set('path', path);
    }
    const response = await this.fetch(url.toString(), options);
    if (!response.ok) {
      return this.throwForStatus(response, what);
    }
    return this.bodyStream(response, what);
  }

  async listDirectory(
    repositoryPath: string,
    node: string,
    path: string,
    options: Options = {},
  ): Promise<MercurialDirectoryEntry[]> {
    const project = await this.project(repositoryPath, options);
    const url = new URL(this.projectUrl(project, '/repository/tree'));
    url.searchParams.set('ref', node);
    if (path) {
      url.searchParams.set('path', path);
    }
    const entries = await this.allPages<{ name: string; type: string }>(
      url.toString(),
      `directory '${path || '/'}' at ${node} of ${repositoryPath}`,
      options,
    );
    return entries.map(e => ({
      name: e.name,
      type: e.type === 'tree' ? 'directory' : 'file',
    }));
  }

  // --- history -------------------------------------------------------------------

  async getHistory(
    query: MercurialHistoryQuery,
    options: Options = {},
  ): Promise<HgwebChangeset[]> {
    const { repositoryPath, node, path, before, limit, what } = query;
    // From the last changeset of the previous page, which comes first again.
    const found =
      (await this.commits(
        repositoryPath,
        {
          ref: before ?? node,
          path: path || undefined,
          count: limit + (before ? 1 : 0),
        },
        what,
        options,
      )) ?? [];
    if (!found.length && !before) {
      throw new NotFoundError(
        `The Mercurial server ${this.host} has no revision ${node} in ${repositoryPath}`,
      );
    }
    const commits = found
      .map(c => ({ commit: c, node: this.nodeOf(c, what) }))
      .filter(c => c.node !== before)
      .slice(0, limit);
    const tags = await this.getTags(repositoryPath, options);
    return commits.map(({ commit, node: hgNode }) => ({
      node: hgNode,
      date: [Math.floor(Date.parse(commit.authored_date) / 1000), 0],
      desc: commit.message.replace(/\n+$/, ''),
      branch: '',
      bookmarks: [],
      tags: tags.filter(t => t.node === hgNode).map(t => t.tag),
      user: `${commit.author_name} <${commit.author_email}>`,
      parents: [],
    }));
  }

  async getBranches(
    repositoryPath: string,
    options: Options = {},
  ): Promise<HgwebBranch[]> {
    const project = await this.project(repositoryPath, options);
    const what = `the branches of ${repositoryPath}`;
    const refs = await this.allPages<HeptapodRefEntry>(
      this.projectUrl(project, '/repository/branches'),
      what,
      options,
    );
    // Topics (`topic/...`) are not hg branches.
    return refs
      .filter(r => r.name.startsWith('branch/'))
      .map(r => ({
        branch: r.name.slice('branch/'.length),
        node: this.nodeOf(r.commit, what),
        status: 'open',
      }));
  }

  async getTags(
    repositoryPath: string,
    options: Options = {},
  ): Promise<HgwebTag[]> {
    const project = await this.project(repositoryPath, options);
    const what = `the tags of ${repositoryPath}`;
    const refs = await this.allPages<HeptapodRefEntry>(
      this.projectUrl(project, '/repository/tags'),
      what,
      options,
    );
    return refs.map(r => ({ tag: r.name, node: this.nodeOf(r.commit, what) }));
  }

  // --- repositories --------------------------------------------------------------

  async listRepositories(
    options: Options & { group?: string } = {},
  ): Promise<MercurialRepositoryListing[]> {
    const { group, ...rest } = options;
    const url = group
      ? `${this.apiUrl}/groups/${encodeURIComponent(group)}/projects?include_subgroups=true`
      : `${this.apiUrl}/projects?archived=false`;
    const projects = await this.allPages<HeptapodProject>(
      url,
      group ? `the projects of group ${group}` : 'the projects',
      rest,
    );
    return projects
      .filter(p => p.vcs_type === 'hg' && !p.archived)
      .map(p => {
        const activity = Date.parse(p.last_activity_at ?? '');
        return {
          repositoryPath: p.path_with_namespace,
          ...(p.description && { description: p.description }),
          // GitLab moves last_activity_at at most once an hour
          // (RESET_PROJECT_ACTIVITY_INTERVAL): a push within the hour after
          // one that moved it leaves it, so only an older one is trusted.
          ...(Date.now() - activity > ACTIVITY_SETTLED_MS && {
            changeMarker: p.last_activity_at,
          }),
        };
      });
  }

  /** POSTs to the API; maps GitLab's 400/409 answers too. */
  private async post<T>(
    url: string,
    body: unknown,
    what: string,
    options: Options,
  ): Promise<T> {
    const response = await this.fetch(url, {
      ...options,
      method: 'POST',
      json: body,
      purpose: options.purpose ?? 'write',
    });
    if (response.ok) {
      return (await response.json()) as T;
    }
    if (response.status === 400 || response.status === 409) {
      const text = await response.text();
      let message: unknown = text;
      try {
        message = (JSON.parse(text) as { message?: unknown }).message ?? text;
      } catch {
        // not JSON
      }
      const detail =
        typeof message === 'string' ? message : JSON.stringify(message);
      const error = `The Mercurial server ${this.host} refused to ${what}: ${detail.slice(0, 300)}`;
      if (
        response.status === 409 ||
        /already (been taken|exists)/.test(detail)
      ) {
        throw new ConflictError(error);
      }
      throw new InputError(error);
    }
    return this.throwForStatus(response, what);
  }

  async createRepository(
    request: MercurialCreateRepositoryRequest,
    options: Options = {},
  ): Promise<boolean> {
    const { repositoryPath } = request;
    const slash = repositoryPath.lastIndexOf('/');
    if (slash <= 0) {
      throw new InputError(
        `Cannot create ${repositoryPath} on ${this.host}: a Heptapod project lives in a group (owner), e.g. 'team/${repositoryPath}'`,
      );
    }
    const namespace = repositoryPath.slice(0, slash);
    const name = repositoryPath.slice(slash + 1);
    const group = await this.api<{ id: number }>(
      `${this.apiUrl}/groups/${encodeURIComponent(namespace)}`,
      `group ${namespace}`,
      options,
    );
    await this.post(
      `${this.apiUrl}/projects`,
      {
        name,
        path: name,
        namespace_id: group.id,
        vcs_type: 'hg',
        visibility: request.visibility ?? 'private',
        ...(request.description && { description: request.description }),
      },
      `create project ${repositoryPath}`,
      options,
    );
    this.projects.delete(repositoryPath);
    return true;
  }

  async createMergeRequest(
    request: MercurialMergeRequestRequest,
    options: Options = {},
  ): Promise<MercurialMergeRequest | undefined> {
    const project = await this.project(request.repositoryPath, options);
    const created = await this.post<{ iid: number; web_url: string }>(
      this.projectUrl(project, '/merge_requests'),
      {
        source_branch: request.sourceRef,
        target_branch: request.targetRef,
        title: request.title,
        ...(request.description && { description: request.description }),
      },
      `open a merge request from '${request.sourceRef}' to '${request.targetRef}' in ${request.repositoryPath}`,
      options,
    );
    return { url: created.web_url, number: created.iid };
  }
}
