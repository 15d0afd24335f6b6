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
  AuthenticationError,
  CustomErrorBase,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';

/**
 * The Mercurial server failed (5xx), could not be reached, gave no answer in
 * time or answered something that is not hgweb's: 502 Bad Gateway for
 * whoever asked Backstage.
 *
 * @public
 */
export class MercurialServerError extends CustomErrorBase {
  name = 'MercurialServerError' as const;
  statusCode = 502;
}

/**
 * The text of an hgweb error answer, shortened: `revision not found: x`
 * from its JSON, HTML or plain-text error pages; '' when there is none.
 * Consumes the body.
 *
 * @public
 */
export async function readHgwebErrorText(response: Response): Promise<string> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    return '';
  }
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('json') || /^\s*\{/.test(text)) {
    try {
      const error = JSON.parse(text)?.error;
      if (typeof error === 'string') {
        return error.slice(0, 300);
      }
    } catch {
      // not JSON after all
    }
  }
  if (type.includes('html') || /<html/i.test(text)) {
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
    .trim()
    .replace(/^error:\s*/i, '')
    .slice(0, 300);
}

/** "the branches of x" starts a sentence as "The branches of x". */
function capitalize(text: string): string {
  return text.startsWith('the ') ? `T${text.slice(1)}` : text;
}

/**
 * The error for a failed hgweb answer: NotFoundError for 404,
 * AuthenticationError for 401 and NotAllowedError for 403 (saying whether
 * credentials were sent, never which), MercurialServerError otherwise. The
 * message names the host, `what` was asked for and what the server said.
 *
 * @param options - `host` of the server, `what` was asked for ("file
 *   'a.txt' at revision 'default' of team/payments"), whether `credentials`
 *   went with the request, and the server's `detail` text
 */
export function hgwebStatusError(options: {
  host: string;
  what: string;
  status: number;
  credentials: boolean;
  detail: string;
}): Error {
  const { host, what, status, detail } = options;
  const said = detail ? `: ${detail}` : '';
  if (status === 401 || status === 403) {
    const message = options.credentials
      ? `The Mercurial server ${host} refused the credentials of its integrations.mercurial entry for ${what} (HTTP ${status}${said}); check its username and password, token or credential source`
      : `The Mercurial server ${host} requires credentials for ${what} (HTTP ${status}${said}), and its integrations.mercurial entry has none; add username and password, a token or a credential source (tokenFile, credentialCommand, oauth2)`;
    return status === 401
      ? new AuthenticationError(message)
      : new NotAllowedError(message);
  }
  if (status === 404) {
    return new NotFoundError(
      `${capitalize(what)} was not found on the Mercurial server ${host}${said}`,
    );
  }
  return new MercurialServerError(
    `The Mercurial server ${host} failed to answer ${what} (HTTP ${status}${said})`,
  );
}
