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
 * The caller's rights, end to end through the real scaffolder: an hgweb
 * under WSGI that enforces its own allow-push rules, an integration with
 * `readAs: caller` whose credential command mints per-user passwords, the
 * real permission backend with a policy of the test's own, and Backstage's
 * own auditor recording the events.
 */

import {
  createTempDir,
  hgwebCredentialCommandPath,
  HgwebWsgiServer,
  mockAuthWithActorsFactory,
  recordingAuditor,
  runHg,
  startHgwebWsgi,
  writeHgwebMintSecret,
} from '@backstage-mercurial/test-utils';
import {
  mercurialRepositoryCreatePermission,
  mercurialRepositoryPushPermission,
} from '@backstage-mercurial/plugin-mercurial-common';
import { createBackendModule } from '@backstage/backend-plugin-api';
import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import { permissionsRegistryServiceFactory } from '@backstage/backend-defaults/permissionsRegistry';
import { mockCredentials } from '@backstage/backend-test-utils';
import {
  AuthorizeResult,
  isPermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import permissionPlugin from '@backstage/plugin-permission-backend';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import fs from 'fs-extra';
import path from 'node:path';
import {
  FinishedTask,
  startScaffolderBackend,
} from './__testUtils__/scaffolderBackend';

jest.setTimeout(180_000);

const SECRET = 'caller-rights-mint-secret-0123456789';
const ALICE = 'user:default/alice';
const BOB = 'user:default/bob';

const PUBLISH_TEMPLATE = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: hg-publish
spec:
  owner: team-platform
  type: service
  parameters:
    - properties:
        repoUrl:
          type: string
  steps:
    - id: fetch
      name: Fetch skeleton
      action: fetch:template
      input:
        url: ./skeleton
    - id: publish
      name: Publish
      action: publish:hg
      input:
        repoUrl: \${{ parameters.repoUrl }}
        defaultBranch: trunk
        commitMessage: First
  output:
    commitHash: \${{ steps.publish.output.commitHash }}
`;

const PUSH_TEMPLATE = `apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: hg-change
spec:
  owner: team-platform
  type: service
  parameters:
    - properties:
        repoUrl:
          type: string
        name:
          type: string
  steps:
    - id: clone
      name: Clone
      action: hg:clone
      input:
        repoUrl: \${{ parameters.repoUrl }}
        targetPath: ./repo
    - id: change
      name: Change
      action: fetch:template
      input:
        url: ./change
        targetPath: ./repo
        values:
          name: \${{ parameters.name }}
    - id: commit
      name: Commit
      action: hg:commit
      input:
        path: ./repo
        message: Change by \${{ parameters.name }}
    - id: push
      name: Push
      action: hg:push
      input:
        path: ./repo
  output:
    commitHash: \${{ steps.push.output.commitHash }}
`;

/** Denies creating and pushing Mercurial repositories to bob. */
class NotBobPolicy implements PermissionPolicy {
  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const userEntityRef = (
      user?.credentials.principal as { userEntityRef?: string } | undefined
    )?.userEntityRef;
    if (
      userEntityRef === BOB &&
      (isPermission(request.permission, mercurialRepositoryCreatePermission) ||
        isPermission(request.permission, mercurialRepositoryPushPermission))
    ) {
      return { result: AuthorizeResult.DENY };
    }
    return { result: AuthorizeResult.ALLOW };
  }
}

const notBobPolicyModule = createBackendModule({
  pluginId: 'permission',
  moduleId: 'not-bob-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint },
      async init({ policy }) {
        policy.setPolicy(new NotBobPolicy());
      },
    });
  },
});

/** A minted password (`v1.<expiry>.<hmac>`) or its HMAC part. */
const MINTED = /v1\.\d+\.[0-9a-f]{64}|[0-9a-f]{64}/;

function expectNoSecret(what: string, text: string) {
  if (MINTED.test(text) || text.includes(SECRET)) {
    throw new Error(`${what} holds a minted password or the mint secret`);
  }
}

async function hgLog(dir: string): Promise<string> {
  return runHg(['log', '-T', '{node} {branch}\n'], { cwd: dir });
}

describe("the task initiator's rights in a real scaffolder", () => {
  let server: HgwebWsgiServer;
  let work: { path: string; remove(): Promise<void> };
  let integrations: Array<Record<string, any>>;
  let locations: Array<{ type: string; target: string }>;

  beforeAll(async () => {
    server = await startHgwebWsgi({
      mintSecret: SECRET,
      repositories: {
        // alice may push; bob may only read
        'team/payments': {
          access: { allowRead: ['alice', 'bob'], allowPush: ['alice'] },
        },
        // both may push, as far as the hg server goes
        'team/open': {
          access: { allowRead: ['alice', 'bob'], allowPush: ['alice', 'bob'] },
        },
        'team/shared': {
          commits: [{ files: { 'README.md': '# shared\n' } }],
          access: { allowRead: ['alice', 'bob'], allowPush: ['alice', 'bob'] },
        },
      },
    });
    work = await createTempDir('caller-rights-');
    const secretFile = await writeHgwebMintSecret(work.path, {
      secret: SECRET,
      serviceUser: 'backstage',
    });
    integrations = [
      {
        host: server.host,
        baseUrl: server.baseUrl,
        readAs: 'caller',
        credentialCommand: {
          command: ['node', hgwebCredentialCommandPath, secretFile],
        },
      },
    ];
    const templates = path.join(work.path, 'templates');
    await fs.outputFile(
      path.join(templates, 'publish', 'template.yaml'),
      PUBLISH_TEMPLATE,
    );
    await fs.outputFile(
      path.join(templates, 'publish', 'skeleton', 'README.md'),
      '# payments\n',
    );
    await fs.outputFile(
      path.join(templates, 'change', 'template.yaml'),
      PUSH_TEMPLATE,
    );
    await fs.outputFile(
      path.join(templates, 'change', 'change', '${{ values.name }}.txt'),
      'changed by ${{ values.name }}\n',
    );
    locations = [
      {
        type: 'file',
        target: path.join(templates, 'publish', 'template.yaml'),
      },
      { type: 'file', target: path.join(templates, 'change', 'template.yaml') },
    ];
  });

  afterAll(async () => {
    await server?.stop();
    await work?.remove();
  });

  function expectNoSecretIn(task: FinishedTask, events: unknown[]) {
    expectNoSecret('an audit event', JSON.stringify(events));
    expectNoSecret('the task log', JSON.stringify(task.events));
    expectNoSecret('the task output', JSON.stringify(task.output ?? {}));
  }

  describe('readAs: caller, with the hg server deciding who may push', () => {
    const auditor = recordingAuditor();
    let backend: Awaited<ReturnType<typeof startScaffolderBackend>>;

    beforeAll(async () => {
      await fs.ensureDir(path.join(work.path, 'work-caller'));
      backend = await startScaffolderBackend({
        features: [auditor.factory],
        workingDirectory: path.join(work.path, 'work-caller'),
        integrations,
        allow: ['Template'],
        locations,
      });
    });

    afterAll(async () => {
      await backend?.backend.stop();
    });

    const publishAs = (user: string, repo: string) =>
      backend.runTask(
        'template:default/hg-publish',
        { repoUrl: `${server.host}?repo=${repo}` },
        mockCredentials.user.token(user),
      );

    it("refuses bob's publish:hg where the server does not let him push, and leaves nothing on the server", async () => {
      auditor.events.length = 0;
      server.clearRequests();
      const task = await publishAs(BOB, 'team/payments');

      expect(task.status).toBe('failed');
      expect(task.messages).toContain(
        `${server.baseUrl}/team/payments refused the push for ${BOB}`,
      );
      expect(await hgLog(server.repoDir('team/payments'))).toBe('');
      // he did read as himself (the check that it is empty), and his push
      // was refused as his
      const requests = server.requests();
      expect(requests.some(r => r.user === 'bob')).toBe(true);
      expect(requests.some(r => r.user && r.user !== 'bob')).toBe(false);

      const [publish] = auditor.outcomes('mercurial-repository-publish');
      expect(publish).toMatchObject({
        status: 'failed',
        severityLevel: 'medium',
        meta: {
          onBehalfOf: BOB,
          host: server.host,
          repository: 'team/payments',
          branch: 'trunk',
          remoteUrl: `${server.baseUrl}/team/payments`,
          taskId: task.id,
        },
      });
      expectNoSecretIn(task, auditor.events);
    });

    it("publishes alice's repository as her, and audits it naming her, the node and the branch", async () => {
      auditor.events.length = 0;
      server.clearRequests();
      const task = await publishAs(ALICE, 'team/payments');
      if (task.status !== 'completed') {
        throw new Error(`The task ${task.status}: ${task.messages}`);
      }

      const node = task.output?.commitHash;
      expect(await hgLog(server.repoDir('team/payments'))).toBe(
        `${node} trunk\n`,
      );
      const pushes = server
        .requests()
        .filter(r => r.method === 'POST' && /cmd=unbundle/.test(r.query));
      expect(pushes.map(r => [r.user, r.status])).toEqual([['alice', 200]]);

      const publish = auditor.outcomes('mercurial-repository-publish');
      expect(publish).toEqual([
        expect.objectContaining({
          status: 'succeeded',
          severityLevel: 'medium',
          meta: {
            onBehalfOf: ALICE,
            taskId: task.id,
            host: server.host,
            repository: 'team/payments',
            branch: 'trunk',
            remoteUrl: `${server.baseUrl}/team/payments`,
            node,
          },
        }),
      ]);
      const issued = auditor.outcomes('mercurial-credentials-issued');
      expect(issued.length).toBeGreaterThan(0);
      for (const event of issued) {
        expect(event.meta).toMatchObject({
          onBehalfOf: ALICE,
          host: server.host,
        });
      }
      expect(issued.map(e => e.meta?.purpose)).toEqual(
        expect.arrayContaining(['read', 'write']),
      );
      expectNoSecretIn(task, auditor.events);
    });

    it('fails closed for a task a service started: nothing is read or written as anyone', async () => {
      server.clearRequests();
      const task = await backend.runTask(
        'template:default/hg-publish',
        { repoUrl: `${server.host}?repo=team/open` },
        mockCredentials.service.token(),
      );
      expect(task.status).toBe('failed');
      expect(task.messages).toContain(
        "readAs: caller, which needs the task's initiator to be a signed-in user",
      );
      expect(server.requests()).toEqual([]);
      expect(await hgLog(server.repoDir('team/open'))).toBe('');
    });
  });

  describe('Backstage permissions, with a policy that denies bob', () => {
    const auditor = recordingAuditor();
    let backend: Awaited<ReturnType<typeof startScaffolderBackend>>;

    beforeAll(async () => {
      await fs.ensureDir(path.join(work.path, 'work-permissions'));
      backend = await startScaffolderBackend({
        features: [
          auditor.factory,
          mockAuthWithActorsFactory(),
          permissionsServiceFactory,
          permissionsRegistryServiceFactory,
          permissionPlugin,
          notBobPolicyModule,
        ],
        workingDirectory: path.join(work.path, 'work-permissions'),
        integrations,
        allow: ['Template'],
        locations,
        config: { permission: { enabled: true } },
      });
    });

    afterAll(async () => {
      await backend?.backend.stop();
    });

    it('registers mercurial.repository.create and mercurial.repository.push', async () => {
      const response = await fetch(
        `${backend.base}/scaffolder/.well-known/backstage/permissions/metadata`,
        {
          headers: {
            Authorization: `Bearer ${mockCredentials.service.token()}`,
          },
        },
      );
      expect(response.status).toBe(200);
      const { permissions } = await response.json();
      expect(permissions.map((p: { name: string }) => p.name)).toEqual(
        expect.arrayContaining([
          'mercurial.repository.create',
          'mercurial.repository.push',
        ]),
      );
    });

    it("denies bob's publish:hg before anything is made, naming the permission", async () => {
      auditor.events.length = 0;
      server.clearRequests();
      const task = await backend.runTask(
        'template:default/hg-publish',
        { repoUrl: `${server.host}?repo=team/open` },
        mockCredentials.user.token(BOB),
      );
      expect(task.status).toBe('failed');
      expect(task.messages).toContain(
        `publish:hg: permission mercurial.repository.create was denied for ${BOB}`,
      );
      // not even a read reached the server
      expect(server.requests()).toEqual([]);
      expect(await hgLog(server.repoDir('team/open'))).toBe('');
      expect(auditor.outcomes('mercurial-repository-publish')).toEqual([
        expect.objectContaining({
          status: 'failed',
          meta: expect.objectContaining({
            onBehalfOf: BOB,
            repository: 'team/open',
          }),
        }),
      ]);
      expect(auditor.outcomes('mercurial-credentials-issued')).toEqual([]);
    });

    it("lets alice's publish:hg through the same policy", async () => {
      const task = await backend.runTask(
        'template:default/hg-publish',
        { repoUrl: `${server.host}?repo=team/open` },
        mockCredentials.user.token(ALICE),
      );
      if (task.status !== 'completed') {
        throw new Error(`The task ${task.status}: ${task.messages}`);
      }
      expect(await hgLog(server.repoDir('team/open'))).toBe(
        `${task.output?.commitHash} trunk\n`,
      );
    });

    it("denies bob's hg:push, naming the permission, and pushes nothing", async () => {
      const before = await hgLog(server.repoDir('team/shared'));
      auditor.events.length = 0;
      server.clearRequests();
      const task = await backend.runTask(
        'template:default/hg-change',
        { repoUrl: `${server.host}?repo=team/shared`, name: 'bob' },
        mockCredentials.user.token(BOB),
      );
      expect(task.status).toBe('failed');
      expect(task.messages).toContain(
        `hg:push: permission mercurial.repository.push was denied for ${BOB}`,
      );
      expect(await hgLog(server.repoDir('team/shared'))).toBe(before);
      // hg:clone read as bob; nothing was pushed
      expect(server.requests().every(r => r.method === 'GET')).toBe(true);
      expect(server.requests().some(r => r.user === 'bob')).toBe(true);
      expect(auditor.outcomes('mercurial-repository-push')).toEqual([
        expect.objectContaining({
          status: 'failed',
          meta: expect.objectContaining({
            onBehalfOf: BOB,
            repository: 'team/shared',
          }),
        }),
      ]);
    });

    it("pushes alice's change as her and audits it", async () => {
      auditor.events.length = 0;
      server.clearRequests();
      const task = await backend.runTask(
        'template:default/hg-change',
        { repoUrl: `${server.host}?repo=team/shared`, name: 'alice' },
        mockCredentials.user.token(ALICE),
      );
      if (task.status !== 'completed') {
        throw new Error(`The task ${task.status}: ${task.messages}`);
      }
      const node = task.output?.commitHash;
      expect(
        await runHg(['log', '-r', 'tip', '-T', '{node}'], {
          cwd: server.repoDir('team/shared'),
        }),
      ).toBe(node);
      expect(
        server
          .requests()
          .filter(r => r.method === 'POST')
          .map(r => r.user),
      ).toEqual(['alice']);
      expect(auditor.outcomes('mercurial-repository-push')).toEqual([
        expect.objectContaining({
          status: 'succeeded',
          severityLevel: 'medium',
          meta: {
            onBehalfOf: ALICE,
            taskId: task.id,
            host: server.host,
            repository: 'team/shared',
            remoteUrl: `${server.baseUrl}/team/shared`,
            node,
            branch: 'default',
          },
        }),
      ]);
      expectNoSecretIn(task, auditor.events);
    });
  });
});
