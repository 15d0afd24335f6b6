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
  MercurialOAuth2Source,
} from '@backstage-mercurial/integration';
import { MercurialCredentialsError } from '../errors';
import { redactSecrets } from '../redact';
import { describeIntegration } from './describe';
import { earliest, jwtExpiry } from './jwt';
import { MintedCredential, renewalTime } from './RenewingCredential';

/**
 * The user name hg sends an OAuth 2.0 access token as the password of, when
 * the entry has no `username`: `oauth2`, which GitLab-based servers
 * (Heptapod) require for OAuth tokens and other servers ignore.
 */
export const DEFAULT_OAUTH2_USERNAME = 'oauth2';

/** How long the token endpoint may take to answer. */
const TOKEN_REQUEST_TIMEOUT_MS = 30_000;

/** Form-encodes a client id or secret for HTTP Basic, as RFC 6749 2.3.1 asks. */
function formEncode(value: string): string {
  return encodeURIComponent(value).replace(/%20/g, '+');
}

/** Whether `value` is an absolute URI without a fragment (RFC 8707 2). */
function isResourceIndicator(value: string): boolean {
  try {
    const url = new URL(value);
    return !url.hash && /^[a-z][a-z0-9+.-]*:$/i.test(url.protocol);
  } catch {
    return false;
  }
}

/**
 * Gets an access token with the OAuth 2.0 client credentials grant
 * (RFC 6749 4.4): a POST to `tokenUrl` with the client authenticated by HTTP
 * Basic (`client_secret_basic`), `scope` when configured, and the configured
 * `audience` both as `audience` (Auth0, Okta) and, when it is an absolute
 * URI, as the RFC 8707 `resource` (Azure AD v1, node-oidc-provider). The
 * token's expiry is the earlier of `expires_in` (counted from when the
 * request was sent) and, for a JWT access token, its `exp` claim.
 *
 * @throws MercurialCredentialsError naming the integration, the token
 *   endpoint and the client id, with the IdP's `error` and
 *   `error_description`; never the client secret or a token
 */
export async function requestClientCredentialsToken(
  config: MercurialIntegrationConfig,
  source: MercurialOAuth2Source,
  options: { defaultLifetimeMs: number },
): Promise<MintedCredential> {
  const endpoint = `the OAuth 2.0 token endpoint ${source.tokenUrl}`;
  const fail = (problem: string): never => {
    throw new MercurialCredentialsError(
      redactSecrets(
        `Cannot get credentials for ${describeIntegration(config)}: ${endpoint} ${problem} (client '${source.clientId}')`,
        [source.clientSecret],
      ),
    );
  };

  const body = new URLSearchParams({ grant_type: 'client_credentials' });
  if (source.scope) {
    body.set('scope', source.scope);
  }
  if (source.audience) {
    body.set('audience', source.audience);
    if (isResourceIndicator(source.audience)) {
      body.set('resource', source.audience);
    }
  }

  const startedAt = Date.now();
  let response: Response;
  try {
    response = await fetch(source.tokenUrl, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(
          `${formEncode(source.clientId)}:${formEncode(source.clientSecret)}`,
        ).toString('base64')}`,
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'application/json',
      },
      body,
      redirect: 'error',
      signal: AbortSignal.timeout(TOKEN_REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    const e = error as Error & { cause?: Error };
    const reason =
      e.name === 'TimeoutError'
        ? `no answer within ${TOKEN_REQUEST_TIMEOUT_MS} ms`
        : (e.cause?.message ?? e.message);
    return fail(`could not be reached: ${reason}`);
  }

  const text = await response.text().catch(() => '');
  let answer: Record<string, unknown> | undefined;
  try {
    const parsed = JSON.parse(text);
    if (typeof parsed === 'object' && parsed && !Array.isArray(parsed)) {
      answer = parsed;
    }
  } catch {
    answer = undefined;
  }

  if (!response.ok) {
    const error = typeof answer?.error === 'string' ? answer.error : undefined;
    const description =
      typeof answer?.error_description === 'string'
        ? answer.error_description
        : undefined;
    const said = error
      ? `: ${error}${description ? ` (${description})` : ''}`
      : '';
    return fail(
      `refused the client credentials grant with HTTP ${response.status}${said}`,
    );
  }
  if (!answer) {
    return fail(
      `answered HTTP ${response.status} with something that is not a JSON object`,
    );
  }
  const token = answer.access_token;
  if (typeof token !== 'string' || !token) {
    return fail(`answered HTTP ${response.status} without an access_token`);
  }
  const tokenType = answer.token_type;
  if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') {
    return fail(
      `issued a token of type ${JSON.stringify(tokenType)}; only Bearer tokens are supported`,
    );
  }
  let expiresIn: number | undefined;
  if (answer.expires_in !== undefined) {
    const seconds = Number(answer.expires_in);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      return fail(
        `answered with an expires_in that is not a positive number of seconds`,
      );
    }
    expiresIn = startedAt + seconds * 1000;
  }
  // A JWT may expire before expires_in says (its exp is in whole seconds).
  const expiry = earliest(expiresIn, jwtExpiry(token));
  const expiresAt = expiry === undefined ? undefined : new Date(expiry);
  if (expiresAt && expiresAt.getTime() <= Date.now()) {
    return fail(
      `issued a token that expired already (at ${expiresAt.toISOString()}); are the clocks of Backstage and the IdP in step?`,
    );
  }
  const credentials: MercurialCredentials = {
    type: 'bearer',
    token,
    username: config.username ?? DEFAULT_OAUTH2_USERNAME,
    ...(expiresAt && { expiresAt }),
  };
  return {
    credentials,
    renewAt: expiresAt
      ? renewalTime(startedAt, expiresAt.getTime())
      : startedAt + options.defaultLifetimeMs,
  };
}
