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
  getMercurialConfigCredentials,
  MercurialCredentials,
  MercurialIntegration,
  MercurialIntegrationConfig,
  MercurialIntegrations,
} from '@backstage-mercurial/integration';
import { HgAuth } from './HgRunner';

/**
 * Gives the credentials to use for a URL of a configured Mercurial server.
 *
 * @public
 */
export interface MercurialCredentialsProvider {
  getCredentials(options: {
    url: string;
  }): Promise<MercurialCredentials | undefined>;
}

/**
 * Fetches credentials for one integration, e.g. a short-lived token from a
 * vault or an OAuth exchange. Returned credentials with `expiresAt` are
 * cached until shortly before they expire; without it they are fetched for
 * every request.
 *
 * @public
 */
export type MercurialCredentialsSource = (
  integration: MercurialIntegration,
) => Promise<MercurialCredentials | undefined>;

/** Renew short-lived credentials this long before they expire. */
const EXPIRY_MARGIN_MS = 60_000;

/**
 * The credentials of `integrations.mercurial`: the static `username` and
 * `password` or `token` of the entry matching the URL, or those of a
 * {@link MercurialCredentialsSource} for short-lived ones. URLs under no
 * configured `baseUrl` get none, so credentials never leave their host.
 *
 * @public
 */
export class DefaultMercurialCredentialsProvider implements MercurialCredentialsProvider {
  private readonly cache = new Map<
    MercurialIntegration,
    Promise<MercurialCredentials | undefined>
  >();

  constructor(
    private readonly integrations: MercurialIntegrations,
    private readonly source?: MercurialCredentialsSource,
  ) {}

  async getCredentials(options: {
    url: string;
  }): Promise<MercurialCredentials | undefined> {
    const integration = this.integrations.byUrl(options.url);
    if (!integration) {
      return undefined;
    }
    if (!this.source) {
      return getMercurialConfigCredentials(integration.config);
    }
    const cached = this.cache.get(integration);
    if (cached) {
      const credentials = await cached.catch(() => undefined);
      if (
        credentials?.expiresAt &&
        credentials.expiresAt.getTime() - EXPIRY_MARGIN_MS > Date.now()
      ) {
        return credentials;
      }
    }
    const pending = this.source(integration);
    this.cache.set(integration, pending);
    const credentials = await pending;
    if (!credentials?.expiresAt) {
      this.cache.delete(integration);
    }
    return credentials ?? getMercurialConfigCredentials(integration.config);
  }
}

/**
 * Credentials in the form the hg command line takes them: an `[auth]` entry
 * for the integration's `baseUrl`. The hg client cannot send a bearer header,
 * so a token travels as the Basic password of `username` (or of the user
 * `token` when none is configured), which is what Heptapod, RhodeCode and
 * Kallithea accept for personal access tokens.
 *
 * @public
 */
export function getHgAuth(
  config: MercurialIntegrationConfig,
  credentials: MercurialCredentials | undefined = getMercurialConfigCredentials(
    config,
  ),
): HgAuth | undefined {
  if (!credentials) {
    return undefined;
  }
  if (credentials.type === 'bearer') {
    return {
      prefix: config.baseUrl,
      username: config.username ?? 'token',
      password: credentials.token,
    };
  }
  return {
    prefix: config.baseUrl,
    username: credentials.username,
    password: credentials.password,
  };
}
