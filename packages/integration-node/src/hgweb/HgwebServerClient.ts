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
  getMercurialArchiveUrl,
  getMercurialJsonFileUrl,
  getMercurialJsonLogUrl,
  getMercurialLookupUrl,
  getMercurialRawFileUrl,
  MercurialUrl,
  parseMercurialLookupResponse,
  parseMercurialUrl,
} from '@backstage-mercurial/integration';
import { InputError, NotFoundError } from '@backstage/errors';
import { Readable } from 'node:stream';
import { MercurialServerClientBase } from '../flavors/base';
import { historyRevset } from '../flavors/revsets';
import { HgwebRequestOptions } from '../flavors/transport';
import type {
  MercurialCreateRepositoryRequest,
  MercurialMergeRequest,
  MercurialMergeRequestRequest,
  MercurialDirectoryEntry,
  MercurialHistoryQuery,
  MercurialRepositoryListing,
  MercurialServerClient,
} from '../flavors/types';
import { MercurialServerError, readHgwebErrorText } from './errors';
import {
  escapeBatchArgument,
  HgwebBranch,
  HgwebChangeset,
  HgwebRepositoryState,
  HgwebTag,
  isHgNode,
  NULL_NODE,
  parseBatchResponse,
  parseHeads,
  isServableByUrl,
  parseListkeys,
} from './wire';

export type {
  HgwebClientShared,
  HgwebRequestOptions,
  MercurialHttpRequestOptions,
} from '../flavors/transport';

/**
 * The {@link MercurialServerClient} of an hgweb server (the `hgweb` flavor):
 * hgweb's raw files, JSON styles, archives and index, and the wire
 * protocol's look-ups. It
 *
 * - asks the credentials service for credentials on every request, and
 *   sends them only to URLs under the integration's `baseUrl` with its
 *   scheme; redirects are followed by hand (at most 5), one that leaves the
 *   `baseUrl` without credentials;
 * - keeps at most `maxConcurrentRequests` (default 8) requests per host in
 *   flight, across every plugin of the backend;
 * - retries a request once, after a short backoff, when its connection
 *   failed or was reset or it got a 5xx answer (every request it makes is a
 *   GET), and once with freshly minted credentials when the server refused
 *   the ones it sent with 401;
 * - maps failures to Backstage errors that name the host, what was asked
 *   for and what the server said, never a secret.
 *
 * Get one from {@link MercurialHgwebClient.forIntegration}.
 *
 * @public
 */
export class HgwebServerClient
  extends MercurialServerClientBase
  implements MercurialServerClient
{
  /** GETs one of hgweb's JSON answers (whose errors say `{"error": ...}`). */
  async getJson<T>(
    url: string,
    what: string,
    options: HgwebRequestOptions = {},
  ): Promise<T> {
    const body: any = await super.getJson<T>(url, what, options);
    if (body && typeof body.error === 'string') {
      throw new MercurialServerError(
        `The Mercurial server ${this.host} failed to answer ${what}: ${body.error.slice(0, 300)}`,
      );
    }
    return body as T;
  }

  /**
   * Resolves `key` (a revision name, a node or a node prefix) with the wire
   * protocol's `lookup`.
   *
   * @returns the node; undefined when the server does not know the
   *   revision; {@link NULL_NODE} for `tip` of a repository without
   *   changesets
   * @throws NotFoundError when the repository is not there, or the answer
   *   is not Mercurial's (the URL is not a repository)
   */
  async lookup(
    repositoryPath: string,
    key: string,
    options: HgwebRequestOptions = {},
  ): Promise<string | undefined> {
    const repository = this.describeRepository(repositoryPath);
    const body = await this.getText(
      getMercurialLookupUrl(this.integration.config, { repositoryPath, key }),
      `the repository ${repository}`,
      options,
    );
    let node: string | undefined;
    try {
      node = parseMercurialLookupResponse(body);
    } catch (e) {
      throw new NotFoundError(
        `Revision '${key}' of ${repository} could not be looked up on the Mercurial server ${this.host}: the answer was not Mercurial's; is the URL a repository?`,
        e,
      );
    }
    if (node !== undefined && !isHgNode(node)) {
      throw new MercurialServerError(
        `The Mercurial server ${this.host} resolved revision '${key}' of ${repository} to '${node.slice(0, 100)}', which is not a node`,
      );
    }
    return node;
  }

  /**
   * The head check: one wire-protocol `batch` request that resolves
   * `revision` and `tip` and lists the heads and the bookmarks.
   */
  async getState(
    repositoryPath: string,
    revision: string,
    options: HgwebRequestOptions = {},
  ): Promise<HgwebRepositoryState> {
    const cmds = [
      `lookup key=${escapeBatchArgument(revision)}`,
      'lookup key=tip',
      'heads ',
      'listkeys namespace=bookmarks',
    ].join(';');
    const what = `the repository ${this.describeRepository(repositoryPath)}`;
    const body = await this.getText(
      `${this.repositoryUrl(repositoryPath)}?${new URLSearchParams({ cmd: 'batch', cmds })}`,
      what,
      options,
    );
    try {
      const [lookup, tipLookup, heads, bookmarks, ...rest] =
        parseBatchResponse(body);
      if (bookmarks === undefined || rest.length) {
        throw new Error(`expected 4 answers, got '${body.slice(0, 200)}'`);
      }
      const tip = parseMercurialLookupResponse(tipLookup);
      if (!tip) {
        throw new Error(`tip did not resolve: '${tipLookup.slice(0, 100)}'`);
      }
      return {
        node: parseMercurialLookupResponse(lookup),
        tip,
        heads: parseHeads(heads),
        bookmarks: parseListkeys(bookmarks),
      };
    } catch (e) {
      throw new MercurialServerError(
        `The Mercurial server ${this.host} answered the wire-protocol batch request for ${what} unexpectedly: ${(e as Error).message}`,
      );
    }
  }

  /**
   * The changesets of a revset, newest first, at most `revcount`: hgweb's
   * `json-log?rev=REVSET` (its search in revset mode).
   */
  async getLog(
    repositoryPath: string,
    revset: string,
    revcount: number,
    what: string,
    options: HgwebRequestOptions = {},
  ): Promise<HgwebChangeset[]> {
    const query = new URLSearchParams({
      rev: revset,
      revcount: String(revcount),
    });
    return this.logEntries(
      `${this.repositoryUrl(repositoryPath)}/json-log?${query}`,
      what,
      options,
    );
  }

  /**
   * The changesets that touched `path`, newest first from `revision`, at
   * most `revcount`: hgweb's `json-log/{revision}/{path}`.
   */
  async getFileLog(
    repositoryPath: string,
    revision: string,
    path: string,
    revcount: number,
    options: HgwebRequestOptions = {},
  ): Promise<HgwebChangeset[]> {
    return this.logEntries(
      getMercurialJsonLogUrl(this.integration.config, {
        repositoryPath,
        revision,
        path,
        revcount,
      }),
      `the history of '${path}' at revision '${revision}' of ${this.describeRepository(repositoryPath)}`,
      options,
    );
  }

  private async logEntries(
    url: string,
    what: string,
    options: HgwebRequestOptions,
  ): Promise<HgwebChangeset[]> {
    const body = await this.getJson<{ entries?: unknown }>(url, what, options);
    if (!Array.isArray(body?.entries)) {
      throw new MercurialServerError(
        `The Mercurial server ${this.host} answered ${what} without changesets (is it hgweb 4.2 or newer?)`,
      );
    }
    return body.entries as HgwebChangeset[];
  }

  /** Every named branch with its newest head and status. */
  async getBranches(
    repositoryPath: string,
    options: HgwebRequestOptions = {},
  ): Promise<HgwebBranch[]> {
    const body = await this.getJson<{ branches?: HgwebBranch[] }>(
      `${this.repositoryUrl(repositoryPath)}/json-branches`,
      `the branches of ${this.describeRepository(repositoryPath)}`,
      options,
    );
    return body.branches ?? [];
  }

  /** Every global tag, `tip` included when the server lists it. */
  async getTags(
    repositoryPath: string,
    options: HgwebRequestOptions = {},
  ): Promise<HgwebTag[]> {
    const body = await this.getJson<{ tags?: HgwebTag[] }>(
      `${this.repositoryUrl(repositoryPath)}/json-tags`,
      `the tags of ${this.describeRepository(repositoryPath)}`,
      options,
    );
    return body.tags ?? [];
  }

  /** The `raw-file` answer for a file, whatever its status. */
  getRawFile(
    repositoryPath: string,
    revision: string,
    path: string,
    options: HgwebRequestOptions = {},
  ): Promise<Response> {
    return this.fetch(
      getMercurialRawFileUrl(this.integration.config, {
        repositoryPath,
        revision,
        path,
      }),
      options,
    );
  }

  /**
   * The `archive/{revision}.tar.gz[/path]` answer, whatever its status
   * (403 when the server does not serve archives).
   */
  getArchive(
    repositoryPath: string,
    revision: string,
    path: string,
    options: HgwebRequestOptions = {},
  ): Promise<Response> {
    return this.fetch(
      getMercurialArchiveUrl(this.integration.config, {
        repositoryPath,
        revision,
        path,
      }),
      options,
    );
  }

  /**
   * The paths of the repositories the server lists in its index
   * (`{baseUrl}/?style=json`); `['']` for a single-repository server, which
   * has no index.
   */
  async listRepositories(
    options: HgwebRequestOptions & { group?: string } = {},
  ): Promise<MercurialRepositoryListing[]> {
    if (this.integration.config.singleRepository) {
      return [{ repositoryPath: '' }];
    }
    const { body, headers } = await this.getJsonAnswer<{
      entries?: Array<{
        name?: string;
        description?: unknown;
        lastchange?: unknown;
      }>;
    }>(
      `${this.integration.config.baseUrl}/?style=json`,
      `the index of repositories at ${this.integration.config.baseUrl}`,
      options,
    );
    if (!Array.isArray(body?.entries)) {
      throw new MercurialServerError(
        `The Mercurial server ${this.host} answered the index of repositories at ${this.integration.config.baseUrl} without a list of repositories (is it hgweb serving several repositories?)`,
      );
    }
    // hgweb's lastchange is the changelog's mtime in whole seconds: a push
    // later in the same second as the index keeps it. Trusted only when the
    // index was made in a later second (the server's own clock, Date).
    const served = Date.parse(headers.get('date') ?? '');
    const servedSecond = Number.isNaN(served)
      ? Math.floor((Date.now() - 2000) / 1000)
      : Math.floor(served / 1000);
    const group = options.group?.replace(/^\/+|\/+$/g, '');
    return body.entries
      .map(e => {
        const lastchange = Array.isArray(e?.lastchange)
          ? Number(e.lastchange[0])
          : NaN;
        return {
          repositoryPath: e?.name?.replace(/^\/+|\/+$/g, '') ?? '',
          // hgweb says 'unknown' for a repository without web.description
          ...(typeof e?.description === 'string' &&
            e.description &&
            e.description !== 'unknown' && {
              description: e.description,
            }),
          ...(Number.isFinite(lastchange) &&
            Math.floor(lastchange) < servedSecond && {
              changeMarker: String(lastchange),
            }),
        };
      })
      .filter(
        e =>
          e.repositoryPath &&
          (!group ||
            e.repositoryPath === group ||
            e.repositoryPath.startsWith(`${group}/`)),
      );
  }

  async parseUrl(url: string): Promise<MercurialUrl> {
    return parseMercurialUrl(url, this.integration.config);
  }

  async readFile(
    repositoryPath: string,
    node: string,
    path: string,
    options: HgwebRequestOptions & { what?: string } = {},
  ): Promise<Readable | undefined> {
    const what =
      options.what ??
      `file '${path}' at revision '${node}' of ${this.describeRepository(repositoryPath)}`;
    const response = await this.getRawFile(repositoryPath, node, path, options);
    if (response.status === 404 && !isServableByUrl(path)) {
      // hg serve cannot serve this name by URL (it answers 404)
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) {
      return this.throwForStatus(response, what);
    }
    // hgweb answers a file with Content-Disposition; a directory listing and
    // the empty answer of a repository without changesets come without.
    if (!response.headers.get('content-disposition')) {
      const body = await response.text();
      if (!body.trim()) {
        throw new NotFoundError(
          `${what} was not found on the Mercurial server ${this.host}: the repository has no changesets`,
        );
      }
      throw new InputError(`'${path}' is a directory, not a file`);
    }
    return this.bodyStream(response, what);
  }

  async readArchive(
    repositoryPath: string,
    node: string,
    path: string,
    options: HgwebRequestOptions & { what?: string } = {},
  ): Promise<Readable | undefined> {
    const what =
      options.what ??
      (path
        ? `directory '${path}' of ${this.describeRepository(repositoryPath)} at ${node}`
        : `the repository ${this.describeRepository(repositoryPath)} at ${node}`);
    const response = await this.getArchive(repositoryPath, node, path, options);
    if (response.ok) {
      return this.bodyStream(response, `the archive of ${what}`);
    }
    if (response.status === 403) {
      const text = await readHgwebErrorText(response.clone());
      if (/archive/i.test(text)) {
        await response.body?.cancel();
        return undefined;
      }
    }
    return this.throwForStatus(response, what);
  }

  async listDirectory(
    repositoryPath: string,
    node: string,
    path: string,
    options: HgwebRequestOptions = {},
  ): Promise<MercurialDirectoryEntry[]> {
    const listing = await this.getJson<{
      files?: Array<{ basename?: string; flags?: string }>;
      dirs?: Array<{ basename?: string }>;
      lines?: unknown;
    }>(
      getMercurialJsonFileUrl(this.integration.config, {
        repositoryPath,
        revision: node,
        path,
      }),
      `directory '${path || '/'}' at ${node} of ${this.describeRepository(repositoryPath)}`,
      options,
    );
    if (!Array.isArray(listing?.files)) {
      // A file's page has `lines`, not `files`: not a directory.
      if (listing && 'lines' in listing) {
        throw new NotFoundError(
          `'${path}' at ${node} of ${this.describeRepository(repositoryPath)} is a file, not a directory`,
        );
      }
      throw new MercurialServerError(
        `The Mercurial server ${this.host} answered the listing of '${path || '/'}' at ${node} of ${this.describeRepository(repositoryPath)} without a list of files (is it hgweb?)`,
      );
    }
    const entries = (
      list: Array<{ basename?: string; flags?: string }> | undefined,
      type: MercurialDirectoryEntry['type'],
    ): MercurialDirectoryEntry[] =>
      (list ?? [])
        .filter(e => e?.basename?.replace(/\/+$/, ''))
        .map(e => ({
          name: e.basename!.replace(/\/+$/, ''),
          type,
          ...(e.flags === 'l' && { symlink: true }),
        }));
    return [
      ...entries(listing.dirs, 'directory'),
      ...entries(listing.files, 'file'),
    ];
  }

  getHistory(
    query: MercurialHistoryQuery,
    options: HgwebRequestOptions = {},
  ): Promise<HgwebChangeset[]> {
    return this.getLog(
      query.repositoryPath,
      historyRevset(query.node, query.path, query.before),
      query.limit,
      query.what,
      options,
    );
  }

  /** hgweb has no API to create repositories: publish:hg uses ssh or localRoot. */
  async createRepository(
    _request: MercurialCreateRepositoryRequest,
  ): Promise<boolean> {
    return false;
  }

  /** hgweb has no merge requests. */
  async createMergeRequest(
    _request: MercurialMergeRequestRequest,
  ): Promise<MercurialMergeRequest | undefined> {
    return undefined;
  }
}
