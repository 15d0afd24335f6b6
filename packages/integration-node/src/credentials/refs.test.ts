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
  coreServices,
  createBackendPlugin,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DefaultMercurialCredentialsService } from './DefaultMercurialCredentialsService';
import { mercurialCredentialsServiceRef } from './refs';
import { MercurialCredentialsService } from './types';
import { createTempDir } from './__testUtils__/helpers';

/** A plugin that asks the credentials service once, at startup. */
function probe(
  url: string,
  seen: { service?: MercurialCredentialsService; credentials?: unknown },
) {
  return createBackendPlugin({
    pluginId: 'probe',
    register(env) {
      env.registerInit({
        deps: {
          credentials: mercurialCredentialsServiceRef,
          logger: coreServices.logger,
        },
        async init({ credentials }) {
          seen.service = credentials;
          seen.credentials = await credentials.getCredentials({ url });
        },
      });
    },
  });
}

describe('mercurialCredentialsServiceRef', () => {
  it('defaults to DefaultMercurialCredentialsService over integrations.mercurial', async () => {
    const tmp = await createTempDir('hg-creds-ref-');
    const file = path.join(tmp.path, 'token');
    await fs.writeFile(file, 'tok-from-file');
    const seen: {
      service?: MercurialCredentialsService;
      credentials?: unknown;
    } = {};
    const backend = await startTestBackend({
      features: [
        probe('https://hg.example.com/team/app', seen),
        mockServices.rootConfig.factory({
          data: {
            integrations: {
              mercurial: [
                { host: 'hg.example.com', username: 'svc', tokenFile: file },
              ],
            },
          },
        }),
      ],
    });
    try {
      expect(seen.service).toBeInstanceOf(DefaultMercurialCredentialsService);
      expect(seen.credentials).toEqual({
        type: 'bearer',
        token: 'tok-from-file',
        username: 'svc',
      });
    } finally {
      await backend.stop();
      await tmp.remove();
    }
  });

  it('is replaced, for every plugin, by an adopter factory', async () => {
    const seen: {
      service?: MercurialCredentialsService;
      credentials?: unknown;
    } = {};
    const backend = await startTestBackend({
      features: [
        probe('https://hg.example.com/team/app', seen),
        createServiceFactory({
          service: mercurialCredentialsServiceRef,
          deps: { config: coreServices.rootConfig },
          factory: () => ({
            getCredentials: async ({ url, purpose }) =>
              url.startsWith('https://hg.example.com/')
                ? { type: 'bearer', token: `vault-${purpose ?? 'read'}` }
                : undefined,
          }),
        }),
      ],
    });
    try {
      expect(seen.service).not.toBeInstanceOf(
        DefaultMercurialCredentialsService,
      );
      expect(seen.credentials).toEqual({ type: 'bearer', token: 'vault-read' });
    } finally {
      await backend.stop();
    }
  });
});
