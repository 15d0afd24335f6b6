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
import { promises as fs } from 'node:fs';
import http from 'node:http';
import { Socket } from 'node:net';
import path from 'node:path';
import { ensureHgSupportFiles, findHg, isolatedHgEnv } from './hg';
import {
  createHgRepository,
  HgRepositoryInfo,
  HgRepositorySpec,
} from './repository';
import { createTempDir } from './tempDir';
import type { HgwebAccessLogEntry } from './wsgiServer';

/**
 * Options for {@link startHgServer}.
 *
 * @public
 */
export interface HgTestServerOptions {
  /**
   * The repositories to create before the server starts, by path below the
   * root; a path may have several segments (`'team/payments/api'`), and is
   * also the repository's URL path.
   */
  repositories?: Record<string, HgRepositorySpec>;
  /**
   * Whether archives can be downloaded: default true
   * (`[web] allow-archive = gz zip bz2`); false answers archive requests with
   * 403.
   */
  allowArchive?: boolean;
  /**
   * Whether anyone can push over http: default false (pushes fail with 403);
   * true sets `[web] allow-push = *` and `push_ssl = false`.
   */
  allowPush?: boolean;
  /**
   * Extra sections and keys for the server's web.conf, e.g.
   * `{ web: { style: 'gitweb' } }`; they override the defaults.
   */
  webConfig?: Record<string, Record<string, string>>;
  /**
   * The directory holding the repositories (created if missing, not removed
   * by `stop()`); default a fresh temp directory, removed by `stop()`.
   */
  root?: string;
  /**
   * The name of one of `repositories` to serve alone at the server root
   * with `hg serve -R <dir>`, as a single-repository server does:
   * `{baseUrl}/raw-file/{rev}/{path}`, `{baseUrl}?cmd=lookup`, no index.
   * `repoUrl(name)` then returns `baseUrl`; the other repositories (and
   * those added by `addRepository`) are created on disk but not served.
   * Default: every repository below the root (`hg serve --web-conf`).
   */
  singleRepository?: string;
}

/** `127.0.0.1 - - [03/Dec/2026 11:47:18] "GET /x HTTP/1.1" 200 -` */
const ACCESS_LOG_LINE = /\] "([A-Z]+) (\S+) HTTP\/[\d.]+" (\d{3}) /;

/**
 * A running `hg serve --web-conf` made by {@link startHgServer}.
 *
 * @public
 */
export interface HgTestServer {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  baseUrl: string;
  /** `127.0.0.1:PORT` */
  host: string;
  /** The port hg serve is bound to. */
  port: number;
  /** The absolute (real) path of the directory holding the repositories. */
  root: string;
  /**
   * The repositories made by `startHgServer` and `addRepository`, by name
   * (kept up to date by `addRepository`).
   */
  repositories: Record<string, HgRepositoryInfo>;
  /**
   * The URL of a repository: `${baseUrl}/${name}` (each segment of `name`
   * URL-encoded).
   */
  repoUrl(name: string): string;
  /** The absolute path of a repository on disk (it need not exist). */
  repoDir(name: string): string;
  /** The last lines hg serve wrote (its access log and any tracebacks), for debugging. */
  output(): string;
  /**
   * Every request hg serve's access log has recorded since it started (the
   * start-up probe included), oldest first: what a client cost the server.
   * The same entries as hgweb under WSGI gives (its path as hg serve logs
   * it, without a user).
   */
  requests(): HgwebAccessLogEntry[];
  /**
   * Creates a repository below the root while the server runs; it is served
   * (and listed in the index) at once.
   */
  addRepository(
    name: string,
    spec: HgRepositorySpec,
  ): Promise<HgRepositoryInfo>;
  /**
   * Stops hg serve (SIGTERM, SIGKILL if it has not exited after 2 seconds)
   * and waits until it has exited, then removes the temp directories the
   * server made (but not a `root` given in the options). Safe to call twice.
   */
  stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 2_000;
const MAX_LOG_CHARS = 16 * 1024;

/** @internal Shared with wsgiServer.ts. */
export function checkRepositoryName(name: string): void {
  const segments = name.split('/');
  if (
    !name ||
    name.includes('\\') ||
    name.includes('\0') ||
    segments.some(s => s === '' || s === '.' || s === '..' || s === '.hg')
  ) {
    throw new Error(
      `Invalid repository name ${JSON.stringify(name)}: it must be a relative, '/' separated path without '.', '..', '.hg' or empty segments`,
    );
  }
}

/**
 * Renders the web.conf: each value on one line, continuation lines indented.
 * @internal Shared with wsgiServer.ts.
 */
export function renderConfig(
  sections: Map<string, Map<string, string>>,
): string {
  const lines = [
    '# Written by @backstage-mercurial/test-utils for hg serve --web-conf',
  ];
  for (const [section, entries] of sections) {
    lines.push('', `[${section}]`);
    for (const [key, value] of entries) {
      lines.push(`${key} = ${value.split('\n').join('\n  ')}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** @internal Shared with wsgiServer.ts. */
export function buildWebConfig(
  root: string,
  options: HgTestServerOptions,
): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  const set = (section: string, key: string, value: string) => {
    if (!sections.has(section)) {
      sections.set(section, new Map());
    }
    sections.get(section)!.set(key, value);
  };
  // Quoted, as hg splits the value of a [paths] entry at spaces and commas.
  if (options.singleRepository === undefined) {
    set('paths', '/', `"${root.replace(/"/g, '\\"')}/**"`);
  }
  // <= 0: hgweb re-reads this file and rescans the root on every request, so
  // repositories created while the server runs are served at once (the
  // default caches the list for 20 seconds).
  set('web', 'refreshinterval', '0');
  if (options.allowArchive ?? true) {
    set('web', 'allow-archive', 'gz zip bz2');
  }
  if (options.allowPush) {
    set('web', 'allow-push', '*');
    set('web', 'push_ssl', 'false');
  }
  for (const [section, entries] of Object.entries(options.webConfig ?? {})) {
    for (const [key, value] of Object.entries(entries)) {
      set(section, key, value);
    }
  }
  return sections;
}

/** The same settings as `--config section.key=value` arguments. */
function configArgs(sections: Map<string, Map<string, string>>): string[] {
  const args: string[] = [];
  for (const [section, entries] of sections) {
    for (const [key, value] of entries) {
      args.push('--config', `${section}.${key}=${value}`);
    }
  }
  return args;
}

function getStatus(port: number, urlPath: string): Promise<number> {
  return new Promise((resolve, reject) => {
    // node:http with its own agent, not fetch: this also works where tests
    // replace or block the global fetch and agents.
    const req = http.get(
      { host: '127.0.0.1', port, path: urlPath, agent: false, timeout: 3000 },
      res => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * Starts a real `hg serve --web-conf` on a free port of 127.0.0.1 that serves
 * every repository below a root directory at `/{name}`, after building the
 * repositories of the options with the real hg. Stop it with `stop()`, e.g. in
 * `afterAll`.
 *
 * @remarks
 * hg runs isolated from the machine's configuration (see {@link runHg}).
 * hgweb serves the index at `/` (`/?style=json` lists the repositories) and,
 * for each repository, e.g. `/{name}/raw-file/{rev}/{path}`,
 * `/{name}/json-file/{rev}/{path}`, `/{name}/archive/{rev}.tar.gz`. A `/` in
 * a revision name must be sent double-encoded (`feature%252Fx`).
 *
 * If the test process dies without calling `stop()`, hg serve notices that
 * its stdin was closed and exits too; the server also does not keep the
 * Node event loop alive on its own.
 *
 * @example
 * ```ts
 * const server = await startHgServer({
 *   repositories: {
 *     'team/api': { commits: [{ files: { 'README.md': '# API\n' } }] },
 *   },
 * });
 * afterAll(() => server.stop());
 * const res = await fetch(`${server.repoUrl('team/api')}/raw-file/tip/README.md`);
 * ```
 *
 * @param options - the repositories and the web configuration
 * @returns the running server
 * @public
 */
export async function startHgServer(
  options: HgTestServerOptions = {},
): Promise<HgTestServer> {
  const [hg, support] = await Promise.all([findHg(), ensureHgSupportFiles()]);
  const stateDir = await createTempDir('hg-test-server-');
  let spawned: Spawned | undefined;
  try {
    const rootDir = options.root ?? path.join(stateDir.path, 'repos');
    await fs.mkdir(rootDir, { recursive: true });
    const root = await fs.realpath(rootDir);
    const repoDir = (name: string) => path.join(root, ...name.split('/'));

    const repositories: Record<string, HgRepositoryInfo> = {};
    const specs = Object.entries(options.repositories ?? {});
    specs.forEach(([name]) => checkRepositoryName(name));
    const infos = await Promise.all(
      specs.map(([name, spec]) => createHgRepository(repoDir(name), spec)),
    );
    specs.forEach(([name], i) => {
      repositories[name] = infos[i];
    });

    const webConf = path.join(stateDir.path, 'web.conf');
    const sections = buildWebConfig(root, options);
    await fs.writeFile(webConf, renderConfig(sections));
    const single = options.singleRepository;
    if (single !== undefined && !repositories[single]) {
      throw new Error(
        `singleRepository ${JSON.stringify(single)} is not one of the repositories of the options`,
      );
    }
    // A single repository: the same settings on the command line.
    const serveArgs =
      single === undefined
        ? ['--web-conf', webConf]
        : ['-R', repoDir(single), ...configArgs(sections)];

    let exitDescription: string | undefined;
    const proc = spawn(
      hg,
      [
        'serve',
        ...serveArgs,
        '-a',
        '127.0.0.1',
        '-p',
        '0',
        '--config',
        `extensions.testutilswatchdog=${support.watchdog}`,
      ],
      {
        cwd: root,
        // hg's lazy imports race in hg serve's request threads: the first
        // concurrent requests can fail with "module ... has no attribute"
        // (a 500, or a wire-protocol error). Import everything up front.
        env: { ...isolatedHgEnv(support.hgrc), HGDEMANDIMPORT: 'disable' },
        // stdin stays an open pipe: the watchdog extension exits hg serve
        // when it closes, i.e. when this process is gone. Not detached, so it
        // also gets the signals of our process group.
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: false,
        windowsHide: true,
      },
    );
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
    spawned = { proc, exited, hasExited: () => exitDescription !== undefined };

    let stdout = '';
    let stderr = '';
    const keep = (text: string) => text.slice(-MAX_LOG_CHARS);
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    // Always drain both pipes (hg serve writes its access log to stdout).
    const requests: HgwebAccessLogEntry[] = [];
    let partial = '';
    proc.stdout.on('data', (chunk: string) => {
      stdout = keep(stdout + chunk);
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const match = ACCESS_LOG_LINE.exec(line);
        if (match) {
          const [requestPath, ...query] = match[2].split('?');
          requests.push({
            method: match[1],
            path: requestPath,
            query: query.join('?'),
            status: Number(match[3]),
          });
        }
      }
    });
    proc.stderr.on('data', (chunk: string) => {
      stderr = keep(stderr + chunk);
    });
    proc.stdin.on('error', () => {});

    const output = () =>
      `\nstderr: ${stderr.trim() || '(empty)'}\nstdout: ${stdout.trim() || '(empty)'}`;

    // 1. Wait for "listening at http://localhost:PORT/ (bound to 127.0.0.1:PORT)".
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    const port = await new Promise<number>((resolve, reject) => {
      const state: {
        settled: boolean;
        timer?: ReturnType<typeof setTimeout>;
      } = { settled: false };
      const settle = (error?: Error, value?: number) => {
        if (state.settled) {
          return;
        }
        state.settled = true;
        clearTimeout(state.timer);
        proc.stdout.off('data', check);
        if (error) {
          reject(error);
        } else {
          resolve(value!);
        }
      };
      // Registered after the listener that collects stdout, so it sees the
      // new chunk.
      function check() {
        const match = /\(bound to [^)]*:(\d+)\)/.exec(stdout);
        if (match) {
          settle(undefined, Number(match[1]));
        }
      }
      state.timer = setTimeout(
        () =>
          settle(
            new Error(
              `hg serve did not report its port within ${STARTUP_TIMEOUT_MS / 1000} seconds.${output()}`,
            ),
          ),
        STARTUP_TIMEOUT_MS,
      );
      proc.stdout.on('data', check);
      exited.then(() =>
        // Let the last stdout chunk arrive before giving up (no setImmediate:
        // jest's jsdom environment does not have it).
        setTimeout(() => {
          check();
          settle(
            new Error(
              `hg serve exited (${exitDescription}) before it was listening.${output()}`,
            ),
          );
        }, 10),
      );
      check();
    });

    // 2. Wait until it answers.
    for (;;) {
      let status: number | string;
      try {
        status = await getStatus(port, '/?style=raw');
        if (status === 200) {
          break;
        }
      } catch (error) {
        status = (error as Error).message;
      }
      if (exitDescription) {
        throw new Error(
          `hg serve exited (${exitDescription}) before it was ready.${output()}`,
        );
      }
      if (Date.now() > deadline) {
        throw new Error(
          `hg serve on port ${port} did not answer /?style=raw with 200 within ${STARTUP_TIMEOUT_MS / 1000} seconds (last: ${status}).${output()}`,
        );
      }
      await sleep(50);
    }

    // A forgotten server must not keep the test process alive; when that
    // process exits, the watchdog stops hg serve.
    proc.unref();
    // (The pipes are net.Sockets, which can be unref'd.)
    for (const stream of [proc.stdin, proc.stdout, proc.stderr]) {
      (stream as Partial<Pick<Socket, 'unref'>>).unref?.();
    }

    const baseUrl = `http://127.0.0.1:${port}`;
    const running = spawned;
    let stopping: Promise<void> | undefined;
    const server: HgTestServer = {
      baseUrl,
      host: `127.0.0.1:${port}`,
      port,
      root,
      repositories,
      repoUrl: name => {
        if (single === undefined) {
          return `${baseUrl}/${name.split('/').map(encodeURIComponent).join('/')}`;
        }
        if (name !== single) {
          throw new Error(
            `This server serves only the repository ${JSON.stringify(single)} (singleRepository), not ${JSON.stringify(name)}`,
          );
        }
        return baseUrl;
      },
      repoDir,
      output: () => output().trim(),
      requests: () => [...requests],
      async addRepository(name, spec) {
        if (stopping) {
          throw new Error('Cannot add a repository: the server was stopped');
        }
        checkRepositoryName(name);
        const info = await createHgRepository(repoDir(name), spec);
        repositories[name] = info;
        return info;
      },
      stop() {
        stopping ??= (async () => {
          await killAndWait(running);
          await stateDir.remove();
        })();
        return stopping;
      },
    };
    return server;
  } catch (error) {
    if (spawned) {
      await killAndWait(spawned);
    }
    await stateDir.remove();
    throw error;
  }
}

/** A spawned hg serve (or hgweb under WSGI). @internal */
export interface Spawned {
  proc: ChildProcessWithoutNullStreams;
  /** Resolves when the process has exited (or failed to start). */
  exited: Promise<void>;
  hasExited(): boolean;
}

/** SIGTERM, then SIGKILL after a grace period; resolves once it has exited. @internal */
export async function killAndWait({
  proc,
  exited,
  hasExited,
}: Spawned): Promise<void> {
  if (!hasExited()) {
    // Keep the event loop alive until the exit is seen.
    proc.ref();
    proc.kill('SIGTERM');
    const timer = setTimeout(() => {
      if (!hasExited()) {
        proc.kill('SIGKILL');
      }
    }, STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }
  proc.stdin.destroy();
  proc.stdout.destroy();
  proc.stderr.destroy();
}
