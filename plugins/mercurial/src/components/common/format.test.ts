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

import { firstLine, relativeDate, shortNode } from './format';

describe('format', () => {
  const now = Date.parse('2026-12-02T12:00:00Z');

  it.each([
    ['2026-12-02T11:59:30Z', 'just now'],
    ['2026-12-02T11:55:00Z', '5 minutes ago'],
    ['2026-12-02T09:00:00Z', '3 hours ago'],
    ['2026-12-01T11:00:00Z', '1 day ago'],
    ['2026-11-28T23:00:00Z', '3 days ago'],
    ['2026-11-18T12:00:00Z', '2 weeks ago'],
    ['2026-08-01T12:00:00Z', '4 months ago'],
    ['2024-06-01T12:00:00Z', '2 years ago'],
    ['2026-12-05T12:00:00Z', 'in 3 days'],
    ['not a date', 'not a date'],
  ])('relativeDate(%s) is %s', (date, expected) => {
    expect(relativeDate(date, now)).toBe(expected);
  });

  it('shortNode keeps 12 hex digits and firstLine the summary', () => {
    expect(shortNode('0123456789abcdef0123456789abcdef01234567')).toBe(
      '0123456789ab',
    );
    expect(firstLine('Fix the parser\n\nIt choked on tabs.')).toBe(
      'Fix the parser',
    );
  });
});
