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

import { parseAuthor } from './authors';

describe('parseAuthor', () => {
  it.each([
    ['Alice Example <alice@example.com>', 'Alice Example', 'alice@example.com'],
    [
      '  Alice   Example   <alice@example.com>  ',
      'Alice Example',
      'alice@example.com',
    ],
    [
      '"Example, Alice" <alice@example.com>',
      'Example, Alice',
      'alice@example.com',
    ],
    ['Zoë Ünicode <zoe@example.com>', 'Zoë Ünicode', 'zoe@example.com'],
    ['<alice@example.com>', 'alice@example.com', 'alice@example.com'],
    ['alice@example.com', 'alice@example.com', 'alice@example.com'],
    ['alice@example.com (Alice Example)', 'Alice Example', 'alice@example.com'],
    ['Alice <alice at example dot com>', 'Alice', undefined],
    ['Alice <>', 'Alice', undefined],
    ['alice', 'alice', undefined],
    ['Alice Example', 'Alice Example', undefined],
    ['Alice <alice@example.com', 'Alice <alice@example.com', undefined],
    ['root@localhost', 'root@localhost', 'root@localhost'],
    ['', '(unknown)', undefined],
  ])('%j', (user, name, email) => {
    // toStrictEqual: no `email: undefined` key when there is none.
    expect(parseAuthor(user)).toStrictEqual(
      email === undefined ? { name } : { name, email },
    );
  });
});
