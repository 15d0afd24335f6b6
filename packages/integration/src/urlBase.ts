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

import type { MercurialIntegrationConfig } from './config';

/** The path of the integration's baseUrl, without a trailing slash. */
export function baseUrlPath(config: MercurialIntegrationConfig): string {
  return new URL(config.baseUrl).pathname.replace(/\/+$/, '');
}

/**
 * Whether `url` lies under the integration's `baseUrl` (same host, path at or
 * below the base path). The scheme is not compared: the configured `baseUrl`
 * decides how the server is reached.
 *
 * @public
 */
export function isMercurialUrlUnderBase(
  config: MercurialIntegrationConfig,
  url: string | URL,
): boolean {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return false;
  }
  if (parsed.host !== config.host) {
    return false;
  }
  const base = baseUrlPath(config);
  return (
    parsed.pathname === base ||
    parsed.pathname.startsWith(`${base}/`) ||
    (base === '' && parsed.pathname === '/')
  );
}
