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

import { MercurialIntegrations } from '@backstage-mercurial/integration';
import { createTempDir } from '@backstage-mercurial/test-utils';
import { ConfigReader } from '@backstage/config';
import fs from 'fs-extra';
import path from 'node:path';
import { actionContext } from '../__testUtils__/actionContext';
import { createPublishMercurialAction } from './publish';

jest.setTimeout(60_000);

// catalog:register's repoContentsUrl + catalogInfoPath needs a built-in
// integration for the host; publish:hg gives the URL to register instead.
describe('publish:hg catalogInfoUrl output', () => {
  const config = new ConfigReader({
    integrations: {
      mercurial: [
        { host: 'hg.example.com', baseUrl: 'https://hg.example.com/hg' },
      ],
    },
  });
  const action = createPublishMercurialAction({
    integrations: MercurialIntegrations.fromConfig(config),
    config,
  });

  it.each([
    [undefined, 'catalog-info.yaml'],
    ['/catalog-info.yaml', 'catalog-info.yaml'],
    ['services/api/catalog-info.yaml', 'services/api/catalog-info.yaml'],
    ['./services/api/catalog-info.yaml', 'services/api/catalog-info.yaml'],
  ])(
    'catalogInfoPath %j gives repoContentsUrl + %j',
    async (catalogInfoPath, expected) => {
      const workspace = await createTempDir('publish-catalog-info-');
      await fs.outputFile(path.join(workspace.path, 'README.md'), '# x\n');
      const { ctx, outputs, cleanup } = await actionContext({
        workspacePath: workspace.path,
        input: {
          repoUrl: 'hg.example.com?owner=team&repo=service',
          ...(catalogInfoPath ? { catalogInfoPath } : {}),
        },
        isDryRun: true,
      });
      try {
        await action.handler(ctx);
        const out = outputs();
        expect(out.repoContentsUrl).toMatch(
          /^https:\/\/hg\.example\.com\/hg\/team\/service\/file\/[^/]+\/$/,
        );
        expect(out.catalogInfoUrl).toBe(`${out.repoContentsUrl}${expected}`);
      } finally {
        await cleanup();
        await workspace.remove();
      }
    },
  );
});
