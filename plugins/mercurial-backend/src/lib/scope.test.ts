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
  historyRevset,
  joinPaths,
  normalizeRelativePath,
  parseBefore,
  parseSince,
  quoteRevsetString,
} from './scope';

describe('normalizeRelativePath', () => {
  it.each([
    [undefined, ''],
    ['', ''],
    ['.', ''],
    ['src', 'src'],
    ['src/', 'src'],
    ['./src//lib/./x.ts', 'src/lib/x.ts'],
    ['a b/c"d', 'a b/c"d'],
    ['..foo/bar..', '..foo/bar..'],
  ])('%j -> %j', (value, expected) => {
    expect(normalizeRelativePath(value)).toBe(expected);
  });

  it.each(['..', '../x', 'a/../b', 'a/..', '/etc/passwd', 'a\nb', 'a\u0000b'])(
    'refuses %j',
    value => {
      expect(() => normalizeRelativePath(value)).toThrow(
        expect.objectContaining({ name: 'InputError' }),
      );
    },
  );
});

describe('joinPaths', () => {
  it('joins, skipping empty parts', () => {
    expect(joinPaths('', '')).toBe('');
    expect(joinPaths('services/api', '')).toBe('services/api');
    expect(joinPaths('', 'src')).toBe('src');
    expect(joinPaths('services/api', 'src')).toBe('services/api/src');
  });
});

describe('revsets', () => {
  const node = 'a'.repeat(40);

  it('quotes strings so that hg reads them back as they are', () => {
    expect(quoteRevsetString('plain')).toBe('"plain"');
    expect(quoteRevsetString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(quoteRevsetString("it's")).toBe('"it\'s"');
  });

  it('builds the history of a node, scoped to a path or not', () => {
    expect(historyRevset(node, '')).toBe(`::${node}`);
    expect(historyRevset(node, 'services/api')).toBe(
      `::${node} and file("path:services/api")`,
    );
    expect(historyRevset(node, 'we"ird\\')).toBe(
      `::${node} and file("path:we\\"ird\\\\")`,
    );
  });

  it('pages: only changesets of lower revision numbers than before', () => {
    const before = 'b'.repeat(40);
    expect(historyRevset(node, '', before)).toBe(
      `::${node} and not (${before}:)`,
    );
    expect(historyRevset(node, 'docs', before)).toBe(
      `::${node} and not (${before}:) and file("path:docs")`,
    );
  });

  it('takes full nodes only', () => {
    expect(() => historyRevset('default', '')).toThrow(/node/);
    expect(() => historyRevset('abc', '')).toThrow(/node/);
    expect(() => historyRevset(node, '', 'tip')).toThrow(/node/);
    expect(() => historyRevset(node, '', `${node})`)).toThrow(/node/);
  });
});

describe('parseBefore', () => {
  it('takes a 40-hex node, or nothing', () => {
    expect(parseBefore(undefined)).toBeUndefined();
    expect(parseBefore('0123456789abcdef0123456789abcdef01234567')).toBe(
      '0123456789abcdef0123456789abcdef01234567',
    );
  });

  it.each([
    '',
    'tip',
    'default',
    '0123456789abcdef',
    '0123456789ABCDEF0123456789ABCDEF01234567',
    '0123456789abcdef0123456789abcdef01234567:',
    '0123456789abcdef0123456789abcdef012345678',
  ])('refuses %j with an InputError naming it', value => {
    expect(() => parseBefore(value)).toThrow(
      expect.objectContaining({
        name: 'InputError',
        message: expect.stringContaining(`Invalid before '${value}'`),
      }),
    );
  });
});

describe('parseSince', () => {
  it.each([
    ['2024-01-31', '2024-01-31T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z'],
    ['2024-01-31T12:30Z', '2024-01-31T12:30:00.000Z'],
    ['2024-01-31T12:30:15Z', '2024-01-31T12:30:15.000Z'],
    ['2024-01-31T12:30:15.250Z', '2024-01-31T12:30:15.250Z'],
    ['2024-01-31T12:30:15+02:00', '2024-01-31T10:30:15.000Z'],
    ['2024-01-31T01:00:00-03:00', '2024-01-31T04:00:00.000Z'],
    // `+02:00` sent unencoded in a query string
    ['2024-01-31T12:30:15 02:00', '2024-01-31T10:30:15.000Z'],
  ])('%s', (value, expected) => {
    expect(parseSince(value)?.toISOString()).toBe(expected);
  });

  it('is optional', () => {
    expect(parseSince(undefined)).toBeUndefined();
  });

  it.each([
    '',
    'yesterday',
    '2024',
    '2024-1-31',
    '2023-02-29',
    '2024-13-01',
    '2024-01-31T12:30',
    '2024-01-31 12:30Z',
    '1706659200',
  ])('refuses %j', value => {
    expect(() => parseSince(value)).toThrow(
      expect.objectContaining({ name: 'InputError' }),
    );
  });
});
