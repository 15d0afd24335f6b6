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
  getMercurialBrowseUrl,
  getMercurialRepositoryUrl,
} from '@backstage-mercurial/integration';
import {
  getHgAuth,
  hgCommands,
  HgRunner,
  HgRunOptions,
  runHgCommand,
} from '@backstage-mercurial/integration-node';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import fs from 'fs-extra';
import path from 'node:path';
import { examples } from './publish.examples';
import { workspaceDir } from './workspace';
import { commitAuthor } from './author';
import {
  isRepositoryNotFound,
  localRepositoryDir,
  sshRepositoryUrl,
} from './locations';
import { MercurialActionOptions } from './options';
import { parseRepoUrl } from './repoUrl';
import { waitForHttpNode } from './waitForHttpNode';

const NULL_NODE = '0'.repeat(40);

/**
 * `publish:hg`: creates a Mercurial repository (over ssh, or in the
 * integration's `localRoot`; over HTTP it must exist and be empty), commits
 * the workspace to it and pushes.
 *
 * @public
 */
export function createPublishMercurialAction(options: MercurialActionOptions) {
  const { integrations, config } = options;
  const runner = options.runner ?? new HgRunner();
  return createTemplateAction({
    id: 'publish:hg',
    description:
      'Creates a Mercurial repository, commits the workspace (or sourcePath) to it and pushes. The repository is created over ssh or in localRoot when the integration has them; otherwise it must already exist, empty, on the server.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        repoUrl: z =>
          z
            .string()
            .describe(
              "The repository: 'host?repo=team/service' (RepoUrlPicker form; with owner, the path is owner/repo) or its hgweb URL",
            ),
        sourcePath: z =>
          z
            .string()
            .optional()
            .describe(
              'The directory of the workspace to publish (default: all of it)',
            ),
        defaultBranch: z =>
          z
            .string()
            .default('default')
            .describe(
              "The branch to commit on; another name than 'default' makes a named branch",
            ),
        bookmark: z =>
          z
            .string()
            .optional()
            .describe('A bookmark to set on the commit and push'),
        commitMessage: z =>
          z.string().default('Initial commit').describe('The commit message'),
        authorName: z =>
          z
            .string()
            .optional()
            .describe(
              'The author name (default scaffolder.defaultAuthor.name)',
            ),
        authorEmail: z =>
          z
            .string()
            .optional()
            .describe(
              'The author email (default scaffolder.defaultAuthor.email)',
            ),
      },
      output: {
        remoteUrl: z =>
          z
            .string()
            .describe('{baseUrl}/{repo}: the repository, without credentials'),
        repoContentsUrl: z =>
          z
            .string()
            .describe(
              '{baseUrl}/{repo}/file/{branch}/: the published files at the head of the branch (defaultBranch), so that what is registered from it sees later commits',
            ),
        commitHash: z => z.string().describe('The 40-hex node of the commit'),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      const { integration, repositoryPath } = parseRepoUrl(
        input.repoUrl,
        integrations,
      );
      const branch = input.defaultBranch ?? 'default';
      const author = commitAuthor(config, input);
      const sourceDir = workspaceDir(
        ctx.workspacePath,
        input.sourcePath ?? './',
      );
      if (!(await fs.pathExists(sourceDir))) {
        throw new InputError(
          `sourcePath '${input.sourcePath}' does not exist in the workspace`,
        );
      }

      // Commit in a directory of our own (the workspace stays as it was),
      // removed when the action ends, also when it fails: the scaffolder
      // removes it only after a step that succeeds.
      const tmpDir = await ctx.createTemporaryDirectory();
      try {
        const repoDir = path.join(tmpDir, 'repo');
        await fs.copy(sourceDir, repoDir, {
          filter: src => path.basename(src) !== '.hg',
        });
        await runHgCommand(runner, hgCommands.init({ dest: repoDir }));
        if (branch !== 'default') {
          await runHgCommand(runner, hgCommands.branch({ name: branch }), {
            cwd: repoDir,
          });
        }
        const committed = await runHgCommand(
          runner,
          hgCommands.commit({
            message: input.commitMessage ?? 'Initial commit',
            user: author,
            addRemove: true,
          }),
          { cwd: repoDir },
        );
        if (!committed) {
          throw new InputError(
            `There is nothing to publish: '${input.sourcePath ?? '.'}' holds no files`,
          );
        }
        if (input.bookmark) {
          await runHgCommand(
            runner,
            hgCommands.bookmark({ name: input.bookmark }),
            {
              cwd: repoDir,
            },
          );
        }
        const commitHash = await runHgCommand(runner, hgCommands.node(), {
          cwd: repoDir,
        });

        const remoteUrl = getMercurialRepositoryUrl(
          integration.config,
          repositoryPath,
        );
        const outputs = () => {
          ctx.output('remoteUrl', remoteUrl);
          ctx.output(
            'repoContentsUrl',
            getMercurialBrowseUrl(integration.config, {
              repositoryPath,
              // the branch, not the node: what is registered from it follows
              // later commits, as discovery (which reads the branch) sees it
              revision: branch,
              directory: true,
            }),
          );
          ctx.output('commitHash', commitHash);
        };
        if (ctx.isDryRun) {
          ctx.logger.info(
            `Dry run: would publish ${commitHash} on branch '${branch}' to ${remoteUrl}`,
          );
          outputs();
          return;
        }

        // Where to push, and whether the repository must be made first.
        const sshUrl = sshRepositoryUrl(integration, repositoryPath);
        const localDir = localRepositoryDir(integration, repositoryPath);
        let target: string;
        let runOptions: HgRunOptions;
        let create: (() => Promise<void>) | undefined;
        let undoCreate: (() => Promise<void>) | undefined;
        if (sshUrl) {
          const { privateKey, knownHosts } = integration.config.ssh!;
          target = sshUrl;
          runOptions = { ssh: { privateKey, knownHosts }, signal: ctx.signal };
          create = async () => {
            await runHgCommand(
              runner,
              hgCommands.init({ dest: sshUrl }),
              runOptions,
            );
          };
        } else if (localDir) {
          target = localDir;
          runOptions = { signal: ctx.signal };
          create = async () => {
            if (
              (await fs.pathExists(localDir)) &&
              (await fs.readdir(localDir)).length > 0
            ) {
              throw new InputError(
                `Cannot create ${remoteUrl}: '${repositoryPath}' exists in localRoot and is not an empty directory`,
              );
            }
            await fs.ensureDir(path.dirname(localDir));
            await runHgCommand(runner, hgCommands.init({ dest: localDir }));
            undoCreate = () => fs.remove(localDir);
          };
        } else {
          target = remoteUrl;
          const auth = getHgAuth(integration.config);
          runOptions = { auth: auth ? [auth] : undefined, signal: ctx.signal };
        }

        let existing: string | undefined;
        try {
          existing = await runHgCommand(
            runner,
            hgCommands.identify({ source: target, revision: 'tip' }),
            runOptions,
          );
        } catch (e) {
          if (!isRepositoryNotFound(e)) {
            throw e;
          }
        }
        if (existing && existing !== NULL_NODE) {
          throw new InputError(
            `Cannot publish to ${remoteUrl}: the repository already has changesets (tip ${existing}); publish:hg only pushes to new or empty repositories`,
          );
        }
        if (!existing) {
          if (!create) {
            throw new InputError(
              `Cannot publish to ${remoteUrl}: the repository does not exist, and it cannot be created over HTTP; create it on the server first, or give the integration for ${integration.config.host} an 'ssh' or 'localRoot'`,
            );
          }
          ctx.logger.info(`Creating repository ${remoteUrl}`);
          await create();
        }

        try {
          ctx.logger.info(
            `Pushing ${commitHash} (branch '${branch}'${
              input.bookmark ? `, bookmark '${input.bookmark}'` : ''
            }) to ${remoteUrl}`,
          );
          await runHgCommand(
            runner,
            hgCommands.push({
              destination: target,
              revision: '.',
              bookmark: input.bookmark,
              newBranch: true,
            }),
            { ...runOptions, cwd: repoDir },
          );
        } catch (e) {
          await undoCreate?.();
          throw e;
        }

        await waitForHttpNode({
          integration,
          repositoryPath,
          node: commitHash,
          timeoutMs: options.publishWaitMs ?? 60_000,
          logger: ctx.logger,
          signal: ctx.signal,
        });
        outputs();
      } finally {
        await fs.remove(tmpDir);
      }
    },
  });
}
