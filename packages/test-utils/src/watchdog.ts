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

import { ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import net from 'node:net';

const DEFAULT_GRACE_MS = 2_000;
const MAX_LOG_CHARS = 16 * 1024;

/**
 * Runs a command under a small Node.js watchdog: the watchdog passes the
 * command's stdout and stderr through, and ends the command (its stop signal,
 * then SIGKILL after the grace time) when its own stdin reaches EOF, i.e. when
 * the process that started it is gone however it died, or when it gets
 * SIGTERM, SIGINT or SIGHUP. When it ended the command so, it then removes
 * `removeOnStop` (if given). It exits with the command's exit code. Servers
 * such as sshd, postgres and redis-server, unlike hg serve with its watchdog
 * extension, have no way to notice that their parent died.
 */
const WATCHDOG = `
const { spawn } = require('node:child_process');
const { rmSync } = require('node:fs');
const { command, args, removeOnStop, stopSignal, graceMs } = JSON.parse(process.argv[1]);
const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  child.kill(stopSignal);
  setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
};
child.on('error', error => {
  process.stderr.write('Could not start ' + command + ': ' + error.message + '\\n');
  process.exit(127);
});
child.on('exit', code => {
  if (stopping && removeOnStop) {
    try {
      rmSync(removeOnStop, { recursive: true, force: true });
    } catch {}
  }
  process.exit(code === null ? 128 : code);
});
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
for (const name of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(name, stop);
`;

/** How {@link spawnWithWatchdog} runs and stops a command. @internal */
export interface WatchdogOptions {
  /** A directory the watchdog removes after it stopped the command. */
  removeOnStop?: string;
  /**
   * The signal that asks the command to stop: default SIGTERM (postgres
   * wants SIGINT, its fast shutdown).
   */
  stopSignal?: NodeJS.Signals;
  /**
   * How long the command gets to exit after the stop signal before SIGKILL:
   * default 2 seconds.
   */
  graceMs?: number;
}

/** A child started under the watchdog. @internal */
export interface Watched {
  proc: ChildProcessWithoutNullStreams;
  /** Resolves when the watchdog has exited (or failed to start). */
  exited: Promise<void>;
  /** How it ended, once it has. */
  exit(): string | undefined;
  /** What it wrote to stdout and stderr, the last 16 KiB. */
  output(): string;
  /** The grace time of the command (see {@link WatchdogOptions}). */
  graceMs: number;
}

/** Starts `command args` under the watchdog (see {@link WATCHDOG}). @internal */
export function spawnWithWatchdog(
  command: string,
  args: string[],
  options: WatchdogOptions = {},
): Watched {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    // Test runners put their own hooks in NODE_OPTIONS: not for the watchdog.
    if (value !== undefined && key !== 'NODE_OPTIONS') {
      env[key] = value;
    }
  }
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const proc = spawn(
    process.execPath,
    [
      '-e',
      WATCHDOG,
      JSON.stringify({
        command,
        args,
        removeOnStop: options.removeOnStop,
        stopSignal: options.stopSignal ?? 'SIGTERM',
        graceMs,
      }),
    ],
    {
      env,
      // stdin stays an open pipe: its EOF tells the watchdog that we are
      // gone. Not detached, so it also gets the signals of our process group.
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: false,
      windowsHide: true,
    },
  );
  let exitDescription: string | undefined;
  const exited = new Promise<void>(resolve => {
    proc.once('exit', (code, signal) => {
      exitDescription = signal ? `signal ${signal}` : `exit code ${code}`;
      resolve();
    });
    proc.once('error', error => {
      exitDescription ??= `error ${error.message}`;
      resolve();
    });
  });
  let log = '';
  const keep = (chunk: string) => {
    log = (log + chunk).slice(-MAX_LOG_CHARS);
  };
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  proc.stdin.on('error', () => {});
  return {
    proc,
    exited,
    exit: () => exitDescription,
    output: () => log,
    graceMs,
  };
}

/**
 * Lets a watched child run without keeping the Node event loop alive: a
 * forgotten server must not keep the test process alive (when that process
 * exits, the watchdog stops the server). @internal
 */
export function unrefWatched(watched: Watched): void {
  watched.proc.unref();
  for (const stream of [
    watched.proc.stdin,
    watched.proc.stdout,
    watched.proc.stderr,
  ]) {
    (stream as Partial<Pick<net.Socket, 'unref'>>).unref?.();
  }
}

/**
 * Ends a watched child: closes the watchdog's stdin (it then stops the
 * command), SIGTERM and SIGKILL to the watchdog if that does not do, and
 * resolves once it has exited. @internal
 */
export async function stopWatched(watched: Watched): Promise<void> {
  const { proc, exited, graceMs } = watched;
  if (watched.exit() === undefined) {
    // Keep the event loop alive until the exit is seen.
    proc.ref();
    proc.stdin.end();
    // The watchdog itself kills the command with SIGKILL after graceMs; these
    // are for a watchdog that does not react.
    const term = setTimeout(() => {
      if (watched.exit() === undefined) {
        proc.kill('SIGTERM');
      }
    }, graceMs + 1_000);
    const kill = setTimeout(
      () => {
        if (watched.exit() === undefined) {
          proc.kill('SIGKILL');
        }
      },
      3 * graceMs + 2_000,
    );
    await exited;
    clearTimeout(term);
    clearTimeout(kill);
  }
  proc.stdin.destroy();
  proc.stdout.destroy();
  proc.stderr.destroy();
}
