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
  AuditorService,
  AuthService,
  BackstageCredentials,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { MercurialCredentials } from '@backstage-mercurial/integration';
import {
  MercurialCredentialsRequest,
  MercurialCredentialsService,
  MercurialOnBehalfOf,
} from './credentials/types';

/**
 * The ids of the audit events the pack emits through Backstage's auditor
 * service (`coreServices.auditor`). Their `meta` never holds a secret.
 *
 * @public
 */
export const MERCURIAL_AUDIT_EVENTS = {
  /** A history, contributors, summary or README read (severity low). */
  historyRead: 'mercurial-history-read',
  /** Credentials handed out for a person (medium): who for, purpose, expiry. */
  credentialsIssued: 'mercurial-credentials-issued',
  /** `publish:hg` created and pushed a repository (medium). */
  repositoryPublish: 'mercurial-repository-publish',
  /** `hg:push` pushed changesets (medium). */
  repositoryPush: 'mercurial-repository-push',
  /** `heptapod:merge-request` opened a merge request (medium). */
  mergeRequestCreate: 'mercurial-merge-request-create',
  /** Whether a repository exists and has changesets was looked up (low). */
  repositoryLookup: 'mercurial-repository-lookup',
} as const;

/**
 * The person behind Backstage credentials, for `onBehalfOf`: their user
 * entity ref and ownership refs from the user info service; `undefined` for
 * a service or an unauthenticated caller.
 *
 * @public
 */
export async function resolveOnBehalfOf(
  credentials: BackstageCredentials,
  deps: { auth: AuthService; userInfo: UserInfoService },
): Promise<MercurialOnBehalfOf | undefined> {
  if (!deps.auth.isPrincipal(credentials, 'user')) {
    return undefined;
  }
  const info = await deps.userInfo.getUserInfo(credentials);
  return {
    userEntityRef: info.userEntityRef,
    ownershipEntityRefs: info.ownershipEntityRefs,
  };
}

const audited = new WeakMap<AuditorService, WeakSet<MercurialCredentials>>();

/**
 * Asks the credentials service, and when the request is on behalf of a
 * person and an auditor is given, emits `mercurial-credentials-issued` the
 * first time this auditor (a plugin) sees the credentials object it got:
 * once per minted credential and plugin, not once per HTTP request. The
 * event names the person, the host, the purpose and the expiry, never a
 * secret. Every part of the pack asks for a person's credentials through
 * this.
 *
 * @public
 */
export async function requestCredentials(
  service: MercurialCredentialsService,
  request: MercurialCredentialsRequest,
  auditor?: AuditorService,
): Promise<MercurialCredentials | undefined> {
  const { onBehalfOf } = request;
  if (!onBehalfOf || !auditor) {
    return service.getCredentials(request);
  }
  const meta = {
    onBehalfOf: onBehalfOf.userEntityRef,
    host: hostOf(request.url),
    purpose: request.purpose ?? 'read',
  };
  let credentials: MercurialCredentials | undefined;
  try {
    credentials = await service.getCredentials(request);
  } catch (error) {
    const event = await auditor.createEvent({
      eventId: MERCURIAL_AUDIT_EVENTS.credentialsIssued,
      severityLevel: 'medium',
      meta,
    });
    await event.fail({ error: error as Error });
    throw error;
  }
  if (credentials) {
    let seen = audited.get(auditor);
    if (!seen) {
      seen = new WeakSet();
      audited.set(auditor, seen);
    }
    if (!seen.has(credentials)) {
      seen.add(credentials);
      const event = await auditor.createEvent({
        eventId: MERCURIAL_AUDIT_EVENTS.credentialsIssued,
        severityLevel: 'medium',
        meta,
      });
      await event.success({
        meta: {
          ...(credentials.expiresAt && {
            expiresAt: credentials.expiresAt.toISOString(),
          }),
        },
      });
    }
  }
  return credentials;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}
