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
  coreServices,
  createServiceFactory,
  ServiceFactory,
  AuditorService,
} from '@backstage/backend-plugin-api';
import {
  AuditorEvent,
  DefaultAuditorService,
} from '@backstage/backend-defaults/auditor';

/**
 * An audit event as Backstage's default auditor writes it: plugin, event
 * id, severity, actor, status (`initiated`, `succeeded`, `failed`), meta
 * and, for a failure, the error.
 *
 * @public
 */
export type RecordedAuditEvent = AuditorEvent & {
  error?: Error;
};

/**
 * Backstage's own auditor (`DefaultAuditorService`, the one
 * `coreServices.auditor` is by default), writing its events to an array
 * instead of the log: add `factory` to a test backend's features and read
 * `events`.
 *
 * @public
 */
export function recordingAuditor(): {
  factory: ServiceFactory<AuditorService, 'plugin', 'singleton'>;
  events: RecordedAuditEvent[];
  /** The events of one id that finished (succeeded or failed). */
  outcomes(eventId: string): RecordedAuditEvent[];
} {
  const events: RecordedAuditEvent[] = [];
  const factory = createServiceFactory({
    service: coreServices.auditor,
    deps: {
      auth: coreServices.auth,
      httpAuth: coreServices.httpAuth,
      plugin: coreServices.pluginMetadata,
    },
    factory: ({ auth, httpAuth, plugin }) =>
      DefaultAuditorService.create(
        async event => {
          events.push(event as RecordedAuditEvent);
        },
        { auth, httpAuth, plugin },
      ),
  });
  return {
    factory,
    events,
    outcomes: eventId =>
      events.filter(e => e.eventId === eventId && e.status !== 'initiated'),
  };
}
