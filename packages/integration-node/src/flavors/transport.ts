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
  getMercurialRequestOptions,
  isMercurialUrlUnderBase,
  MercurialCredentials,
  MercurialIntegration,
} from '@backstage-mercurial/integration';
import { PassThrough, Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ServiceUnavailableError } from '@backstage/errors';
import type {
  AuditorService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import type pLimit from 'p-limit';
import type {
  MercurialCredentialsPurpose,
  MercurialCredentialsService,
  MercurialOnBehalfOf,
} from '../credentials/types';
import { redactUrl } from '../redact';
import { requestCredentials } from '../audit';
import {
  hgwebStatusError,
  MercurialServerError,
  readHgwebErrorText,
} from '../hgweb/errors';
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

/**
 * Options of one request of a server client: a GET unless `method` says
 * otherwise.
 *
 * @public
 */
export interface MercurialHttpRequestOptions extends HgwebRequestOptions {
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT';
  /**
   * A JSON body; a function gets the credentials that go with the request
   * (Kallithea's JSON-RPC carries its API key in the body).
   */
  json?: unknown | ((credentials: MercurialCredentials | undefined) => unknown);
  /**
   * A POST that changes nothing (a JSON-RPC read) may be retried like a
   * GET; any other POST is sent once.
   */
  idempotent?: boolean;
}

function isIdempotent(options: MercurialHttpRequestOptions): boolean {
  const method = options.method ?? 'GET';
  return method === 'GET' || method === 'HEAD' || options.idempotent === true;
}

/** What each server client shares with the other servers' clients. */
export interface HgwebClientShared {
  credentials: MercurialCredentialsService;
  /** The concurrency limit of a host. */
  limitOf(integration: MercurialIntegration): pLimit.Limit;
  /**
   * The first retry's wait; each further retry waits twice as long (plus up
   * to as much again at random), unless the server said how long
   * (`Retry-After`).
   */
  retryDelayMs: number;
  /** Retries of a failed request after the first try; default {@link DEFAULT_MAX_RETRIES}. */
  maxRetries?: number;
  /** Called for every HTTP request sent. */
  onRequest(): void;
  /** Where a flavor's client says what an operator should know (once). */
  logger?: LoggerService;
}

const MAX_REDIRECTS = 5;

/**
 * Retries after the first try: a 5xx answer or a failed connection of a GET
 * (or an idempotent request), and a 429 of any request.
 *
 * @public
 */
export const DEFAULT_MAX_RETRIES = 2;

/** A `Retry-After` longer than this is not waited for: the request fails. */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * The wait a 429 or 503 answer asks for (`Retry-After`: seconds or an HTTP
 * date), in milliseconds; undefined when it says none.
 */
export function retryAfterMs(
  response: Pick<Response, 'status' | 'headers'>,
  now = Date.now(),
): number | undefined {
  if (response.status !== 429 && response.status !== 503) {
    return undefined;
  }
  const value = response.headers.get('retry-after')?.trim();
  if (!value) {
    return undefined;
  }
  if (/^\d+$/.test(value)) {
    return Number(value) * 1000;
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

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
 * The HTTP side every flavor's server client shares: credentials asked for
 * on every request and sent only to the entry's own `baseUrl` and
 * `apiBaseUrl` (redirects followed by hand, at most 5; one that leaves them
 * goes without), the host's concurrency limit, retries (default 2) with
 * exponential backoff when the connection failed or the answer was a 5xx
 * (for GETs and idempotent requests only) or a 429 (any request: the server
 * did not take it), waiting as long as `Retry-After` says on a 429 or 503
 * (up to a minute; a longer wait fails at once), one retry with freshly minted credentials when
 * the server refused the ones it sent with 401, and failures mapped to
 * Backstage errors that name the host, what was asked for and what the
 * server said, never a secret.
 *
 * @public
 */
export class MercurialHttpTransport {
  readonly host: string;
  private requests = 0;
  /** The credentials that went with each response's request, if any. */
  private readonly withCredentials = new WeakMap<
    Response,
    MercurialCredentials
  >();

  constructor(
    readonly integration: MercurialIntegration,
    protected readonly shared: HgwebClientShared,
  ) {
    this.host = integration.config.host;
  }

  /** The number of HTTP requests sent to this server (redirect hops and retries included). */
  get requestCount(): number {
    return this.requests;
  }

  /** Whether `url` may carry the entry's credentials. */
  protected carriesCredentials(url: string): boolean {
    const { config } = this.integration;
    const protocol = new URL(url).protocol;
    if (
      isMercurialUrlUnderBase(config, url) &&
      protocol === new URL(config.baseUrl).protocol
    ) {
      return true;
    }
    if (!config.apiBaseUrl) {
      return false;
    }
    const api = new URL(config.apiBaseUrl);
    const target = new URL(url);
    return (
      target.origin === api.origin &&
      (target.pathname === api.pathname ||
        target.pathname.startsWith(`${api.pathname.replace(/\/+$/, '')}/`))
    );
  }

  /**
   * The headers that carry `credentials` to `url`: `Authorization` (Basic
   * or Bearer). A flavor whose API wants another header overrides it.
   */
  protected authorize(
    credentials: MercurialCredentials,
    _url: string,
  ): Record<string, string> {
    return getMercurialRequestOptions(this.integration.config, credentials)
      .headers;
  }

  /**
   * GETs a URL of this server and returns the answer, whatever its status
   * (the body is the caller's to read or cancel).
   *
   * @throws the error of `options.signal` when it aborts, a
   *   MercurialServerError when the server cannot be reached or does not
   *   answer within `timeoutMs`, or the credentials service's error
   */
  fetch(
    url: string,
    options: MercurialHttpRequestOptions = {},
  ): Promise<Response> {
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
  async getText(
    url: string,
    what: string,
    options: MercurialHttpRequestOptions = {},
  ): Promise<string> {
    return (await this.getTextAnswer(url, what, options)).text;
  }

  /** The body of a 2xx answer and its headers; throws for the others. */
  private getTextAnswer(
    url: string,
    what: string,
    options: MercurialHttpRequestOptions,
  ): Promise<{ text: string; headers: Headers }> {
    return this.request(url, options, async response => {
      if (!response.ok) {
        return this.throwForStatus(response, what);
      }
      try {
        return { text: await response.text(), headers: response.headers };
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

  /**
   * Sends `url` and parses the JSON of a 2xx answer; throws for the others
   * and for an answer that is not JSON (naming `server`, e.g. "hgweb" or
   * "Heptapod's API", as what was expected to answer).
   */
  async getJson<T>(
    url: string,
    what: string,
    options: MercurialHttpRequestOptions & { server?: string } = {},
  ): Promise<T> {
    return (await this.getJsonAnswer<T>(url, what, options)).body;
  }

  /** {@link MercurialHttpTransport.getJson}, with the answer's headers. */
  async getJsonAnswer<T>(
    url: string,
    what: string,
    options: MercurialHttpRequestOptions & { server?: string } = {},
  ): Promise<{ body: T; headers: Headers }> {
    const { text, headers } = await this.getTextAnswer(url, what, options);
    try {
      return { body: JSON.parse(text) as T, headers };
    } catch {
      throw new MercurialServerError(
        `The Mercurial server ${this.host} did not answer ${what} with JSON (is it ${options.server ?? 'hgweb'}?): '${text.slice(0, 100)}'`,
      );
    }
  }
  /**
   * Sends a request (redirects followed, credentials per hop), under the
   * host's concurrency limit, with the one retry (only for a GET or a request
   * marked `idempotent`); `consume` reads the answer while the request still
   * holds its slot.
   */
  protected async request<T>(
    url: string,
    options: MercurialHttpRequestOptions,
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
    const maxRetries = this.shared.maxRetries ?? DEFAULT_MAX_RETRIES;
    // A request that may change something is not sent twice, unless the
    // server said it did not take it (429).
    const idempotent = isIdempotent(options);
    let retries = 0;
    /** The credentials refused with 401, once they were. */
    let refused: MercurialCredentials | undefined;
    for (;;) {
      const mayRetry = retries < maxRetries;
      const refusedBefore = refused;
      /** The wait the server asked for before the next try. */
      let asked: number | undefined;
      try {
        const outcome = await limit(async () => {
          const response = await this.send(url, options, signal, refusedBefore);
          const retryable =
            response.status === 429 || (response.status >= 500 && idempotent);
          if (retryable && mayRetry) {
            const wait = retryAfterMs(response);
            if (wait === undefined || wait <= MAX_RETRY_AFTER_MS) {
              await response.body?.cancel();
              return { again: 'retry' as const, wait };
            }
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
        asked = outcome.wait;
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
        if (!idempotent || !mayRetry) {
          throw new MercurialServerError(
            `Could not reach the Mercurial server ${this.host} at ${redactUrl(url)}: ${e.message}`,
            e.cause,
          );
        }
      }
      const backoff =
        this.shared.retryDelayMs * 2 ** retries * (1 + Math.random());
      retries++;
      try {
        await sleep(asked ?? backoff, undefined, { signal });
      } catch (e) {
        if (timeout?.aborted && !options.signal?.aborted) {
          throw new MercurialServerError(
            `The Mercurial server ${this.host} gave no answer within ${options.timeoutMs! / 1000} s to ${redactUrl(url)}`,
          );
        }
        throw e;
      }
    }
  }

  /**
   * One request with its redirects; credentials only under the `baseUrl`
   * or `apiBaseUrl`, with their scheme.
   */
  private async send(
    url: string,
    options: MercurialHttpRequestOptions,
    signal: AbortSignal | undefined,
    refused: MercurialCredentials | undefined,
  ): Promise<Response> {
    const { config } = this.integration;
    let current = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const headers: Record<string, string> = { ...options.headers };
      const carry = this.carriesCredentials(current);
      let sent: MercurialCredentials | undefined;
      if (carry) {
        const credentials = await requestCredentials(
          this.shared.credentials,
          {
            // The credentials service finds the entry by its baseUrl; an API
            // call is the entry's too.
            url: isMercurialUrlUnderBase(config, current)
              ? current
              : config.baseUrl,
            purpose: options.purpose ?? 'read',
            ...(refused && { refresh: true, refused }),
            ...(options.onBehalfOf && { onBehalfOf: options.onBehalfOf }),
          },
          options.auditor,
        );
        if (credentials) {
          Object.assign(headers, this.authorize(credentials, current));
          sent = credentials;
        }
      }
      let response: Response;
      // Built before counting and sending: a body function may refuse the
      // credentials it got (its error is thrown as is).
      const body =
        options.json !== undefined
          ? JSON.stringify(
              typeof options.json === 'function'
                ? options.json(sent)
                : options.json,
            )
          : undefined;
      if (body !== undefined) {
        headers['Content-Type'] = 'application/json';
      }
      this.requests++;
      this.shared.onRequest();
      try {
        response = await fetch(current, {
          method: options.method ?? 'GET',
          headers,
          body,
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
