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

/** Encodes a `/`-separated path segment by segment, empty segments dropped. */
export function encodePath(path: string): string {
  return path
    .split('/')
    .filter(Boolean)
    .map(s => encodeURIComponent(s))
    .join('/');
}

/** The path of `url` below `baseUrl`, split into decoded segments. */
export function segmentsBelow(url: URL, baseUrl: string): string[] {
  const basePath = new URL(baseUrl).pathname.replace(/\/+$/, '');
  return url.pathname.slice(basePath.length).split('/').filter(Boolean);
}
