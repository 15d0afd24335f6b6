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
import { closeSync, openSync, promises as fs, readSync } from 'node:fs';
import { Socket } from 'node:net';
import path from 'node:path';
import { ensureHgSupportFiles, findHg, isolatedHgEnv } from './hg';
// The same algorithm as the credential command's (one implementation).
import { mintPassword } from './hgwebMint.mjs';
import {
  createHgRepository,
  HgRepositoryInfo,
  HgRepositorySpec,
} from './repository';
import {
  buildWebConfig,
  checkRepositoryName,
  killAndWait,
  renderConfig,
  Spawned,
} from './server';
import { createTempDir } from './tempDir';

/**
 * Who may read and push a repository of {@link startHgwebWsgi}: hgweb's own
 * `[web]` rules (`allow_read`, `deny_read`, `allow-push`, `deny_push`),
 * written to the repository's `.hg/hgrc`. A list holds user names or `'*'`
 * (everyone); an empty or missing list sets nothing. Without `allowPush`
 * nobody may push.
 *
 * @public
 */
export interface HgwebAccessRules {
  allowRead?: string[];
  denyRead?: string[];
  allowPush?: string[];
  denyPush?: string[];
}

/**
 * Options for {@link startHgwebWsgi}.
 *
 * @public
 */
export interface HgwebWsgiServerOptions {
  /**
   * The repositories to create before the server starts, by path below the
   * root (also their URL path), each with its access rules.
   */
  repositories?: Record<
    string,
    HgRepositorySpec & { access?: HgwebAccessRules }
  >;
  /** HTTP Basic users: name -> password (static). */
  users?: Record<string, string>;
  /** Also accept minted passwords: see {@link mintHgwebPassword}. */
  mintSecret?: string;
  /**
   * Extra sections and keys for the server's web.conf, e.g.
   * `{ web: { allow_read: 'alice' } }`; they override the defaults
   * (`refreshinterval = 0`, `allow-archive = gz zip bz2`, `push_ssl = false`).
   */
  webConfig?: Record<string, Record<string, string>>;
  /**
   * The directory holding the repositories (created if missing, not removed
   * by `stop()`); default a fresh temp directory, removed by `stop()`.
   */
  root?: string;
}

/**
 * One request the server answered, as its access log has it.
 *
 * @public
 */
export interface HgwebAccessLogEntry {
  method: string;
  /** The URL path (percent-decoded once, as hgweb sees it). */
  path: string;
  /** The query string, without `?` (empty when there is none). */
  query: string;
  /** The authenticated user; missing when no valid credentials were sent. */
  user?: string;
  status: number;
}

/**
 * A running hgweb under WSGI made by {@link startHgwebWsgi}.
 *
 * @public
 */
export interface HgwebWsgiServer {
  /** `http://127.0.0.1:PORT`, without a trailing slash. */
  baseUrl: string;
  /** `127.0.0.1:PORT` */
  host: string;
  /** The port the server is bound to. */
  port: number;
  /** The absolute (real) path of the directory holding the repositories. */
  root: string;
  /** The repositories made by `startHgwebWsgi` and `addRepository`, by name. */
  repositories: Record<string, HgRepositoryInfo>;
  /** `${baseUrl}/${name}` (each segment of `name` URL-encoded). */
  repoUrl(name: string): string;
  /** The absolute path of a repository on disk (it need not exist). */
  repoDir(name: string): string;
  /** The last lines the server wrote (access log, tracebacks), for debugging. */
  output(): string;
  /**
   * Creates a repository below the root while the server runs, with its
   * access rules in place before it is served.
   */
  addRepository(
    name: string,
    spec: HgRepositorySpec & { access?: HgwebAccessRules },
  ): Promise<HgRepositoryInfo>;
  /**
   * Replaces the access rules of a repository (its `.hg/hgrc` `[web]`
   * rules); hgweb applies them from the next request on.
   */
  setAccess(name: string, rules: HgwebAccessRules): Promise<void>;
  /**
   * Every request answered, in order: what the access log says. Each entry
   * is logged before its response is sent, so a request the caller has the
   * answer to is always included.
   */
  requests(): HgwebAccessLogEntry[];
  /** Forgets the requests answered so far. */
  clearRequests(): void;
  /**
   * Stops the server (SIGTERM, SIGKILL if it has not exited after 2 seconds)
   * and waits until it has exited, then removes the temp directories it made
   * (but not a `root` given in the options). Safe to call twice.
   */
  stop(): Promise<void>;
}

/**
 * A password the server accepts for `user` until `expiresAt` (HMAC of
 * user+expiry with the secret): `v1.<expiry epoch seconds>.<hex
 * HMAC-SHA256(secret, user + "\n" + expiry)>`. A negative `lifetimeMs` makes
 * one that has expired already.
 *
 * @public
 */
export function mintHgwebPassword(
  secret: string,
  user: string,
  lifetimeMs: number,
): { password: string; expiresAt: Date } {
  return mintPassword(secret, user, lifetimeMs);
}

/** The package's src/, where the scripts ship (as oidcProvider.child.mjs). */
const SRC_DIR = path.join(
  path.dirname(require.resolve('@backstage-mercurial/test-utils/package.json')),
  'src',
);
const WSGI_SCRIPT = path.join(SRC_DIR, 'hgwebWsgi.py');

/**
 * Absolute path of a node script usable as an `integrations.mercurial[]`
 * credentialCommand for {@link startHgwebWsgi}'s server:
 * `command: ['node', hgwebCredentialCommandPath, secretFile]` (the secret
 * file from {@link writeHgwebMintSecret}). It reads the request JSON from
 * stdin, maps `onBehalfOf: 'user:default/alice'` to `alice` (no onBehalfOf:
 * the service user of the secret file), mints a password with
 * {@link mintHgwebPassword}'s algorithm and prints
 * `{"username","password","expiresAt"}`.
 *
 * @public
 */
export const hgwebCredentialCommandPath: string = path.join(
  SRC_DIR,
  'hgwebCredentialCommand.mjs',
);

/**
 * Writes the file {@link hgwebCredentialCommandPath} reads (mode 0600) into
 * `dir` and returns its path: the mint secret, the service user (for
 * requests without onBehalfOf), the lifetime of the passwords (default 10
 * minutes) and, when `logFile` is given, a file the command appends one JSON
 * line to per call (`{"user","purpose","host","onBehalfOf"?,"expiresAt"}`,
 * never a secret), so tests can count mints.
 *
 * @public
 */
export async function writeHgwebMintSecret(
  dir: string,
  options: {
    secret: string;
    serviceUser: string;
    lifetimeMs?: number;
    logFile?: string;
  },
): Promise<string> {
  if (!options.secret) {
    throw new Error('writeHgwebMintSecret: the secret is empty');
  }
  if (!options.serviceUser || options.serviceUser.includes(':')) {
    throw new Error(
      `writeHgwebMintSecret: invalid serviceUser ${JSON.stringify(options.serviceUser)}`,
    );
  }
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(
    dir,
    `hgweb-mint-secret-${Math.random().toString(36).slice(2)}.json`,
  );
  const content = {
    secret: options.secret,
    serviceUser: options.serviceUser,
    lifetimeMs: options.lifetimeMs ?? 10 * 60_000,
    ...(options.logFile !== undefined && {
      logFile: path.resolve(options.logFile),
    }),
  };
  await fs.writeFile(file, `${JSON.stringify(content)}\n`, {
    mode: 0o600,
    flag: 'wx',
  });
  return file;
}

const STARTUP_TIMEOUT_MS = 15_000;
const MAX_LOG_CHARS = 16 * 1024;
const ACCESS_BEGIN = '# BEGIN @backstage-mercurial/test-utils access rules';
const ACCESS_END = '# END @backstage-mercurial/test-utils access rules';

function checkUserList(rule: string, users: string[] | undefined): string {
  for (const user of users ?? []) {
    if (!/^[^\s,:"'#;[\]=]+$/.test(user)) {
      throw new Error(
        `Invalid user ${JSON.stringify(user)} in the access rule ${rule}: names must not be empty or contain spaces, commas, colons, quotes or any of #;[]=`,
      );
    }
  }
  return (users ?? []).join(' ');
}

/** The `[web]` block of the rules, between markers. */
function renderAccess(rules: HgwebAccessRules): string {
  const entries: Array<[string, string]> = [
    ['allow_read', checkUserList('allowRead', rules.allowRead)],
    ['deny_read', checkUserList('denyRead', rules.denyRead)],
    ['allow-push', checkUserList('allowPush', rules.allowPush)],
    ['deny_push', checkUserList('denyPush', rules.denyPush)],
  ];
  const lines = [ACCESS_BEGIN, '[web]'];
  for (const [key, value] of entries) {
    if (value) {
      lines.push(`${key} = ${value}`);
    }
  }
  lines.push(ACCESS_END);
  return `${lines.join('\n')}\n`;
}

/** Replaces the rules block of a repository's .hg/hgrc (atomically). */
async function writeAccess(
  repoRoot: string,
  rules: HgwebAccessRules,
): Promise<void> {
  const block = renderAccess(rules);
  const hgrc = path.join(repoRoot, '.hg', 'hgrc');
  let current = '';
  try {
    current = await fs.readFile(hgrc, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw error;
    }
  }
  const begin = current.indexOf(ACCESS_BEGIN);
  const end = current.indexOf(ACCESS_END);
  const rest =
    begin >= 0 && end > begin
      ? current.slice(0, begin) + current.slice(end + ACCESS_END.length + 1)
      : current;
  const text = `${rest}${rest && !rest.endsWith('\n') ? '\n' : ''}${block}`;
  const tmp = `${hgrc}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await fs.writeFile(tmp, text);
  await fs.rename(tmp, hgrc);
}

/**
 * Reads the server's access log file, synchronously and incrementally: the
 * server writes each line before it sends the response, so every request a
 * caller has its answer to is there (unlike on the stdout pipe, which may be
 * read after the response socket).
 */
class AccessLogReader {
  #fd: number | undefined;
  #offset = 0;
  #rest = Buffer.alloc(0);
  #entries: HgwebAccessLogEntry[] = [];

  constructor(file: string) {
    this.#fd = openSync(file, 'r');
  }

  read(): HgwebAccessLogEntry[] {
    if (this.#fd !== undefined) {
      const chunk = Buffer.alloc(64 * 1024);
      for (;;) {
        const n = readSync(this.#fd, chunk, 0, chunk.length, this.#offset);
        if (n <= 0) {
          break;
        }
        this.#offset += n;
        this.#rest = Buffer.concat([this.#rest, chunk.subarray(0, n)]);
      }
      const end = this.#rest.lastIndexOf(0x0a);
      if (end >= 0) {
        const text = this.#rest.subarray(0, end).toString('utf8');
        this.#rest = this.#rest.subarray(end + 1);
        for (const line of text.split('\n')) {
          const event = JSON.parse(line) as Record<string, unknown>;
          this.#entries.push({
            method: String(event.method),
            path: String(event.path),
            query: String(event.query),
            ...(typeof event.user === 'string' && { user: event.user }),
            status: Number(event.status),
          });
        }
      }
    }
    return [...this.#entries];
  }

  clear(): void {
    this.read();
    this.#entries = [];
  }

  close(): void {
    if (this.#fd !== undefined) {
      closeSync(this.#fd);
      this.#fd = undefined;
    }
  }
}

/** The Python that runs hg (from hg's `#!` line), else `python3`. */
async function findPython(hg: string): Promise<string[]> {
  let head = '';
  try {
    const handle = await fs.open(hg, 'r');
    try {
      const buffer = Buffer.alloc(256);
      const { bytesRead } = await handle.read(buffer, 0, 256, 0);
      head = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    // not readable: the default below
  }
  if (head.startsWith('#!')) {
    const words = head.slice(2).split('\n')[0].trim().split(/\s+/);
    if (words[0]) {
      return words;
    }
  }
  return ['python3'];
}

/**
 * Starts Mercurial's hgweb the way production runs it: the WSGI application
 * of `mercurial.hgweb` (hgwebdir over a web.conf serving every repository
 * below a root, `[paths] / = <root>/**`), served by Python's standard-library
 * WSGI server (wsgiref, a thread per request) on a free port of 127.0.0.1,
 * behind an HTTP Basic authentication middleware that sets `REMOTE_USER`,
 * so that hgweb's own `allow_read` / `deny_read` / `allow-push` /
 * `deny_push` decide (`push_ssl = false`).
 *
 * @remarks
 * Every request without valid Basic credentials (a static user of `users`,
 * or a password from {@link mintHgwebPassword} with `mintSecret` that has
 * not expired) is answered 401 with `WWW-Authenticate: Basic`. An
 * authenticated user hgweb denies gets hgweb's own answer (401 `read not
 * authorized` / `push not authorized`). The passwords and the secret reach
 * the Python process on its stdin, never its command line. The Python is
 * the one of hg's `#!` line (Debian's `/usr/bin/python3`).
 *
 * @public
 */
export async function startHgwebWsgi(
  options: HgwebWsgiServerOptions = {},
): Promise<HgwebWsgiServer> {
  const [hg, support] = await Promise.all([findHg(), ensureHgSupportFiles()]);
  const python = await findPython(hg);
  const stateDir = await createTempDir('hgweb-wsgi-');
  let spawned: Spawned | undefined;
  let log: AccessLogReader | undefined;
  try {
    for (const user of Object.keys(options.users ?? {})) {
      if (!user || user.includes(':')) {
        throw new Error(
          `Invalid user name ${JSON.stringify(user)}: HTTP Basic user names must be non-empty and without ':'`,
        );
      }
    }
    const rootDir = options.root ?? path.join(stateDir.path, 'repos');
    await fs.mkdir(rootDir, { recursive: true });
    const root = await fs.realpath(rootDir);
    const repoDir = (name: string) => path.join(root, ...name.split('/'));

    const repositories: Record<string, HgRepositoryInfo> = {};
    const specs = Object.entries(options.repositories ?? {});
    specs.forEach(([name, spec]) => {
      checkRepositoryName(name);
      if (spec.access) {
        renderAccess(spec.access);
      }
    });
    const infos = await Promise.all(
      specs.map(async ([name, { access, ...spec }]) => {
        const info = await createHgRepository(repoDir(name), spec);
        if (access) {
          await writeAccess(info.path, access);
        }
        return info;
      }),
    );
    specs.forEach(([name], i) => {
      repositories[name] = infos[i];
    });

    const webConf = path.join(stateDir.path, 'web.conf');
    const sections = buildWebConfig(root, {
      allowArchive: true,
      webConfig: {
        ...options.webConfig,
        web: { push_ssl: 'false', ...options.webConfig?.web },
      },
    });
    await fs.writeFile(webConf, renderConfig(sections));

    let exitDescription: string | undefined;
    const proc = spawn(python[0], [...python.slice(1), WSGI_SCRIPT], {
      cwd: root,
      env: isolatedHgEnv(support.hgrc, {
        // hg's lazy imports race in the request threads.
        HGDEMANDIMPORT: 'disable',
        PYTHONUNBUFFERED: '1',
        PYTHONDONTWRITEBYTECODE: '1',
      }),
      // stdin: the settings (secrets included) as one line, then kept open:
      // the server exits when it closes, i.e. when this process is gone.
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: false,
      windowsHide: true,
    });
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
    let pending = '';
    const accessLog = path.join(stateDir.path, 'access.log');
    await fs.writeFile(accessLog, '', { mode: 0o600 });
    log = new AccessLogReader(accessLog);
    const accessLogReader = log;
    let onListening: ((port: number) => void) | undefined;
    const keep = (text: string) => text.slice(-MAX_LOG_CHARS);
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', (chunk: string) => {
      stdout = keep(stdout + chunk);
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        let event: Record<string, unknown>;
        try {
          event = JSON.parse(line);
        } catch {
          continue; // something else hg printed: only in output()
        }
        if (event?.event === 'listening') {
          onListening?.(Number(event.port));
        }
      }
    });
    proc.stderr.on('data', (chunk: string) => {
      stderr = keep(stderr + chunk);
    });
    proc.stdin.on('error', () => {});
    proc.stdin.write(
      `${JSON.stringify({
        webConf,
        realm: 'Mercurial repositories',
        users: options.users ?? {},
        mintSecret: options.mintSecret ?? null,
        accessLog,
      })}\n`,
    );

    const output = () =>
      `\nstderr: ${stderr.trim() || '(empty)'}\nstdout: ${stdout.trim() || '(empty)'}`;

    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        onListening = undefined;
        reject(
          new Error(
            `hgweb (${python.join(' ')} ${WSGI_SCRIPT}) did not report its port within ${STARTUP_TIMEOUT_MS / 1000} seconds.${output()}`,
          ),
        );
      }, STARTUP_TIMEOUT_MS);
      onListening = listeningPort => {
        onListening = undefined;
        clearTimeout(timer);
        resolve(listeningPort);
      };
      exited.then(() =>
        setTimeout(() => {
          if (onListening) {
            onListening = undefined;
            clearTimeout(timer);
            reject(
              new Error(
                `hgweb (${python.join(' ')} ${WSGI_SCRIPT}) exited (${exitDescription}) before it was listening; is Mercurial importable by that Python?${output()}`,
              ),
            );
          }
        }, 10),
      );
    });

    // A forgotten server must not keep the test process alive; when that
    // process exits, the server sees its stdin close and exits too.
    proc.unref();
    for (const stream of [proc.stdin, proc.stdout, proc.stderr]) {
      (stream as Partial<Pick<Socket, 'unref'>>).unref?.();
    }

    const baseUrl = `http://127.0.0.1:${port}`;
    const running = spawned;
    let stopping: Promise<void> | undefined;
    const server: HgwebWsgiServer = {
      baseUrl,
      host: `127.0.0.1:${port}`,
      port,
      root,
      repositories,
      repoUrl: name =>
        `${baseUrl}/${name.split('/').map(encodeURIComponent).join('/')}`,
      repoDir,
      output: () => output().trim(),
      async addRepository(name, { access, ...spec }) {
        if (stopping) {
          throw new Error('Cannot add a repository: the server was stopped');
        }
        checkRepositoryName(name);
        if (access) {
          renderAccess(access);
        }
        const target = repoDir(name);
        try {
          await fs.access(target);
          throw new Error(
            `Cannot add the repository ${JSON.stringify(name)}: ${target} exists already`,
          );
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
            throw error;
          }
        }
        // Built aside and moved in with its rules, so that it is never
        // served without them.
        const staging = await fs.mkdtemp(path.join(stateDir.path, 'new-'));
        let info: HgRepositoryInfo;
        try {
          const built = await createHgRepository(staging, spec);
          if (access) {
            await writeAccess(built.path, access);
          }
          await fs.mkdir(path.dirname(target), { recursive: true });
          await fs.rename(built.path, target);
          info = { ...built, path: target };
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EXDEV') {
            await fs.rm(staging, { recursive: true, force: true });
            throw error;
          }
          // A root on another file system: built in place instead.
          await fs.rm(staging, { recursive: true, force: true });
          info = await createHgRepository(target, spec);
          if (access) {
            await writeAccess(info.path, access);
          }
        }
        repositories[name] = info;
        return info;
      },
      async setAccess(name, rules) {
        checkRepositoryName(name);
        const dir = repoDir(name);
        try {
          await fs.access(path.join(dir, '.hg'));
        } catch {
          throw new Error(
            `Cannot set the access rules of ${JSON.stringify(name)}: there is no repository at ${dir}`,
          );
        }
        await writeAccess(dir, rules);
      },
      requests: () => accessLogReader.read(),
      clearRequests: () => accessLogReader.clear(),
      stop() {
        stopping ??= (async () => {
          await killAndWait(running);
          accessLogReader.read(); // what it answered stays readable after stop()
          accessLogReader.close();
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
    log?.close();
    await stateDir.remove();
    throw error;
  }
}
