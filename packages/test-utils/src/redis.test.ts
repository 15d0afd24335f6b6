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

import { promises as fs } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import KeyvRedis from '@keyv/redis';
import { createTempDir, RedisTestServer, startRedis } from './index';
import {
  accepts,
  exists,
  startInProcessThenKill,
  waitUntilClosed,
} from './__testUtils__/processChecks';

jest.setTimeout(30_000);

/**
 * Whether `reply` is a whole RESP reply: a simple string, error or integer
 * (one line), a bulk string (`$N`: one more, none for `$-1`) or an array of
 * bulk strings (`*N`).
 */
function replyComplete(reply: string): boolean {
  const lines = reply.split('\r\n');
  // The last element is what follows the last CRLF: '' when complete.
  const crlfs = lines.length - 1;
  if (crlfs < 1) {
    return false;
  }
  const count = Number(lines[0].slice(1));
  switch (reply[0]) {
    case '$':
      return count < 0 || crlfs >= 2;
    case '*':
      return count <= 0 || crlfs >= 1 + 2 * count;
    default:
      return true;
  }
}

/**
 * Sends one command in RESP (an array of bulk strings) on a new connection
 * and resolves with the raw reply.
 */
function command(port: number, ...args: string[]): Promise<string> {
  const request = `*${args.length}\r\n${args
    .map(arg => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`)
    .join('')}`;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(request));
    socket.on('data', (chunk: string) => {
      reply += chunk;
      if (replyComplete(reply)) {
        socket.destroy();
        resolve(reply);
      }
    });
    socket.on('error', reject);
  });
}

describe('startRedis', () => {
  let redis: RedisTestServer;

  beforeAll(async () => {
    redis = await startRedis();
  });

  afterAll(() => redis?.stop());

  it('describes itself', () => {
    expect(redis.host).toBe('127.0.0.1');
    expect(redis.port).toBeGreaterThan(0);
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    expect(redis.dir.startsWith(os.tmpdir())).toBe(true);
    expect(redis.output()).toMatch(/Ready to accept connections/);
  });

  it('answers SET and GET in RESP, and saves nothing', async () => {
    expect(await command(redis.port, 'PING')).toBe('+PONG\r\n');
    expect(await command(redis.port, 'SET', 'greeting', 'grüezi')).toBe(
      '+OK\r\n',
    );
    expect(await command(redis.port, 'GET', 'greeting')).toBe(
      `$${Buffer.byteLength('grüezi')}\r\ngrüezi\r\n`,
    );
    expect(await command(redis.port, 'GET', 'missing')).toBe('$-1\r\n');
    expect(await command(redis.port, 'CONFIG', 'GET', 'save')).toBe(
      '*2\r\n$4\r\nsave\r\n$0\r\n\r\n',
    );
  });

  it("is what Backstage's cache (backend.cache.store: redis, through @keyv/redis) needs", async () => {
    // As Backstage's CacheManager makes it (its separator is ':').
    const store = new KeyvRedis(redis.url, {
      namespace: 'test-plugin',
      keyPrefixSeparator: ':',
    });
    try {
      await store.set('entity', JSON.stringify({ kind: 'Component' }));
      expect(JSON.parse((await store.get<string>('entity'))!)).toEqual({
        kind: 'Component',
      });
      await store.set('short-lived', 'x', 100);
      await new Promise(resolve => setTimeout(resolve, 300));
      expect(await store.get('short-lived')).toBeUndefined();
    } finally {
      await store.disconnect();
    }
    // The key, prefixed with the namespace, as another client sees it.
    expect(await command(redis.port, 'EXISTS', 'test-plugin:entity')).toBe(
      ':1\r\n',
    );
  });

  it('runs several servers at once', async () => {
    const other = await startRedis();
    try {
      expect(other.port).not.toBe(redis.port);
      await command(other.port, 'SET', 'only-here', '1');
      expect(await command(other.port, 'GET', 'only-here')).toBe('$1\r\n1\r\n');
      expect(await command(redis.port, 'GET', 'only-here')).toBe('$-1\r\n');
    } finally {
      await other.stop();
    }
  });

  it('stops: the port is closed and the temp directory gone', async () => {
    const server = await startRedis();
    expect(await accepts(server.port)).toBe(true);
    expect(await exists(server.dir)).toBe(true);
    await server.stop();
    await server.stop(); // twice is fine
    expect(await accepts(server.port)).toBe(false);
    expect(await exists(server.dir)).toBe(false);
    expect(server.output()).toMatch(/ready to exit, bye bye/);
  });

  it('keeps a directory it was given', async () => {
    const tmp = await createTempDir('redis-test-dir-');
    try {
      const dir = path.join(tmp.path, 'redis');
      const server = await startRedis({ dir });
      expect(server.dir).toBe(dir);
      await server.stop();
      expect(await accepts(server.port)).toBe(false);
      expect(await exists(dir)).toBe(true);
      await fs.writeFile(path.join(dir, 'something'), '');
      await expect(startRedis({ dir })).rejects.toThrow(
        /must be empty or missing/,
      );
    } finally {
      await tmp.remove();
    }
  });

  it('says what failed, with the log, when redis-server does not start', async () => {
    const before = (await fs.readdir(os.tmpdir())).filter(name =>
      name.startsWith('redis-test-'),
    );
    await expect(startRedis({ port: redis.port })).rejects.toThrow(
      new RegExp(
        `redis-server did not start on 127\\.0\\.0\\.1:${redis.port}: port taken; redis-server said:[\\s\\S]*Address already in use`,
      ),
    );
    const after = (await fs.readdir(os.tmpdir())).filter(name =>
      name.startsWith('redis-test-'),
    );
    expect(after.sort()).toEqual(before.sort());
  });

  it('says so when Redis is not installed', async () => {
    const pathBefore = process.env.PATH;
    const empty = await createTempDir('redis-test-bin-');
    process.env.PATH = empty.path;
    try {
      await expect(startRedis()).rejects.toThrow(
        'Redis is not installed (no redis-server on the PATH): apt-get install redis-server',
      );
    } finally {
      process.env.PATH = pathBefore;
      await empty.remove();
    }
  });

  it('does not outlive a test process that dies without stopping it', async () => {
    const started = await startInProcessThenKill(
      path.join(__dirname, 'redis.ts'),
      'startRedis()',
    );
    expect(await waitUntilClosed(started.port, 10_000)).toBe(true);
    // The watchdog removes the temp directory once redis-server has exited.
    const deadline = Date.now() + 5_000;
    while ((await exists(started.dir!)) && Date.now() < deadline) {
      await new Promise(resolve => setTimeout(resolve, 100));
    }
    expect(await exists(started.dir!)).toBe(false);
  });
});
