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
  MercurialCredentials,
  MercurialIntegrationConfig,
} from '@backstage-mercurial/integration';
import { HgAuth } from '../HgRunner';

/**
 * The user name hg sends a token as the password of when neither the
 * credentials nor the integration name one.
 */
const DEFAULT_TOKEN_USERNAME = 'token';

/**
 * Credentials in the form the hg command line takes them: an `[auth]` entry
 * for the integration's `baseUrl`, written to the 0600 hgrc of one command.
 * The hg client cannot send a bearer header, so a token travels as the Basic
 * password of the credentials' own `username` (an OAuth 2.0 token: `oauth2`
 * unless configured), else the integration's `username`, else the user
 * `token`, which is what Heptapod and RhodeCode accept for personal access
 * tokens. Kallithea's hg over HTTP takes no API key: for a `kallithea` entry
 * the API key the service gives stands for the entry's `username` and
 * `password` (unless the entry reads as the caller).
 *
 * @param config - the integration
 * @param credentials - from the credentials service; `undefined` gives no
 *   `[auth]` entry (never a fallback to the static ones of `config`, so a
 *   service that returns none sends none)
 * @public
 */
export function getHgAuth(
  config: MercurialIntegrationConfig,
  credentials: MercurialCredentials | undefined,
): HgAuth | undefined {
  if (!credentials) {
    return undefined;
  }
  if (
    credentials.type === 'bearer' &&
    config.flavor === 'kallithea' &&
    config.username &&
    config.password &&
    config.readAs !== 'caller'
  ) {
    // Kallithea's hg over HTTP refuses API keys: the entry's own user name
    // and password (never for a person's credentials, `readAs: caller`).
    return {
      prefix: config.baseUrl,
      username: config.username,
      password: config.password,
    };
  }
  if (credentials.type === 'bearer') {
    return {
      prefix: config.baseUrl,
      username:
        credentials.username ?? config.username ?? DEFAULT_TOKEN_USERNAME,
      password: credentials.token,
    };
  }
  return {
    prefix: config.baseUrl,
    username: credentials.username,
    password: credentials.password,
  };
}
