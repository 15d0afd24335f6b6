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

import { decodeJwt } from 'jose';

/**
 * The `exp` of a token that is a JWT (RFC 7519), in epoch milliseconds, read
 * without verifying it (the server verifies it; this only tells when the
 * server will stop accepting it); `undefined` for any other token.
 *
 * An IdP's `expires_in` counts whole seconds from when it answered, but a
 * JWT's `exp` is its `iat` (rounded down to the second) plus the lifetime,
 * so a 5-second token may expire 4.1 s after it was issued: renewing by
 * `expires_in` alone would send it after its expiry.
 */
export function jwtExpiry(token: string): number | undefined {
  try {
    const { exp } = decodeJwt(token);
    return typeof exp === 'number' && Number.isFinite(exp)
      ? exp * 1000
      : undefined;
  } catch {
    // not a JWT: an opaque token
    return undefined;
  }
}

/** The earliest of the given expiry times (epoch ms), if any. */
export function earliest(
  ...times: Array<number | undefined>
): number | undefined {
  const known = times.filter((t): t is number => t !== undefined);
  return known.length ? Math.min(...known) : undefined;
}
