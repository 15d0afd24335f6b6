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
 * `readAs: caller` in a real backend: hgweb under WSGI enforces its own
 * `allow_read` rules for the user Basic authentication names, the
 * integration's credentialCommand mints a password per person (the test
 * harness's command, the way a real one maps a Backstage user to an hg
 * identity), the real catalog holds the entities and Backstage's own
 * auditor records the events.
 */

import {
  createTempDir,
  eventually,
  HgwebAccessLogEntry,
  hgwebCredentialCommandPath,
  HgwebWsgiServer,
  mintHgwebPassword,
  recordingAuditor,
  startHgwebWsgi,
  writeHgwebMintSecret,
} from '@backstage-mercurial/test-utils';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import mercurialPlugin from './index';
import { componentYaml } from './__testUtils__/fixtures';

jest.setTimeout(60_000);

const PAYMENTS = 'team/payments';
const SHARED = 'team/shared';
const ALICE = 'user:default/alice';
const BOB = 'user:default/bob';
const READERS = ['alice', 'bob', 'carol', 'dave', 'erin'];
/** What the minted passwords look like (see mintHgwebPassword). */
const MINTED_PASSWORD = /v1\.\d+\.[0-9a-f]{64}/;

function component(name: string, sourceLocation: string) {
  return componentYaml({ name, owner: 'team-payments', sourceLocation });
}

/** JSON of anything, errors with their message, stack and cause. */
function dump(value: unknown): string {
  return JSON.stringify(value, (_, v) =>
    v instanceof Error
      ? {
          ...v,
          name: v.name,
          message: v.message,
          stack: v.stack,
          cause: v.cause,
        }
      : v,
  );
}

describe('readAs: caller', () => {
  const secret = randomBytes(24).toString('hex');
  const audit = recordingAuditor();
  const logLines: string[] = [];
  let hg: HgwebWsgiServer;
  let work: { path: string; remove(): Promise<void> };
  let backend: TestBackend;
  let base: string;
  let mintLog: string;

  const tokenOf = (user: string) =>
    mockCredentials.user.token(`user:default/${user}`);

  async function get(route: string, token: string) {
    const response = await fetch(`${base}${route}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    return { status: response.status, body: await response.json() };
  }

  /** The requests of the tests before, kept when the server forgets them. */
  const seen: HgwebAccessLogEntry[] = [];
  function clearRequests() {
    seen.push(...hg.requests());
    hg.clearRequests();
  }

  const paymentsCommits = '/entities/component/default/payments/commits';
  const sharedCommits = '/entities/component/default/shared/commits';

  const isHeadCheck = (r: HgwebAccessLogEntry) =>
    /(^|&)cmd=batch(&|$)/.test(r.query);
  const isLog = (r: HgwebAccessLogEntry) => r.path.endsWith('/json-log');

  beforeAll(async () => {
    for (const level of ['error', 'warn', 'info', 'debug'] as const) {
      jest.spyOn(console, level).mockImplementation((...args: unknown[]) => {
        logLines.push(
          args.map(a => (typeof a === 'string' ? a : dump(a))).join(' '),
        );
      });
    }
    work = await createTempDir('mercurial-backend-caller-');
    mintLog = path.join(work.path, 'mints.log');
    const secretFile = await writeHgwebMintSecret(work.path, {
      secret,
      serviceUser: 'backstage',
      logFile: mintLog,
    });
    hg = await startHgwebWsgi({
      mintSecret: secret,
      repositories: {
        [PAYMENTS]: {
          commits: [
            {
              user: 'Alice Example <alice@example.com>',
              message: 'Take payments',
              files: { 'README.md': '# Payments\n' },
            },
          ],
          access: { allowRead: ['alice'] },
        },
        [SHARED]: {
          commits: [
            { message: 'One', files: { 'a.txt': '1\n' } },
            { message: 'Two', files: { 'a.txt': '2\n' } },
          ],
          access: { allowRead: READERS },
        },
      },
    });
    const catalogFile = path.join(work.path, 'catalog-info.yaml');
    await fs.writeFile(
      catalogFile,
      [
        component('payments', `url:${hg.repoUrl(PAYMENTS)}`),
        component('shared', `url:${hg.repoUrl(SHARED)}`),
      ].join('---\n'),
    );

    backend = await startTestBackend({
      features: [
        catalogPlugin,
        mercurialPlugin,
        audit.factory,
        mockServices.rootLogger.factory({ level: 'debug' }),
        mockServices.rootConfig.factory({
          data: {
            backend: { workingDirectory: work.path },
            integrations: {
              mercurial: [
                {
                  host: hg.host,
                  baseUrl: hg.baseUrl,
                  readAs: 'caller',
                  credentialCommand: {
                    command: ['node', hgwebCredentialCommandPath, secretFile],
                  },
                },
              ],
            },
            catalog: {
              processingInterval: { seconds: 1 },
              rules: [{ allow: ['Component', 'Location'] }],
              locations: [{ type: 'file', target: catalogFile }],
            },
            // Long enough for every check of a test to be remembered.
            mercurial: { cache: { headCheckTtl: { minutes: 10 } } },
          },
        }),
      ],
    });
    base = `http://localhost:${backend.server.port()}/api/mercurial`;

    const catalogUrl = `http://localhost:${backend.server.port()}/api/catalog`;
    await eventually(
      'the entities in the catalog',
      async () => {
        const found = await Promise.all(
          ['payments', 'shared'].map(name =>
            fetch(`${catalogUrl}/entities/by-name/component/default/${name}`, {
              headers: { Authorization: `Bearer ${tokenOf('alice')}` },
            }).then(r => r.ok),
          ),
        );
        return found.every(Boolean);
      },
      { timeoutMs: 40_000, intervalMs: 200 },
    );
  });

  afterAll(async () => {
    await backend?.stop();
    await hg?.stop();
    await work?.remove();
    jest.restoreAllMocks();
  });

  it("answers alice's views of the repository only she may read, read with her credentials", async () => {
    clearRequests();
    const commits = await get(paymentsCommits, tokenOf('alice'));
    expect(commits.status).toBe(200);
    expect(commits.body).toMatchObject({
      entityRef: 'component:default/payments',
      node: hg.repositories[PAYMENTS].nodes[0],
      commits: [expect.objectContaining({ message: 'Take payments' })],
    });
    const summary = await get(
      '/entities/component/default/payments/summary',
      tokenOf('alice'),
    );
    expect(summary.status).toBe(200);

    const requests = hg.requests();
    // One head check, the log, then branches and tags; all as alice.
    expect(requests.filter(isHeadCheck)).toHaveLength(1);
    expect(requests.filter(isLog)).toHaveLength(1);
    expect(requests.map(r => [r.user, r.status])).toEqual(
      requests.map(() => ['alice', 200]),
    );
  });

  it('answers bob 403 naming the repository and host, and remembers the refusal', async () => {
    clearRequests();
    const first = await get(paymentsCommits, tokenOf('bob'));
    expect(first.status).toBe(403);
    expect(first.body.error).toMatchObject({
      name: 'NotAllowedError',
      message: `you have no read access to team/payments on ${hg.host}`,
    });
    // hgweb refused bob (401 "read not authorized"), also after the
    // client's one retry with fresh credentials; no data was read.
    const refused = hg.requests();
    expect(refused).toHaveLength(2);
    expect(refused.every(r => isHeadCheck(r) && r.user === 'bob')).toBe(true);
    expect(refused.map(r => r.status)).toEqual(refused.map(() => 401));

    const again = await get(paymentsCommits, tokenOf('bob'));
    expect(again.status).toBe(403);
    expect(again.body.error.message).toBe(
      `you have no read access to team/payments on ${hg.host}`,
    );
    expect(hg.requests()).toHaveLength(refused.length);

    // Alice's right, checked before, is unaffected.
    expect((await get(paymentsCommits, tokenOf('alice'))).status).toBe(200);
  });

  it("reads the README with the caller's credentials too, and refuses bob the same way", async () => {
    clearRequests();
    const readme = '/entities/component/default/payments/readme';
    const alice = await get(readme, tokenOf('alice'));
    expect(alice.status).toBe(200);
    expect(alice.body).toMatchObject({
      path: 'README.md',
      content: '# Payments\n',
      node: hg.repositories[PAYMENTS].nodes[0],
    });
    const requests = hg.requests();
    expect(requests.filter(r => r.path.includes('/json-file/'))).toHaveLength(
      1,
    );
    expect(requests.filter(r => r.path.includes('/raw-file/'))).toHaveLength(1);
    expect(requests.map(r => [r.user, r.status])).toEqual(
      requests.map(() => ['alice', 200]),
    );

    const bob = await get(readme, tokenOf('bob'));
    expect(bob.status).toBe(403);
    expect(bob.body.error).toMatchObject({
      name: 'NotAllowedError',
      message: `you have no read access to team/payments on ${hg.host}`,
    });
  });

  it('fails closed for a service caller, without asking the hg server', async () => {
    clearRequests();
    const { status, body } = await get(
      paymentsCommits,
      mockCredentials.service.token(),
    );
    expect(status).toBe(403);
    expect(body.error.name).toBe('NotAllowedError');
    expect(body.error.message).toContain(
      'readAs: caller needs a signed-in user',
    );
    expect(hg.requests()).toEqual([]);
  });

  it('answers a burst of views by several users with one data fetch per head and one check per user', async () => {
    clearRequests();
    const views = READERS.flatMap(user =>
      Array.from({ length: 4 }, () => get(sharedCommits, tokenOf(user))),
    );
    const answers = await Promise.all(views);
    expect(answers.map(a => a.status)).toEqual(answers.map(() => 200));
    const node = hg.repositories[SHARED].nodes[1];
    expect(new Set(answers.map(a => a.body.node))).toEqual(new Set([node]));

    const requests = hg.requests();
    const checksByUser = Object.fromEntries(
      READERS.map(user => [
        user,
        requests.filter(r => isHeadCheck(r) && r.user === user).length,
      ]),
    );
    expect(checksByUser).toEqual(
      Object.fromEntries(READERS.map(user => [user, 1])),
    );
    const logs = requests.filter(isLog);
    expect(logs).toHaveLength(1);
    // Fetched with the credentials of one of the users who asked.
    expect(READERS).toContain(logs[0].user);
    expect(requests).toHaveLength(READERS.length + 1);

    // A second burst is answered from what is remembered and cached.
    clearRequests();
    const more = await Promise.all(
      READERS.map(user => get(sharedCommits, tokenOf(user))),
    );
    expect(more.map(a => a.status)).toEqual(more.map(() => 200));
    expect(hg.requests()).toEqual([]);
  });

  it('never reads with the service identity', () => {
    const all = [...seen, ...hg.requests()];
    expect(all.length).toBeGreaterThan(0);
    expect(new Set(all.map(r => r.user))).toEqual(new Set(READERS));
  });

  it('mints once per person (bob once more, after the refusal), never for the service', async () => {
    const mints = (await fs.readFile(mintLog, 'utf8'))
      .trim()
      .split('\n')
      .map(line => JSON.parse(line).user)
      .sort();
    expect(mints).toEqual(['alice', 'bob', 'bob', 'carol', 'dave', 'erin']);
  });

  it('audits every view in the name of the person, with the entity, repository and node', () => {
    const reads = audit.outcomes('mercurial-history-read');
    const node = hg.repositories[PAYMENTS].nodes[0];
    expect(reads).toContainEqual(
      expect.objectContaining({
        plugin: 'mercurial',
        severityLevel: 'low',
        status: 'succeeded',
        actor: expect.objectContaining({ actorId: ALICE }),
        meta: {
          entityRef: 'component:default/payments',
          route: 'commits',
          host: hg.host,
          repository: PAYMENTS,
          revision: 'default',
          node,
          onBehalfOf: ALICE,
        },
      }),
    );
    const denied = reads.filter(
      e => e.status === 'failed' && e.meta?.onBehalfOf === BOB,
    );
    // commits twice, readme once
    expect(denied).toHaveLength(3);
    expect(denied[0]).toMatchObject({
      actor: expect.objectContaining({ actorId: BOB }),
      meta: {
        entityRef: 'component:default/payments',
        host: hg.host,
        repository: PAYMENTS,
      },
      error: expect.objectContaining({
        message: `you have no read access to team/payments on ${hg.host}`,
      }),
    });
    const service = reads.filter(
      e => e.status === 'failed' && e.meta?.onBehalfOf === undefined,
    );
    expect(service).toHaveLength(1);
    // One event per view: 2 + 3 + 2 + 1 + 20 + 5 route calls above.
    expect(reads).toHaveLength(33);

    const issued = audit.outcomes('mercurial-credentials-issued');
    expect(issued).toContainEqual(
      expect.objectContaining({
        severityLevel: 'medium',
        status: 'succeeded',
        meta: expect.objectContaining({
          onBehalfOf: ALICE,
          host: hg.host,
          purpose: 'read',
          expiresAt: expect.any(String),
        }),
      }),
    );
  });

  it('puts no password or mint secret in any audit event or log line', () => {
    // The pattern finds a minted password (so the check below can fail).
    expect(mintHgwebPassword(secret, 'alice', 60_000).password).toMatch(
      MINTED_PASSWORD,
    );
    const events = dump(audit.events);
    expect(events).not.toMatch(MINTED_PASSWORD);
    expect(events).not.toContain(secret);
    expect(logLines.length).toBeGreaterThan(0);
    const logs = logLines.join('\n');
    expect(logs).not.toMatch(MINTED_PASSWORD);
    expect(logs).not.toContain(secret);
  });
});
