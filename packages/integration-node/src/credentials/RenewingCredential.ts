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

import { MercurialCredentials } from '@backstage-mercurial/integration';

/** Renew a credential this long before it expires, at most. */
export const MAX_EXPIRY_MARGIN_MS = 60_000;

/** Whether two credentials carry the same secret. */
function sameCredentials(a: MercurialCredentials, b: MercurialCredentials) {
  return a.type === 'bearer'
    ? b.type === 'bearer' && a.token === b.token
    : b.type === 'basic' &&
        a.username === b.username &&
        a.password === b.password;
}

/**
 * When a credential that expires at `expiresAt` and was asked for at
 * `obtainedAt` should be renewed: shortly before it expires, by the smaller of
 * 60 seconds and a tenth of its lifetime (a 5-second token is used 4.5 s, a
 * one-hour token 59 minutes).
 */
export function renewalTime(obtainedAt: number, expiresAt: number): number {
  const lifetime = Math.max(0, expiresAt - obtainedAt);
  return expiresAt - Math.min(MAX_EXPIRY_MARGIN_MS, lifetime / 10);
}

/** A freshly minted credential. */
export interface MintedCredential {
  credentials: MercurialCredentials;
  /**
   * When to mint again, in epoch milliseconds; derived from
   * `credentials.expiresAt` when it is set.
   */
  renewAt: number;
}

/**
 * One credential that is minted on demand and reused until its renewal time.
 * At most one mint is in flight at a time: every caller that needs a new
 * credential while one is being minted waits for that one, including callers
 * that ask for a refresh (a server refused the previous credential), so a
 * burst of 401s costs one mint, not one per request.
 */
export class RenewingCredential {
  private current?: MintedCredential;
  private pending?: Promise<MercurialCredentials>;

  /**
   * The credential: the current one while it is fresh, else the one being
   * minted, else one that `mint` mints now.
   *
   * @param options - `refresh`: do not reuse the current credential (unless
   *   it is not `refused`, the one the server refused: then it is newer);
   *   `minValidityMs`: reuse it only if it is not due for renewal within
   *   that time
   * @param mint - mints a credential, called only when one is needed
   */
  get(
    options: {
      refresh?: boolean;
      refused?: MercurialCredentials;
      minValidityMs?: number;
    },
    mint: () => Promise<MintedCredential>,
  ): Promise<MercurialCredentials> {
    if (this.pending) {
      return this.pending;
    }
    const current = this.current;
    // A refresh for credentials that were already replaced is satisfied by
    // their replacement.
    const refused =
      options.refresh &&
      (!options.refused ||
        !current ||
        sameCredentials(current.credentials, options.refused));
    if (
      !refused &&
      current &&
      Date.now() + (options.minValidityMs ?? 0) < current.renewAt
    ) {
      return Promise.resolve(current.credentials);
    }
    // A refused or expiring credential is never handed out again.
    this.current = undefined;
    const pending = mint().then(minted => {
      this.current = minted;
      return minted.credentials;
    });
    this.pending = pending;
    const clear = () => {
      if (this.pending === pending) {
        this.pending = undefined;
      }
    };
    pending.then(clear, clear);
    return pending;
  }
}
