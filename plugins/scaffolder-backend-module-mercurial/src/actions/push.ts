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
  MERCURIAL_AUDIT_EVENTS,
  redactUrl,
  runHgCommand,
} from '@backstage-mercurial/integration-node';
import { mercurialRepositoryPushPermission } from '@backstage-mercurial/plugin-mercurial-common';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { checkOutgoing, switchToBranch } from './branch';
import { examples } from './push.examples';
import { commitAuthor } from './author';
import {
  auditMeta,
  authorizeInitiator,
  initiatorOnBehalfOf,
  startAudit,
  taskInitiator,
} from './access';
import {
  isAccessRefused,
  locationIntegration,
  locationOptions,
  pushRefusedError,
} from './locations';
import { MercurialActionOptions, resolveActionOptions } from './options';
import { workingCopy } from './workspace';
import { checkTopicName, setTopic, TOPIC_CONFIG, topicError } from './topic';

/**
 * `hg:push`: pushes the commits of a working directory in the workspace.
 *
 * @public
 */
export function createHgPushAction(options: MercurialActionOptions) {
  const resolved = resolveActionOptions(options);
  const { integrations, config, runner, credentials, auditor } = resolved;
  return createTemplateAction({
    id: 'hg:push',
    description:
      'Pushes the commit of a Mercurial working directory in the workspace and its ancestors (hg push -r .), never other local heads. A push that would create a new head on an existing branch is refused; with branch or bookmark, so is a push that would change another branch or bookmark on the server.',
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
              "Push to this named branch: pending changes are committed on it first (creating the branch when it is new), and the push is refused, with nothing pushed, when any changeset it would send is on another branch (commit with hg:commit's 'branch' input)",
            ),
        bookmark: z =>
          z
            .string()
            .optional()
            .describe(
              'A bookmark to set on the pushed commit and push; the push is refused when it would move any other bookmark',
            ),
        topic: z =>
          z
            .string()
            .optional()
            .describe(
              "An hg-evolve topic to set on the draft changesets pushed (. and its draft ancestors) before pushing them, as Heptapod's merge requests want; needs the topic extension of hg-evolve (Debian's mercurial-evolve) on the backend, and a non-publishing server to keep them draft",
            ),
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
      const remoteUrl = redactUrl(destination);
      const { integration, repositoryPath } = locationIntegration(
        destination,
        integrations,
      );
      const initiator = await taskInitiator(ctx, resolved.auth);
      // every attempt is audited, a denied one included; a dry run changes
      // nothing, so it is not
      const audit = await startAudit(
        ctx.isDryRun ? undefined : auditor,
        MERCURIAL_AUDIT_EVENTS.repositoryPush,
        auditMeta({
          onBehalfOf: initiator.userEntityRef,
          taskId: ctx.task?.id,
          host: integration.config.host,
          repository: repositoryPath,
          branch: input.branch,
          topic: input.topic,
          remoteUrl,
        }),
      );
      try {
        // before anything else (hg path above only read the working copy)
        await authorizeInitiator({
          action: 'hg:push',
          permission: mercurialRepositoryPushPermission,
          initiator,
          permissions: resolved.permissions,
        });
        const onBehalfOf = await initiatorOnBehalfOf({
          action: 'hg:push',
          integration,
          initiator,
          auth: resolved.auth,
          userInfo: resolved.userInfo,
        });
        const { runOptions } = locationOptions(
          destination,
          integrations,
          credentials,
          { onBehalfOf, auditor },
        );
        // the names are checked before anything runs
        const setBookmark = input.bookmark
          ? hgCommands.bookmark({ name: input.bookmark })
          : undefined;
        if (input.branch) {
          hgCommands.branch({ name: input.branch });
        }
        if (input.topic !== undefined) {
          checkTopicName(input.topic);
        }
        // the topic extension is enabled only for a push with a topic
        const topicConfig = input.topic !== undefined ? TOPIC_CONFIG : {};

        if (ctx.isDryRun) {
          const node = await runHgCommand(runner, hgCommands.node(), {
            cwd: dir,
          });
          ctx.logger.info(
            `Dry run: would push ${node}${
              input.branch ? ` on branch '${input.branch}'` : ''
            }${
              input.topic !== undefined ? ` with topic '${input.topic}'` : ''
            } to ${remoteUrl}`,
          );
          ctx.output('remoteUrl', remoteUrl);
          ctx.output('commitHash', node);
          return;
        }

        if (input.branch || input.bookmark) {
          // Only . and its ancestors are pushed; with a branch or a bookmark,
          // they must not change anything else on the server.
          const outgoing = await runHgCommand(
            runner,
            hgCommands.outgoing({ destination, revision: '.' }),
            { ...(await runOptions('read')), cwd: dir, signal: ctx.signal },
          );
          checkOutgoing({
            outgoing,
            branch: input.branch,
            bookmark: input.bookmark,
            remoteUrl,
          });
        }
        if (input.branch && (await switchToBranch(runner, dir, input.branch))) {
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
        if (input.topic !== undefined) {
          // Only the changesets the server does not have get the topic; it
          // rewrites them, so before the bookmark is set.
          const outgoing = await runHgCommand(
            runner,
            hgCommands.outgoing({ destination, revision: '.' }),
            { ...(await runOptions('read')), cwd: dir, signal: ctx.signal },
          );
          await setTopic(runner, {
            dir,
            name: input.topic,
            nodes: outgoing.map(c => c.node),
            signal: ctx.signal,
          });
        }
        if (setBookmark) {
          await runHgCommand(runner, setBookmark, {
            cwd: dir,
            config: topicConfig,
          });
        }
        const commitHash = await runHgCommand(runner, hgCommands.node(), {
          cwd: dir,
        });
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
            {
              ...(await runOptions('write')),
              cwd: dir,
              signal: ctx.signal,
              config: topicConfig,
            },
          );
          if (!pushed) {
            ctx.logger.info(
              'Nothing to push: the destination has every commit',
            );
          }
        } catch (e) {
          if (input.topic !== undefined && topicError(e) !== e) {
            throw topicError(e);
          }
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
          if (isAccessRefused(e)) {
            throw pushRefusedError({
              remoteUrl,
              integration,
              onBehalfOf: onBehalfOf?.userEntityRef,
              cause: e,
            });
          }
          throw e;
        }
        const branch = await runHgCommand(runner, hgCommands.currentBranch(), {
          cwd: dir,
        });
        ctx.output('remoteUrl', remoteUrl);
        ctx.output('commitHash', commitHash);
        await audit.success(
          auditMeta({ node: commitHash, branch, topic: input.topic }),
        );
      } catch (error) {
        await audit.fail(error);
        throw error;
      }
    },
  });
}
