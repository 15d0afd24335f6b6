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

import { InputError } from '@backstage/errors';

/**
 * Refuses a user-supplied value that hg could read as an option (it starts
 * with `-`), an empty one, and one with a line break or NUL byte.
 *
 * @param name - what the value is, for the error message (e.g. `revision`)
 * @param value - the value
 * @throws InputError naming the value
 * @public
 */
export function assertSafeHgValue(name: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InputError(`The ${name} must not be empty`);
  }
  if (value.startsWith('-')) {
    throw new InputError(
      `The ${name} '${value}' starts with '-', which hg would read as an option; such values are refused`,
    );
  }
  if (/[\r\n\0]/.test(value)) {
    throw new InputError(
      `The ${name} must not contain line breaks or NUL characters`,
    );
  }
}

/**
 * Refuses a repository URL or path hg could misread: one starting with `-`,
 * an `ssh://` URL whose user or host starts with `-` (ssh would take it as an
 * option), and any URL with a password in it (credentials go through the
 * integration config, never through a URL).
 *
 * @param name - what the value is, for the error message (e.g. `source`)
 * @param value - a URL or a local path
 * @throws InputError naming the value, without any password in it
 * @public
 */
export function assertSafeHgUrl(name: string, value: string): void {
  assertSafeHgValue(name, value);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
  if (!scheme) {
    return; // a local path
  }
  if (!['http', 'https', 'ssh', 'file'].includes(scheme)) {
    throw new InputError(
      `The ${name} uses the URL scheme '${scheme}'; only http, https, ssh and file URLs are accepted`,
    );
  }
  if (scheme === 'ssh') {
    // Take the authority apart by hand: ssh://user@host:port/path. `new URL`
    // would normalise away exactly the characters that matter here.
    const authority = value.slice('ssh://'.length).split('/', 1)[0];
    const at = authority.lastIndexOf('@');
    const user = at === -1 ? undefined : authority.slice(0, at);
    const host = at === -1 ? authority : authority.slice(at + 1);
    if (user?.includes(':')) {
      throw new InputError(
        `The ${name} has a password in its ssh URL; use an ssh key from the integration config instead`,
      );
    }
    if (user?.startsWith('-') || host.startsWith('-')) {
      throw new InputError(
        `The ${name} is an ssh URL whose user or host starts with '-', which ssh would read as an option; it is refused`,
      );
    }
    if (!host) {
      throw new InputError(`The ${name} is an ssh URL without a host`);
    }
    return;
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch (e) {
    throw new InputError(`The ${name} is not a valid URL`, e);
  }
  if (parsed.password) {
    throw new InputError(
      `The ${name} has a password in its URL; put credentials in integrations.mercurial instead`,
    );
  }
}
