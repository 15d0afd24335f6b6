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

import { createHash } from 'node:crypto';
import { constants as fsConstants, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import execa from 'execa';

/** The content of the isolated hgrc every hg invocation uses. */
const HGRC = `# Written by @backstage-mercurial/test-utils: used as HGRCPATH so that hg
# ignores the machine's and the user's configuration.
[ui]
username = Test User <test@example.com>
interactive = false
merge = internal:merge
`;

/**
 * An hg extension loaded into `hg serve`: it exits the process as soon as its
 * stdin reaches EOF, i.e. as soon as the Node process that started it is gone
 * (however it died). This is what keeps a crashed or killed test run from
 * leaving an `hg serve` behind.
 */
const WATCHDOG = `# Written by @backstage-mercurial/test-utils.
# Exits hg serve as soon as its stdin is closed (the parent process is gone).
import os
import threading

_started = []


def _watch():
    try:
        while os.read(0, 4096):
            pass
    except Exception:
        pass
    os._exit(0)


def uisetup(ui):
    if _started:
        return
    _started.append(True)
    thread = threading.Thread(target=_watch, name='parent-watchdog')
    thread.daemon = True
    thread.start()
`;

/** Paths of the support files shared by every hg invocation. */
export interface HgSupportFiles {
  /** The isolated hgrc, used as `HGRCPATH`. */
  hgrc: string;
  /** The parent watchdog extension loaded into `hg serve`. */
  watchdog: string;
}

let hgPromise: Promise<string> | undefined;
let supportPromise: Promise<HgSupportFiles> | undefined;

async function isExecutableFile(candidate: string): Promise<boolean> {
  try {
    await fs.access(candidate, fsConstants.X_OK);
    return (await fs.stat(candidate)).isFile();
  } catch {
    return false;
  }
}

async function resolveHg(): Promise<string> {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const extensions =
    process.platform === 'win32'
      ? ['', ...(process.env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';')]
      : [''];
  for (const dir of dirs) {
    for (const ext of extensions) {
      const candidate = path.join(dir, `hg${ext}`);
      if (await isExecutableFile(candidate)) {
        return candidate;
      }
    }
  }
  throw new Error(
    'Mercurial is needed to run these tests, but no `hg` executable was found on the PATH. ' +
      'Install Mercurial, e.g. `apt-get install mercurial`, `brew install mercurial` or `pip install mercurial`, ' +
      'and make sure `hg` is on the PATH.',
  );
}

/**
 * Resolves the `hg` executable (once per module instance).
 *
 * @returns the absolute path of `hg`
 */
export function findHg(): Promise<string> {
  hgPromise ??= resolveHg();
  return hgPromise;
}

function hashOf(content: string): string {
  return createHash('sha256').update(content).digest('hex').slice(0, 12);
}

async function writeFileOnce(file: string, content: string): Promise<void> {
  try {
    if ((await fs.readFile(file, 'utf8')) === content) {
      return;
    }
  } catch {
    // missing: written below
  }
  // Write to a unique name and rename, so that concurrent test workers never
  // see a half written file.
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await fs.writeFile(tmp, content, { mode: 0o600 });
  await fs.rename(tmp, file);
}

async function createSupportFiles(): Promise<HgSupportFiles> {
  const uid = process.getuid?.();
  const owner = uid ?? os.userInfo().username;
  const dir = path.join(os.tmpdir(), `backstage-mercurial-test-utils-${owner}`);
  try {
    await fs.mkdir(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw error;
    }
  }
  // The directory has a predictable name and hg executes the watchdog in it,
  // so it must be private to the current user.
  const stat = await fs.lstat(dir);
  if (
    !stat.isDirectory() ||
    (uid !== undefined && stat.uid !== uid) ||
    (process.platform !== 'win32' && (stat.mode & 0o077) !== 0)
  ) {
    throw new Error(
      `Refusing to use ${dir} for hg's configuration: it must be a directory that only the current user can access`,
    );
  }
  const hgrc = path.join(dir, `hgrc-${hashOf(HGRC)}`);
  const watchdog = path.join(dir, `watchdog_${hashOf(WATCHDOG)}.py`);
  await Promise.all([
    writeFileOnce(hgrc, HGRC),
    writeFileOnce(watchdog, WATCHDOG),
  ]);
  return { hgrc, watchdog };
}

/**
 * Writes (once) the isolated hgrc and the watchdog extension to a private
 * directory below the system temp directory, and returns their paths.
 */
export function ensureHgSupportFiles(): Promise<HgSupportFiles> {
  supportPromise ??= createSupportFiles().catch(error => {
    supportPromise = undefined;
    throw error;
  });
  return supportPromise;
}

/**
 * The environment for an isolated hg: the current environment minus the
 * variables that leak user configuration into hg, plus `HGPLAIN=1`,
 * `HGRCPATH=<our hgrc>` and `HGENCODING=utf-8`, then `extra`.
 */
export function isolatedHgEnv(
  hgrc: string,
  extra?: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined) {
      env[key] = value;
    }
  }
  for (const key of ['HGPLAINEXCEPT', 'HGUSER', 'HGEDITOR', 'HGPROF']) {
    delete env[key];
  }
  env.HGPLAIN = '1';
  env.HGRCPATH = hgrc;
  env.HGENCODING = 'utf-8';
  return { ...env, ...extra };
}

/**
 * Runs the real `hg` with an isolated configuration: `HGPLAIN=1`,
 * `HGENCODING=utf-8` and `HGRCPATH` set to a file of this package (so neither
 * the machine's nor the user's hgrc is read), and returns its stdout as it is
 * (utf-8 decoded, not trimmed).
 *
 * @remarks
 * A non-zero exit code counts as failure (note that some hg commands exit
 * with 1 for "nothing found", e.g. `hg incoming`, `hg push` with nothing to
 * push): the thrown error's message contains the command and hg's stderr (or
 * stdout if stderr is empty), and the error carries `exitCode`, `stdout` and
 * `stderr` properties.
 *
 * @param args - the arguments after `hg`, e.g. `['log', '-T', 'json']`
 * @param options - `cwd`: the working directory (default the current one);
 *   `env`: extra environment variables, applied after the isolation ones;
 *   `input`: text written to hg's stdin (default: empty stdin)
 * @returns hg's stdout
 * @public
 */
export async function runHg(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string } = {},
): Promise<string> {
  const [hg, support] = await Promise.all([findHg(), ensureHgSupportFiles()]);
  const result = await execa(hg, args, {
    cwd: options.cwd,
    env: isolatedHgEnv(support.hgrc, options.env),
    extendEnv: false,
    ...(options.input === undefined
      ? { stdin: 'ignore' as const }
      : { input: options.input }),
    reject: false,
    stripFinalNewline: false,
    windowsHide: true,
  });
  if (result.failed || result.exitCode !== 0) {
    const how = result.signal
      ? `was killed by ${result.signal}`
      : `failed with exit code ${result.exitCode}`;
    const where = options.cwd ? ` (in ${options.cwd})` : '';
    const detail =
      result.stderr.trim() ||
      result.stdout.trim() ||
      (result as { shortMessage?: string }).shortMessage ||
      'no output';
    const error = new Error(
      `hg ${args.join(' ')}${where} ${how}: ${detail}`,
    ) as Error & { exitCode?: number; stdout: string; stderr: string };
    error.exitCode = result.exitCode;
    error.stdout = result.stdout;
    error.stderr = result.stderr;
    throw error;
  }
  return result.stdout;
}
