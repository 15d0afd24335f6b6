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
import { mercurialRepositoryPushPermission } from '@backstage-mercurial/plugin-mercurial-common';
import { InputError } from '@backstage/errors';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  auditMeta,
  authorizeInitiator,
  initiatorOnBehalfOf,
  startAudit,
  taskInitiator,
} from './access';
import { examples } from './mergeRequest.examples';
import { MercurialActionOptions, resolveActionOptions } from './options';
import { checkTopicName } from './topic';

/** The ref a merge request comes from, from the action's inputs. */
export function mergeRequestSourceRef(input: {
  sourceBranch?: string;
  topic?: string;
  branch?: string;
}): string {
  if (input.sourceBranch !== undefined && input.topic !== undefined) {
    throw new InputError(
      "Give either 'sourceBranch' or 'topic' (with 'branch'), not both",
    );
  }
  if (input.sourceBranch !== undefined) {
    if (input.sourceBranch.trim() === '') {
      throw new InputError("'sourceBranch' is empty");
    }
    return input.sourceBranch;
  }
  if (input.topic === undefined) {
    throw new InputError(
      "Give the merge request's source: 'sourceBranch' (e.g. topic/default/my-topic or branch/feature) or 'topic' (with 'branch', default 'default')",
    );
  }
  checkTopicName(input.topic);
  const branch = input.branch ?? 'default';
  if (branch.trim() === '' || branch.trim() !== branch) {
    throw new InputError(`Invalid branch name ${JSON.stringify(branch)}`);
  }
  return `topic/${branch}/${input.topic}`;
}

/**
 * `heptapod:merge-request`: opens a merge request on the server of a
 * repository (Heptapod), from a pushed topic or branch.
 *
 * @public
 */
export function createHeptapodMergeRequestAction(
  options: MercurialActionOptions,
) {
  const resolved = resolveActionOptions(options);
  const { integrations, auditor, hgweb } = resolved;
  return createTemplateAction({
    id: 'heptapod:merge-request',
    description:
      "Opens a merge request on a Heptapod server, from a pushed topic (hg:push's topic input) or branch. Fails on servers without merge requests (hgweb, Kallithea).",
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        repoUrl: z =>
          z
            .string()
            .describe(
              "The repository: 'host?repo=team/service' (RepoUrlPicker form; with owner, the path is owner/repo) or its URL",
            ),
        sourceBranch: z =>
          z
            .string()
            .optional()
            .describe(
              "The ref to merge, as Heptapod names it: 'topic/default/my-topic' or 'branch/feature' (or give topic)",
            ),
        topic: z =>
          z
            .string()
            .optional()
            .describe(
              "The topic to merge, instead of sourceBranch: the source is 'topic/<branch>/<topic>'",
            ),
        branch: z =>
          z
            .string()
            .default('default')
            .describe('The named branch of the topic'),
        targetBranch: z =>
          z
            .string()
            .default('branch/default')
            .describe("The ref to merge into (e.g. 'branch/default')"),
        title: z =>
          z.string().min(1).describe('The title of the merge request'),
        description: z =>
          z
            .string()
            .optional()
            .describe('The description of the merge request (Markdown)'),
      },
      output: {
        mergeRequestUrl: z =>
          z
            .string()
            .describe(
              'The web page of the merge request (in a dry run, the repository)',
            ),
        mergeRequestNumber: z =>
          z.number().describe('Its number in the repository (0 in a dry run)'),
      },
    },
    async handler(ctx) {
      const { input } = ctx;
      const { integration, repositoryPath } = parseMercurialRepoUrl(
        input.repoUrl,
        integrations,
      );
      // the inputs are checked before anything is asked
      const sourceRef = mergeRequestSourceRef(input);
      const targetRef = input.targetBranch ?? 'branch/default';
      if (targetRef.trim() === '') {
        throw new InputError("'targetBranch' is empty");
      }
      const initiator = await taskInitiator(ctx, resolved.auth);
      const remoteUrl = getMercurialRepositoryUrl(
        integration.config,
        repositoryPath,
      );
      // every attempt is audited, a denied one included; a dry run changes
      // nothing, so it is not
      const audit = await startAudit(
        ctx.isDryRun ? undefined : auditor,
        MERCURIAL_AUDIT_EVENTS.mergeRequestCreate,
        auditMeta({
          onBehalfOf: initiator.userEntityRef,
          taskId: ctx.task?.id,
          host: integration.config.host,
          repository: repositoryPath,
          sourceRef,
          targetRef,
          remoteUrl,
        }),
      );
      try {
        // opening a merge request writes to the repository, as a push does
        await authorizeInitiator({
          action: 'heptapod:merge-request',
          permission: mercurialRepositoryPushPermission,
          initiator,
          permissions: resolved.permissions,
        });
        if (ctx.isDryRun) {
          ctx.logger.info(
            `Dry run: would open a merge request on ${remoteUrl} from ${sourceRef} into ${targetRef}`,
          );
          ctx.output('mergeRequestUrl', remoteUrl);
          ctx.output('mergeRequestNumber', 0);
          return;
        }
        const onBehalfOf = await initiatorOnBehalfOf({
          action: 'heptapod:merge-request',
          integration,
          initiator,
          auth: resolved.auth,
          userInfo: resolved.userInfo,
        });
        const client = hgweb.forIntegration(integration);
        const mergeRequest = await client.createMergeRequest(
          {
            repositoryPath,
            sourceRef,
            targetRef,
            title: input.title,
            description: input.description,
          },
          { purpose: 'write', onBehalfOf, auditor },
        );
        if (!mergeRequest) {
          throw new InputError(
            `Cannot open a merge request on ${
              integration.config.host
            }: its flavor, ${
              integration.config.flavor ?? 'hgweb'
            }, has no merge requests (Heptapod has)`,
          );
        }
        ctx.logger.info(
          `Opened merge request !${mergeRequest.number} (${sourceRef} into ${targetRef}): ${mergeRequest.url}`,
        );
        ctx.output('mergeRequestUrl', mergeRequest.url);
        ctx.output('mergeRequestNumber', mergeRequest.number);
        await audit.success({
          mergeRequestUrl: mergeRequest.url,
          mergeRequestNumber: String(mergeRequest.number),
        });
      } catch (error) {
        await audit.fail(error);
        throw error;
      }
    },
  });
}
