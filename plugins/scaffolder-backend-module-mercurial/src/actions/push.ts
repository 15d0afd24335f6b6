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
  HgCommandError,
  hgCommands,
  HgRunner,
  runHgCommand,
} from '@backstage-mercurial/integration-node';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { examples } from './push.examples';
import {
  commitAuthor,
  locationOptions,
  MercurialActionOptions,
  redactUrl,
} from './util';
import { workingCopy } from './workspace';

/**
 * `hg:push`: pushes the commits of a working directory in the workspace.
 *
 * @public
 */
export function createHgPushAction(options: MercurialActionOptions) {
  const { integrations, config } = options;
  const runner = options.runner ?? new HgRunner();
  return createTemplateAction({
    id: 'hg:push',
    description:
      'Pushes the commits of a Mercurial working directory in the workspace. A push that would create a new head on an existing branch is refused.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        path: z =>
          z
            .string()
            .default('./')
            .describe('The working directory in the workspace'),
        destination: z =>
          z
            .string()
            .optional()
            .describe(
              'Where to push: a repository URL of a configured integration (default: where it was cloned from)',
            ),
        branch: z =>
          z
            .string()
            .optional()
            .describe(
              'Commit on this named branch before pushing, creating the branch when it is new',
            ),
        bookmark: z =>
          z
            .string()
            .optional()
            .describe('A bookmark to set on the pushed commit and push'),
      },
      output: {
        remoteUrl: z =>
          z.string().describe('Where it was pushed, without credentials'),
        commitHash: z => z.string().describe('The 40-hex node that was pushed'),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      const dir = await workingCopy(ctx.workspacePath, input.path ?? './');
      const destination =
        input.destination ??
        (await runHgCommand(runner, hgCommands.path(), { cwd: dir }));
      if (!destination) {
        throw new InputError(
          `'${input.path ?? './'}' has no default push location; give a destination`,
        );
      }
      const { runOptions } = locationOptions(destination, integrations);
      const remoteUrl = redactUrl(destination);

      if (input.branch) {
        const current = await runHgCommand(runner, hgCommands.currentBranch(), {
          cwd: dir,
        });
        if (current !== input.branch) {
          await runHgCommand(
            runner,
            hgCommands.branch({ name: input.branch }),
            {
              cwd: dir,
            },
          );
          if (!ctx.isDryRun) {
            // A branch starts with a commit; pending changes go into it.
            await runHgCommand(
              runner,
              hgCommands.commit({
                message: `Create branch ${input.branch}`,
                user: commitAuthor(config, {}),
                addRemove: true,
              }),
              { cwd: dir },
            );
          }
        }
      }
      if (input.bookmark) {
        await runHgCommand(
          runner,
          hgCommands.bookmark({ name: input.bookmark }),
          {
            cwd: dir,
          },
        );
      }
      const commitHash = await runHgCommand(runner, hgCommands.node(), {
        cwd: dir,
      });
      if (ctx.isDryRun) {
        ctx.logger.info(`Dry run: would push ${commitHash} to ${remoteUrl}`);
        ctx.output('remoteUrl', remoteUrl);
        ctx.output('commitHash', commitHash);
        return;
      }

      ctx.logger.info(`Pushing ${commitHash} to ${remoteUrl}`);
      try {
        const pushed = await runHgCommand(
          runner,
          hgCommands.push({
            destination,
            revision: '.',
            bookmark: input.bookmark,
            newBranch: Boolean(input.branch),
          }),
          { ...runOptions, cwd: dir, signal: ctx.signal },
        );
        if (!pushed) {
          ctx.logger.info('Nothing to push: the destination has every commit');
        }
      } catch (e) {
        if (
          e instanceof HgCommandError &&
          /creates? new remote head|new remote heads?/i.test(e.stderr)
        ) {
          throw new InputError(
            `Refusing to push to ${remoteUrl}: it would create a new head on an existing branch (someone pushed in the meantime); pull and merge first`,
            e,
          );
        }
        if (
          e instanceof HgCommandError &&
          /creates? new branch/i.test(e.stderr)
        ) {
          throw new InputError(
            `Refusing to push to ${remoteUrl}: it would create a new named branch; set the 'branch' input to create it`,
            e,
          );
        }
        throw e;
      }
      ctx.output('remoteUrl', remoteUrl);
      ctx.output('commitHash', commitHash);
    },
  });
}
