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

import http from 'node:http';
import { listenOnLoopback } from './loopback';

/** One request the front saw. */
export interface AuthProxyRequest {
  method: string;
  url: string;
  /** The user name of a correct `Authorization: Basic` header, if any. */
  user?: string;
  /** The raw `Authorization` header, to check what a client sent. */
  authorization?: string;
  status: number;
}

/**
 * Options of {@link startBasicAuthProxy}.
 */
export interface BasicAuthProxyOptions {
  /** Where to forward authenticated requests, e.g. an `HgTestServer`'s `baseUrl`. */
  target: string;
  /** Accepted user name and password pairs. */
  users: Record<string, string>;
  /** Also accept `Authorization: Bearer <token>` for these tokens. */
  tokens?: string[];
  /** Demand credentials for reads too (default true); false protects only pushes. */
  protectReads?: boolean;
}

/** A running front. */
export interface BasicAuthProxy {
  /** `http://127.0.0.1:PORT`. */
  baseUrl: string;
  /** `127.0.0.1:PORT`. */
  host: string;
  /** Every request seen so far. */
  requests: AuthProxyRequest[];
  stop(): Promise<void>;
}

function isPush(req: http.IncomingMessage): boolean {
  const url = new URL(req.url ?? '/', 'http://x');
  return (
    req.method === 'POST' ||
    url.searchParams.get('cmd') === 'unbundle' ||
    url.searchParams.get('cmd') === 'pushkey'
  );
}

/**
 * Forwards a request to `target` (without its `Authorization` header) and
 * pipes the answer back; `onStatus` gets the status sent (502 when `target`
 * cannot be reached).
 */
export function forwardRequest(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  target: URL,
  onStatus: (status: number) => void,
): void {
  const headers = { ...req.headers, host: target.host };
  delete headers.authorization;
  const upstream = http.request(
    {
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers,
    },
    upstreamRes => {
      onStatus(upstreamRes.statusCode ?? 502);
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      upstreamRes.pipe(res);
    },
  );
  upstream.on('error', err => {
    onStatus(502);
    if (!res.headersSent) {
      res.writeHead(502, { 'Content-Type': 'text/plain' });
    }
    res.end(`Bad gateway: ${err.message}\n`);
  });
  req.pipe(upstream);
}

/**
 * Starts an HTTP front on a free 127.0.0.1 port that demands HTTP Basic
 * credentials (answering 401 with `WWW-Authenticate: Basic`, as a web server
 * in front of hgweb does) and forwards authenticated requests to `target`.
 * It stands in for the nginx or Apache that guards a real hgweb.
 */
export async function startBasicAuthProxy(
  options: BasicAuthProxyOptions,
): Promise<BasicAuthProxy> {
  const target = new URL(options.target);
  const requests: AuthProxyRequest[] = [];
  const protectReads = options.protectReads ?? true;

  const server = http.createServer((req, res) => {
    const authorization = req.headers.authorization;
    let user: string | undefined;
    if (authorization?.startsWith('Basic ')) {
      const decoded = Buffer.from(authorization.slice(6), 'base64').toString(
        'utf8',
      );
      const colon = decoded.indexOf(':');
      const name = decoded.slice(0, colon);
      if (colon > 0 && options.users[name] === decoded.slice(colon + 1)) {
        user = name;
      }
    } else if (authorization?.startsWith('Bearer ')) {
      if (options.tokens?.includes(authorization.slice(7))) {
        user = 'token';
      }
    }
    const record: AuthProxyRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      user,
      authorization,
      status: 0,
    };
    requests.push(record);

    if (!user && (protectReads || isPush(req))) {
      record.status = 401;
      req.resume();
      res.writeHead(401, {
        'WWW-Authenticate': 'Basic realm="Mercurial repositories"',
        'Content-Type': 'text/plain',
      });
      res.end('401 Unauthorized\n');
      return;
    }

    forwardRequest(req, res, target, status => {
      record.status = status;
    });
  });

  const listening = await listenOnLoopback(server);
  return {
    ...listening,
    requests,
  };
}
