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

/**
 * What hgweb and the wire protocol answer, parsed: the constants and
 * parsers every part of the pack shares.
 */

/**
 * The null revision: what `tip` of a repository without changesets resolves
 * to.
 *
 * @public
 */
export const NULL_NODE = '0'.repeat(40);

const NODE_PATTERN = /^[0-9a-f]{40}$/;

/**
 * Whether `value` is a full changeset node: 40 lower-case hex digits.
 *
 * @public
 */
export function isHgNode(value: string): boolean {
  return NODE_PATTERN.test(value);
}

/**
 * The instant of an hgweb date: its JSON styles give `[unix seconds, offset
 * in seconds west of UTC]` (the offset does not move the instant).
 *
 * @public
 */
export function parseHgwebDate(date: [number, number] | number): Date {
  const seconds = Array.isArray(date) ? date[0] : date;
  return new Date(Math.round(seconds * 1000));
}

/**
 * Escapes an argument of the wire protocol's `batch` command.
 *
 * @public
 */
export function escapeBatchArgument(value: string): string {
  return value
    .replace(/:/g, ':c')
    .replace(/,/g, ':o')
    .replace(/;/g, ':s')
    .replace(/=/g, ':e');
}

/**
 * Splits a `batch` answer into the answers of its commands.
 *
 * @public
 */
export function parseBatchResponse(body: string): string[] {
  const map: Record<string, string> = { c: ':', o: ',', s: ';', e: '=' };
  return body
    .split(';')
    .map(part => part.replace(/:([cose])/g, (_, c) => map[c]));
}

/**
 * The `name\tnode` lines of a `listkeys` answer (bookmarks, phases),
 * sorted by name.
 *
 * @public
 */
export function parseListkeys(
  body: string,
): Array<{ name: string; node: string }> {
  const result: Array<{ name: string; node: string }> = [];
  for (const line of body.split('\n')) {
    if (!line) {
      continue;
    }
    const tab = line.lastIndexOf('\t');
    const node = line.slice(tab + 1);
    if (tab <= 0 || !isHgNode(node)) {
      throw new Error(`Unexpected listkeys line '${line.slice(0, 100)}'`);
    }
    result.push({ name: line.slice(0, tab), node });
  }
  return result.sort((a, b) =>
    a.name < b.name ? -1 : Number(a.name > b.name),
  );
}

/**
 * The nodes of a `heads` answer.
 *
 * @public
 */
export function parseHeads(body: string): string[] {
  const heads = body.trim().split(/\s+/).filter(Boolean);
  if (!heads.every(isHgNode)) {
    throw new Error(`Unexpected heads answer '${body.slice(0, 200)}'`);
  }
  return heads;
}

/**
 * A changeset as hgweb's JSON style has it.
 *
 * @public
 */
export interface HgwebChangeset {
  node: string;
  /** `[unix seconds, offset in seconds west of UTC]` */
  date: [number, number];
  desc: string;
  branch: string;
  bookmarks: string[];
  tags: string[];
  user: string;
  parents: string[];
}

/**
 * What one head check learns about a repository.
 *
 * @public
 */
export interface HgwebRepositoryState {
  /** The node the asked revision resolves to; undefined when it is unknown. */
  node?: string;
  /** The node of `tip` ({@link NULL_NODE} for a repository without changesets). */
  tip: string;
  /** Every head of the repository, as the server lists them. */
  heads: string[];
  /** Every bookmark, sorted by name. */
  bookmarks: Array<{ name: string; node: string }>;
}

/**
 * A named branch as hgweb's `json-branches` lists it.
 *
 * @public
 */
export interface HgwebBranch {
  branch: string;
  node: string;
  status: 'open' | 'inactive' | 'closed' | string;
}

/**
 * A tag as hgweb's `json-tags` lists it.
 *
 * @public
 */
export interface HgwebTag {
  tag: string;
  node: string;
}

/**
 * Whether `hg serve`'s own HTTP server can serve `path` in a URL: it cannot
 * decode non-ASCII characters in a request path (it answers 404, or 500 in
 * a query string), while hgweb under a WSGI server can.
 *
 * @public
 */
export function isServableByUrl(path: string): boolean {
  return !/[^\p{ASCII}]/u.test(path);
}
