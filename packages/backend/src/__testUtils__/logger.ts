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
  RootLoggerService,
} from '@backstage/backend-plugin-api';

/**
 * A root logger that keeps every message and meta field the backend logs
 * (its children log into the same list), for a test to look through.
 */
export function recordingRootLogger() {
  const logged: string[] = [];
  const logger: RootLoggerService = {
    error: (message, meta) => record(message, meta),
    warn: (message, meta) => record(message, meta),
    info: (message, meta) => record(message, meta),
    debug: (message, meta) => record(message, meta),
    child: () => logger,
  };
  function record(message: string, meta?: unknown) {
    logged.push(`${message} ${meta ? JSON.stringify(meta) : ''}`);
  }
  return {
    logged,
    factory: createServiceFactory({
      service: coreServices.rootLogger,
      deps: {},
      factory: () => logger,
    }),
  };
}
