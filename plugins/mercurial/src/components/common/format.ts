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

/** Hex digits of a node shown in lists, as hgweb shows them. */
export const SHORT_NODE_LENGTH = 12;

/** The first 12 hex digits of a changeset node. */
export function shortNode(node: string): string {
  return node.slice(0, SHORT_NODE_LENGTH);
}

/** The first line of a commit message (the summary). */
export function firstLine(message: string): string {
  return message.split('\n', 1)[0].trim();
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'always' });

/**
 * A date relative to `now`, as "3 days ago" (whole units, rounded down);
 * under a minute is "just now". An unparseable date is returned as it is.
 */
export function relativeDate(date: string, now: number = Date.now()): string {
  const time = Date.parse(date);
  if (Number.isNaN(time)) {
    return date;
  }
  const seconds = Math.round((now - time) / 1000);
  const magnitude = Math.abs(seconds);
  for (const [unit, size] of UNITS) {
    if (magnitude >= size) {
      const count = Math.floor(magnitude / size);
      return relative.format(seconds < 0 ? count : -count, unit);
    }
  }
  return 'just now';
}
