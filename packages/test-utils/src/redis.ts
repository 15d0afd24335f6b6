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

import net from 'node:net';
import { freePort } from './loopback';
import { findOnPath, serverDirectory, sleep } from './serverProcess';
import { createTempDir } from './tempDir';
import {
  spawnWithWatchdog,
  stopWatched,
  unrefWatched,
  Watched,
} from './watchdog';

const STARTUP_TIMEOUT_MS = 15_000;
/** How long redis-server gets to exit after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5_000;
/** How often to try another port when the one picked was taken meanwhile. */
const PORT_ATTEMPTS = 5;

/**
 * Options for {@link startRedis}.
 *
 * @public
 */
export interface RedisTestServerOptions {
  /** The port to listen on: default a free port of 127.0.0.1. */
  port?: number;
  /**
   * The working directory of redis-server (`--dir`; it saves nothing there):
   * created if missing, must be empty, and kept by `stop()`. Default: a
   * fresh temp directory, removed by `stop()`.
   */
  dir?: string;
}

/**
 * A running Redis server made by {@link startRedis}.
 *
 * @public
 */
export interface RedisTestServer {
  /** The address redis-server listens on. */
  host: '127.0.0.1';
  /** The port redis-server listens on. */
  port: number;
  /**
   * `redis://127.0.0.1:PORT`, as Backstage's `backend.cache.connection`
   * (store `redis`) and `@keyv/redis` take it.
   */
  url: string;
  /** The working directory of redis-server. */
  dir: string;
  /** The last lines redis-server wrote (its log goes to stdout), for debugging. */
  output(): string;
  /**
   * Stops redis-server (SIGTERM, SIGKILL after 5 seconds), waits until it
   * has exited and removes its temp directory. Safe to call twice.
   */
  stop(): Promise<void>;
}

/**
 * Sends `PING` on a new connection and resolves with the first line of the
 * answer (`+PONG` once Redis is up), or rejects when it cannot connect.
 */
function ping(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let data = '';
    socket.setEncoding('utf8');
    socket.setTimeout(3000, () => socket.destroy(new Error('timed out')));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (data.includes('\r\n')) {
        socket.destroy();
        resolve(data.slice(0, data.indexOf('\r\n')));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(data));
  });
}

/**
 * Starts a real Redis server (`redis-server --port PORT --bind 127.0.0.1
 * --save '' --appendonly no --protected-mode no --daemonize no --dir DIR`)
 * on a free port of 127.0.0.1: nothing is persisted, and anyone on this
 * machine may connect without a password. Resolves once it answers `PING`.
 * Stop it with `stop()`, e.g. in `afterAll`.
 *
 * @remarks
 * Needs Redis (`apt-get install redis-server`; `scripts/setup.sh` installs
 * it and stops the system-wide server Debian starts); tested with Redis 7.0.
 * It runs as the user running the tests (root included: Redis does not
 * refuse it).
 *
 * redis-server runs under a small Node.js watchdog that stops it as soon as
 * the test process is gone (however it died), and the server does not keep
 * the Node event loop alive on its own: a forgotten server cannot outlive the
 * tests.
 *
 * @example
 * ```ts
 * const redis = await startRedis();
 * afterAll(() => redis.stop());
 * const config = { backend: { cache: { store: 'redis', connection: redis.url } } };
 * ```
 *
 * @param options - the port and the directory
 * @returns the running server
 * @public
 */
export async function startRedis(
  options: RedisTestServerOptions = {},
): Promise<RedisTestServer> {
  const redisServer = await findOnPath('redis-server');
  if (!redisServer) {
    throw new Error(
      'Redis is not installed (no redis-server on the PATH): apt-get install redis-server',
    );
  }
  const serverDir = await serverDirectory(
    options.dir,
    () => createTempDir('redis-test-'),
    'Redis',
  );
  let watched: Watched | undefined;
  try {
    const dir = serverDir.path;
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = options.port ?? (await freePort());
      watched = spawnWithWatchdog(
        redisServer,
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--protected-mode',
          'no',
          '--daemonize',
          'no',
          '--dir',
          dir,
          // The log to stdout, kept by the watchdog.
          '--logfile',
          '',
        ],
        {
          removeOnStop: serverDir.temporary ? dir : undefined,
          graceMs: STOP_GRACE_MS,
        },
      );
      const started = await waitForRedis(watched, port);
      if (started === 'ready') {
        break;
      }
      await stopWatched(watched);
      const output = watched.output().trim() || '(no output)';
      watched = undefined;
      if (
        started === 'port taken' &&
        options.port === undefined &&
        attempt < PORT_ATTEMPTS
      ) {
        continue;
      }
      throw new Error(
        started === 'port taken' && options.port === undefined
          ? `redis-server could not bind a free port in ${PORT_ATTEMPTS} attempts; redis-server said:\n${output}`
          : `redis-server did not start on 127.0.0.1:${port}: ${started}; redis-server said:\n${output}`,
      );
    }

    const running = watched;
    unrefWatched(running);
    let stopping: Promise<void> | undefined;
    return {
      host: '127.0.0.1',
      port,
      url: `redis://127.0.0.1:${port}`,
      dir,
      output: () => running.output().trim(),
      stop() {
        stopping ??= (async () => {
          await stopWatched(running);
          await serverDir.remove();
        })();
        return stopping;
      },
    };
  } catch (error) {
    if (watched) {
      await stopWatched(watched);
    }
    await serverDir.remove();
    throw error;
  }
}

/**
 * Waits until redis-server says it is ready and answers PING with +PONG.
 *
 * @returns `'ready'`, `'port taken'` (someone else got the port first), or
 *   what went wrong
 */
async function waitForRedis(watched: Watched, port: number): Promise<string> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let last = 'no answer';
  for (;;) {
    const exit = watched.exit();
    if (exit !== undefined) {
      // Let the last output arrive.
      await sleep(20);
      return /Address already in use/i.test(watched.output())
        ? 'port taken'
        : `it exited (${exit}) before it answered`;
    }
    // Not before redis-server says so: until then the port may be someone
    // else's.
    if (/Ready to accept connections/i.test(watched.output())) {
      try {
        const answer = await ping(port);
        if (answer === '+PONG') {
          return 'ready';
        }
        last = `PING was answered ${JSON.stringify(answer.slice(0, 80))}`;
      } catch (error) {
        last = (error as Error).message;
      }
    }
    if (Date.now() > deadline) {
      return `it did not answer PING within ${
        STARTUP_TIMEOUT_MS / 1000
      } seconds (last: ${last})`;
    }
    await sleep(50);
  }
}
