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

import { startTestBackend, mockServices } from '@backstage/backend-test-utils';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { scaffolderModuleMercurial } from './module';

describe('scaffolderModuleMercurial', () => {
  it('registers the five actions', async () => {
    const added: TemplateAction<any, any, any>[] = [];
    const backend = await startTestBackend({
      extensionPoints: [
        [
          scaffolderActionsExtensionPoint,
          {
            addActions: (...actions: TemplateAction<any, any, any>[]) =>
              added.push(...actions),
          },
        ],
      ],
      features: [
        scaffolderModuleMercurial,
        mockServices.rootConfig.factory({
          data: { integrations: { mercurial: [{ host: 'hg.example.com' }] } },
        }),
      ],
    });
    try {
      expect(added.map(a => a.id)).toEqual([
        'publish:hg',
        'hg:clone',
        'hg:commit',
        'hg:push',
        'heptapod:merge-request',
      ]);
    } finally {
      await backend.stop();
    }
  });

  it('fails to start with invalid integrations config, naming the entry', async () => {
    await expect(
      startTestBackend({
        extensionPoints: [
          [scaffolderActionsExtensionPoint, { addActions: () => {} }],
        ],
        features: [
          scaffolderModuleMercurial,
          mockServices.rootConfig.factory({
            data: {
              integrations: {
                mercurial: [
                  { host: 'hg.example.com', baseUrl: 'ftp://hg.example.com' },
                ],
              },
            },
          }),
        ],
      }),
    ).rejects.toThrow(
      /integrations\.mercurial\[0\].*'baseUrl' must use http or https/,
    );
  });
});
