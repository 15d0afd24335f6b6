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

export {
  historyRevset,
  quoteRevsetString,
} from '@backstage-mercurial/integration-node';

const NODE = /^[0-9a-f]{40}$/;

/**
 * Reads the `path` query parameter: a file or directory relative to the
 * entity's directory. Empty and `.` segments are dropped (`docs/` and
 * `./docs` are `docs`); `..` segments, a leading `/` and control characters
 * are refused, so the scope can
 * never leave the entity's directory.
 *
 * @returns the normalised path, `''` for the entity directory itself
 */
export function normalizeRelativePath(value: string | undefined): string {
  if (value === undefined) {
    return '';
  }
  if (value.startsWith('/')) {
    throw new InputError(
      `Invalid path '${value}': it must be relative to the entity's directory, not start with '/'`,
    );
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new InputError(
      'Invalid path: it must not contain control characters',
    );
  }
  const segments = value.split('/').filter(s => s !== '' && s !== '.');
  if (segments.includes('..')) {
    throw new InputError(
      `Invalid path '${value}': '..' segments are not allowed; the path is relative to the entity's directory and cannot leave it`,
    );
  }
  return segments.join('/');
}

/** `a` and `b` joined with `/`, either may be `''`. */
export function joinPaths(a: string, b: string): string {
  return [a, b].filter(Boolean).join('/');
}

/**
 * Reads the `before` query parameter of the commits route: a 40-hex node.
 */
export function parseBefore(value: string | undefined): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!NODE.test(value)) {
    throw new InputError(
      `Invalid before '${value}': expected the 40-hex node of a changeset (the 'next' of the previous page)`,
    );
  }
  return value;
}

/**
 * Reads the `since` query parameter: an ISO 8601 date (`2024-01-31`,
 * midnight UTC) or date-time with a time zone (`Z` or `+02:00`).
 */
export function parseSince(raw: string | undefined): Date | undefined {
  if (raw === undefined) {
    return undefined;
  }
  // An unencoded `+02:00` in a query string arrives as ` 02:00`.
  const value = raw.replace(/ (\d{2}:\d{2})$/, '+$1');
  const match =
    /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/i.exec(
      value,
    );
  const invalid = () =>
    new InputError(
      `Invalid since '${raw}': expected an ISO 8601 date (2024-01-31) or date-time with a time zone (2024-01-31T12:00:00Z)`,
    );
  if (!match) {
    throw invalid();
  }
  // Date rolls `2024-02-31` over into March: check the calendar date first.
  const [year, month, day] = [match[1], match[2], match[3]].map(Number);
  const calendar = new Date(Date.UTC(year, month - 1, day));
  if (
    calendar.getUTCFullYear() !== year ||
    calendar.getUTCMonth() !== month - 1 ||
    calendar.getUTCDate() !== day
  ) {
    throw invalid();
  }
  const date = match[4] ? new Date(value) : calendar;
  if (Number.isNaN(date.getTime())) {
    throw invalid();
  }
  return date;
}
