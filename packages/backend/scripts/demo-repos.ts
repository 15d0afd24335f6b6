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

/**
 * Builds the demo Mercurial repositories of the example backend from the
 * plain files in `demo/repositories/<name>/`: each directory becomes the
 * repository `demo/<name>` below a root directory, with one commit.
 *
 * Used by `scripts/start.sh` (through the CLI at the end of this file) and by
 * the backend's tests, so both serve the same repositories.
 */

import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Where the plain files of the demo repositories are kept. */
export const DEMO_SOURCE_DIR = path.resolve(
  __dirname,
  '..',
  'demo',
  'repositories',
);

/** The prefix of every demo repository's path on the hgweb server. */
export const DEMO_REPOSITORY_PREFIX = 'demo';

/** The author and date of every demo commit: the same files give the same nodes. */
export const DEMO_COMMIT_USER = 'Backstage Demo <demo@example.com>';
export const DEMO_COMMIT_DATE = '2024-01-01 00:00:00 +0000';

/**
 * Changesets added to a demo repository after its first commit, from
 * `demo/history/<dir>.json`: a history for the portal's cards.
 */
interface DemoHistory {
  changesets: Array<{
    user: string;
    date: string;
    message: string;
    /** Text appended to files (created when missing), by path. */
    append: Record<string, string>;
    /** A tag on the new changeset. */
    tag?: string;
  }>;
}

/** Where the histories are: `demo/history/<dir>.json`. */
export const DEMO_HISTORY_DIR = path.resolve(__dirname, '../demo/history');

async function readHistory(
  historyDir: string,
  dirName: string,
): Promise<DemoHistory | undefined> {
  try {
    return JSON.parse(
      await fs.readFile(path.join(historyDir, `${dirName}.json`), 'utf8'),
    ) as DemoHistory;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw new Error(`Invalid demo history for ${dirName}: ${e}`);
  }
}

/** A built demo repository. */
export interface DemoRepository {
  /** Its path on the server and below the root, e.g. `demo/service`. */
  name: string;
  /** Its absolute directory. */
  dir: string;
  /** The 40-hex node of its tip (its last commit). */
  node: string;
}

/** Options of {@link buildDemoRepositories}. */
export interface BuildDemoRepositoriesOptions {
  /** The directory hgweb serves (`[paths] / = <root>/**`); created if missing. */
  root: string;
  /** Where the plain files are; default {@link DEMO_SOURCE_DIR}. */
  sourceDir?: string;
  /** Where the histories are; default {@link DEMO_HISTORY_DIR}. */
  historyDir?: string;
}

/**
 * The environment of every hg command: no hgrc at all (`HGRCPATH=` empty), so
 * neither the machine's nor the user's configuration (extensions, hooks,
 * defaults) changes what is built.
 */
function hgEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of ['HGUSER', 'HGEDITOR', 'HGPLAINEXCEPT', 'HGPROF']) {
    delete env[key];
  }
  return { ...env, HGRCPATH: '', HGPLAIN: '1', HGENCODING: 'utf-8' };
}

function hg(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'hg',
      args,
      { cwd, env: hgEnv(), encoding: 'utf8', windowsHide: true },
      (error, stdout, stderr) => {
        if (error) {
          const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
          reject(
            new Error(
              missing
                ? 'Mercurial (hg) is not installed or not on the PATH; run ./scripts/setup.sh'
                : `hg ${args.join(' ')} (in ${cwd}) failed: ${
                    stderr.trim() || stdout.trim() || error.message
                  }`,
            ),
          );
        } else {
          resolve(stdout);
        }
      },
    );
  });
}

/** The names of the demo repositories (`demo/<dir>`), sorted. */
export async function listDemoRepositories(
  sourceDir: string = DEMO_SOURCE_DIR,
): Promise<string[]> {
  const entries = await fs.readdir(sourceDir, { withFileTypes: true });
  return entries
    .filter(entry => entry.isDirectory())
    .map(entry => `${DEMO_REPOSITORY_PREFIX}/${entry.name}`)
    .sort();
}

/**
 * (Re)builds every demo repository below `root`: an existing one is removed
 * first, so the result always matches the plain files; other repositories
 * below `root` are left alone. The commits have a fixed author and date, so
 * the same files (and base URL) give the same nodes on every run.
 */
export async function buildDemoRepositories(
  options: BuildDemoRepositoriesOptions,
): Promise<DemoRepository[]> {
  const sourceDir = options.sourceDir ?? DEMO_SOURCE_DIR;
  await fs.mkdir(options.root, { recursive: true });
  const root = await fs.realpath(options.root);
  const result: DemoRepository[] = [];
  for (const name of await listDemoRepositories(sourceDir)) {
    const dir = path.join(root, ...name.split('/'));
    await fs.rm(dir, { recursive: true, force: true });
    await fs.cp(path.join(sourceDir, path.basename(name)), dir, {
      recursive: true,
    });
    await hg(['init'], dir);
    await hg(
      [
        'commit',
        '--addremove',
        '--user',
        DEMO_COMMIT_USER,
        '--date',
        DEMO_COMMIT_DATE,
        '--message',
        `Demo repository ${name}`,
      ],
      dir,
    );
    const history = await readHistory(
      options.historyDir ?? DEMO_HISTORY_DIR,
      path.basename(name),
    );
    for (const changeset of history?.changesets ?? []) {
      for (const [file, text] of Object.entries(changeset.append)) {
        await fs.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
        await fs.appendFile(path.join(dir, file), text);
      }
      const who = ['--user', changeset.user, '--date', changeset.date];
      await hg(
        ['commit', '--addremove', ...who, '--message', changeset.message],
        dir,
      );
      if (changeset.tag) {
        await hg(['tag', ...who, '--', changeset.tag], dir);
      }
    }
    const node = (await hg(['log', '-r', '.', '-T', '{node}'], dir)).trim();
    result.push({ name, dir, node });
  }
  return result;
}

/**
 * `node -r @backstage/cli-node/config/nodeTransform.cjs scripts/demo-repos.ts
 * <root> <baseUrl>`: builds the repositories and lists them.
 */
async function main(argv: string[]) {
  const [root, baseUrl] = argv;
  if (!root || !baseUrl) {
    throw new Error('Usage: demo-repos.ts <root directory> <hgweb base URL>');
  }
  for (const repo of await buildDemoRepositories({ root })) {
    process.stdout.write(
      `  ${baseUrl}/${repo.name} (${repo.node.slice(0, 12)})\n`,
    );
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch(error => {
    process.stderr.write(`${error instanceof Error ? error.message : error}\n`);
    process.exit(1);
  });
}
