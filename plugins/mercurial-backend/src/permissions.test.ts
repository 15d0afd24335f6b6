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
 * `mercurial.history.read` in a real backend: the real catalog (entities
 * from a file location), the real permission backend with a policy of the
 * test's own (owners only, through the catalog's `isEntityOwner`
 * conditional decision, which the permission backend resolves by asking
 * the catalog), hgweb under WSGI as the hg server and Backstage's own
 * auditor recording the events.
 */

import {
  createTempDir,
  eventually,
  HgwebWsgiServer,
  mockAuthWithActorsFactory,
  recordingAuditor,
  startHgwebWsgi,
} from '@backstage-mercurial/test-utils';
import { mercurialHistoryReadPermission } from '@backstage-mercurial/plugin-mercurial-common';
import {
  coreServices,
  createBackendModule,
  createServiceFactory,
  HttpAuthService,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import permissionPlugin from '@backstage/plugin-permission-backend';
import {
  AuthorizeResult,
  isPermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import mercurialPlugin from './index';
import { loadOpenApiSpec } from './schema/spec';
import {
  componentYaml,
  createOpenApiValidator,
} from './__testUtils__/fixtures';

jest.setTimeout(60_000);

const REPO = 'team/platform';
const HG_USER = { name: 'backstage', password: 'wsgi-s3cret' };
const ALICE = 'user:default/alice';
const BOB = 'user:default/bob';
const ENTITY = 'component:default/alices-service';

/** Owners only for history reads (services denied), everything else allowed. */
class OwnersOnlyPolicy implements PermissionPolicy {
  readonly queries: Array<{ permission: string; user?: string }> = [];

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    this.queries.push({
      permission: request.permission.name,
      user: user?.info.userEntityRef,
    });
    if (isPermission(request.permission, mercurialHistoryReadPermission)) {
      if (!user) {
        return { result: AuthorizeResult.DENY };
      }
      return createCatalogConditionalDecision(
        request.permission,
        catalogConditions.isEntityOwner({
          claims: user.info.ownershipEntityRefs,
        }),
      );
    }
    return { result: AuthorizeResult.ALLOW };
  }
}

/** The token of a service whose access restrictions leave history out. */
const RESTRICTED_SERVICE_TOKEN = 'restricted-service-token';

/**
 * The mock httpAuth, except that `RESTRICTED_SERVICE_TOKEN` is an external
 * service restricted to `catalog.entity.read`, as
 * `backend.auth.externalAccess[].accessRestrictions` make one.
 */
const httpAuthWithRestrictedService = createServiceFactory({
  service: coreServices.httpAuth,
  deps: { plugin: coreServices.pluginMetadata },
  factory: ({ plugin }): HttpAuthService => {
    const inner = mockServices.httpAuth({ pluginId: plugin.getId() });
    return {
      async credentials(req: any, options?: any): Promise<any> {
        if (
          req.headers.authorization === `Bearer ${RESTRICTED_SERVICE_TOKEN}`
        ) {
          return mockCredentials.service('external:restricted', {
            permissionNames: ['catalog.entity.read'],
          });
        }
        return inner.credentials(req, options);
      },
      issueUserCookie: (res, options) => inner.issueUserCookie(res, options),
    };
  },
});

function component(name: string, owner: string, sourceLocation: string) {
  return componentYaml({ name, owner, sourceLocation });
}

describe('mercurial.history.read through the permission framework', () => {
  let hg: HgwebWsgiServer;
  let work: { path: string; remove(): Promise<void> };
  let backend: TestBackend;
  let base: string;
  let node: string;
  const policy = new OwnersOnlyPolicy();
  const audit = recordingAuditor();

  // The mock auth's on-behalf-of tokens carry the caller's credentials as
  // they are, where real ones name the plugin that asks as the actor; the
  // permission backend answers a user's conditional request (the catalog's
  // catalog.entity.read) only with an actor, so the tokens carry one.
  const userToken = (ref: string) =>
    mockCredentials.user.token(ref, { actor: { subject: 'plugin:app' } });
  const aliceToken = userToken(ALICE);
  const bobToken = userToken(BOB);
  const serviceToken = mockCredentials.service.token();

  async function get(route: string, token: string) {
    const response = await fetch(`${base}${route}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    return { status: response.status, body: await response.json() };
  }

  const routes = [
    ['commits', `/entities/component/default/alices-service/commits`],
    ['contributors', `/entities/component/default/alices-service/contributors`],
    ['summary', `/entities/component/default/alices-service/summary`],
    ['readme', `/entities/component/default/alices-service/readme`],
  ] as const;

  beforeAll(async () => {
    hg = await startHgwebWsgi({
      users: { [HG_USER.name]: HG_USER.password },
      repositories: {
        [REPO]: {
          commits: [
            {
              user: 'Alice Example <alice@example.com>',
              message: 'Start',
              files: { 'README.md': '# Platform\n' },
            },
          ],
        },
      },
    });
    node = hg.repositories[REPO].nodes[0];
    work = await createTempDir('mercurial-backend-permissions-');
    const catalogFile = path.join(work.path, 'catalog-info.yaml');
    await fs.writeFile(
      catalogFile,
      [
        component('alices-service', ALICE, `url:${hg.repoUrl(REPO)}`),
        component('bobs-service', BOB, `url:${hg.repoUrl(REPO)}`),
      ].join('---\n'),
    );

    backend = await startTestBackend({
      features: [
        catalogPlugin,
        permissionPlugin,
        createBackendModule({
          pluginId: 'permission',
          moduleId: 'owners-only-policy',
          register(reg) {
            reg.registerInit({
              deps: { policies: policyExtensionPoint },
              async init({ policies }) {
                policies.setPolicy(policy);
              },
            });
          },
        }),
        mercurialPlugin,
        audit.factory,
        mockAuthWithActorsFactory(),
        httpAuthWithRestrictedService,
        mockServices.rootConfig.factory({
          data: {
            backend: { workingDirectory: work.path },
            permission: { enabled: true },
            integrations: {
              mercurial: [
                {
                  host: hg.host,
                  baseUrl: hg.baseUrl,
                  username: HG_USER.name,
                  password: HG_USER.password,
                },
              ],
            },
            catalog: {
              processingInterval: { seconds: 1 },
              rules: [{ allow: ['Component', 'Location'] }],
              locations: [{ type: 'file', target: catalogFile }],
            },
          },
        }),
      ],
    });
    base = `http://localhost:${backend.server.port()}/api/mercurial`;

    // Wait until the catalog has both entities, with their owners.
    const catalogUrl = `http://localhost:${backend.server.port()}/api/catalog`;
    await eventually(
      'the entities in the catalog, with their owners',
      async () => {
        const found = await Promise.all(
          ['alices-service', 'bobs-service'].map(name =>
            fetch(`${catalogUrl}/entities/by-name/component/default/${name}`, {
              headers: { Authorization: `Bearer ${aliceToken}` },
            }).then(async r => (r.ok ? ((await r.json()) as any) : undefined)),
          ),
        );
        return found.every(e =>
          e?.relations?.some((r: any) => r.type === 'ownedBy'),
        );
      },
      { timeoutMs: 40_000, intervalMs: 200 },
    );
  });

  afterAll(async () => {
    await backend?.stop();
    await hg?.stop();
    await work?.remove();
  });

  it.each(routes)('lets the owner read %s', async (_, route) => {
    const { status, body } = await get(route, aliceToken);
    expect(status).toBe(200);
    expect(body).toMatchObject({ entityRef: ENTITY, node });
  });

  it.each(routes)(
    'answers 403 to a non-owner for %s, naming the permission, without asking the hg server',
    async (_, route) => {
      hg.clearRequests();
      const { status, body } = await get(route, bobToken);
      expect(status).toBe(403);
      expect(body.error).toEqual(
        expect.objectContaining({
          name: 'NotAllowedError',
          message: `Permission mercurial.history.read was denied for ${ENTITY}`,
        }),
      );
      expect(hg.requests()).toEqual([]);
      // As the OpenAPI description has it.
      const spec = await loadOpenApiSpec();
      const described =
        spec.paths[
          route
            .replace('/component/default/', '/{kind}/{namespace}/')
            .replace('alices-service', '{name}')
        ];
      expect(described.get.responses['403']).toBeDefined();
      (await createOpenApiValidator())('Error', body);
      // Bob still sees the entity itself, and reads his own.
      const own = await get(
        '/entities/component/default/bobs-service/commits',
        bobToken,
      );
      expect(own.status).toBe(200);
    },
  );

  it('asks the policy for the caller, and resolves its conditional decision on the entity', () => {
    expect(policy.queries).toContainEqual({
      permission: 'mercurial.history.read',
      user: ALICE,
    });
    expect(policy.queries).toContainEqual({
      permission: 'mercurial.history.read',
      user: BOB,
    });
  });

  it("treats a service caller as Backstage's permission framework does: a backend-to-backend call without access restrictions is allowed without asking the policy", async () => {
    const before = policy.queries.length;
    const { status, body } = await get(routes[0][1], serviceToken);
    expect(status).toBe(200);
    expect(body).toMatchObject({ entityRef: ENTITY, node });
    expect(
      policy.queries
        .slice(before)
        .filter(q => q.permission === 'mercurial.history.read'),
    ).toEqual([]);
  });

  it('answers 403 to a service whose access restrictions leave mercurial.history.read out', async () => {
    const { status, body } = await get(routes[0][1], RESTRICTED_SERVICE_TOKEN);
    expect(status).toBe(403);
    expect(body.error).toMatchObject({
      name: 'NotAllowedError',
      message: `Permission mercurial.history.read was denied for ${ENTITY}`,
    });
  });

  it('audits granted and denied reads, naming the caller, the entity and the repository', () => {
    const events = audit.outcomes('mercurial-history-read');
    expect(events).toContainEqual(
      expect.objectContaining({
        plugin: 'mercurial',
        severityLevel: 'low',
        status: 'succeeded',
        actor: expect.objectContaining({ actorId: ALICE }),
        meta: {
          entityRef: ENTITY,
          route: 'commits',
          host: hg.host,
          repository: REPO,
          revision: 'default',
          node,
        },
      }),
    );
    const denied = events.filter(
      e => e.status === 'failed' && e.actor.actorId === BOB,
    );
    expect(denied.map(e => e.meta?.route).sort()).toEqual([
      'commits',
      'contributors',
      'readme',
      'summary',
    ]);
    expect(denied[0]).toMatchObject({
      meta: { entityRef: ENTITY, host: hg.host, repository: REPO },
      error: expect.objectContaining({ name: 'NotAllowedError' }),
    });
    // No password in any event.
    expect(JSON.stringify(audit.events)).not.toContain(HG_USER.password);
  });
});
