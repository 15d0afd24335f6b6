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

/*
 * The credentials of publish:hg come from the backend's credentials service,
 * not from app-config: a real scaffolder runs a template (catalog:write, then
 * publish:hg) against hg serve behind a front that accepts only the token the
 * test's own service factory hands out; app-config holds no credentials.
 */

import {
  MercurialCredentialsRequest,
  mercurialCredentialsServiceRef,
} from '@backstage-mercurial/integration-node';
import type {
  BasicAuthProxy,
  HgTestServer,
} from '@backstage-mercurial/test-utils';
import {
  createTempDir,
  runHg,
  startBasicAuthProxy,
  startHgServer,
} from '@backstage-mercurial/test-utils';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import fs from 'fs-extra';
import path from 'node:path';
import { startScaffolderBackend } from './__testUtils__/scaffolderBackend';

jest.setTimeout(120_000);

const TOKEN = 'svc-Token-7f3a9c2e51';

const TEMPLATE = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: hg-credentials
spec:
  owner: team-platform
  type: service
  parameters:
    - properties:
        repoUrl: { type: string }
  steps:
    - id: write
      action: catalog:write
      input:
        entity:
          apiVersion: backstage.io/v1alpha1
          kind: Component
          metadata: { name: from-service }
          spec: { type: service, owner: team, lifecycle: experimental }
    - id: publish
      action: publish:hg
      input:
        repoUrl: \${{ parameters.repoUrl }}
  output:
    commitHash: \${{ steps.publish.output.commitHash }}
`;

describe('scaffolderModuleMercurial with a credentials service of its own', () => {
  let server: HgTestServer;
  let proxy: BasicAuthProxy;
  let backend: Awaited<ReturnType<typeof startScaffolderBackend>>;
  let work: { path: string; remove(): Promise<void> };
  const asked: MercurialCredentialsRequest[] = [];

  beforeAll(async () => {
    server = await startHgServer({
      allowPush: true,
      repositories: { 'team/empty': {} },
    });
    // hg sends the token as the Basic password of 'token'; the backend's
    // own requests send it as Bearer
    proxy = await startBasicAuthProxy({
      target: server.baseUrl,
      users: { token: TOKEN },
      tokens: [TOKEN],
    });
    work = await createTempDir('credentials-e2e-');
    const templateFile = path.join(work.path, 'template.yaml');
    await fs.writeFile(templateFile, TEMPLATE);
    await fs.ensureDir(path.join(work.path, 'tasks'));
    backend = await startScaffolderBackend({
      features: [
        createServiceFactory({
          service: mercurialCredentialsServiceRef,
          deps: {},
          factory: () => ({
            getCredentials: async request => {
              asked.push(request);
              return request.url.startsWith(`${proxy.baseUrl}/`)
                ? { type: 'bearer' as const, token: TOKEN }
                : undefined;
            },
          }),
        }),
      ],
      workingDirectory: path.join(work.path, 'tasks'),
      // no username, password or token: only the service has them
      integrations: [{ host: proxy.host, baseUrl: proxy.baseUrl }],
      allow: ['Template'],
      locations: [{ type: 'file', target: templateFile }],
    });
  });

  afterAll(async () => {
    await backend?.backend.stop();
    await proxy?.stop();
    await server?.stop();
    await work?.remove();
  });

  it("pushes with the service's token, asked for 'write', and shows the token nowhere", async () => {
    const task = await backend.runTask('template:default/hg-credentials', {
      repoUrl: `${proxy.host}?repo=team/empty`,
    });
    const log = JSON.stringify(task.events);
    expect({ status: task.status, log }).toMatchObject({ status: 'completed' });

    // pushed, through the front, with the service's token
    const tip = await runHg(['log', '-r', 'tip', '-T', '{node}'], {
      cwd: server.repoDir('team/empty'),
    });
    expect(task.output?.commitHash).toBe(tip);
    const pushes = proxy.requests.filter(r => /[?&]cmd=unbundle\b/.test(r.url));
    expect(pushes.map(r => [r.user, r.status])).toEqual([['token', 200]]);

    // asked for 'write' for the push of that repository, 'read' for the rest
    const repoUrl = `${proxy.baseUrl}/team/empty`;
    expect(asked).toContainEqual(
      expect.objectContaining({ url: repoUrl, purpose: 'write' }),
    );
    expect(asked.filter(r => r.purpose === 'write')).toEqual([
      expect.objectContaining({ url: repoUrl }),
    ]);
    expect(asked.every(r => r.url.startsWith(repoUrl))).toBe(true);

    // the token is in no task log line, output or task record
    expect(log).not.toContain(TOKEN);
    expect(JSON.stringify(task)).not.toContain(TOKEN);
  });
});
