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
  getMercurialJsonLogUrl,
  getMercurialLookupUrl,
  getMercurialRawFileUrl,
  getMercurialRepositoryUrl,
  getMercurialRequestOptions,
  isMercurialUrlUnderBase,
  MercurialCredentials,
  MercurialIntegration,
  parseMercurialLookupResponse,
} from '@backstage-mercurial/integration';
import { AuditorService } from '@backstage/backend-plugin-api';
import { NotFoundError, ServiceUnavailableError } from '@backstage/errors';
import { PassThrough, Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { ReadableStream as WebReadableStream } from 'node:stream/web';
import type pLimit from 'p-limit';
import { redactUrl } from '../redact';
import {
  MercurialCredentialsPurpose,
  MercurialCredentialsService,
  MercurialOnBehalfOf,
} from '../credentials/types';
import { requestCredentials } from '../audit';
import {
  hgwebStatusError,
  MercurialServerError,
  readHgwebErrorText,
} from './errors';
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
  parseListkeys,
} from './wire';

/**
 * Options of one request to an hgweb server.
 *
 * @public
 */
export interface HgwebRequestOptions {
  /** Ends the request (and the retry wait) when aborted; its error is thrown as is. */
  signal?: AbortSignal;
  /**
   * Gives up after this many milliseconds (body included for the methods
   * that read it) with a MercurialServerError saying so.
   */
  timeoutMs?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** What the credentials are for; default `read`. */
  purpose?: MercurialCredentialsPurpose;
  /**
   * The person the request is made for (an entry with `readAs: caller`):
   * the credentials service is asked for theirs.
   */
  onBehalfOf?: MercurialOnBehalfOf;
  /**
   * With `onBehalfOf`: the calling plugin's auditor, which records the
   * credentials issued for the person (`mercurial-credentials-issued`).
   */
  auditor?: AuditorService;
}

/** What {@link HgwebServerClient} shares with the other servers' clients. */
export interface HgwebClientShared {
  credentials: MercurialCredentialsService;
  /** The concurrency limit of a host. */
  limitOf(integration: MercurialIntegration): pLimit.Limit;
  /** How long to wait before the one retry of a failed request. */
  retryDelayMs: number;
  /** Called for every HTTP request sent. */
  onRequest(): void;
}

const MAX_REDIRECTS = 5;

/** A request that never got an answer: connection refused, reset, cut off. */
class ConnectionFailure extends Error {}

function isAbort(error: unknown): boolean {
  const name = (error as Error)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}

function causeOf(error: unknown): string {
  const e = error as { message?: string; cause?: { message?: string } };
  return e?.cause?.message
    ? `${e.message} (${e.cause.message})`
    : String(e?.message ?? error);
}

/**
 * Speaks HTTP to one Mercurial server (an integration): hgweb's raw files,
 * JSON styles, archives and index, and the wire protocol's look-ups. It
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
export class HgwebServerClient {
  readonly host: string;
  private requests = 0;
  /** The credentials that went with each response's request, if any. */
  private readonly withCredentials = new WeakMap<
    Response,
    MercurialCredentials
  >();

  constructor(
    readonly integration: MercurialIntegration,
    private readonly shared: HgwebClientShared,
  ) {
    this.host = integration.config.host;
  }

  /** The number of HTTP requests sent to this server (redirect hops and retries included). */
  get requestCount(): number {
    return this.requests;
  }

  /** The URL of a repository. */
  repositoryUrl(repositoryPath: string): string {
    return getMercurialRepositoryUrl(this.integration.config, repositoryPath);
  }

  /**
   * A repository's name for messages: its path, or its URL on a
   * single-repository server (whose repository path is '').
   */
  describeRepository(repositoryPath: string): string {
    return repositoryPath || this.repositoryUrl(repositoryPath);
  }

  /**
   * GETs a URL of this server and returns the answer, whatever its status
   * (the body is the caller's to read or cancel).
   *
   * @throws the error of `options.signal` when it aborts, a
   *   MercurialServerError when the server cannot be reached or does not
   *   answer within `timeoutMs`, or the credentials service's error
   */
  fetch(url: string, options: HgwebRequestOptions = {}): Promise<Response> {
    return this.request(url, options, async response => response);
  }

  /**
   * Throws the error that fits a failed answer (and consumes its body):
   * NotFoundError for 404, AuthenticationError for 401, NotAllowedError for
   * 403, MercurialServerError for the rest.
   *
   * @param what - what was asked for, e.g. "file 'a.txt' at revision
   *   'default' of team/payments"
   */
  async throwForStatus(response: Response, what: string): Promise<never> {
    const detail = await readHgwebErrorText(response);
    throw hgwebStatusError({
      host: this.host,
      what,
      status: response.status,
      credentials: this.withCredentials.has(response),
      detail,
    });
  }

  /**
   * The body of an answer as a Node stream. When the transfer breaks off
   * (the server closes or resets the connection before the end), the stream
   * fails with a ServiceUnavailableError that names the server and `what`
   * and says the transfer was cut off, instead of undici's bare
   * `TypeError: terminated`; an abort stays the AbortError it is.
   */
  bodyStream(response: Response, what: string): Readable {
    if (!response.body) {
      return Readable.from([]);
    }
    const body = Readable.fromWeb(
      response.body as WebReadableStream<Uint8Array>,
    );
    const out = new PassThrough();
    let received = 0;
    body.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    body.on('error', (error: Error) => {
      if (isAbort(error)) {
        out.destroy(error);
        return;
      }
      out.destroy(
        new ServiceUnavailableError(
          `The Mercurial server ${this.host} cut off the transfer of ${what} after ${received} bytes: ${causeOf(error)}`,
          error,
        ),
      );
    });
    out.on('close', () => body.destroy());
    body.pipe(out);
    return out;
  }

  /** GETs `url` and returns the body of a 2xx answer; throws for the others. */
  getText(
    url: string,
    what: string,
    options: HgwebRequestOptions = {},
  ): Promise<string> {
    return this.request(url, options, async response => {
      if (!response.ok) {
        return this.throwForStatus(response, what);
      }
      try {
        return await response.text();
      } catch (e) {
        if (isAbort(e)) {
          throw e;
        }
        throw new ConnectionFailure(
          `the transfer of ${what} was cut off: ${causeOf(e)}`,
          { cause: e },
        );
      }
    });
  }

  /** GETs one of hgweb's JSON answers. */
  async getJson<T>(
    url: string,
    what: string,
    options: HgwebRequestOptions = {},
  ): Promise<T> {
    const text = await this.getText(url, what, options);
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
   * The node of a revision: the revision itself when it is a full node,
   * else through {@link HgwebServerClient.lookup}.
   *
   * @throws NotFoundError when the revision is unknown or the repository
   *   has no changesets
   */
  async resolveNode(
    repositoryPath: string,
    revision: string,
    options: HgwebRequestOptions = {},
  ): Promise<string> {
    if (isHgNode(revision)) {
      return revision;
    }
    const node = await this.lookup(repositoryPath, revision, options);
    if (!node || node === NULL_NODE) {
      throw new NotFoundError(
        `Revision '${revision}' of ${this.describeRepository(repositoryPath)} was not found on the Mercurial server ${this.host}${
          node === NULL_NODE ? ': the repository has no changesets' : ''
        }`,
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
  async listRepositories(options: HgwebRequestOptions = {}): Promise<string[]> {
    if (this.integration.config.singleRepository) {
      return [''];
    }
    const body = await this.getJson<{ entries?: Array<{ name?: string }> }>(
      `${this.integration.config.baseUrl}/?style=json`,
      `the index of repositories at ${this.integration.config.baseUrl}`,
      options,
    );
    if (!Array.isArray(body?.entries)) {
      throw new MercurialServerError(
        `The Mercurial server ${this.host} answered the index of repositories at ${this.integration.config.baseUrl} without a list of repositories (is it hgweb serving several repositories?)`,
      );
    }
    return body.entries
      .map(e => e?.name?.replace(/^\/+|\/+$/g, ''))
      .filter((name): name is string => Boolean(name));
  }

  /**
   * Waits until the server serves `node` in a repository (hgweb may take a
   * while to notice a new repository or changeset), polling with a growing
   * delay, at most `timeoutMs`; with `onBehalfOf`, with that person's
   * credentials.
   *
   * @returns whether it did in time
   * @throws the error of `signal` when it aborts
   */
  async waitForNode(
    options: {
      repositoryPath: string;
      node: string;
      timeoutMs: number;
      signal?: AbortSignal;
    } & Pick<HgwebRequestOptions, 'onBehalfOf' | 'auditor'>,
  ): Promise<boolean> {
    const deadline = Date.now() + options.timeoutMs;
    let delay = 250;
    for (;;) {
      try {
        const node = await this.lookup(options.repositoryPath, options.node, {
          signal: options.signal,
          timeoutMs: Math.max(1000, deadline - Date.now()),
          onBehalfOf: options.onBehalfOf,
          auditor: options.auditor,
        });
        if (node === options.node) {
          return true;
        }
      } catch (e) {
        if (options.signal?.aborted) {
          throw e;
        }
      }
      if (Date.now() + delay > deadline) {
        return false;
      }
      await sleep(delay, undefined, { signal: options.signal });
      delay = Math.min(delay * 2, 2000);
    }
  }

  /**
   * Sends a GET (redirects followed, credentials per hop), under the host's
   * concurrency limit, with the one retry; `consume` reads the answer while
   * the request still holds its slot.
   */
  private async request<T>(
    url: string,
    options: HgwebRequestOptions,
    consume: (response: Response) => Promise<T>,
  ): Promise<T> {
    const timeout =
      options.timeoutMs !== undefined
        ? AbortSignal.timeout(options.timeoutMs)
        : undefined;
    const signals = [options.signal, timeout].filter((s): s is AbortSignal =>
      Boolean(s),
    );
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    const limit = this.shared.limitOf(this.integration);
    let retried = false;
    /** The credentials refused with 401, once they were. */
    let refused: MercurialCredentials | undefined;
    for (;;) {
      const mayRetry = !retried;
      const refusedBefore = refused;
      try {
        const outcome = await limit(async () => {
          const response = await this.send(url, options, signal, refusedBefore);
          if (response.status >= 500 && mayRetry) {
            await response.body?.cancel();
            return { again: 'retry' as const };
          }
          const sent = this.withCredentials.get(response);
          if (response.status === 401 && !refusedBefore && sent) {
            await response.body?.cancel();
            return { again: 'refresh' as const, refused: sent };
          }
          return { value: await consume(response) };
        });
        if ('value' in outcome) {
          return outcome.value as T;
        }
        if (outcome.again === 'refresh') {
          refused = outcome.refused;
          continue;
        }
        retried = true;
      } catch (e) {
        if (options.signal?.aborted) {
          throw e;
        }
        if (timeout?.aborted) {
          throw new MercurialServerError(
            `The Mercurial server ${this.host} gave no answer within ${options.timeoutMs! / 1000} s to ${redactUrl(url)}`,
          );
        }
        if (!(e instanceof ConnectionFailure)) {
          throw e;
        }
        if (retried) {
          throw new MercurialServerError(
            `Could not reach the Mercurial server ${this.host} at ${redactUrl(url)}: ${e.message}`,
            e.cause,
          );
        }
        retried = true;
      }
      await sleep(this.shared.retryDelayMs * (1 + Math.random()), undefined, {
        signal,
      });
    }
  }

  /** One GET with its redirects; credentials only under the `baseUrl`. */
  private async send(
    url: string,
    options: HgwebRequestOptions,
    signal: AbortSignal | undefined,
    refused: MercurialCredentials | undefined,
  ): Promise<Response> {
    const { config } = this.integration;
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const headers: Record<string, string> = { ...options.headers };
      const carry =
        isMercurialUrlUnderBase(config, current) &&
        new URL(current).protocol === new URL(config.baseUrl).protocol;
      let sent: MercurialCredentials | undefined;
      if (carry) {
        const credentials = await requestCredentials(
          this.shared.credentials,
          {
            url: current,
            purpose: options.purpose ?? 'read',
            ...(refused && { refresh: true, refused }),
            ...(options.onBehalfOf && { onBehalfOf: options.onBehalfOf }),
          },
          options.auditor,
        );
        if (credentials) {
          Object.assign(
            headers,
            getMercurialRequestOptions(config, credentials).headers,
          );
          sent = credentials;
        }
      }
      let response: Response;
      this.requests++;
      this.shared.onRequest();
      try {
        response = await fetch(current, {
          headers,
          redirect: 'manual',
          signal,
        });
      } catch (e) {
        if (isAbort(e)) {
          throw e;
        }
        throw new ConnectionFailure(causeOf(e), { cause: e });
      }
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        current = new URL(location, current).toString();
        continue;
      }
      if (sent) {
        this.withCredentials.set(response, sent);
      }
      return response;
    }
    throw new MercurialServerError(
      `Too many redirects from the Mercurial server ${this.host} for ${redactUrl(url)}`,
    );
  }
}
