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

// The passwords startHgwebWsgi's server accepts besides its static users (the
// server checks them in hgwebWsgi.py): `v1.<expiry>.<hmac>`, where expiry is
// the epoch second the password stops working and hmac the hex
// HMAC-SHA256(secret, user + "\n" + expiry). Shared by mintHgwebPassword
// (wsgiServer.ts) and the credential command (hgwebCredentialCommand.mjs).
import { createHmac } from 'node:crypto';

/**
 * @param {string} secret
 * @param {string} user
 * @param {number} lifetimeMs
 * @param {number} [now] epoch milliseconds, default Date.now()
 * @returns {{ password: string, expiresAt: Date }}
 */
export function mintPassword(secret, user, lifetimeMs, now = Date.now()) {
  if (!secret) {
    throw new Error('Cannot mint an hgweb password: the secret is empty');
  }
  if (!user || user.includes(':')) {
    throw new Error(
      `Cannot mint an hgweb password for user ${JSON.stringify(user)}: a user name must be non-empty and without ':'`,
    );
  }
  if (!Number.isFinite(lifetimeMs)) {
    throw new Error(`Invalid password lifetime ${lifetimeMs} ms`);
  }
  const expiry = Math.floor((now + lifetimeMs) / 1000);
  const mac = createHmac('sha256', secret)
    .update(`${user}\n${expiry}`, 'utf8')
    .digest('hex');
  return {
    password: `v1.${expiry}.${mac}`,
    expiresAt: new Date(expiry * 1000),
  };
}
