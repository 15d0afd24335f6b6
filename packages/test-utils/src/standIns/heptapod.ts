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

import { createHash } from 'node:crypto';
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
 * A project of {@link startHeptapodStandIn}.
 *
 * @public
 */
export interface HeptapodStandInProject {
  /** `group/sub/project`. */
  path: string;
  /** Heptapod's `vcs_type`; default `hg`. Only `hg` projects get a repository. */
  vcsType?: 'hg' | 'hg_git' | 'git';
  archived?: boolean;
  /** Default `private`: only a valid token sees it. */
  visibility?: 'private' | 'public';
  description?: string;
  /** The changesets it starts with (`createHgRepository`); none: an empty project. */
  commits?: HgCommitSpec[];
}

/**
 * Options of {@link startHeptapodStandIn}.
 *
 * @public
 */
export interface HeptapodStandInOptions {
  /** The access tokens it takes (Bearer or PRIVATE-TOKEN; the hg password). */
  tokens: string[];
  projects?: HeptapodStandInProject[];
  /** Where the repositories live; default a temporary directory. */
  root?: string;
  /**
   * The most items a page holds, whatever `per_page` asks (GitLab: 100); a
   * small one makes clients follow `X-Next-Page`.
   */
  maxPerPage?: number;
}

/**
 * One request {@link startHeptapodStandIn} answered.
 *
 * @public
 */
export interface HeptapodStandInRequest {
  method: string;
  /** The URL path as sent (still percent-encoded). */
  path: string;
  query: Record<string, string>;
  /** `api`: `/api/v4`; `hg`: the wire protocol; `web`: a page. */
  kind: 'api' | 'hg' | 'web';
  credential: 'none' | 'bearer' | 'private-token' | 'basic';
  status: number;
}

/**
 * A running Heptapod stand-in.
 *
 * @public
 */
export interface HeptapodStandIn {
  baseUrl: string;
  host: string;
  /** `{baseUrl}/api/v4` */
  apiUrl: string;
  root: string;
  hg: HgTestServer;
  repoDir(projectPath: string): string;
  /** `{baseUrl}/{group/project}`: what hg clones. */
  repoUrl(projectPath: string): string;
  created: Record<string, HgRepositoryInfo>;
  requests: HeptapodStandInRequest[];
  /** The API requests so far. */
  apiRequests(): HeptapodStandInRequest[];
  /** The merge requests opened, by project path. */
  mergeRequests: Record<
    string,
    Array<{
      iid: number;
      source_branch: string;
      target_branch: string;
      title: string;
      description: string;
    }>
  >;
  stop(): Promise<void>;
}

interface ProjectState {
  id: number;
  path: string;
  vcsType: string;
  archived: boolean;
  visibility: 'private' | 'public';
  description: string;
  createdAt: Date;
}

interface GroupState {
  id: number;
  fullPath: string;
}

interface Changeset {
  node: string;
  desc: string;
  date: [number, number];
  author: string;
  parents: string[];
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(JSON.stringify(body));
  }
}

const notFound = (what = '404 Not Found') =>
  new ApiError(404, { message: what });

/** The Git-side id GitLab shows for a commit: not the hg node. */
function gitId(node: string): string {
  return createHash('sha1').update(`git${node}`).digest('hex');
}

/** An hg revset string literal. */
function revsetString(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Starts a stand-in for a Heptapod server on a free 127.0.0.1 port: the
 * GitLab REST API v4 under `/api/v4` as `hosted-products.md` records it
 * (projects by id or url-encoded path with `vcs_type`, files raw, tree,
 * `archive.tar.gz?sha=&path=`, commits with `hg_id`, branches `branch/{name}`,
 * tags, groups and their projects, `POST /projects`, `POST
 * .../merge_requests`; `X-Next-Page` paging; Bearer or `PRIVATE-TOKEN`), and
 * hg over HTTP at `{baseUrl}/{group/project}` with a token as the password
 * (any user name), proxied to a real `hg serve` over real repositories.
 * Refs: `branch/{name}` (names with `/` too), tags, full and short nodes.
 *
 * @public
 */
export async function startHeptapodStandIn(
  options: HeptapodStandInOptions,
): Promise<HeptapodStandIn> {
  const tempDir = options.root ? undefined : await createTempDir('heptapod-');
  const rootDir = options.root ?? path.join(tempDir!.path, 'repos');
  await fs.mkdir(rootDir, { recursive: true });
  const root = await fs.realpath(rootDir);
  const repoDir = (p: string) => path.join(root, ...p.split('/'));
  const maxPerPage = options.maxPerPage ?? 100;

  const projects = new Map<string, ProjectState>();
  const groups = new Map<string, GroupState>();
  const created: Record<string, HgRepositoryInfo> = {};
  const mergeRequests: HeptapodStandIn['mergeRequests'] = {};
  let nextProjectId = 1;
  let nextGroupId = 100;
  const addGroups = (projectPath: string) => {
    const parts = projectPath.split('/');
    for (let i = 1; i < parts.length; i++) {
      const fullPath = parts.slice(0, i).join('/');
      if (!groups.has(fullPath)) {
        groups.set(fullPath, { id: nextGroupId++, fullPath });
      }
    }
  };
  for (const spec of options.projects ?? []) {
    const vcsType = spec.vcsType ?? 'hg';
    if (vcsType === 'hg') {
      created[spec.path] = await createHgRepository(repoDir(spec.path), {
        commits: spec.commits,
      });
    }
    projects.set(spec.path, {
      id: nextProjectId++,
      path: spec.path,
      vcsType,
      archived: spec.archived ?? false,
      visibility: spec.visibility ?? 'private',
      description: spec.description ?? '',
      createdAt: new Date(),
    });
    addGroups(spec.path);
  }

  // Non-publishing, as Heptapod is for topics: pushed drafts keep their topic.
  const hg = await startHgServer({
    root,
    allowPush: true,
    allowArchive: true,
    webConfig: { phases: { publish: 'False' } },
  });
  const requests: HeptapodStandInRequest[] = [];

  // --- hg ----------------------------------------------------------------------

  // hg-evolve's topic extension (Debian's mercurial-evolve), for topic refs
  const hgIn = (p: string, args: string[]) =>
    runHg(['-R', repoDir(p), '--config', 'extensions.topic=', ...args]);

  const changesets = async (
    p: string,
    revset: string,
    file?: string,
  ): Promise<Changeset[]> => {
    const out = await hgIn(p, [
      'log',
      '-r',
      revset,
      '-T',
      '{dict(node, desc, date, author, parents=parents % "{node}")|json}\n',
      ...(file ? [`path:${file}`] : []),
    ]).catch(() => '');
    return out
      .split('\n')
      .filter(Boolean)
      .map(line => JSON.parse(line) as Changeset);
  };

  /** The changeset a GitLab ref or sha names, as Heptapod resolves it. */
  const resolveRef = async (
    p: string,
    ref: string,
  ): Promise<Changeset | undefined> => {
    let revset: string;
    if (ref.startsWith('topic/')) {
      const rest = ref.slice('topic/'.length);
      const slash = rest.lastIndexOf('/');
      const topic = rest.slice(slash + 1);
      const branch = slash > 0 ? rest.slice(0, slash) : 'default';
      revset = `max(topic(${revsetString(`literal:${topic}`)}) and branch(${revsetString(`literal:${branch}`)}))`;
    } else if (ref.startsWith('branch/')) {
      // a branch's head leaves its topics' drafts out, as Heptapod's does
      revset = `max(branch(${revsetString(`literal:${ref.slice(7)}`)}) and not topic())`;
    } else if (/^[0-9a-f]{12,40}$/.test(ref)) {
      revset = `id(${revsetString(ref)})`;
      if (ref.length < 40) {
        revset = revsetString(ref);
      }
    } else {
      revset = `tag(${revsetString(`literal:${ref}`)})`;
    }
    const [found] = await changesets(p, revset);
    return found;
  };

  const fileList = async (p: string, node: string) =>
    (await hgIn(p, ['files', '-r', node, '-T', '{path}\n']).catch(() => ''))
      .split('\n')
      .filter(Boolean);

  /** Known once the server listens. */
  let baseUrl = '';

  const commitJson = (p: string, c: Changeset) => {
    const match = /^(.*?)\s*<([^>]*)>\s*$/.exec(c.author);
    const date = new Date(c.date[0] * 1000).toISOString();
    const [title] = c.desc.split('\n');
    return {
      id: gitId(c.node),
      short_id: gitId(c.node).slice(0, 8),
      title,
      message: c.desc,
      author_name: match ? match[1] : c.author,
      author_email: match ? match[2] : '',
      authored_date: date,
      committer_name: match ? match[1] : c.author,
      committer_email: match ? match[2] : '',
      committed_date: date,
      created_at: date,
      parent_ids: c.parents.filter(n => n !== '0'.repeat(40)).map(gitId),
      web_url: `${baseUrl}/${p}/-/commit/${gitId(c.node)}`,
      hg_id: c.node,
      short_hg_id: c.node.slice(0, 12),
    };
  };

  const projectJson = async (project: ProjectState) => {
    const hasRepo = project.vcsType === 'hg';
    const [tip] = hasRepo ? await changesets(project.path, 'tip') : [];
    const empty = !tip || tip.node === '0'.repeat(40);
    const parts = project.path.split('/');
    const name = parts[parts.length - 1];
    return {
      id: project.id,
      name,
      path: name,
      path_with_namespace: project.path,
      name_with_namespace: parts.join(' / '),
      description: project.description,
      default_branch: empty ? null : 'branch/default',
      visibility: project.visibility,
      archived: project.archived,
      vcs_type: project.vcsType,
      web_url: `${baseUrl}/${project.path}`,
      http_url_to_repo: `${baseUrl}/${project.path}`,
      namespace: {
        id: groups.get(parts.slice(0, -1).join('/'))?.id,
        full_path: parts.slice(0, -1).join('/'),
      },
      created_at: project.createdAt.toISOString(),
      last_activity_at: (empty
        ? project.createdAt
        : new Date(tip.date[0] * 1000)
      ).toISOString(),
    };
  };

  // --- the API -------------------------------------------------------------------

  const paged = <T>(
    items: T[],
    query: URLSearchParams,
  ): { body: T[]; headers: Record<string, string> } => {
    const perPage = Math.min(
      maxPerPage,
      // GitLab's default page size is 20
      Math.max(1, Number(query.get('per_page')) || 20),
    );
    const page = Math.max(1, Number(query.get('page')) || 1);
    const totalPages = Math.max(1, Math.ceil(items.length / perPage));
    return {
      body: items.slice((page - 1) * perPage, page * perPage),
      headers: {
        'X-Page': String(page),
        'X-Per-Page': String(perPage),
        'X-Total': String(items.length),
        'X-Total-Pages': String(totalPages),
        'X-Next-Page': page < totalPages ? String(page + 1) : '',
        'X-Prev-Page': page > 1 ? String(page - 1) : '',
      },
    };
  };

  type Answer = {
    status: number;
    body: unknown;
    headers?: Record<string, string>;
    raw?: Buffer;
    type?: string;
  };

  const findProject = (idOrPath: string, authorized: boolean) => {
    const project = /^\d+$/.test(idOrPath)
      ? [...projects.values()].find(p => p.id === Number(idOrPath))
      : projects.get(idOrPath);
    if (!project || (project.visibility === 'private' && !authorized)) {
      throw notFound('404 Project Not Found');
    }
    return project;
  };

  const readBody = (req: http.IncomingMessage) =>
    new Promise<Record<string, any>>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', c => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve(text ? JSON.parse(text) : {});
        } catch {
          reject(new ApiError(400, { error: 'Invalid JSON' }));
        }
      });
      req.on('error', reject);
    });

  const projectRoute = async (
    req: http.IncomingMessage,
    project: ProjectState,
    rest: string[],
    query: URLSearchParams,
    authorized: boolean,
  ): Promise<Answer> => {
    const p = project.path;
    const method = req.method ?? 'GET';
    if (rest.length === 0 && method === 'GET') {
      return { status: 200, body: await projectJson(project) };
    }
    if (
      rest[0] === 'merge_requests' &&
      rest.length === 1 &&
      method === 'POST'
    ) {
      if (!authorized) throw new ApiError(401, { message: '401 Unauthorized' });
      const body = await readBody(req);
      for (const key of ['source_branch', 'target_branch', 'title']) {
        if (!body[key]) {
          throw new ApiError(400, { error: `${key} is missing` });
        }
      }
      for (const key of ['source_branch', 'target_branch']) {
        if (!(await resolveRef(p, String(body[key])))) {
          throw notFound(
            `404 ${key === 'source_branch' ? 'Source' : 'Target'} branch Not Found`,
          );
        }
      }
      const list = (mergeRequests[p] ??= []);
      const open = list.find(m => m.source_branch === body.source_branch);
      if (open) {
        throw new ApiError(409, {
          message: [
            `Another open merge request already exists for this source branch: !${open.iid}`,
          ],
        });
      }
      const mr = {
        iid: list.length + 1,
        source_branch: String(body.source_branch),
        target_branch: String(body.target_branch),
        title: String(body.title),
        description: String(body.description ?? ''),
      };
      list.push(mr);
      return {
        status: 201,
        body: {
          id: 1000 + mr.iid,
          iid: mr.iid,
          project_id: project.id,
          title: mr.title,
          description: mr.description,
          state: 'opened',
          source_branch: mr.source_branch,
          target_branch: mr.target_branch,
          web_url: `${baseUrl}/${p}/-/merge_requests/${mr.iid}`,
        },
      };
    }
    if (
      rest[0] !== 'repository' ||
      method !== 'GET' ||
      project.vcsType !== 'hg'
    ) {
      throw notFound();
    }
    const what = rest.slice(1);
    if (what[0] === 'files' && what.length === 3 && what[2] === 'raw') {
      const file = what[1];
      const cs = await resolveRef(p, query.get('ref') ?? '');
      if (!cs) throw notFound('404 Commit Not Found');
      if (!(await fileList(p, cs.node)).includes(file)) {
        throw notFound('404 File Not Found');
      }
      const dir = await createTempDir('heptapod-file-');
      try {
        const out = path.join(dir.path, 'out');
        await hgIn(p, ['cat', '-r', cs.node, '-o', out, `path:${file}`]);
        return {
          status: 200,
          body: undefined,
          raw: await fs.readFile(out),
          type: 'text/plain; charset=utf-8',
        };
      } finally {
        await dir.remove();
      }
    }
    if (what[0] === 'archive.tar.gz' && what.length === 1) {
      const sha = query.get('sha') ?? 'branch/default';
      const sub = (query.get('path') ?? '').replace(/^\/+|\/+$/g, '');
      const cs = await resolveRef(p, sha);
      if (!cs) throw notFound('404 Commit Not Found');
      const name = p.split('/').pop()!;
      const refName = sha.replace(/\//g, '-');
      const prefix = `${name}-${refName}-${gitId(cs.node)}${sub ? `-${sub.replace(/\//g, '-')}` : ''}/`;
      if (
        sub &&
        !(await fileList(p, cs.node)).some(f => f.startsWith(`${sub}/`))
      ) {
        throw notFound('404 File Not Found');
      }
      const dir = await createTempDir('heptapod-archive-');
      try {
        const out = path.join(dir.path, 'out.tar.gz');
        await hgIn(p, [
          'archive',
          '-r',
          cs.node,
          '-t',
          'tgz',
          '--prefix',
          prefix,
          '--config',
          'ui.archivemeta=false',
          ...(sub ? ['-I', `path:${sub}`] : []),
          out,
        ]);
        return {
          status: 200,
          body: undefined,
          raw: await fs.readFile(out),
          type: 'application/octet-stream',
          headers: {
            'Content-Disposition': `attachment; filename="${prefix.slice(0, -1)}.tar.gz"`,
          },
        };
      } finally {
        await dir.remove();
      }
    }
    if (what[0] === 'tree' && what.length === 1) {
      const cs = await resolveRef(p, query.get('ref') ?? 'branch/default');
      if (!cs) throw notFound('404 Tree Not Found');
      const dirPath = (query.get('path') ?? '').replace(/^\/+|\/+$/g, '');
      const recursive = query.get('recursive') === 'true';
      const all = await fileList(p, cs.node);
      const prefix = dirPath ? `${dirPath}/` : '';
      const under = all.filter(f => f.startsWith(prefix));
      if (dirPath && under.length === 0) throw notFound('404 Tree Not Found');
      const entries = new Map<string, 'tree' | 'blob'>();
      for (const f of under) {
        const parts = f.slice(prefix.length).split('/');
        for (let i = 1; i <= parts.length; i++) {
          if (!recursive && i > 1) break;
          const entry = prefix + parts.slice(0, i).join('/');
          entries.set(entry, i < parts.length ? 'tree' : 'blob');
        }
      }
      // GitLab lists directories first, each kind by name
      const rank = (type: string) => (type === 'tree' ? 0 : 1);
      const list = [...entries]
        .sort(([a, ta], [b, tb]) => rank(ta) - rank(tb) || (a < b ? -1 : 1))
        .map(([entry, type]) => ({
          id: createHash('sha1').update(`${cs.node}:${entry}`).digest('hex'),
          name: entry.split('/').pop(),
          type,
          path: entry,
          mode: type === 'tree' ? '040000' : '100644',
        }));
      const page = paged(list, query);
      return { status: 200, body: page.body, headers: page.headers };
    }
    if (what[0] === 'commits' && what.length === 1) {
      const ref = query.get('ref_name') ?? 'branch/default';
      const cs = await resolveRef(p, ref);
      if (!cs) return { status: 200, body: [] };
      const file = (query.get('path') ?? '').replace(/^\/+|\/+$/g, '');
      const list = await changesets(
        p,
        `reverse(::${cs.node})`,
        file || undefined,
      );
      const page = paged(
        list.map(c => commitJson(p, c)),
        query,
      );
      return { status: 200, body: page.body, headers: page.headers };
    }
    if (what[0] === 'branches' && what.length === 1) {
      const branches = JSON.parse(
        // without the topic extension, which names topic heads branch:topic
        (await runHg(['-R', repoDir(p), 'branches', '-T', 'json']).catch(
          () => '',
        )) || '[]',
      ) as Array<{ branch: string; node: string }>;
      const list = [];
      for (const b of branches) {
        const c = await resolveRef(p, `branch/${b.branch}`);
        if (!c) {
          continue; // only topics' drafts on it
        }
        list.push({
          name: `branch/${b.branch}`,
          merged: false,
          protected: false,
          default: b.branch === 'default',
          web_url: `${baseUrl}/${p}/-/tree/branch/${b.branch}`,
          commit: commitJson(p, c),
        });
      }
      // topics: the draft heads that carry one, as topic/{branch}/{topic}
      const topics = (
        await hgIn(p, [
          'log',
          '-r',
          'head() and topic()',
          '-T',
          '{branch}\\t{topic}\\t{node}\\n',
        ]).catch(() => '')
      )
        .split('\n')
        .filter(Boolean)
        .map(line => line.split('\t'));
      for (const [branch, topic, topicNode] of topics) {
        const [c] = await changesets(p, topicNode);
        list.push({
          name: `topic/${branch}/${topic}`,
          merged: false,
          protected: false,
          default: false,
          web_url: `${baseUrl}/${p}/-/tree/topic/${branch}/${topic}`,
          commit: commitJson(p, c),
        });
      }
      const page = paged(list, query);
      return { status: 200, body: page.body, headers: page.headers };
    }
    if (what[0] === 'tags' && what.length === 1) {
      const tags = JSON.parse(
        (await hgIn(p, ['tags', '-T', 'json']).catch(() => '')) || '[]',
      ) as Array<{ tag: string; node: string }>;
      const list = [];
      for (const t of tags.filter(x => x.tag !== 'tip')) {
        const [c] = await changesets(p, t.node);
        list.push({
          name: t.tag,
          message: '',
          target: gitId(t.node),
          commit: commitJson(p, c),
        });
      }
      const page = paged(list, query);
      return { status: 200, body: page.body, headers: page.headers };
    }
    throw notFound();
  };

  const visibleProjects = (authorized: boolean) =>
    [...projects.values()]
      .filter(p => authorized || p.visibility === 'public')
      .sort((a, b) => a.id - b.id);

  const apiRoute = async (
    req: http.IncomingMessage,
    segments: string[],
    query: URLSearchParams,
    authorized: boolean,
  ): Promise<Answer> => {
    const method = req.method ?? 'GET';
    if (segments[0] === 'projects' && segments.length === 1) {
      if (method === 'POST') {
        if (!authorized)
          throw new ApiError(401, { message: '401 Unauthorized' });
        const body = await readBody(req);
        const group = [...groups.values()].find(
          g => g.id === Number(body.namespace_id),
        );
        if (!group) throw notFound('404 Namespace Not Found');
        const name = String(body.path ?? body.name ?? '');
        if (!/^[a-zA-Z0-9_][a-zA-Z0-9_.-]*$/.test(name)) {
          throw new ApiError(400, { message: { path: ['is invalid'] } });
        }
        const full = `${group.fullPath}/${name}`;
        if (projects.has(full)) {
          throw new ApiError(400, {
            message: {
              name: ['has already been taken'],
              path: ['has already been taken'],
            },
          });
        }
        const vcsType = String(body.vcs_type ?? 'hg');
        if (vcsType === 'hg') {
          await fs.mkdir(path.dirname(repoDir(full)), { recursive: true });
          await runHg(['init', repoDir(full)]);
        }
        const project: ProjectState = {
          id: nextProjectId++,
          path: full,
          vcsType,
          archived: false,
          visibility: body.visibility === 'public' ? 'public' : 'private',
          description: String(body.description ?? ''),
          createdAt: new Date(),
        };
        projects.set(full, project);
        return { status: 201, body: await projectJson(project) };
      }
      let list = visibleProjects(authorized);
      if (query.get('archived') === 'false')
        list = list.filter(p => !p.archived);
      if (query.get('archived') === 'true') list = list.filter(p => p.archived);
      const page = paged(list, query);
      return {
        status: 200,
        body: await Promise.all(page.body.map(projectJson)),
        headers: page.headers,
      };
    }
    if (segments[0] === 'projects' && segments.length >= 2) {
      const project = findProject(segments[1], authorized);
      return projectRoute(req, project, segments.slice(2), query, authorized);
    }
    if (segments[0] === 'groups' && segments.length >= 2 && method === 'GET') {
      const key = segments[1];
      const group = /^\d+$/.test(key)
        ? [...groups.values()].find(g => g.id === Number(key))
        : groups.get(key);
      if (!group) throw notFound('404 Group Not Found');
      if (segments.length === 2) {
        return {
          status: 200,
          body: {
            id: group.id,
            name: group.fullPath.split('/').pop(),
            path: group.fullPath.split('/').pop(),
            full_path: group.fullPath,
            web_url: `${baseUrl}/groups/${group.fullPath}`,
          },
        };
      }
      if (segments.length === 3 && segments[2] === 'projects') {
        const subgroups = query.get('include_subgroups') === 'true';
        const list = visibleProjects(authorized).filter(p => {
          const ns = p.path.split('/').slice(0, -1).join('/');
          return subgroups
            ? ns === group.fullPath || ns.startsWith(`${group.fullPath}/`)
            : ns === group.fullPath;
        });
        const page = paged(list, query);
        return {
          status: 200,
          body: await Promise.all(page.body.map(projectJson)),
          headers: page.headers,
        };
      }
    }
    throw notFound();
  };

  // --- the server ------------------------------------------------------------------

  const tokenOf = (req: http.IncomingMessage) => {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) {
      return { credential: 'bearer' as const, token: auth.slice(7).trim() };
    }
    const privateToken = req.headers['private-token'];
    if (typeof privateToken === 'string') {
      return { credential: 'private-token' as const, token: privateToken };
    }
    if (auth?.startsWith('Basic ')) {
      const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
      return {
        credential: 'basic' as const,
        token: decoded.slice(decoded.indexOf(':') + 1),
      };
    }
    return { credential: 'none' as const, token: undefined };
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const { credential, token } = tokenOf(req);
    const record: HeptapodStandInRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      kind: 'web',
      credential,
      status: 0,
    };
    requests.push(record);
    const valid = token !== undefined && options.tokens.includes(token);
    const send = (
      status: number,
      headers: Record<string, string>,
      body?: string | Buffer,
    ) => {
      record.status = status;
      res.writeHead(status, headers);
      res.end(body);
    };
    const segments = url.pathname
      .split('/')
      .filter(Boolean)
      .map(s => {
        try {
          return decodeURIComponent(s);
        } catch {
          return s;
        }
      });

    if (segments[0] === 'api' && segments[1] === 'v4') {
      record.kind = 'api';
      if (token !== undefined && !valid) {
        req.resume();
        send(
          401,
          { 'Content-Type': 'application/json' },
          JSON.stringify({ message: '401 Unauthorized' }),
        );
        return;
      }
      apiRoute(req, segments.slice(2), url.searchParams, valid)
        .then(answer => {
          if (answer.raw) {
            send(
              answer.status,
              {
                'Content-Type': answer.type ?? 'application/octet-stream',
                'Content-Length': String(answer.raw.length),
                ...answer.headers,
              },
              answer.raw,
            );
            return;
          }
          send(
            answer.status,
            { 'Content-Type': 'application/json', ...answer.headers },
            JSON.stringify(answer.body),
          );
        })
        .catch(error => {
          if (error instanceof ApiError) {
            send(
              error.status,
              { 'Content-Type': 'application/json' },
              JSON.stringify(error.body),
            );
          } else {
            send(
              500,
              { 'Content-Type': 'application/json' },
              JSON.stringify({ message: String(error) }),
            );
          }
        });
      return;
    }

    const projectPath = segments.join('/');
    const project = projects.get(projectPath);
    const isHg =
      project &&
      (url.searchParams.has('cmd') ||
        (req.headers.accept ?? '').startsWith('application/mercurial'));
    if (!project || !isHg) {
      req.resume();
      const visible = project && (project.visibility === 'public' || valid);
      send(
        visible ? 200 : 404,
        { 'Content-Type': 'text/html; charset=utf-8' },
        visible
          ? `<!DOCTYPE html><html><head><title>${projectPath} · Heptapod</title></head><body></body></html>\n`
          : '<!DOCTYPE html><html><head><title>Not Found</title></head><body>404</body></html>\n',
      );
      return;
    }
    record.kind = 'hg';
    const cmd = url.searchParams.get('cmd') ?? '';
    const push = cmd === 'unbundle' || cmd === 'pushkey';
    if (
      (credential !== 'none' && !valid) ||
      (!valid && (push || project.visibility === 'private'))
    ) {
      req.resume();
      send(
        401,
        {
          'WWW-Authenticate': 'Basic realm="Heptapod"',
          'Content-Type': 'text/plain',
        },
        'HTTP Basic: Access denied\n',
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
        path: `/${projectPath.split('/').map(encodeURIComponent).join('/')}${url.search}`,
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
        send(502, { 'Content-Type': 'text/plain' }, String(error));
      } else {
        res.destroy(error);
      }
    });
    req.pipe(upstream);
  });

  const listening = await listenOnLoopback(server);
  baseUrl = listening.baseUrl;
  return {
    baseUrl,
    host: listening.host,
    apiUrl: `${baseUrl}/api/v4`,
    root,
    hg,
    repoDir,
    repoUrl: p => `${baseUrl}/${p}`,
    created,
    requests,
    apiRequests: () => requests.filter(r => r.kind === 'api'),
    mergeRequests,
    stop: async () => {
      await listening.stop();
      await hg.stop();
      await tempDir?.remove();
    },
  };
}
