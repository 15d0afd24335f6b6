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

import { createRemoteJWKSet, jwtVerify } from 'jose';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import { listenOnLoopback } from './loopback';
import { forwardRequest } from './authProxy';

/**
 * Options of {@link startTokenFront}: what it accepts (exactly one of
 * `jwks` and `tokenFile`), and where it forwards what it accepts.
 *
 * @public
 */
export interface TokenFrontOptions {
  /** Where to forward accepted requests, e.g. an `HgTestServer`'s `baseUrl`. */
  target: string;
  /**
   * Accept JWT access tokens signed by a key of this JWKS, with this issuer
   * (and audience, when given), that have not expired (no clock tolerance).
   */
  jwks?: { jwksUrl: string; issuer: string; audience?: string };
  /** Accept only the token currently in this file (read for every request). */
  tokenFile?: string;
  /** The realm of the `WWW-Authenticate: Basic` challenge. */
  realm?: string;
}

/** One request the front saw. */
export interface TokenFrontRequest {
  method: string;
  url: string;
  /** Whether the token was accepted. */
  accepted: boolean;
  /** Why it was refused: `no token`, `not the current token`, or jose's error code (`ERR_JWT_EXPIRED`, ...). */
  reason?: string;
  /** The token it carried, to check which one a client sent. */
  token?: string;
  /** The user name of an `Authorization: Basic` header (hg's), if any. */
  user?: string;
  /** The status answered. */
  status: number;
  at: number;
}

/**
 * A running front made by {@link startTokenFront}.
 *
 * @public
 */
export interface TokenFront {
  /** `http://127.0.0.1:PORT`. */
  baseUrl: string;
  /** `127.0.0.1:PORT`. */
  host: string;
  /** Every request seen so far. */
  requests: TokenFrontRequest[];
  /** How many requests it forwarded. */
  readonly accepted: number;
  /** How many it refused with 401. */
  readonly refused: number;
  stop(): Promise<void>;
}

/** The token of `Authorization: Bearer <token>` or the password of `Basic`. */
function tokenOf(authorization: string | undefined): string | undefined {
  if (authorization?.startsWith('Bearer ')) {
    return authorization.slice(7).trim() || undefined;
  }
  if (authorization?.startsWith('Basic ')) {
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString(
      'utf8',
    );
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) || undefined : undefined;
  }
  return undefined;
}

function basicUser(authorization: string | undefined): string | undefined {
  if (!authorization?.startsWith('Basic ')) {
    return undefined;
  }
  const decoded = Buffer.from(authorization.slice(6), 'base64').toString(
    'utf8',
  );
  const colon = decoded.indexOf(':');
  return colon > 0 ? decoded.slice(0, colon) : undefined;
}

/**
 * Starts an HTTP front on a free 127.0.0.1 port before a real `hg serve`
 * that accepts only a valid token, from `Authorization: Bearer` (what
 * Backstage's HTTP requests send) or as the password of `Authorization:
 * Basic` (what the hg command line sends), and refuses everything else with
 * 401 and `WWW-Authenticate: Basic` (the hg command line sends credentials
 * only after such a challenge). With `jwks`, a token is valid when it is a
 * JWT that verifies against the provider's JWKS and has not expired; with
 * `tokenFile`, when it is the token currently in the file. It stands in for
 * the gateway that checks tokens before a real hgweb.
 *
 * @public
 */
export async function startTokenFront(
  options: TokenFrontOptions,
): Promise<TokenFront> {
  if (!options.jwks === !options.tokenFile) {
    throw new Error('startTokenFront needs exactly one of jwks and tokenFile');
  }
  const target = new URL(options.target);
  const realm = options.realm ?? 'Mercurial repositories';
  const requests: TokenFrontRequest[] = [];
  const jwks = options.jwks;
  const keys = jwks && createRemoteJWKSet(new URL(jwks.jwksUrl));

  const check = async (
    token: string | undefined,
  ): Promise<string | undefined> => {
    if (!token) {
      return 'no token';
    }
    if (options.tokenFile) {
      const current = (await fs.readFile(options.tokenFile, 'utf8')).trim();
      return token === current ? undefined : 'not the current token';
    }
    try {
      await jwtVerify(token, keys!, {
        issuer: jwks!.issuer,
        audience: jwks!.audience,
        clockTolerance: 0,
        requiredClaims: ['exp'],
      });
      return undefined;
    } catch (error) {
      return (error as { code?: string }).code ?? String(error);
    }
  };

  const server = http.createServer((req, res) => {
    const token = tokenOf(req.headers.authorization);
    const record: TokenFrontRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      accepted: false,
      token,
      user: basicUser(req.headers.authorization),
      status: 0,
      at: Date.now(),
    };
    requests.push(record);
    check(token).then(
      reason => {
        if (reason) {
          record.reason = reason;
          record.status = 401;
          req.resume();
          res.writeHead(401, {
            'WWW-Authenticate': `Basic realm="${realm}"`,
            'Content-Type': 'text/plain',
          });
          res.end(`401 Unauthorized: ${reason}\n`);
          return;
        }
        record.accepted = true;
        forwardRequest(req, res, target, status => {
          record.status = status;
        });
      },
      error => {
        record.reason = String(error);
        record.status = 500;
        req.resume();
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end('token check failed\n');
      },
    );
  });

  const listening = await listenOnLoopback(server);
  return {
    ...listening,
    requests,
    get accepted() {
      return requests.filter(r => r.accepted).length;
    },
    get refused() {
      return requests.filter(r => r.status === 401).length;
    },
  };
}
