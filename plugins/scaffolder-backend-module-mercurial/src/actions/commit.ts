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
  HgRunner,
  runHgCommand,
} from '@backstage-mercurial/integration-node';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { switchToBranch } from './branch';
import { examples } from './commit.examples';
import { commitAuthor } from './author';
import { MercurialActionOptions } from './options';
import { workingCopy } from './workspace';

/**
 * `hg:commit`: commits the changes of a working directory in the workspace.
 *
 * @public
 */
export function createHgCommitAction(options: MercurialActionOptions) {
  const { config } = options;
  const runner = options.runner ?? new HgRunner();
  return createTemplateAction({
    id: 'hg:commit',
    description:
      'Commits the changes of a Mercurial working directory in the workspace. Nothing to commit is not an error: committed is then false.',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        path: z =>
          z
            .string()
            .default('./')
            .describe('The working directory in the workspace'),
        message: z => z.string().min(1).describe('The commit message'),
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
        branch: z =>
          z
            .string()
            .optional()
            .describe(
              'Commit on this named branch, creating it when it is new (it must be the current branch or a new one); the active bookmark stays where it was',
            ),
        addRemove: z =>
          z
            .boolean()
            .default(true)
            .describe(
              'Add new files and remove missing ones before committing',
            ),
      },
      output: {
        commitHash: z =>
          z
            .string()
            .describe(
              'The 40-hex node of the working directory after the commit',
            ),
        committed: z =>
          z.boolean().describe('false when there was nothing to commit'),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      const dir = await workingCopy(ctx.workspacePath, input.path ?? './');
      const user = commitAuthor(config, input);
      if (ctx.isDryRun) {
        ctx.logger.info(
          `Dry run: would commit the changes in '${input.path ?? './'}'${
            input.branch ? ` on branch '${input.branch}'` : ''
          }`,
        );
        ctx.output(
          'commitHash',
          await runHgCommand(runner, hgCommands.node(), { cwd: dir }),
        );
        ctx.output('committed', true);
        return;
      }
      if (input.branch && (await switchToBranch(runner, dir, input.branch))) {
        ctx.logger.info(`Committing on new branch '${input.branch}'`);
      }
      const committed = await runHgCommand(
        runner,
        hgCommands.commit({
          message: input.message,
          user,
          addRemove: input.addRemove ?? true,
        }),
        { cwd: dir, signal: ctx.signal },
      );
      if (!committed) {
        ctx.logger.info('Nothing to commit');
      }
      ctx.output(
        'commitHash',
        await runHgCommand(runner, hgCommands.node(), { cwd: dir }),
      );
      ctx.output('committed', committed);
    },
  });
}
