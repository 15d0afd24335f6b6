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
 * `readAs: caller` in a real backend: the real catalog (entities from a
 * file location), hgweb under WSGI behind Basic auth whose own allow_read
 * decides, a credential command that mints per-user passwords for the
 * person on its stdin, and Backstage's own auditor recording the events.
 */

import {
  createTempDir,
  hgwebCredentialCommandPath,
  HgwebWsgiServer,
  mockAuthWithActorsFactory,
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

jest.setTimeout(60_000);

const REPO = 'team/payments';
const ALICE = 'user:default/alice';
const BOB = 'user:default/bob';
const CAROL = 'user:default/carol';
const SECRET = randomBytes(24).toString('hex');
/** A minted password (`v1.<expiry>.<hmac>`) or its HMAC part. */
const MINTED = /v1\.\d+\.[0-9a-f]{64}|[0-9a-f]{64}/;

describe('readAs: caller', () => {
  let hg: HgwebWsgiServer;
  let work: { path: string; remove(): Promise<void> };
  let backend: TestBackend;
  let base: string;
  let mintLog: string;
  const audit = recordingAuditor();

  const get = async (route: string, authorization: string) => {
    const response = await fetch(`${base}${route}`, {
      headers: { Authorization: authorization },
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const commits = '/entities/component/default/payments/commits';
  const checks = () => hg.requests().filter(r => /(^|&)cmd=/.test(r.query));
  const dataFetches = () =>
    hg.requests().filter(r => !/(^|&)cmd=/.test(r.query));

  beforeAll(async () => {
    hg = await startHgwebWsgi({
      mintSecret: SECRET,
      repositories: {
        [REPO]: {
          commits: [
            {
              user: 'Alice Example <alice@example.com>',
              message: 'Start payments',
              files: { 'README.md': '# Payments\n' },
            },
          ],
          access: { allowRead: ['alice', 'carol'] },
        },
      },
    });
    work = await createTempDir('mercurial-backend-caller-');
    mintLog = path.join(work.path, 'mints.log');
    const secretFile = await writeHgwebMintSecret(work.path, {
      secret: SECRET,
      serviceUser: 'backstage',
      logFile: mintLog,
    });
    const catalogFile = path.join(work.path, 'catalog-info.yaml');
    await fs.writeFile(
      catalogFile,
      [
        'apiVersion: backstage.io/v1alpha1',
        'kind: Component',
        'metadata:',
        '  name: payments',
        '  annotations:',
        `    backstage.io/source-location: url:${hg.repoUrl(REPO)}/`,
        'spec:',
        '  type: service',
        '  lifecycle: production',
        '  owner: group:default/payments',
        '',
      ].join('\n'),
    );
    backend = await startTestBackend({
      features: [
        catalogPlugin,
        mercurialPlugin,
        audit.factory,
        mockAuthWithActorsFactory(),
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
                    command: [
                      process.execPath,
                      hgwebCredentialCommandPath,
                      secretFile,
                    ],
                  },
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
    const port = backend.server.port();
    base = `http://localhost:${port}/api/mercurial`;
    const deadline = Date.now() + 40_000;
    for (;;) {
      const found = await fetch(
        `http://localhost:${port}/api/catalog/entities/by-name/component/default/payments`,
        { headers: { Authorization: mockCredentials.user.header(ALICE) } },
      );
      if (found.ok) {
        break;
      }
      if (Date.now() > deadline) {
        throw new Error('Timed out waiting for the entity in the catalog');
      }
      await new Promise(resolve => setTimeout(resolve, 200));
    }
  });

  afterAll(async () => {
    await backend?.stop();
    await hg?.stop();
    await work?.remove();
  });

  it("answers alice's view with her credentials, which the server lets read", async () => {
    hg.clearRequests();
    const { status, body } = await get(
      commits,
      mockCredentials.user.header(ALICE),
    );
    expect(status).toBe(200);
    expect(body.commits.map((c: any) => c.message)).toEqual(['Start payments']);
    expect(hg.requests().length).toBeGreaterThan(0);
    expect(new Set(hg.requests().map(r => r.user))).toEqual(new Set(['alice']));
  });

  it("answers bob's view with 403 naming the repository and host, from the server's own refusal", async () => {
    hg.clearRequests();
    const { status, body } = await get(
      commits,
      mockCredentials.user.header(BOB),
    );
    expect(status).toBe(403);
    expect(body.error).toEqual(
      expect.objectContaining({
        name: 'NotAllowedError',
        message: `you have no read access to ${REPO} on ${hg.host}`,
      }),
    );
    // Asked as bob, refused by hgweb's allow_read; nothing read for him.
    expect(hg.requests().length).toBeGreaterThan(0);
    expect(hg.requests().every(r => r.user === 'bob' && r.status === 401)).toBe(
      true,
    );
  });

  it('fails closed for a service caller, asking the server nothing', async () => {
    hg.clearRequests();
    const { status, body } = await get(
      commits,
      mockCredentials.service.header(),
    );
    expect(status).toBe(403);
    expect(body.error.message).toMatch(/readAs: caller/);
    expect(hg.requests()).toEqual([]);
  });

  it('costs one data fetch per head and at most one check per person for a burst of views', async () => {
    // Past the head-check TTL (5 s by default) of the views above.
    await new Promise(resolve => setTimeout(resolve, 5200));
    hg.clearRequests();
    const people = [ALICE, CAROL];
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        get(commits, mockCredentials.user.header(people[i % 2])),
      ),
    );
    expect(answers.map(a => a.status)).toEqual(Array(20).fill(200));
    // The data of this head was cached by alice's first view.
    expect(dataFetches()).toEqual([]);
    expect(checks().length).toBeLessThanOrEqual(people.length);
    expect(new Set(checks().map(r => r.user))).toEqual(
      new Set(['alice', 'carol']),
    );
  });

  it('audits each read naming the person, and the credentials issued for them, never a password', async () => {
    const reads = audit.outcomes('mercurial-history-read');
    expect(reads).toContainEqual(
      expect.objectContaining({
        status: 'succeeded',
        severityLevel: 'low',
        actor: expect.objectContaining({ actorId: ALICE }),
        meta: expect.objectContaining({
          onBehalfOf: ALICE,
          entityRef: 'component:default/payments',
          host: hg.host,
          repository: REPO,
          node: hg.repositories[REPO].nodes[0],
        }),
      }),
    );
    expect(reads).toContainEqual(
      expect.objectContaining({
        status: 'failed',
        meta: expect.objectContaining({ onBehalfOf: BOB, repository: REPO }),
      }),
    );
    const issued = audit.outcomes('mercurial-credentials-issued');
    expect(issued.map(e => e.meta?.onBehalfOf)).toEqual(
      expect.arrayContaining([ALICE, BOB, CAROL]),
    );
    expect(issued[0]).toMatchObject({
      severityLevel: 'medium',
      meta: expect.objectContaining({ host: hg.host, purpose: 'read' }),
    });
    const everything = JSON.stringify(audit.events);
    expect(everything).not.toMatch(MINTED);
    expect(everything).not.toContain(SECRET);
    // The credential command was run once per person, not per view; bob's
    // once more, for the one retry with fresh credentials after the 401.
    const mints = (await fs.readFile(mintLog, 'utf8'))
      .trim()
      .split('\n')
      .map(line => JSON.parse(line).user);
    expect(mints.sort()).toEqual(['alice', 'bob', 'bob', 'carol']);
  });
});
