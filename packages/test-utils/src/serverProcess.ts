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

import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Helpers shared by the servers of the harness that run as separate
 * processes (PostgreSQL, Redis): finding their programs, the user they run
 * as, and the directory they keep their files in.
 */

/** Whether `file` is an executable regular file. @internal */
export async function isExecutableFile(file: string): Promise<boolean> {
  try {
    await fs.access(file, fsConstants.X_OK);
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

/** The first executable `name` on the PATH, or undefined. @internal */
export async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir) {
      const candidate = path.join(dir, name);
      if (await isExecutableFile(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

/** A user of this machine that a server runs as. @internal */
export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
}

/**
 * The unprivileged user that servers refusing to run as root (initdb,
 * postgres) run as when the tests run as root: `postgres` (made by Debian's
 * postgresql package, and by most others), else `nobody`. Read from
 * /etc/passwd. @internal
 */
export async function unprivilegedUser(): Promise<SystemUser> {
  const passwd = await fs.readFile('/etc/passwd', 'utf8').catch(() => '');
  const users = new Map<string, SystemUser>();
  for (const line of passwd.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name && /^\d+$/.test(uid ?? '') && /^\d+$/.test(gid ?? '')) {
      users.set(name, { name, uid: Number(uid), gid: Number(gid) });
    }
  }
  const user = users.get('postgres') ?? users.get('nobody');
  if (!user || user.uid === 0) {
    throw new Error(
      'Running as root, but /etc/passwd has neither a postgres nor a nobody user to run the server as',
    );
  }
  return user;
}

/**
 * The command line that runs `command args` as `user` (from root), with
 * setpriv of util-linux: it execs the command, so that the process started
 * is the server itself and gets its signals. @internal
 */
export async function asUser(
  user: SystemUser,
  command: string,
  args: string[],
): Promise<{ command: string; args: string[] }> {
  const setpriv =
    (await findOnPath('setpriv')) ??
    ((await isExecutableFile('/usr/bin/setpriv'))
      ? '/usr/bin/setpriv'
      : undefined);
  if (!setpriv) {
    throw new Error(
      `Running as root, and setpriv (util-linux) was not found to run ${path.basename(
        command,
      )} as the user ${user.name}: install util-linux`,
    );
  }
  return {
    command: setpriv,
    args: [
      `--reuid=${user.uid}`,
      `--regid=${user.gid}`,
      '--clear-groups',
      '--',
      command,
      ...args,
    ],
  };
}

/**
 * Makes `dir` (absolute) and every file in it belong to `user`.
 * @internal
 */
export async function chownTree(dir: string, user: SystemUser): Promise<void> {
  await fs.chown(dir, user.uid, user.gid);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const child = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      await chownTree(child, user);
    } else {
      await fs.lchown(child, user.uid, user.gid);
    }
  }
}

/**
 * The directory a server keeps its files in: `dir` when given (created if
 * missing, must be empty, kept by stop()), else a fresh temp directory
 * (removed by stop()). @internal
 */
export async function serverDirectory(
  dir: string | undefined,
  createTemp: () => Promise<{ path: string; remove(): Promise<void> }>,
  what: string,
): Promise<{ path: string; temporary: boolean; remove(): Promise<void> }> {
  if (dir === undefined) {
    const temp = await createTemp();
    return { path: temp.path, temporary: true, remove: () => temp.remove() };
  }
  await fs.mkdir(dir, { recursive: true });
  const real = await fs.realpath(dir);
  const entries = await fs.readdir(real);
  if (entries.length > 0) {
    throw new Error(
      `The directory for ${what} must be empty or missing: ${real} has ${entries
        .slice(0, 3)
        .join(', ')}${entries.length > 3 ? ', ...' : ''}`,
    );
  }
  return { path: real, temporary: false, remove: async () => {} };
}

/** Waits `ms` milliseconds. @internal */
export const sleep = (ms: number) =>
  new Promise(resolve => setTimeout(resolve, ms));
