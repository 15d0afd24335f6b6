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

import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import net from 'node:net';

/** Whether a TCP connection to the port is accepted. */
export function accepts(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Whether the port stops accepting connections within `timeoutMs`. */
export async function waitUntilClosed(
  port: number,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (await accepts(port)) {
    if (Date.now() > deadline) {
      return false;
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  return true;
}

export async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

/**
 * Starts a server in a separate Node.js process (with the TypeScript
 * transform Backstage's CLI uses for node), which reports the server's
 * `port` and `dir` (the fields `start` resolves with), then kills that
 * process with SIGKILL: what a test process that dies without stopping its
 * server leaves.
 *
 * @param call - the start call on the module's exports, e.g.
 *   `startRedis()`
 */
export async function startInProcessThenKill(
  moduleFile: string,
  call: string,
): Promise<{ port: number; dir?: string }> {
  const script = `
    require(${JSON.stringify(moduleFile)})
      .${call}
      .then(s => console.log(JSON.stringify({ port: s.port, dir: s.dir })));
    setInterval(() => {}, 1000);
  `;
  const child = spawn(
    process.execPath,
    [
      '--require',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      '-e',
      script,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', chunk => {
    stderr += chunk;
  });
  const exited = new Promise(resolve => child.once('exit', resolve));
  const started = await new Promise<{ port: number; dir?: string }>(
    (resolve, reject) => {
      let stdout = '';
      child.stdout.on('data', chunk => {
        stdout += chunk;
        const line = /\{"port":\d+[^}]*\}/.exec(stdout);
        if (line) {
          resolve(JSON.parse(line[0]));
        }
      });
      child.once('exit', () =>
        reject(new Error(`the child exited before reporting: ${stderr}`)),
      );
    },
  );
  if (!(await accepts(started.port))) {
    throw new Error(`the server in the child does not accept connections`);
  }
  child.kill('SIGKILL');
  await exited;
  return started;
}
