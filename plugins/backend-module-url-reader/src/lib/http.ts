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

import { MercurialIntegration } from '@backstage-mercurial/integration';
import {
  fetchFromMercurial,
  MercurialCredentialsProvider,
} from '@backstage-mercurial/integration-node';
import {
  AuthenticationError,
  NotAllowedError,
  NotFoundError,
  ResponseError,
  ServiceUnavailableError,
} from '@backstage/errors';
import { PassThrough, Readable } from 'node:stream';
import { ReadableStream as WebReadableStream } from 'node:stream/web';

/**
 * Makes HTTP requests to one Mercurial server: with the integration's
 * credentials, which go only to URLs under the integration's `baseUrl`
 * (redirects elsewhere are followed without them), and a count of the
 * requests made (for tests and benchmarks).
 */
export class MercurialHttpClient {
  requestCount = 0;

  constructor(
    private readonly credentialsProvider: MercurialCredentialsProvider,
  ) {}

  async fetch(
    integration: MercurialIntegration,
    url: string,
    init: { headers?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<Response> {
    this.requestCount++;
    return fetchFromMercurial(integration.config, url, {
      ...init,
      credentials: await this.credentialsProvider.getCredentials({ url }),
    });
  }

  /**
   * The body of a response as a Node stream. When the transfer breaks off
   * (the server closes or resets the connection before the end), the stream
   * fails with a ServiceUnavailableError that names the server and `what`
   * and says the transfer was cut off, instead of undici's bare
   * `TypeError: terminated`; an abort stays the AbortError it is.
   */
  bodyStream(
    integration: MercurialIntegration,
    response: Response,
    what: string,
  ): Readable {
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
      if (error.name === 'AbortError' || error.name === 'TimeoutError') {
        out.destroy(error);
        return;
      }
      const cause = (error as { cause?: { message?: string } }).cause?.message;
      out.destroy(
        new ServiceUnavailableError(
          `The Mercurial server ${integration.config.host} cut off the transfer of ${what} after ${received} bytes: ${error.message}${cause ? ` (${cause})` : ''}`,
          error,
        ),
      );
    });
    out.on('close', () => body.destroy());
    body.pipe(out);
    return out;
  }

  /**
   * Throws the error that fits a failed response: NotFoundError for 404,
   * an error naming the host for 401/403 (never the credentials), and a
   * ResponseError otherwise. `what` says what was asked for.
   */
  async throwForStatus(
    integration: MercurialIntegration,
    response: Response,
    what: string,
  ): Promise<never> {
    const { host } = integration.config;
    const hasCredentials = Boolean(
      await this.credentialsProvider.getCredentials({
        url: response.url || integration.config.baseUrl,
      }),
    );
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      const message = hasCredentials
        ? `The Mercurial server ${host} refused the configured credentials for ${what} (HTTP ${response.status}); check username, password or token of its integrations.mercurial entry`
        : `The Mercurial server ${host} requires credentials for ${what} (HTTP ${response.status}), and none are configured; add username and password, or token, to its integrations.mercurial entry`;
      throw response.status === 401
        ? new AuthenticationError(message)
        : new NotAllowedError(message);
    }
    const detail = await readErrorText(response);
    if (response.status === 404) {
      throw new NotFoundError(
        `${what} was not found on the Mercurial server ${host}${detail ? `: ${detail}` : ''}`,
      );
    }
    throw await ResponseError.fromResponse(
      new Response(detail, {
        status: response.status,
        statusText: response.statusText,
      }) as any,
    );
  }
}

/** The text of an hgweb error answer, shortened: `revision not found: x`. */
export async function readErrorText(response: Response): Promise<string> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    return '';
  }
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    try {
      const error = JSON.parse(text)?.error;
      if (typeof error === 'string') {
        return error;
      }
    } catch {
      // not JSON after all
    }
  }
  if (type.includes('html')) {
    const match =
      /<div class="error">\s*<p>\s*<b>Error:<\/b>([\s\S]*?)<\/p>/i.exec(text) ??
      /<p>\s*An error occurred while processing your request:\s*<\/p>\s*<p>([\s\S]*?)<\/p>/i.exec(
        text,
      );
    return match
      ? match[1]
          .replace(/<[^>]+>/g, '')
          .trim()
          .slice(0, 300)
      : '';
  }
  return text
    .replace(/^error:\s*/i, '')
    .trim()
    .slice(0, 300);
}
