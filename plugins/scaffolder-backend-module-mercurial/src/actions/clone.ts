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
  hgCommands,
  HgRunOptions,
  runHgCommand,
} from '@backstage-mercurial/integration-node';
import {
  getMercurialRepositoryUrl,
  parseMercurialRepoUrl,
} from '@backstage-mercurial/integration';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import fs from 'fs-extra';
import path from 'node:path';
import { examples } from './clone.examples';
import { initiatorOnBehalfOf, taskInitiator } from './access';
import { hgAuthFor, sshRepositoryUrl } from './locations';
import { MercurialActionOptions, resolveActionOptions } from './options';
import { workspaceDir } from './workspace';

/**
 * `hg:clone`: clones a Mercurial repository into the workspace.
 *
 * @public
 */
export function createHgCloneAction(options: MercurialActionOptions) {
  const resolved = resolveActionOptions(options);
  const { integrations, runner, credentials, auditor } = resolved;
  return createTemplateAction({
    id: 'hg:clone',
    description:
      'Clones a Mercurial repository into the workspace (over ssh when the integration has it, else over HTTP(S); with readAs: caller always over HTTP(S), as the task initiator)',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        repoUrl: z =>
          z
            .string()
            .describe(
              "The repository: 'host?repo=team/service' (RepoUrlPicker form), any hgweb URL of it, or the host alone for a single-repository server",
            ),
        revision: z =>
          z
            .string()
            .optional()
            .describe(
              'The revision to update to (branch, tag, bookmark or node; default: the head of the default branch)',
            ),
        targetPath: z =>
          z
            .string()
            .default('./')
            .describe(
              'Where in the workspace to clone to; must be empty or missing',
            ),
      },
      output: {
        commitHash: z =>
          z.string().describe('The 40-hex node of the working directory'),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      const { integration, repositoryPath } = parseMercurialRepoUrl(
        input.repoUrl,
        integrations,
      );
      const target = workspaceDir(ctx.workspacePath, input.targetPath ?? './');
      if (
        (await fs.pathExists(target)) &&
        (await fs.readdir(target)).length > 0
      ) {
        throw new InputError(
          `Cannot clone into '${input.targetPath ?? './'}': it is not empty`,
        );
      }
      // readAs: caller: over HTTP(S) as the initiator (ssh would read as
      // the backend)
      const onBehalfOf = await initiatorOnBehalfOf({
        action: 'hg:clone',
        integration,
        initiator: await taskInitiator(ctx, resolved.auth),
        auth: resolved.auth,
        userInfo: resolved.userInfo,
      });
      const sshUrl = onBehalfOf
        ? undefined
        : sshRepositoryUrl(integration, repositoryPath);
      let source: string;
      let runOptions: HgRunOptions;
      if (sshUrl) {
        const { privateKey, knownHosts } = integration.config.ssh!;
        source = sshUrl;
        runOptions = { ssh: { privateKey, knownHosts } };
      } else {
        source = getMercurialRepositoryUrl(integration.config, repositoryPath);
        runOptions = {
          auth: await hgAuthFor({
            credentials,
            integration,
            url: source,
            purpose: 'read',
            onBehalfOf,
            auditor,
          }),
        };
      }
      runOptions.signal = ctx.signal;

      // Clone next to the target, then move it in: a failed clone leaves
      // nothing behind in the workspace.
      const tmp = path.join(await ctx.createTemporaryDirectory(), 'clone');
      ctx.logger.info(
        `Cloning ${getMercurialRepositoryUrl(integration.config, repositoryPath)}${
          input.revision ? ` at '${input.revision}'` : ''
        }`,
      );
      await runHgCommand(
        runner,
        hgCommands.clone({
          source,
          dest: tmp,
          updateRevision: input.revision,
        }),
        runOptions,
      );
      const commitHash = await runHgCommand(runner, hgCommands.node(), {
        cwd: tmp,
      });
      await fs.ensureDir(target);
      for (const entry of await fs.readdir(tmp)) {
        await fs.move(path.join(tmp, entry), path.join(target, entry));
      }
      ctx.output('commitHash', commitHash);
    },
  });
}
