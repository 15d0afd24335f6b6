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
  getMercurialRepositoryUrl,
  MercurialIntegration,
  parseMercurialLookupResponse,
} from '@backstage-mercurial/integration';
import { fetchFromMercurial } from '@backstage-mercurial/integration-node';
import { CustomErrorBase, NotFoundError } from '@backstage/errors';

/** The null revision: what `tip` of an empty repository resolves to. */
export const NULL_NODE = '0'.repeat(40);

/**
 * The Mercurial server failed, could not be reached, refused the configured
 * credentials or answered something unexpected: 502 Bad Gateway for the
 * caller, whose own credentials are not in question.
 */
export class MercurialServerError extends CustomErrorBase {
  name = 'MercurialServerError' as const;
  statusCode = 502;
}

/** A changeset as hgweb's JSON style has it. */
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

/** What one head check learns about a repository. */
export interface RepositoryState {
  /** The node the asked revision resolves to; undefined when it is unknown. */
  node?: string;
  /** The node of `tip`. */
  tip: string;
  /** Every head of the repository, as the server lists them. */
  heads: string[];
  /** Every bookmark, sorted by name. */
  bookmarks: Array<{ name: string; node: string }>;
}

export interface HgwebBranch {
  branch: string;
  node: string;
  status: 'open' | 'inactive' | 'closed' | string;
}

export interface HgwebTag {
  tag: string;
  node: string;
}

/** Escapes an argument of the wire protocol's `batch` command. */
export function escapeBatchArgument(value: string): string {
  return value
    .replace(/:/g, ':c')
    .replace(/,/g, ':o')
    .replace(/;/g, ':s')
    .replace(/=/g, ':e');
}

/** Splits a `batch` answer into the answers of its commands. */
export function parseBatchResponse(body: string): string[] {
  const map: Record<string, string> = { c: ':', o: ',', s: ';', e: '=' };
  return body
    .split(';')
    .map(part => part.replace(/:([cose])/g, (_, c) => map[c]));
}

/** `name\tnode` lines of a `listkeys` answer. */
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
    if (tab <= 0 || !/^[0-9a-f]{40}$/.test(node)) {
      throw new Error(`Unexpected listkeys line '${line.slice(0, 100)}'`);
    }
    result.push({ name: line.slice(0, tab), node });
  }
  return result.sort((a, b) =>
    a.name < b.name ? -1 : Number(a.name > b.name),
  );
}

/** The 40-hex nodes of a `heads` answer. */
export function parseHeads(body: string): string[] {
  const heads = body.trim().split(/\s+/).filter(Boolean);
  if (!heads.every(h => /^[0-9a-f]{40}$/.test(h))) {
    throw new Error(`Unexpected heads answer '${body.slice(0, 200)}'`);
  }
  return heads;
}

/**
 * Reads from one Mercurial server's hgweb and wire protocol over HTTP. The
 * integration's credentials go only to URLs under its `baseUrl`; a redirect
 * elsewhere is followed without them.
 */
export class HgwebClient {
  constructor(
    readonly integration: MercurialIntegration,
    private readonly options: { timeoutMs: number },
  ) {}

  get host(): string {
    return this.integration.config.host;
  }

  repositoryUrl(repositoryPath: string): string {
    return getMercurialRepositoryUrl(this.integration.config, repositoryPath);
  }

  /** The repository path for messages; the URL for a single repository (''). */
  private repositoryName(repositoryPath: string): string {
    return repositoryPath || this.repositoryUrl(repositoryPath);
  }

  /** GETs `url` and returns the body of a 2xx answer. */
  async getText(url: string, what: string): Promise<string> {
    let response: Response;
    try {
      response = await fetchFromMercurial(this.integration.config, url, {
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (e) {
      const error = e as Error;
      const reason =
        error?.name === 'TimeoutError' || error?.name === 'AbortError'
          ? `no answer within ${this.options.timeoutMs / 1000} s`
          : error.message;
      throw new MercurialServerError(
        `Could not read ${what} from the Mercurial server ${this.host}: ${reason}`,
      );
    }
    if (response.ok) {
      try {
        return await response.text();
      } catch (e) {
        throw new MercurialServerError(
          `Could not read ${what} from the Mercurial server ${this.host}: ${e}`,
        );
      }
    }
    return this.fail(response, what);
  }

  private async fail(response: Response, what: string): Promise<never> {
    let detail = '';
    try {
      const text = await response.text();
      try {
        const error = JSON.parse(text)?.error;
        detail = typeof error === 'string' ? error : '';
      } catch {
        detail = /<html/i.test(text) ? '' : text.trim();
      }
    } catch {
      // no body
    }
    detail = detail.slice(0, 300);
    if (response.status === 401 || response.status === 403) {
      const configured = Boolean(
        this.integration.config.token || this.integration.config.password,
      );
      throw new MercurialServerError(
        configured
          ? `The Mercurial server ${this.host} refused the configured credentials for ${what} (HTTP ${response.status}); check the username, password or token of its integrations.mercurial entry`
          : `The Mercurial server ${this.host} requires credentials for ${what} (HTTP ${response.status}); add username and password, or a token, to its integrations.mercurial entry`,
      );
    }
    if (response.status === 404) {
      throw new NotFoundError(
        `${what.charAt(0).toUpperCase()}${what.slice(1)} was not found on the Mercurial server ${this.host}${detail ? `: ${detail}` : ''}`,
      );
    }
    throw new MercurialServerError(
      `The Mercurial server ${this.host} failed to answer ${what} (HTTP ${response.status}${detail ? `: ${detail}` : ''})`,
    );
  }

  private async getJson<T>(url: string, what: string): Promise<T> {
    const text = await this.getText(url, what);
    let body: any;
    try {
      body = JSON.parse(text);
    } catch {
      throw new MercurialServerError(
        `The Mercurial server ${this.host} did not answer ${what} with JSON (is it hgweb?): '${text.slice(0, 100)}'`,
      );
    }
    if (body && typeof body.error === 'string') {
      throw new MercurialServerError(
        `The Mercurial server ${this.host} failed to answer ${what}: ${body.error.slice(0, 300)}`,
      );
    }
    return body as T;
  }

  /**
   * The head check: one wire-protocol `batch` request that resolves
   * `revision` and `tip` and lists the heads and the bookmarks.
   */
  async getState(
    repositoryPath: string,
    revision: string,
  ): Promise<RepositoryState> {
    const repositoryUrl = this.repositoryUrl(repositoryPath);
    const cmds = [
      `lookup key=${escapeBatchArgument(revision)}`,
      'lookup key=tip',
      'heads ',
      'listkeys namespace=bookmarks',
    ].join(';');
    const what = `the repository ${this.repositoryName(repositoryPath)}`;
    const body = await this.getText(
      `${repositoryUrl}?${new URLSearchParams({ cmd: 'batch', cmds })}`,
      what,
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
   * The changesets of a revset, in reverse revision order (newest first), at
   * most `revcount`: hgweb's `json-log?rev=REVSET`, its search in revset
   * mode.
   */
  async getLog(
    repositoryPath: string,
    revset: string,
    revcount: number,
    what: string,
  ): Promise<HgwebChangeset[]> {
    const query = new URLSearchParams({
      rev: revset,
      revcount: String(revcount),
    });
    const body = await this.getJson<{ query?: string; entries?: unknown }>(
      `${this.repositoryUrl(repositoryPath)}/json-log?${query}`,
      what,
    );
    if (!Array.isArray(body?.entries)) {
      throw new MercurialServerError(
        `The Mercurial server ${this.host} answered ${what} without changesets (is it hgweb 4.2 or newer?)`,
      );
    }
    return body.entries as HgwebChangeset[];
  }

  /** Every named branch with its newest head and status. */
  async getBranches(repositoryPath: string): Promise<HgwebBranch[]> {
    const body = await this.getJson<{ branches?: HgwebBranch[] }>(
      `${this.repositoryUrl(repositoryPath)}/json-branches`,
      `the branches of ${this.repositoryName(repositoryPath)}`,
    );
    return body.branches ?? [];
  }

  /** Every global tag, `tip` included when the server lists it. */
  async getTags(repositoryPath: string): Promise<HgwebTag[]> {
    const body = await this.getJson<{ tags?: HgwebTag[] }>(
      `${this.repositoryUrl(repositoryPath)}/json-tags`,
      `the tags of ${this.repositoryName(repositoryPath)}`,
    );
    return body.tags ?? [];
  }
}
