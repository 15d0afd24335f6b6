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

import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { mockServices } from '@backstage/backend-test-utils';
import { ActionContext } from '@backstage/plugin-scaffolder-node';
import { JsonObject } from '@backstage/types';
import fs from 'fs-extra';
import os from 'node:os';
import path from 'node:path';

/**
 * A mock action context for tests: a real workspace, real temporary
 * directories outside it (as the scaffolder makes them), a logger whose calls
 * can be inspected, and `isDryRun`.
 */
export async function actionContext<TInput extends JsonObject>(options: {
  input: TInput;
  workspacePath: string;
  isDryRun?: boolean;
}) {
  const logger = mockServices.logger.mock();
  const temporary: string[] = [];
  const ctx = {
    ...createMockActionContext<TInput>({
      input: options.input,
      workspacePath: options.workspacePath,
      logger,
    }),
    isDryRun: options.isDryRun,
    createTemporaryDirectory: async () => {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hg-action-test-'));
      temporary.push(dir);
      return dir;
    },
  } as ActionContext<any, any>;
  const outputs = () =>
    Object.fromEntries(
      (ctx.output as jest.Mock).mock.calls.map(([k, v]) => [k, v]),
    );
  /** Everything the action logged, as one string. */
  const logged = () =>
    Object.values(logger)
      .filter(fn => jest.isMockFunction(fn))
      .flatMap(fn => (fn as jest.Mock).mock.calls)
      .map(args => JSON.stringify(args))
      .join('\n');
  const cleanup = async () => {
    for (const dir of temporary) {
      await fs.remove(dir);
    }
  };
  /** The temporary directories the action was given. */
  const temporaryDirectories = () => [...temporary];
  return { ctx, outputs, logged, cleanup, temporaryDirectories };
}
