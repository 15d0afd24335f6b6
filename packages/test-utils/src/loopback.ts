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
import net, { AddressInfo } from 'node:net';

/** An HTTP server of the harness, listening on a free 127.0.0.1 port. */
export interface LoopbackHttpServer {
  /** `http://127.0.0.1:PORT`. */
  baseUrl: string;
  /** `127.0.0.1:PORT`. */
  host: string;
  /** Closes every connection and the server. */
  stop(): Promise<void>;
}

/**
 * Makes `server` listen on a free 127.0.0.1 port (without keeping the
 * process alive), for the fronts of the harness.
 */
export async function listenOnLoopback(
  server: http.Server,
): Promise<LoopbackHttpServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  server.unref();
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A port of 127.0.0.1 that was free a moment ago, for a server a test
 * starts as a separate process (hg serve, sshd, the demo's start script).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
