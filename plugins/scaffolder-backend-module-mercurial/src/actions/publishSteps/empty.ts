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
  NULL_NODE,
  runHgCommand,
} from '@backstage-mercurial/integration-node';
import { LoggerService } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import { isRepositoryNotFound } from '../locations';
import { notCreatableMessage, PublishTarget } from './target';

/**
 * Step 2 of publish:hg: the target must be an empty repository; a missing
 * one is created when the target can. Nothing changes when it has
 * changesets.
 *
 * @returns how to undo the creation, when the repository was created and
 * that can be undone
 */
export async function ensureEmptyRepository(options: {
  target: PublishTarget;
  runner: HgRunner;
  logger: LoggerService;
}): Promise<(() => Promise<void>) | undefined> {
  const { target, runner, logger } = options;
  const { remoteUrl } = target;
  let existing: string | undefined;
  try {
    existing = await runHgCommand(
      runner,
      hgCommands.identify({ source: target.location, revision: 'tip' }),
      await target.runOptions('read'),
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
  if (existing) {
    return undefined;
  }
  if (!target.create) {
    throw new InputError(notCreatableMessage(target));
  }
  logger.info(`Creating repository ${remoteUrl}`);
  return target.create();
}
