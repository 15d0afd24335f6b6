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

import { DefaultAuditorService } from '@backstage/backend-defaults/auditor';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { MercurialCredentials } from '@backstage-mercurial/integration';
import {
  MERCURIAL_AUDIT_EVENTS,
  requestCredentials,
  resolveOnBehalfOf,
} from './audit';
import { MercurialCredentialsService } from './credentials/types';

function auditor() {
  const events: any[] = [];
  const service = DefaultAuditorService.create(
    async event => {
      events.push(event);
    },
    {
      auth: mockServices.auth(),
      httpAuth: mockServices.httpAuth(),
      plugin: { getId: () => 'mercurial' },
    },
  );
  return { service, events };
}

const alice = {
  userEntityRef: 'user:default/alice',
  ownershipEntityRefs: ['user:default/alice', 'group:default/payments'],
};

describe('requestCredentials', () => {
  it('audits each credential issued for a person once per plugin, naming them, the host, purpose and expiry, never the secret', async () => {
    const expiresAt = new Date(Date.now() + 60_000);
    let current: MercurialCredentials = {
      type: 'basic',
      username: 'alice',
      password: 'pw-SECRET-1',
      expiresAt,
    };
    const credentials: MercurialCredentialsService = {
      getCredentials: async () => current,
    };
    const { service, events } = auditor();
    const url = 'https://hg.example.com/team/payments';
    for (let i = 0; i < 3; i++) {
      await requestCredentials(
        credentials,
        { url, purpose: 'write', onBehalfOf: alice },
        service,
      );
    }
    current = { ...current, password: 'pw-SECRET-2' };
    await requestCredentials(credentials, { url, onBehalfOf: alice }, service);
    // A request for the service itself is not an access on someone's behalf.
    await requestCredentials(credentials, { url }, service);

    const done = events.filter(e => e.status === 'succeeded');
    expect(done).toEqual([
      expect.objectContaining({
        plugin: 'mercurial',
        eventId: MERCURIAL_AUDIT_EVENTS.credentialsIssued,
        severityLevel: 'medium',
        meta: {
          onBehalfOf: 'user:default/alice',
          host: 'hg.example.com',
          purpose: 'write',
          expiresAt: expiresAt.toISOString(),
        },
      }),
      expect.objectContaining({
        meta: expect.objectContaining({ purpose: 'read' }),
      }),
    ]);
    expect(JSON.stringify(events)).not.toMatch(/SECRET/);
  });

  it('audits a failure to get a person credentials, and rethrows it', async () => {
    const credentials: MercurialCredentialsService = {
      getCredentials: async () => {
        throw new Error('the broker said no');
      },
    };
    const { service, events } = auditor();
    await expect(
      requestCredentials(
        credentials,
        { url: 'https://hg.example.com/r', onBehalfOf: alice },
        service,
      ),
    ).rejects.toThrow('the broker said no');
    expect(events.map(e => [e.eventId, e.status])).toEqual([
      [MERCURIAL_AUDIT_EVENTS.credentialsIssued, 'initiated'],
      [MERCURIAL_AUDIT_EVENTS.credentialsIssued, 'failed'],
    ]);
  });
});

describe('resolveOnBehalfOf', () => {
  it('gives a user their entity ref and ownership refs, and nobody for a service', async () => {
    const deps = {
      auth: mockServices.auth(),
      userInfo: mockServices.userInfo(),
    };
    await expect(
      resolveOnBehalfOf(mockCredentials.user('user:default/alice'), deps),
    ).resolves.toEqual({
      userEntityRef: 'user:default/alice',
      ownershipEntityRefs: ['user:default/alice'],
    });
    await expect(
      resolveOnBehalfOf(mockCredentials.service('plugin:catalog'), deps),
    ).resolves.toBeUndefined();
  });
});
