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

import {
  getMercurialRepositoryUrl,
  MercurialIntegration,
} from '@backstage-mercurial/integration';
import {
  getHgAuth,
  HG_COMMAND_MIN_VALIDITY_MS,
  HgCommandError,
  hgCommands,
  HgCommand,
  HgRunner,
  MercurialCredentialsService,
  runHgCommand,
} from '@backstage-mercurial/integration-node';
import { LoggerService } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import fs from 'fs-extra';
import { createHash, randomUUID } from 'node:crypto';
import path from 'node:path';
import { Readable } from 'node:stream';

/**
 * Clones of remote repositories kept in a cache directory, for servers that
 * do not serve archives. A repository is cloned once (`hg clone -U` into a
 * temporary directory, then renamed into place, so a half-made clone is
 * never seen) and brought up to date by `hg pull` when a read asks for a
 * changeset it does not have yet. Pulls of one repository are serialised in
 * this process; hg's own repository lock guards against other processes.
 * Reads (`hg archive`) need no lock: hg's store is append-only.
 *
 * A process killed in the middle leaves nothing that breaks the next one:
 * a half-made clone stays in its temporary directory (named after the
 * process that made it, and removed by the next process to use the cache
 * once that one is gone), and a pull cut off leaves hg's abandoned
 * transaction, which the next pull rolls back (`hg recover`) first.
 */
/** This process, in the names of its temporary clones (a pid alone repeats in containers). */
const PROCESS_TAG = `${process.pid}-${randomUUID().slice(0, 8)}`;

/** `<dir>.tmp-<pid>-<tag>-<uuid>` */
const TEMPORARY_CLONE = /\.tmp-(\d+)-([0-9a-f]{8})-[0-9a-f-]{36}$/;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class HgCliCache {
  private leftoversRemoved?: Promise<void>;
  private readonly queues = new Map<string, Promise<unknown>>();
  /**
   * Nodes each clone is known to have: hg's store only grows, so a node seen
   * once needs no `hg log` check (one Python start-up) on later reads.
   */
  private readonly knownNodes = new Map<string, Set<string>>();

  constructor(
    private readonly options: {
      cacheDir: string;
      runner: HgRunner;
      /** Asked for the credentials of every hg command that reaches the server. */
      credentials: MercurialCredentialsService;
      logger: LoggerService;
    },
  ) {}

  /** The cache directory of one repository. */
  repositoryDir(integration: MercurialIntegration, repositoryPath: string) {
    const url = getMercurialRepositoryUrl(integration.config, repositoryPath);
    const hash = createHash('sha256').update(url).digest('hex').slice(0, 24);
    // '' for a single-repository server: the hash alone tells them apart
    const name =
      repositoryPath.replace(/[^A-Za-z0-9._-]+/g, '_').slice(-40) || 'root';
    return path.join(this.options.cacheDir, `${name}-${hash}`);
  }

  /**
   * A clone that has `node`, made or pulled as needed.
   *
   * @returns the clone's directory
   */
  async ensure(
    integration: MercurialIntegration,
    repositoryPath: string,
    node: string,
    signal?: AbortSignal,
  ): Promise<string> {
    const dir = this.repositoryDir(integration, repositoryPath);
    if (this.knownNodes.get(dir)?.has(node)) {
      return dir;
    }
    if (await this.hasNode(dir, node, signal)) {
      return dir;
    }
    return this.serialised(dir, async () => {
      // Another read may have fetched it while this one waited.
      if (await this.hasNode(dir, node, signal)) {
        return dir;
      }
      const source = getMercurialRepositoryUrl(
        integration.config,
        repositoryPath,
      );
      const remote = (command: HgCommand<unknown>, cwd?: string) =>
        this.runRemote(integration, source, command, { cwd, signal });
      if (await fs.pathExists(path.join(dir, '.hg'))) {
        this.options.logger.debug(`Pulling ${source} into the hg cache`);
        await this.pull(dir, source, remote, signal);
      } else {
        this.options.logger.info(`Cloning ${source} into the hg cache`);
        await fs.ensureDir(this.options.cacheDir);
        await this.removeLeftovers();
        const tmp = `${dir}.tmp-${PROCESS_TAG}-${randomUUID()}`;
        try {
          await remote(
            // --stream copies the store as it is (no bundle to build and
            // apply): several times faster on a local network; servers that
            // refuse it get a normal clone.
            hgCommands.clone({
              source,
              dest: tmp,
              noUpdate: true,
              stream: true,
            }),
          );
          try {
            await fs.rename(tmp, dir);
          } catch (e) {
            // Another process made the clone first: use that one.
            if (!(await fs.pathExists(path.join(dir, '.hg')))) {
              throw e;
            }
          }
        } finally {
          await fs.remove(tmp);
        }
        if (await this.hasNode(dir, node, signal)) {
          return dir;
        }
        // pushed since the clone started
        await this.pull(dir, source, remote, signal);
      }
      if (!(await this.hasNode(dir, node, signal))) {
        throw new NotFoundError(
          `The changeset ${node} is not in ${source}, even after a pull`,
        );
      }
      return dir;
    });
  }

  /**
   * Streams a tar archive of `subPath` (or everything) at `node`; entries
   * sit under one prefix directory, as in hgweb's archives. Without hg's
   * `.hg_archival.txt` (`ui.archivemeta=false`): it is not a file of the
   * repository.
   *
   * @throws NotFoundError when no file lies under `subPath`
   */
  async archive(
    dir: string,
    node: string,
    subPath: string,
    signal?: AbortSignal,
  ): Promise<Readable> {
    try {
      return await this.options.runner.stream(
        hgCommands.archive({ revision: node, subPath: subPath || undefined })
          .args,
        { cwd: dir, signal, config: { ui: { archivemeta: 'false' } } },
      );
    } catch (e) {
      if (
        e instanceof HgCommandError &&
        /no files match the archive pattern/.test(e.stderr)
      ) {
        throw new NotFoundError(
          `There is no file under '${subPath}' at changeset ${node}`,
        );
      }
      throw e;
    }
  }

  /**
   * `hg pull`; when a killed pull left its transaction behind, rolls it
   * back (`hg recover`) and pulls again.
   */
  private async pull(
    dir: string,
    source: string,
    remote: (command: HgCommand<unknown>, cwd?: string) => Promise<void>,
    signal?: AbortSignal,
  ) {
    try {
      await remote(hgCommands.pull({ source }), dir);
    } catch (e) {
      if (
        !(e instanceof HgCommandError) ||
        !/abandoned transaction found/.test(e.stderr)
      ) {
        throw e;
      }
      this.options.logger.warn(
        `The hg cache's clone of ${source} has a transaction a killed process left behind; rolling it back (hg recover)`,
      );
      await runHgCommand(this.options.runner, hgCommands.recover(), {
        cwd: dir,
        signal,
      });
      await remote(hgCommands.pull({ source }), dir);
    }
  }

  /**
   * Removes the temporary clones of processes that are gone (killed in the
   * middle of a clone), once per process; those of running ones stay.
   */
  private removeLeftovers(): Promise<void> {
    this.leftoversRemoved ??= (async () => {
      const names = await fs.readdir(this.options.cacheDir).catch(() => []);
      for (const name of names) {
        const match = TEMPORARY_CLONE.exec(name);
        if (!match || `${match[1]}-${match[2]}` === PROCESS_TAG) {
          continue;
        }
        const pid = Number(match[1]);
        // the same pid with another tag is an earlier process (containers
        // repeat pids)
        if (pid !== process.pid && isRunning(pid)) {
          continue;
        }
        this.options.logger.info(
          `Removing a half-made clone a stopped process left in the hg cache: ${name}`,
        );
        await fs.remove(path.join(this.options.cacheDir, name));
      }
    })();
    return this.leftoversRemoved;
  }

  /**
   * Runs a command that talks to the server, with the credentials the
   * credentials service gives for `source` now (short-lived ones may have
   * been renewed since the last command).
   */
  private async runRemote(
    integration: MercurialIntegration,
    source: string,
    command: HgCommand<unknown>,
    options: { cwd?: string; signal?: AbortSignal },
  ): Promise<void> {
    const credentials = await this.options.credentials.getCredentials({
      url: source,
      purpose: 'read',
      minValidityMs: HG_COMMAND_MIN_VALIDITY_MS,
    });
    const auth = getHgAuth(integration.config, credentials);
    await runHgCommand(this.options.runner, command, {
      ...options,
      auth: auth ? [auth] : undefined,
    });
  }

  private async hasNode(dir: string, node: string, signal?: AbortSignal) {
    if (!(await fs.pathExists(path.join(dir, '.hg')))) {
      return false;
    }
    try {
      await runHgCommand(
        this.options.runner,
        hgCommands.node({ revision: node }),
        { cwd: dir, signal },
      );
      const known = this.knownNodes.get(dir) ?? new Set<string>();
      known.add(node);
      this.knownNodes.set(dir, known);
      return true;
    } catch (e) {
      if (e instanceof HgCommandError && e.exitCode === 255) {
        return false;
      }
      throw e;
    }
  }

  private serialised<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(task);
    this.queues.set(key, next);
    next
      .catch(() => undefined)
      .then(() => {
        if (this.queues.get(key) === next) {
          this.queues.delete(key);
        }
      });
    return next;
  }
}
