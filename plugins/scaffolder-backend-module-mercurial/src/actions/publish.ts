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
  parseMercurialRepoUrl,
} from '@backstage-mercurial/integration';
import { MERCURIAL_AUDIT_EVENTS } from '@backstage-mercurial/integration-node';
import { mercurialRepositoryCreatePermission } from '@backstage-mercurial/plugin-mercurial-common';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import fs from 'fs-extra';
import path from 'node:path';
import {
  auditMeta,
  authorizeInitiator,
  initiatorOnBehalfOf,
  startAudit,
  taskInitiator,
} from './access';
import { commitAuthor } from './author';
import { MercurialActionOptions, resolveActionOptions } from './options';
import { examples } from './publish.examples';
import { commitCopy } from './publishSteps/copy';
import { publishCommit } from './publishSteps/publishCommit';
import { publishOutputs } from './publishSteps/outputs';
import { workspaceDir } from './workspace';

/**
 * `publish:hg`: creates a Mercurial repository (over ssh, or in the
 * integration's `localRoot`; over HTTP it must exist and be empty), commits
 * the workspace to it and pushes. The task's initiator needs
 * `mercurial.repository.create`; with `readAs: caller`, it reads and pushes
 * over HTTP(S) as the initiator. Audited as `mercurial-repository-publish`.
 *
 * @public
 */
export function createPublishMercurialAction(options: MercurialActionOptions) {
  const resolved = resolveActionOptions(options);
  const { integrations, config, runner, auditor } = resolved;
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
        catalogInfoPath: z =>
          z
            .string()
            .default('/catalog-info.yaml')
            .describe(
              'The catalog file in the repository, for the catalogInfoUrl output',
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
        catalogInfoUrl: z =>
          z
            .string()
            .describe(
              "repoContentsUrl + catalogInfoPath: for catalog:register's catalogInfoUrl (its repoContentsUrl input needs a built-in integration)",
            ),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      const { integration, repositoryPath } = parseMercurialRepoUrl(
        input.repoUrl,
        integrations,
      );
      const branch = input.defaultBranch ?? 'default';
      const initiator = await taskInitiator(ctx, resolved.auth);
      // every attempt is audited, a denied one included; a dry run changes
      // nothing, so it is not
      const audit = await startAudit(
        ctx.isDryRun ? undefined : auditor,
        MERCURIAL_AUDIT_EVENTS.repositoryPublish,
        auditMeta({
          onBehalfOf: initiator.userEntityRef,
          taskId: ctx.task?.id,
          host: integration.config.host,
          repository: repositoryPath,
          branch,
          remoteUrl: getMercurialRepositoryUrl(
            integration.config,
            repositoryPath,
          ),
        }),
      );
      let tmpDir: string | undefined;
      try {
        // before anything is made or pushed
        await authorizeInitiator({
          action: 'publish:hg',
          permission: mercurialRepositoryCreatePermission,
          initiator,
          permissions: resolved.permissions,
        });
        const onBehalfOf = ctx.isDryRun
          ? undefined
          : await initiatorOnBehalfOf({
              action: 'publish:hg',
              integration,
              initiator,
              auth: resolved.auth,
              userInfo: resolved.userInfo,
            });
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
        tmpDir = await ctx.createTemporaryDirectory();
        const repoDir = path.join(tmpDir, 'repo');
        const commitHash = await commitCopy({
          sourceDir,
          sourcePath: input.sourcePath ?? '.',
          repoDir,
          branch,
          bookmark: input.bookmark,
          message: input.commitMessage ?? 'Initial commit',
          author,
          runner,
        });
        const outputs = publishOutputs({
          integration,
          repositoryPath,
          branch,
          commitHash,
          catalogInfoPath: input.catalogInfoPath ?? '/catalog-info.yaml',
        });
        if (ctx.isDryRun) {
          ctx.logger.info(
            `Dry run: would publish ${commitHash} on branch '${branch}' to ${outputs.remoteUrl}`,
          );
        } else {
          await publishCommit({
            ...resolved,
            integration,
            repositoryPath,
            repoDir,
            commitHash,
            branch,
            bookmark: input.bookmark,
            logger: ctx.logger,
            signal: ctx.signal,
            onBehalfOf,
            auditor,
          });
        }
        ctx.output('remoteUrl', outputs.remoteUrl);
        ctx.output('repoContentsUrl', outputs.repoContentsUrl);
        ctx.output('commitHash', outputs.commitHash);
        ctx.output('catalogInfoUrl', outputs.catalogInfoUrl);
        await audit.success({ node: commitHash });
      } catch (error) {
        await audit.fail(error);
        throw error;
      } finally {
        if (tmpDir) {
          await fs.remove(tmpDir);
        }
      }
    },
  });
}
