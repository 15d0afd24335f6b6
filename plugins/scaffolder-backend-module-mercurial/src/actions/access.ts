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

import { MercurialIntegration } from '@backstage-mercurial/integration';
import {
  MercurialOnBehalfOf,
  resolveOnBehalfOf,
} from '@backstage-mercurial/integration-node';
import {
  AuditorService,
  AuditorServiceEvent,
  AuthService,
  BackstageCredentials,
  PermissionsService,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import {
  AuthorizeResult,
  BasicPermission,
} from '@backstage/plugin-permission-common';

/** The `meta` of the scaffolder's audit events: strings only, never a secret. */
type AuditMeta = Record<string, string>;

/**
 * Who a task's hg commands and hgweb requests ask credentials for (an
 * integration with `readAs: caller`: the initiator; else nobody, the
 * integration's own), and the auditor that records the credentials issued
 * for them.
 */
export interface CredentialsOnBehalf {
  onBehalfOf?: MercurialOnBehalfOf;
  auditor?: AuditorService;
}

/** What the actions know of the task they run in. */
export interface TaskInitiator {
  credentials: BackstageCredentials;
  /** The initiator's user entity ref; missing for a service or nobody. */
  userEntityRef?: string;
}

/**
 * The task's initiator: the credentials the scaffolder recorded for it, and
 * the user behind them when there is one.
 */
export async function taskInitiator(
  ctx: {
    getInitiatorCredentials(): Promise<BackstageCredentials>;
    user?: { ref?: string };
  },
  auth?: AuthService,
): Promise<TaskInitiator> {
  const credentials = await ctx.getInitiatorCredentials();
  let userEntityRef: string | undefined;
  if (auth) {
    if (auth.isPrincipal(credentials, 'user')) {
      userEntityRef = credentials.principal.userEntityRef;
    }
  } else {
    // without the auth service (actions built directly): the principal as
    // the scaffolder recorded it, else the task's user
    const principal = credentials.principal as {
      type?: string;
      userEntityRef?: string;
    };
    userEntityRef =
      principal?.type === 'user' ? principal.userEntityRef : ctx.user?.ref;
  }
  return { credentials, userEntityRef };
}

function describeInitiator(initiator: TaskInitiator): string {
  return (
    initiator.userEntityRef ?? "the task's initiator (not a signed-in user)"
  );
}

/**
 * Authorizes `permission` for the task's initiator (without a permissions
 * service, as for actions built directly, nothing is checked: the module
 * always passes one).
 *
 * @throws NotAllowedError naming the permission and the initiator when the
 * policy denies it
 */
export async function authorizeInitiator(options: {
  action: string;
  permission: BasicPermission;
  initiator: TaskInitiator;
  permissions?: PermissionsService;
}): Promise<void> {
  const { permissions, permission, initiator } = options;
  if (!permissions) {
    return;
  }
  const [decision] = await permissions.authorize([{ permission }], {
    credentials: initiator.credentials,
  });
  if (decision.result !== AuthorizeResult.ALLOW) {
    throw new NotAllowedError(
      `${options.action}: permission ${permission.name} was denied for ${describeInitiator(initiator)}`,
    );
  }
}

/**
 * For an integration with `readAs: caller`, the initiator the task's hg
 * commands and hgweb requests ask credentials for; `undefined` for one with
 * `readAs: service` (the integration's own credentials).
 *
 * @throws NotAllowedError when the entry has `readAs: caller` and the
 * initiator is not a signed-in user (fail closed: never the integration's
 * own credentials instead)
 */
export async function initiatorOnBehalfOf(options: {
  action: string;
  integration: MercurialIntegration;
  initiator: TaskInitiator;
  auth?: AuthService;
  userInfo?: UserInfoService;
}): Promise<MercurialOnBehalfOf | undefined> {
  const { integration, auth, userInfo, action } = options;
  if (integration.config.readAs !== 'caller') {
    return undefined;
  }
  const { host } = integration.config;
  if (!auth || !userInfo) {
    throw new NotAllowedError(
      `${action}: the integrations.mercurial entry for ${host} has readAs: caller, which needs the auth and userInfo services to know the task's initiator; give them to the action`,
    );
  }
  const onBehalfOf = await resolveOnBehalfOf(options.initiator.credentials, {
    auth,
    userInfo,
  });
  if (!onBehalfOf) {
    throw new NotAllowedError(
      `${action}: the integrations.mercurial entry for ${host} has readAs: caller, which needs the task's initiator to be a signed-in user; this task was started by a service or anonymously, so nothing is read from or written to ${host} for it`,
    );
  }
  return onBehalfOf;
}

/** An audit event of an action, or nothing without an auditor. */
export interface ActionAudit {
  success(meta?: AuditMeta): Promise<void>;
  fail(error: unknown): Promise<void>;
}

/**
 * Starts the audit event `eventId` (severity medium) with `meta`, which
 * never holds a secret; without an auditor, does nothing.
 */
export async function startAudit(
  auditor: AuditorService | undefined,
  eventId: string,
  meta: AuditMeta,
): Promise<ActionAudit> {
  if (!auditor) {
    return { success: async () => {}, fail: async () => {} };
  }
  const event: AuditorServiceEvent = await auditor.createEvent({
    eventId,
    severityLevel: 'medium',
    meta,
  });
  return {
    success: async extra => event.success({ meta: extra }),
    fail: async error =>
      event.fail({
        error: error instanceof Error ? error : new Error(String(error)),
      }),
  };
}

/** The meta of an action's audit event, without the fields it lacks. */
export function auditMeta(
  fields: Record<string, string | undefined>,
): AuditMeta {
  return Object.fromEntries(
    Object.entries(fields).filter(([, v]) => v !== undefined),
  ) as AuditMeta;
}
