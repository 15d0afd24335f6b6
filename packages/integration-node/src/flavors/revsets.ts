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
 * A revset string literal: `"..."` with `\` and `"` escaped, which hg reads
 * back byte for byte (revset strings take Python escape sequences).
 *
 * @public
 */
export function quoteRevsetString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

const NODE = /^[0-9a-f]{40}$/;

/**
 * The changesets of a history: the ancestors of `node` (a 40-hex node, so
 * that the expression never falls back to hgweb's keyword search), limited
 * to those that touch `path` (a file or a directory, relative to the
 * repository root) when it is not empty.
 *
 * With `before` (a 40-hex node, a page's last changeset): only those after
 * it in the history's order (hg's, newest revision first), i.e. of a lower
 * revision number; not "the ancestors of `before`", which would leave out
 * the changesets of the other side of a merge that come after it in the
 * list.
 *
 * @public
 */
export function historyRevset(
  node: string,
  path: string,
  before?: string,
): string {
  for (const n of before === undefined ? [node] : [node, before]) {
    if (!NODE.test(n)) {
      throw new Error(`Not a full Mercurial node: '${n}'`);
    }
  }
  return [
    `::${node}`,
    ...(before ? [`not (${before}:)`] : []),
    ...(path ? [`file(${quoteRevsetString(`path:${path}`)})`] : []),
  ].join(' and ');
}
