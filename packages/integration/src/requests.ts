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

import { MercurialIntegrationConfig } from './config';

/**
 * Credentials for one request to a Mercurial server: a user name and
 * password (HTTP Basic) or a bearer token. Short-lived credentials carry
 * their expiry.
 *
 * @public
 */
export type MercurialCredentials =
  | { type: 'basic'; username: string; password: string; expiresAt?: Date }
  | {
      type: 'bearer';
      token: string;
      /**
       * The user name hg sends the token as the password of (hg cannot send
       * a bearer header); HTTP requests send the token as `Bearer`.
       */
      username?: string;
      expiresAt?: Date;
    };

/**
 * The static credentials an integration's config holds, if any.
 *
 * @public
 */
export function getMercurialConfigCredentials(
  config: MercurialIntegrationConfig,
): MercurialCredentials | undefined {
  if (config.token) {
    return { type: 'bearer', token: config.token };
  }
  if (config.username && config.password) {
    return {
      type: 'basic',
      username: config.username,
      password: config.password,
    };
  }
  return undefined;
}

function base64Utf8(value: string): string {
  const bytes = new TextEncoder().encode(value);
  let binary = '';
  for (const byte of bytes) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary);
}

/**
 * The headers for an HTTP request to the integration's server: an
 * `Authorization` header when credentials are given or configured, nothing
 * otherwise. Send them only to the integration's own host.
 *
 * @param config - the integration
 * @param credentials - overrides the configured credentials (e.g. short-lived
 *   ones from a credentials provider)
 * @public
 */
export function getMercurialRequestOptions(
  config: MercurialIntegrationConfig,
  credentials?: MercurialCredentials,
): { headers: Record<string, string> } {
  const creds = credentials ?? getMercurialConfigCredentials(config);
  if (!creds) {
    return { headers: {} };
  }
  if (creds.type === 'bearer') {
    return { headers: { Authorization: `Bearer ${creds.token}` } };
  }
  return {
    headers: {
      Authorization: `Basic ${base64Utf8(`${creds.username}:${creds.password}`)}`,
    },
  };
}
