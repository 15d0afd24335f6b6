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

import { MercurialIntegrations } from '@backstage-mercurial/integration';
import {
  HgRunner,
  MercurialCredentialsService,
  MercurialHgwebClient,
} from '@backstage-mercurial/integration-node';
import {
  AuditorService,
  AuthService,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';

/**
 * What every action of this module needs.
 *
 * @public
 */
export interface MercurialActionOptions {
  integrations: MercurialIntegrations;
  config: Config;
  runner?: HgRunner;
  /**
   * Where the credentials of every hg command that talks to an HTTP(S)
   * server come from (`purpose: 'read'` for clones and the checks before a
   * push, `'write'` for pushes). The module passes the backend's
   * `mercurialCredentialsServiceRef`; default for actions built directly:
   * a `DefaultMercurialCredentialsService` on `integrations` (each entry's
   * static credentials or credential source).
   */
  credentials?: MercurialCredentialsService;
  /**
   * The hgweb client publish:hg waits for its new changeset with. The module
   * passes the backend's `mercurialHgwebClientServiceRef`; default for
   * actions built directly: a client of their own on `credentials`.
   */
  hgweb?: MercurialHgwebClient;
  /** How long publish:hg waits for the server's HTTP side (default 60 s). */
  publishWaitMs?: number;
  /**
   * Authorizes `mercurial.repository.create` (publish:hg) and
   * `mercurial.repository.push` (hg:push) for the task's initiator. The
   * module passes `coreServices.permissions`; without it (actions built
   * directly) nothing is checked, as with Backstage's allow-all policy.
   */
  permissions?: PermissionsService;
  /**
   * Records `mercurial-repository-publish`, `mercurial-repository-push` and
   * the credentials issued for a person (`mercurial-credentials-issued`).
   * The module passes `coreServices.auditor`; without it nothing is
   * recorded.
   */
  auditor?: AuditorService;
  /**
   * With `userInfo`: who the task's initiator is, for the entries with
   * `readAs: caller` (which fail closed without them). The module passes
   * `coreServices.auth` and `coreServices.userInfo`.
   */
  auth?: AuthService;
  userInfo?: UserInfoService;
}

/** The options with their defaults filled in. */
export interface ResolvedActionOptions extends MercurialActionOptions {
  runner: HgRunner;
  credentials: MercurialCredentialsService;
  hgweb: MercurialHgwebClient;
}

/** Fills in the defaults of {@link MercurialActionOptions}. */
export function resolveActionOptions(
  options: MercurialActionOptions,
): ResolvedActionOptions {
  const hgweb =
    options.hgweb ??
    MercurialHgwebClient.create({
      integrations: options.integrations,
      credentials: options.credentials,
    });
  return {
    ...options,
    runner: options.runner ?? new HgRunner(),
    credentials: options.credentials ?? hgweb.credentials,
    hgweb,
  };
}
