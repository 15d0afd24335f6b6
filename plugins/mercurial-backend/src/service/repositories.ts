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
  MercurialIntegrations,
  parseMercurialRepoUrl,
} from '@backstage-mercurial/integration';
import {
  MERCURIAL_AUDIT_EVENTS,
  MercurialHgwebClient,
  NULL_NODE,
  resolveOnBehalfOf,
} from '@backstage-mercurial/integration-node';
import { mercurialRepositoryCreatePermission } from '@backstage-mercurial/plugin-mercurial-common';
import {
  AuditorService,
  AuthService,
  BackstageCredentials,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type { Request } from 'express';
import { toRouteError } from '../lib/errors';
import { RepositoryExistsResponse } from './types';

/**
 * The request as the audit event records it: its path without the query,
 * which holds the `repoUrl` as the caller sent it (credentials included,
 * when a caller put them there; the parsed `repoUrl` is in the meta).
 */
function withoutQuery(request: Request): Request {
  return Object.create(request, {
    originalUrl: { value: request.originalUrl.split('?')[0] },
  });
}

/** What {@link MercurialRepositories} uses. */
export interface MercurialRepositoriesDeps {
  integrations: MercurialIntegrations;
  /** The pack's shared hgweb client. */
  hgweb: MercurialHgwebClient;
  /** Authorizes `mercurial.repository.create` for the caller. */
  permissions: PermissionsService;
  /** Records `mercurial-repository-lookup`. */
  auditor: AuditorService;
  /** With `userInfo`: the person behind a caller, for `readAs: caller`. */
  auth: AuthService;
  userInfo: UserInfoService;
  /** Per request to the hg server. */
  requestTimeoutMs: number;
}

/**
 * The repositories of the configured servers, as the scaffolder's picker
 * asks about them before `publish:hg` runs: does a `repoUrl` name a
 * repository, and has it changesets.
 */
export class MercurialRepositories {
  constructor(private readonly deps: MercurialRepositoriesDeps) {}

  /**
   * Whether `repoUrl` (`host?owner=team&repo=service`, as the RepoUrlPicker
   * writes it, or an hgweb URL) names a repository on its server, and
   * whether it has changesets: one wire-protocol lookup of `tip`, with the
   * caller's credentials for an entry with `readAs: caller`. Guarded by
   * `mercurial.repository.create` for the caller (who asks in order to
   * create one) and audited as `mercurial-repository-lookup`.
   *
   * @throws InputError for a malformed `repoUrl` or one of no configured
   *   server; NotAllowedError when the permission is denied, the caller is
   *   not a signed-in user for `readAs: caller`, or the server refuses the
   *   person; MercurialServerError when the server fails or refuses the
   *   integration's credentials
   */
  async exists(
    repoUrl: string,
    credentials: BackstageCredentials,
    request?: Request,
  ): Promise<RepositoryExistsResponse> {
    const meta: Record<string, string> = {};
    const event = await this.deps.auditor.createEvent({
      eventId: MERCURIAL_AUDIT_EVENTS.repositoryLookup,
      severityLevel: 'low',
      request: request && withoutQuery(request),
    });
    try {
      // Refuses a repoUrl with credentials without repeating it; only a
      // parsed one goes into the event.
      const { integration, repositoryPath } = parseMercurialRepoUrl(
        repoUrl,
        this.deps.integrations,
      );
      const client = this.deps.hgweb.forIntegration(integration);
      const { host } = integration.config;
      Object.assign(meta, { repoUrl, host, repository: repositoryPath });
      await this.authorize(credentials);

      let onBehalfOf;
      if (integration.config.readAs === 'caller') {
        onBehalfOf = await resolveOnBehalfOf(credentials, this.deps);
        if (!onBehalfOf) {
          throw new NotAllowedError(
            `readAs: caller needs a signed-in user: the integrations.mercurial entry for ${host} reads as the caller, and ${repoUrl} was not asked about by a user`,
          );
        }
        meta.onBehalfOf = onBehalfOf.userEntityRef;
      }

      const repositoryUrl = client.repositoryUrl(repositoryPath);
      let tip: string | undefined;
      let exists = true;
      try {
        tip = await client.lookup(repositoryPath, 'tip', {
          timeoutMs: this.deps.requestTimeoutMs,
          ...(onBehalfOf && { onBehalfOf, auditor: this.deps.auditor }),
        });
      } catch (e) {
        if ((e as Error)?.name !== 'NotFoundError') {
          throw toRouteError(
            e,
            onBehalfOf && {
              repositoryPath: client.describeRepository(repositoryPath),
              host,
            },
          );
        }
        exists = false;
      }
      const answer: RepositoryExistsResponse = {
        repositoryUrl,
        exists,
        hasChangesets: exists && tip !== undefined && tip !== NULL_NODE,
      };
      await event.success({
        meta: {
          ...meta,
          exists: String(answer.exists),
          hasChangesets: String(answer.hasChangesets),
        },
      });
      return answer;
    } catch (error) {
      await event.fail({ error: error as Error, meta: { ...meta } });
      throw error;
    }
  }

  /**
   * `mercurial.repository.create` for the caller; a denial is a
   * NotAllowedError (403) naming the permission and the caller.
   */
  private async authorize(credentials: BackstageCredentials): Promise<void> {
    const [decision] = await this.deps.permissions.authorize(
      [{ permission: mercurialRepositoryCreatePermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `Permission ${mercurialRepositoryCreatePermission.name} was denied for ${this.describeCaller(credentials)}`,
      );
    }
  }

  private describeCaller(credentials: BackstageCredentials): string {
    const { auth } = this.deps;
    if (auth.isPrincipal(credentials, 'user')) {
      return credentials.principal.userEntityRef;
    }
    if (auth.isPrincipal(credentials, 'service')) {
      return `the service ${credentials.principal.subject}`;
    }
    return 'an anonymous caller';
  }
}
