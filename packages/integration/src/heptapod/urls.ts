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

/*
 * Heptapod's web URLs (issue 12, first step): Heptapod is GitLab for
 * Mercurial, and every ref of an hg project has a slash in it
 * (`branch/default`, `topic/default/my-topic`), while hg branch names may
 * contain `/` themselves. So a URL can only be taken apart in two steps:
 * {@link parseHeptapodUrl} finds the project and the page kind, and
 * {@link splitHeptapodRef} splits ref and path against the project's own
 * branch (and tag) names, by longest prefix. Forms from
 * ../shared/notes/hosted-products.md (real links on foss.heptapod.net).
 */

import { InputError, NotFoundError } from '@backstage/errors';
import { encodePath } from '../flavors/paths';

/**
 * The page kinds of a Heptapod project URL: `/-/{kind}/{ref}/{path}`, the
 * changeset page `/-/commit/{node}`, or the project page itself.
 *
 * @public
 */
export type HeptapodUrlKind =
  'project' | 'blob' | 'raw' | 'tree' | 'edit' | 'commit';

/**
 * A Heptapod URL taken apart, before its ref is resolved.
 *
 * @public
 */
export interface HeptapodUrl {
  /** The project's full path, `group/subgroup/project`. */
  projectPath: string;
  kind: HeptapodUrlKind;
  /**
   * For blob, raw, tree and edit: what follows `/-/{kind}/`, decoded and
   * not yet split (`branch/default/docs/index.md`); for commit: the node;
   * for project: `''` (the project's default branch).
   */
  refAndPath: string;
}

/**
 * A Heptapod ref: an hg named branch (`branch/{name}`), a topic of a
 * branch (`topic/{branch}/{topic}`), a tag, or a (full or short) node.
 *
 * @public
 */
export type HeptapodRef =
  | { type: 'branch'; branch: string }
  | { type: 'topic'; branch: string; topic: string }
  | { type: 'tag'; tag: string }
  | { type: 'node'; node: string };

const REF_KINDS = new Set(['blob', 'raw', 'tree', 'edit']);
const NODE = /^[0-9a-f]{12,40}$/;

function decode(segment: string, url: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (e) {
    throw new InputError(
      `Invalid Heptapod URL '${url}': bad escape in '${segment}'`,
      e,
    );
  }
}

/**
 * Takes a Heptapod URL apart into project, page kind and the unsplit ref
 * and path.
 *
 * @param url - an absolute URL under `baseUrl`
 * @param baseUrl - the Heptapod instance, e.g. `https://foss.heptapod.net`
 * @throws InputError when the URL is not under `baseUrl` or not a project URL
 * @public
 */
export function parseHeptapodUrl(url: string, baseUrl: string): HeptapodUrl {
  let parsed: URL;
  let base: URL;
  try {
    parsed = new URL(url);
    base = new URL(baseUrl);
  } catch (e) {
    throw new InputError(
      `Invalid Heptapod URL '${url}': not an absolute URL`,
      e,
    );
  }
  const basePath = base.pathname.replace(/\/+$/, '');
  if (
    parsed.origin !== base.origin ||
    (parsed.pathname !== basePath &&
      !parsed.pathname.startsWith(`${basePath}/`))
  ) {
    throw new InputError(
      `Invalid Heptapod URL '${url}': it is not under the configured baseUrl '${baseUrl}'`,
    );
  }
  const segments = parsed.pathname
    .slice(basePath.length)
    .split('/')
    .filter(Boolean);
  const dash = segments.indexOf('-');
  const projectSegments = dash === -1 ? segments : segments.slice(0, dash);
  if (projectSegments.length < 2) {
    throw new InputError(
      `Invalid Heptapod URL '${url}': it names no project; expected '${baseUrl}/{group}/{project}', optionally followed by '/-/blob|raw|tree|edit/{ref}/{path}' or '/-/commit/{node}'`,
    );
  }
  const projectPath = projectSegments.map(s => decode(s, url)).join('/');
  if (dash === -1) {
    return { projectPath, kind: 'project', refAndPath: '' };
  }
  const [kind, ...rest] = segments.slice(dash + 1);
  const refAndPath = rest.map(s => decode(s, url)).join('/');
  if (kind === 'commit') {
    if (!NODE.test(refAndPath)) {
      throw new InputError(
        `Invalid Heptapod URL '${url}': '/-/commit/' must be followed by a changeset node, got '${refAndPath}'`,
      );
    }
    return { projectPath, kind, refAndPath };
  }
  if (!kind || !REF_KINDS.has(kind) || !refAndPath) {
    throw new InputError(
      `Invalid Heptapod URL '${url}': expected '/-/blob|raw|tree|edit/{ref}/{path}' or '/-/commit/{node}' after the project, got '/-/${[kind, ...rest].join('/')}'`,
    );
  }
  return { projectPath, kind: kind as HeptapodUrlKind, refAndPath };
}

/** The longest name of `names` that `text` is, or starts with followed by `/`. */
function longestPrefix(text: string, names: Iterable<string>) {
  let best: string | undefined;
  for (const name of names) {
    if (
      (text === name || text.startsWith(`${name}/`)) &&
      (best === undefined || name.length > best.length)
    ) {
      best = name;
    }
  }
  return best;
}

/**
 * Splits what follows `/-/{kind}/` into a ref and a path, against the
 * project's hg branch names and tags (hg branch names and tags may contain
 * `/`: the longest one that matches wins).
 *
 * @param refAndPath - {@link HeptapodUrl.refAndPath}
 * @param names - the project's hg branch names (`default`, `stable/6.3`,
 *   without `branch/`) and tags
 * @throws NotFoundError when no branch or tag of the project matches
 * @public
 */
export function splitHeptapodRef(
  refAndPath: string,
  names: { branches: Iterable<string>; tags?: Iterable<string> },
): { ref: HeptapodRef; path: string } {
  const pathAfter = (prefix: string) =>
    refAndPath.slice(prefix.length).replace(/^\/+/, '');
  for (const type of ['branch', 'topic'] as const) {
    if (!refAndPath.startsWith(`${type}/`)) {
      continue;
    }
    const rest = refAndPath.slice(type.length + 1);
    const branch = longestPrefix(rest, names.branches);
    if (branch === undefined) {
      throw new NotFoundError(
        `No branch of the project matches '${refAndPath}'`,
      );
    }
    if (type === 'branch') {
      return {
        ref: { type, branch },
        path: pathAfter(`branch/${branch}`),
      };
    }
    // A topic is taken as one segment; whether hg-evolve allows '/' in a
    // topic name is not confirmed (not in the notes): such a topic is not
    // recognised yet.
    const [topic] = rest.slice(branch.length + 1).split('/');
    if (!topic) {
      throw new NotFoundError(`No topic named in '${refAndPath}'`);
    }
    return {
      ref: { type, branch, topic },
      path: pathAfter(`topic/${branch}/${topic}`),
    };
  }
  const tag = longestPrefix(refAndPath, names.tags ?? []);
  if (tag !== undefined) {
    return { ref: { type: 'tag', tag }, path: pathAfter(tag) };
  }
  const [first] = refAndPath.split('/');
  if (NODE.test(first)) {
    return { ref: { type: 'node', node: first }, path: pathAfter(first) };
  }
  throw new NotFoundError(
    `No branch, topic, tag or changeset of the project matches '${refAndPath}'`,
  );
}

/**
 * The ref as Heptapod names it in URLs and in its API's `ref` and `sha`
 * parameters: `branch/default`, `topic/default/my-topic`, a tag or a node.
 *
 * @public
 */
export function formatHeptapodRef(ref: HeptapodRef): string {
  switch (ref.type) {
    case 'branch':
      return `branch/${ref.branch}`;
    case 'topic':
      return `topic/${ref.branch}/${ref.topic}`;
    case 'tag':
      return ref.tag;
    default:
      return ref.node;
  }
}

/**
 * The web URL of a page of a Heptapod project: the file page, raw file,
 * directory and web editor (`/-/blob|raw|tree|edit/{ref}/{path}`), a
 * changeset page (`/-/commit/{node}`), or the project page. Path segments
 * are encoded; the ref's own `/` separators are kept, as Heptapod writes them.
 *
 * @public
 */
export function formatHeptapodUrl(options: {
  baseUrl: string;
  projectPath: string;
  kind: HeptapodUrlKind;
  /** Required for every kind but `project` (a `node` ref for `commit`). */
  ref?: HeptapodRef;
  path?: string;
}): string {
  const project = `${options.baseUrl.replace(/\/+$/, '')}/${encodePath(options.projectPath)}`;
  if (options.kind === 'project') {
    return project;
  }
  if (!options.ref) {
    throw new InputError(`A Heptapod ${options.kind} URL needs a ref`);
  }
  if (options.kind === 'commit') {
    if (options.ref.type !== 'node') {
      throw new InputError(
        `A Heptapod commit URL needs a node, got the ${options.ref.type} '${formatHeptapodRef(options.ref)}'`,
      );
    }
    return `${project}/-/commit/${options.ref.node}`;
  }
  const ref = encodePath(formatHeptapodRef(options.ref));
  const path = encodePath(options.path ?? '');
  return `${project}/-/${options.kind}/${ref}${path ? `/${path}` : ''}`;
}
