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
  MercurialIntegrationConfig,
} from '@backstage-mercurial/integration';

const MAX_REDIRECTS = 5;

/** Whether the integration's credentials may go to `url`. */
function mayCarryCredentials(
  config: MercurialIntegrationConfig,
  url: string,
): boolean {
  return (
    isMercurialUrlUnderBase(config, url) &&
    new URL(url).protocol === new URL(config.baseUrl).protocol
  );
}

/** `url` without userinfo or query, for messages. */
function shown(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  parsed.search = '';
  return parsed.toString();
}

/**
 * GETs a URL of a Mercurial server. The integration's credentials (or the
 * `credentials` given) are sent only to URLs under its `baseUrl`, with its
 * scheme; redirects are followed by hand (at most 5), and one that leaves the
 * `baseUrl` is followed without them.
 *
 * @returns the final response, whatever its status
 * @throws the AbortError of `signal`, or an Error naming the host (never the
 *   credentials) when the server cannot be reached
 * @public
 */
export async function fetchFromMercurial(
  config: MercurialIntegrationConfig,
  url: string,
  options: {
    headers?: Record<string, string>;
    signal?: AbortSignal;
    credentials?: MercurialCredentials;
  } = {},
): Promise<Response> {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const headers: Record<string, string> = { ...options.headers };
    if (mayCarryCredentials(config, current)) {
      Object.assign(
        headers,
        getMercurialRequestOptions(config, options.credentials).headers,
      );
    }
    let response: Response;
    try {
      response = await fetch(current, {
        headers,
        redirect: 'manual',
        signal: options.signal,
      });
    } catch (e) {
      const name = (e as Error)?.name;
      if (name === 'AbortError' || name === 'TimeoutError') {
        throw e;
      }
      throw new Error(
        `Could not reach the Mercurial server ${config.host} at ${shown(current)}: ${(e as Error)?.cause ?? e}`,
        { cause: e },
      );
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      current = new URL(location, current).toString();
      continue;
    }
    return response;
  }
  throw new Error(
    `Too many redirects from the Mercurial server ${config.host} for ${shown(url)}`,
  );
}
