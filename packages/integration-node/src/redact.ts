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

const REDACTED = '***';

/**
 * Replaces every secret, and any `user:password@` in URLs, with `***`.
 *
 * @param text - text that may contain secrets (stderr, an error message)
 * @param secrets - the values to remove
 * @public
 */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  let result = text;
  const sorted = [...new Set(secrets)]
    .filter(s => s && s.length >= 1)
    .sort((a, b) => b.length - a.length);
  for (const secret of sorted) {
    result = result.split(secret).join(REDACTED);
    // hg may echo a secret percent-encoded (in a URL).
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) {
      result = result.split(encoded).join(REDACTED);
    }
  }
  return result.replace(
    /(\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*):[^/\s@]*@/gi,
    `$1:${REDACTED}@`,
  );
}

/**
 * A URL fit for a message: without any `user:password@` (an ssh URL keeps
 * its user name, which is no secret and tells which account was used).
 *
 * @public
 */
export function redactUrl(url: string): string {
  return url.replace(
    /^([a-z][a-z0-9+.-]*:\/\/)([^/@:]*)(?::[^/@]*)?@/i,
    (_match, scheme: string, user: string) =>
      scheme.toLowerCase().startsWith('ssh') ? `${scheme}${user}@` : scheme,
  );
}
