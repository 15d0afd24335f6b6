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

import type { MercurialAuthor } from '@backstage-mercurial/plugin-mercurial-common';

export type { MercurialAuthor };

const BARE_EMAIL = /^[^\s@<>()"]+@[^\s@<>()"]+$/;

function unquote(name: string): string {
  const trimmed = name.trim();
  const quoted = /^"(.*)"$/s.exec(trimmed) ?? /^'(.*)'$/s.exec(trimmed);
  return (quoted ? quoted[1] : trimmed).trim();
}

/**
 * Takes hg's user string apart: `Name <email>` (the convention),
 * `"Name" <email>`, `<email>`, `email (Name)`, a bare `email`, or just a
 * name. Whatever does not fit is the name, without an e-mail address: hg
 * accepts any text as a user.
 */
export function parseAuthor(user: string): MercurialAuthor {
  const text = user.replace(/\s+/g, ' ').trim();
  if (!text) {
    return { name: '(unknown)' };
  }

  // `Name <email>`: the last <...> at the end of the string.
  const angle = /^(.*?)\s*<([^<>]*)>$/.exec(text);
  if (angle) {
    const address = angle[2].trim();
    const name = unquote(angle[1]);
    if (BARE_EMAIL.test(address)) {
      return { name: name || address, email: address };
    }
    // `Name <not an address>`: keep what there is as the name.
    return { name: name || address || text };
  }

  // `email (Name)`, an old convention.
  const paren = /^(\S+)\s*\((.+)\)$/.exec(text);
  if (paren && BARE_EMAIL.test(paren[1])) {
    return { name: unquote(paren[2]) || paren[1], email: paren[1] };
  }

  if (BARE_EMAIL.test(text)) {
    return { name: text, email: text };
  }
  return { name: text };
}
