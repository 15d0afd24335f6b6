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
import path from 'node:path';
import execa from 'execa';
import { Client } from 'pg';
import { freePort } from './loopback';
import {
  asUser,
  chownTree,
  findOnPath,
  isExecutableFile,
  serverDirectory,
  sleep,
  SystemUser,
  unprivilegedUser,
} from './serverProcess';
import { createTempDir } from './tempDir';
import {
  spawnWithWatchdog,
  stopWatched,
  unrefWatched,
  Watched,
} from './watchdog';

/** Where Debian and Ubuntu install each major version of PostgreSQL. */
const DEBIAN_POSTGRES_DIR = '/usr/lib/postgresql';
const STARTUP_TIMEOUT_MS = 30_000;
/** How long postgres gets for its fast shutdown before SIGKILL. */
const STOP_GRACE_MS = 10_000;
/** How often to try another port when the one picked was taken meanwhile. */
const PORT_ATTEMPTS = 5;
/** A Unix socket's path must fit in sockaddr_un (108 bytes on Linux). */
const MAX_SOCKET_PATH = 100;
const INSTALL_HINT = 'apt-get install postgresql';

/**
 * Options for {@link startPostgres}.
 *
 * @public
 */
export interface PostgresTestServerOptions {
  /** The superuser that initdb creates (`initdb -U`): default `backstage`. */
  user?: string;
  /**
   * The superuser's password: default `backstage`. It is set, but not asked
   * for: every connection is trusted (`initdb --auth=trust`).
   */
  password?: string;
  /** The port to listen on: default a free port of 127.0.0.1. */
  port?: number;
  /**
   * The directory to keep the cluster in (`DIR/data`, and the server's Unix
   * socket in `DIR/socket`): created if missing, must be empty, and kept by
   * `stop()`. Default: a fresh temp directory, removed by `stop()`.
   */
  dir?: string;
  /**
   * The directory holding `initdb` and `postgres`. Default: the newest
   * `/usr/lib/postgresql/VERSION/bin` (Debian, Ubuntu), else `pg_config
   * --bindir`, else the PATH.
   */
  binDir?: string;
  /**
   * More server settings, passed as `-c NAME=VALUE`, e.g.
   * `{ max_connections: 50, log_statement: 'all' }`; they override the
   * defaults.
   */
  settings?: Record<string, string | number | boolean>;
}

/**
 * A running PostgreSQL server made by {@link startPostgres}.
 *
 * @public
 */
export interface PostgresTestServer {
  /** The address postgres listens on. */
  host: '127.0.0.1';
  /** The port postgres listens on. */
  port: number;
  /** The superuser. */
  user: string;
  /** The superuser's password. */
  password: string;
  /**
   * A database of the superuser's name (as the postgres image of Docker
   * makes; `postgres` when that is the user), which clients that name no
   * database connect to. Every cluster also has `postgres`; create more with
   * `CREATE DATABASE`.
   */
  database: string;
  /**
   * The connection as Backstage's `backend.database.connection` (and knex,
   * and the `pg` package) take it: `{ host, port, user, password }`.
   */
  connection: { host: string; port: number; user: string; password: string };
  /** `postgresql://USER:PASSWORD@127.0.0.1:PORT/USER` (see `database`). */
  url: string;
  /** The server's version, e.g. `15.18 (Debian 15.18-0+deb12u1)`. */
  version: string;
  /** The directory holding the cluster (`data/`) and the socket (`socket/`). */
  dir: string;
  /** The last lines postgres wrote (its log goes to stderr), for debugging. */
  output(): string;
  /**
   * Stops postgres (fast shutdown: SIGINT, which disconnects the clients;
   * SIGKILL after 10 seconds), waits until it has exited and removes its
   * temp directory. Safe to call twice.
   */
  stop(): Promise<void>;
}

interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

async function binariesIn(dir: string): Promise<PostgresBinaries | undefined> {
  const initdb = path.join(dir, 'initdb');
  const postgres = path.join(dir, 'postgres');
  return (await isExecutableFile(initdb)) && (await isExecutableFile(postgres))
    ? { initdb, postgres }
    : undefined;
}

/** `15` before `9.6`, `16` before `15`. */
function compareVersionsDescending(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pb[i] ?? 0) - (pa[i] ?? 0);
    if (diff !== 0) {
      return diff;
    }
  }
  return 0;
}

async function findPostgres(binDir?: string): Promise<PostgresBinaries> {
  if (binDir !== undefined) {
    const found = await binariesIn(binDir);
    if (!found) {
      throw new Error(
        `PostgreSQL is not installed in ${binDir} (no initdb and postgres there): ${INSTALL_HINT}`,
      );
    }
    return found;
  }
  // Debian and Ubuntu: /usr/lib/postgresql/15/bin, newest version first.
  const versions = (await fs.readdir(DEBIAN_POSTGRES_DIR).catch(() => []))
    .filter(name => /^\d+(\.\d+)*$/.test(name))
    .sort(compareVersionsDescending);
  for (const version of versions) {
    const found = await binariesIn(
      path.join(DEBIAN_POSTGRES_DIR, version, 'bin'),
    );
    if (found) {
      return found;
    }
  }
  const pgConfig = await execa('pg_config', ['--bindir'], {
    reject: false,
    stdin: 'ignore',
  });
  if (pgConfig.exitCode === 0 && pgConfig.stdout.trim()) {
    const found = await binariesIn(pgConfig.stdout.trim());
    if (found) {
      return found;
    }
  }
  const initdb = await findOnPath('initdb');
  const postgres = await findOnPath('postgres');
  if (initdb && postgres) {
    return { initdb, postgres };
  }
  throw new Error(
    `PostgreSQL is not installed (no initdb and postgres in ${DEBIAN_POSTGRES_DIR}/*/bin, in pg_config --bindir or on the PATH): ${INSTALL_HINT}`,
  );
}

/** `"name"`, for SQL. */
function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function settingValue(value: string | number | boolean): string {
  if (typeof value === 'boolean') {
    return value ? 'on' : 'off';
  }
  return String(value);
}

/**
 * Starts a real PostgreSQL server on 127.0.0.1: a new cluster made by
 * `initdb` (superuser `backstage` by default, `--auth=trust`, UTF8, C
 * locale, `--no-sync`) in a fresh temp directory, served by `postgres -D
 * DIR/data -p PORT -c listen_addresses=127.0.0.1 -k DIR/socket -c fsync=off`
 * on a free port, with a database named after the superuser. Resolves once
 * it answers a query. Stop it with `stop()`, e.g. in `afterAll`.
 *
 * @remarks
 * Needs PostgreSQL (`apt-get install postgresql`; `scripts/setup.sh`
 * installs it); tested with PostgreSQL 15. Durability is off (`fsync`,
 * `full_page_writes` and `synchronous_commit`): a test database, fast, and
 * lost in a crash. `max_connections` is 200, for several backends with a
 * connection pool per plugin each.
 *
 * initdb and postgres refuse to run as root: when the tests run as root,
 * both run as the user `postgres` (which Debian's package creates; else
 * `nobody`) through `setpriv`, and the directory is given to that user (every
 * directory above it must then be searchable by it, as the system temp
 * directory is). Otherwise they run as the user running the tests.
 *
 * postgres runs under a small Node.js watchdog that stops it as soon as the
 * test process is gone (however it died), and the server does not keep the
 * Node event loop alive on its own: a forgotten server cannot outlive the
 * tests.
 *
 * @example
 * ```ts
 * const pg = await startPostgres();
 * afterAll(() => pg.stop());
 * const config = { backend: { database: { client: 'pg', connection: pg.connection } } };
 * ```
 *
 * @param options - the superuser, the port, the directory, more settings
 * @returns the running server
 * @public
 */
export async function startPostgres(
  options: PostgresTestServerOptions = {},
): Promise<PostgresTestServer> {
  const user = options.user ?? 'backstage';
  const password = options.password ?? 'backstage';
  if (!user || /[\0\r\n]/.test(user) || /[\0\r\n]/.test(password)) {
    throw new Error(
      'The PostgreSQL user must be non-empty, and neither it nor the password may hold a line break',
    );
  }
  const binaries = await findPostgres(options.binDir);
  const runAs: SystemUser | undefined =
    process.getuid?.() === 0 ? await unprivilegedUser() : undefined;
  const command = async (program: string, args: string[]) =>
    runAs ? asUser(runAs, program, args) : { command: program, args };
  const asWhom = runAs
    ? ` (as the user ${runAs.name}, since the tests run as root: every directory above it must be searchable by ${runAs.name})`
    : '';

  const serverDir = await serverDirectory(
    options.dir,
    () => createTempDir('pg-test-'),
    'PostgreSQL',
  );
  let watched: Watched | undefined;
  try {
    const dir = serverDir.path;
    const dataDir = path.join(dir, 'data');
    const socketDir = path.join(dir, 'socket');
    const pwFile = path.join(dir, 'initdb.pw');
    await fs.mkdir(socketDir, { mode: 0o700 });
    await fs.writeFile(pwFile, `${password}\n`, { mode: 0o600 });
    if (runAs) {
      await chownTree(dir, runAs);
    }

    const initdb = await command(binaries.initdb, [
      '-D',
      dataDir,
      '-U',
      user,
      '--auth=trust',
      `--pwfile=${pwFile}`,
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    const init = await execa(initdb.command, initdb.args, {
      cwd: dir,
      reject: false,
      stdin: 'ignore',
      all: true,
      // initdb reads the locale of the environment for messages only.
      env: { LC_ALL: 'C' },
    });
    await fs.rm(pwFile, { force: true });
    if (init.exitCode !== 0) {
      throw new Error(
        `initdb failed (${
          init.exitCode ?? init.signal ?? 'no exit code'
        }) in ${dataDir}${asWhom}; initdb said:\n${
          init.all?.trim() ||
          (init as { shortMessage?: string }).shortMessage ||
          'no output'
        }`,
      );
    }

    const settings: Record<string, string> = {
      listen_addresses: '127.0.0.1',
      // The socket, for psql -h DIR/socket; none when the path is too long
      // for a Unix socket (the server is reached over TCP anyway).
      unix_socket_directories:
        socketDir.length + '/.s.PGSQL.65535'.length <= MAX_SOCKET_PATH
          ? socketDir
          : '',
      fsync: 'off',
      full_page_writes: 'off',
      synchronous_commit: 'off',
      max_connections: '200',
      logging_collector: 'off',
      log_destination: 'stderr',
    };
    for (const [name, value] of Object.entries(options.settings ?? {})) {
      settings[name] = settingValue(value);
    }
    const settingArgs = Object.entries(settings).flatMap(([name, value]) => [
      '-c',
      `${name}=${value}`,
    ]);

    let port = 0;
    let version = '';
    const connectionOf = (p: number) => ({
      host: '127.0.0.1',
      port: p,
      user,
      password,
    });
    for (let attempt = 1; ; attempt++) {
      port = options.port ?? (await freePort());
      const server = await command(binaries.postgres, [
        '-D',
        dataDir,
        '-p',
        String(port),
        ...settingArgs,
      ]);
      watched = spawnWithWatchdog(server.command, server.args, {
        removeOnStop: serverDir.temporary ? dir : undefined,
        stopSignal: 'SIGINT',
        graceMs: STOP_GRACE_MS,
      });
      const started = await waitForPostgres(watched, {
        port,
        user,
        password,
      });
      if (started.ready) {
        version = started.version;
        break;
      }
      await stopWatched(watched);
      const output = watched.output().trim() || '(no output)';
      watched = undefined;
      if (
        started.problem === 'port taken' &&
        options.port === undefined &&
        attempt < PORT_ATTEMPTS
      ) {
        continue;
      }
      throw new Error(
        started.problem === 'port taken' && options.port === undefined
          ? `postgres could not bind a free port in ${PORT_ATTEMPTS} attempts; postgres said:\n${output}`
          : `postgres did not start on 127.0.0.1:${port}${asWhom}: ${started.problem}; postgres said:\n${output}`,
      );
    }

    // A database of the superuser's name, as the postgres image of Docker
    // makes: clients that name no database (psql, pg) connect to it.
    if (user !== 'postgres') {
      const client = new Client({
        ...connectionOf(port),
        database: 'postgres',
      });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.query(`CREATE DATABASE ${quoteIdentifier(user)}`);
      } finally {
        await client.end().catch(() => {});
      }
    }

    const running = watched;
    unrefWatched(running);
    let stopping: Promise<void> | undefined;
    return {
      host: '127.0.0.1',
      port,
      user,
      password,
      database: user,
      connection: connectionOf(port),
      url: `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(
        password,
      )}@127.0.0.1:${port}/${encodeURIComponent(user)}`,
      version,
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
 * Waits until postgres answers `SHOW server_version` on the port.
 *
 * @returns the version, or `'port taken'` (someone else got the port
 *   first), or what went wrong
 */
async function waitForPostgres(
  watched: Watched,
  target: { port: number; user: string; password: string },
): Promise<
  { ready: true; version: string } | { ready: false; problem: string }
> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let last = 'no answer';
  for (;;) {
    const exit = watched.exit();
    if (exit !== undefined) {
      // Let the last output arrive.
      await sleep(20);
      return {
        ready: false,
        problem: /Address already in use/i.test(watched.output())
          ? 'port taken'
          : `it exited (${exit}) before it answered`,
      };
    }
    // Not before postgres says so: until then the port may be someone
    // else's.
    if (/ready to accept connections/.test(watched.output())) {
      const client = new Client({
        host: '127.0.0.1',
        port: target.port,
        user: target.user,
        password: target.password,
        database: 'postgres',
        connectionTimeoutMillis: 3_000,
      });
      client.on('error', () => {});
      try {
        await client.connect();
        const result = await client.query<{ server_version: string }>(
          'SHOW server_version',
        );
        return { ready: true, version: result.rows[0].server_version };
      } catch (error) {
        last = (error as Error).message;
      } finally {
        await client.end().catch(() => {});
      }
    }
    if (Date.now() > deadline) {
      return {
        ready: false,
        problem: `it did not answer within ${
          STARTUP_TIMEOUT_MS / 1000
        } seconds (last: ${last})`,
      };
    }
    await sleep(50);
  }
}
