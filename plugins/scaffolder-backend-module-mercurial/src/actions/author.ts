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

import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';

/** The identity used when a template gives none and the config has none. */
export const FALLBACK_AUTHOR = {
  name: 'Scaffolder',
  email: 'scaffolder@backstage.io',
};

/** `Name <email>` for hg, from the inputs, then scaffolder.defaultAuthor. */
export function commitAuthor(
  config: Config,
  input: { authorName?: string; authorEmail?: string },
): string {
  const name =
    input.authorName ??
    config.getOptionalString('scaffolder.defaultAuthor.name') ??
    FALLBACK_AUTHOR.name;
  const email =
    input.authorEmail ??
    config.getOptionalString('scaffolder.defaultAuthor.email') ??
    FALLBACK_AUTHOR.email;
  if (/[<>\r\n]/.test(name) || name.startsWith('-') || !name.trim()) {
    throw new InputError(
      `Invalid author name '${name}': it must not be empty, start with '-' or contain '<', '>' or line breaks`,
    );
  }
  if (/[<>\s]/.test(email) || email.startsWith('-') || !email.includes('@')) {
    throw new InputError(
      `Invalid author email '${email}': expected an address like 'name@example.com'`,
    );
  }
  return `${name.trim()} <${email}>`;
}
