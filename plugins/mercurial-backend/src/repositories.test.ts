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
 * `GET /repositories/exists` in a real backend: real `hg serve`s (several
 * repositories, and one serving a single repository), a Basic-auth front
 * that refuses the integration's password, hgweb under WSGI enforcing its
 * own read rules for `readAs: caller`, the real permission backend with a
 * policy of the test's own, and Backstage's own auditor recording events.
 */

import { formatMercurialRepoUrl } from '@backstage-mercurial/integration';
import {
  BasicAuthProxy,
  createTempDir,
  HgTestServer,
  hgwebCredentialCommandPath,
  HgwebWsgiServer,
  mockAuthWithActorsFactory,
  recordingAuditor,
  startBasicAuthProxy,
  startHgServer,
  startHgwebWsgi,
  writeHgwebMintSecret,
} from '@backstage-mercurial/test-utils';
import { mercurialRepositoryCreatePermission } from '@backstage-mercurial/plugin-mercurial-common';
import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
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
import { randomBytes } from 'node:crypto';
import mercurialPlugin from './index';
import { createOpenApiValidator } from './__testUtils__/fixtures';

jest.setTimeout(60_000);

const ALICE = 'user:default/alice';
const BOB = 'user:default/bob';
const CAROL = 'user:default/carol';
const PASSWORD = 'hg-s3cret';

/** Everything allowed, except creating repositories for bob. */
class NoCreatingForBobPolicy implements PermissionPolicy {
  readonly queries: Array<{ permission: string; user?: string }> = [];

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    this.queries.push({
      permission: request.permission.name,
      user: user?.info.userEntityRef,
    });
    if (
      isPermission(request.permission, mercurialRepositoryCreatePermission) &&
      user?.info.userEntityRef === BOB
    ) {
      return { result: AuthorizeResult.DENY };
    }
    return { result: AuthorizeResult.ALLOW };
  }
}

describe('GET /repositories/exists', () => {
  let hg: HgTestServer;
  let single: HgTestServer;
  let locked: BasicAuthProxy;
  let wsgi: HgwebWsgiServer;
  let work: { path: string; remove(): Promise<void> };
  let backend: TestBackend;
  let base: string;
  let validate: (schema: string, body: unknown) => void;
  const policy = new NoCreatingForBobPolicy();
  const audit = recordingAuditor();
  const secret = randomBytes(24).toString('hex');

  const tokenOf = (ref: string) =>
    mockCredentials.user.token(ref, { actor: { subject: 'plugin:app' } });

  async function exists(
    repoUrl: string | undefined,
    token = tokenOf(ALICE),
  ): Promise<{ status: number; body: any }> {
    const query =
      repoUrl === undefined ? '' : `?repoUrl=${encodeURIComponent(repoUrl)}`;
    const response = await fetch(`${base}/repositories/exists${query}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    const body = await response.json();
    validate(response.ok ? 'RepositoryExistsResponse' : 'Error', body);
    return { status: response.status, body };
  }

  beforeAll(async () => {
    hg = await startHgServer({
      repositories: {
        'team/full': { commits: [{ files: { 'README.md': '# Full\n' } }] },
        'team/empty': {},
      },
    });
    single = await startHgServer({
      repositories: { solo: { commits: [{ files: { a: '1\n' } }] } },
      singleRepository: 'solo',
    });
    locked = await startBasicAuthProxy({
      target: hg.baseUrl,
      users: { backstage: 'another-password' },
    });
    work = await createTempDir('mercurial-backend-exists-');
    const secretFile = await writeHgwebMintSecret(work.path, {
      secret,
      serviceUser: 'backstage',
    });
    wsgi = await startHgwebWsgi({
      mintSecret: secret,
      repositories: {
        'team/private': {
          commits: [{ files: { a: '1\n' } }],
          access: { allowRead: ['alice', 'bob'] },
        },
      },
    });

    backend = await startTestBackend({
      features: [
        mercurialPlugin,
        permissionPlugin,
        createBackendModule({
          pluginId: 'permission',
          moduleId: 'no-creating-for-bob',
          register(reg) {
            reg.registerInit({
              deps: { policies: policyExtensionPoint },
              async init({ policies }) {
                policies.setPolicy(policy);
              },
            });
          },
        }),
        audit.factory,
        mockAuthWithActorsFactory(),
        mockServices.rootConfig.factory({
          data: {
            backend: { workingDirectory: work.path },
            permission: { enabled: true },
            integrations: {
              mercurial: [
                { host: hg.host, baseUrl: hg.baseUrl },
                {
                  host: single.host,
                  baseUrl: single.baseUrl,
                  singleRepository: true,
                },
                {
                  host: locked.host,
                  baseUrl: locked.baseUrl,
                  username: 'backstage',
                  password: PASSWORD,
                },
                {
                  host: wsgi.host,
                  baseUrl: wsgi.baseUrl,
                  readAs: 'caller',
                  credentialCommand: {
                    command: ['node', hgwebCredentialCommandPath, secretFile],
                  },
                },
              ],
            },
          },
        }),
      ],
    });
    base = `http://localhost:${backend.server.port()}/api/mercurial`;

    validate = await createOpenApiValidator();
  });

  afterAll(async () => {
    await backend?.stop();
    await locked?.stop();
    await wsgi?.stop();
    await single?.stop();
    await hg?.stop();
    await work?.remove();
  });

  it.each([
    ['a repository with changesets', 'team/full', true, true],
    ['an empty repository', 'team/empty', true, false],
    ['no repository', 'team/nope', false, false],
  ])('tells %s apart', async (_, repo, found, hasChangesets) => {
    const { status, body } = await exists(`${hg.host}?repo=${repo}`);
    expect(status).toBe(200);
    expect(body).toEqual({
      repositoryUrl: hg.repoUrl(repo),
      exists: found,
      hasChangesets,
    });
  });

  it('reads every repoUrl form: owner and repo, an hgweb URL, a single-repository host', async () => {
    const picked = await exists(
      formatMercurialRepoUrl({ host: hg.host, owner: 'team', repo: 'full' }),
    );
    expect(picked.body).toEqual({
      repositoryUrl: hg.repoUrl('team/full'),
      exists: true,
      hasChangesets: true,
    });
    const url = await exists(hg.repoUrl('team/empty'));
    expect(url.body).toMatchObject({ exists: true, hasChangesets: false });
    const solo = await exists(single.host);
    expect(solo.body).toEqual({
      repositoryUrl: single.baseUrl,
      exists: true,
      hasChangesets: true,
    });
  });

  it.each([
    [undefined, /repoUrl/],
    ['', /repoUrl/],
    [
      'hg.unknown.example.com?repo=team/x',
      /No integrations\.mercurial entry for host 'hg\.unknown\.example\.com'/,
    ],
    [
      'HOST?repo=-oProxyCommand=x',
      /Invalid repository path '-oProxyCommand=x'/,
    ],
    ['HOST?owner=team', /Invalid repoUrl 'HOST\?owner=team'/],
  ])('refuses repoUrl=%j with 400 naming it', async (repoUrl, message) => {
    const { status, body } = await exists(repoUrl?.replace('HOST', hg.host));
    expect(status).toBe(400);
    expect(body.error.name).toBe('InputError');
    expect(body.error.message.replace(hg.host, 'HOST')).toMatch(message);
  });

  it('refuses a repoUrl with credentials without repeating them anywhere', async () => {
    const { status, body } = await exists(
      `backstage:${PASSWORD}@${hg.host}?repo=team/full`,
    );
    expect(status).toBe(400);
    expect(body.error.message).toContain('must not carry credentials');
    // (Backstage's error handler echoes the request URL back to the caller.)
    expect(JSON.stringify(body.error)).not.toContain(PASSWORD);
    const event = audit
      .outcomes('mercurial-repository-lookup')
      .find(e => e.error?.message.includes('must not carry credentials'));
    expect(event).toMatchObject({
      status: 'failed',
      request: { url: '/api/mercurial/repositories/exists' },
      meta: {},
    });
    expect(JSON.stringify(event)).not.toContain(PASSWORD);
  });

  it('answers 403 to a caller denied mercurial.repository.create, without asking the server', async () => {
    wsgi.clearRequests();
    const { status, body } = await exists(
      `${wsgi.host}?repo=team/private`,
      tokenOf(BOB),
    );
    expect(status).toBe(403);
    expect(body.error).toMatchObject({
      name: 'NotAllowedError',
      message: `Permission mercurial.repository.create was denied for ${BOB}`,
    });
    expect(wsgi.requests()).toEqual([]);
    expect(policy.queries).toContainEqual({
      permission: 'mercurial.repository.create',
      user: BOB,
    });
  });

  it('asks a readAs: caller server with the caller credentials', async () => {
    wsgi.clearRequests();
    const alice = await exists(`${wsgi.host}?repo=team/private`);
    expect(alice.status).toBe(200);
    expect(alice.body).toEqual({
      repositoryUrl: wsgi.repoUrl('team/private'),
      exists: true,
      hasChangesets: true,
    });
    const seen = wsgi.requests();
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.map(r => [r.user, r.status])).toEqual(
      seen.map(() => ['alice', 200]),
    );

    // carol may create repositories, but the server does not let her read this one.
    const carol = await exists(
      `${wsgi.host}?repo=team/private`,
      tokenOf(CAROL),
    );
    expect(carol.status).toBe(403);
    expect(carol.body.error).toMatchObject({
      name: 'NotAllowedError',
      message: `you have no read access to team/private on ${wsgi.host}`,
    });

    // A service has no credentials of its own there: fail closed.
    wsgi.clearRequests();
    const service = await exists(
      `${wsgi.host}?repo=team/private`,
      mockCredentials.service.token(),
    );
    expect(service.status).toBe(403);
    expect(service.body.error.message).toContain(
      'readAs: caller needs a signed-in user',
    );
    expect(wsgi.requests()).toEqual([]);
  });

  it('answers 502 when the server refuses the integration credentials', async () => {
    const { status, body } = await exists(`${locked.host}?repo=team/full`);
    expect(status).toBe(502);
    expect(body.error).toMatchObject({
      name: 'MercurialServerError',
      message: expect.stringContaining(
        `The Mercurial server ${locked.host} refused the credentials`,
      ),
    });
    expect(JSON.stringify(body)).not.toContain(PASSWORD);
  });

  it('audits each look-up as mercurial-repository-lookup (low), never with a secret', () => {
    const events = audit.outcomes('mercurial-repository-lookup');
    expect(events).toContainEqual(
      expect.objectContaining({
        plugin: 'mercurial',
        severityLevel: 'low',
        status: 'succeeded',
        actor: expect.objectContaining({ actorId: ALICE }),
        meta: {
          repoUrl: `${hg.host}?repo=team/full`,
          host: hg.host,
          repository: 'team/full',
          exists: 'true',
          hasChangesets: 'true',
        },
      }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({
        status: 'succeeded',
        meta: expect.objectContaining({
          host: wsgi.host,
          onBehalfOf: ALICE,
          exists: 'true',
        }),
      }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({
        status: 'failed',
        actor: expect.objectContaining({ actorId: BOB }),
        meta: {
          repoUrl: `${wsgi.host}?repo=team/private`,
          host: wsgi.host,
          repository: 'team/private',
        },
        error: expect.objectContaining({ name: 'NotAllowedError' }),
      }),
    );
    const dump = JSON.stringify(audit.events);
    expect(dump).not.toContain(PASSWORD);
    expect(dump).not.toContain(secret);
  });
});
