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

import { eventually } from '@backstage-mercurial/test-utils';
import { BackendFeature } from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import { CatalogClient } from '@backstage/catalog-client';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import catalogModuleTemplateKind from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import { JsonObject } from '@backstage/types';
import scaffolderModuleMercurial from '../index';

/** A finished scaffolder task. */
export interface FinishedTask {
  id: string;
  status: string;
  /** Every event of the task (its log lines and its completion). */
  events: any[];
  /** The log messages, one a line. */
  messages: string;
  /** The template's output, from the completion event. */
  output: JsonObject | undefined;
}

/**
 * A real backend with the catalog (Template kind), the scaffolder and this
 * module, plus `features`: the catalog reads `locations` (processing every
 * second) and accepts the kinds of `allow`; `integrations` are the
 * `integrations.mercurial` entries. And how to run a template in it through
 * the scaffolder's REST API, as the frontend does; `config` adds top-level
 * config keys (e.g. `permission`).
 */
export async function startScaffolderBackend(options: {
  workingDirectory: string;
  integrations: JsonObject[];
  locations: Array<{ type: string; target: string }>;
  allow: string[];
  features?: BackendFeature[];
  config?: JsonObject;
}) {
  const backend: TestBackend = await startTestBackend({
    features: [
      catalogPlugin,
      catalogModuleTemplateKind,
      scaffolderPlugin,
      scaffolderModuleMercurial,
      ...(options.features ?? []),
      mockServices.rootConfig.factory({
        data: {
          ...options.config,
          backend: { workingDirectory: options.workingDirectory },
          integrations: { mercurial: options.integrations },
          catalog: {
            processingInterval: { seconds: 1 },
            rules: [{ allow: options.allow }],
            locations: options.locations,
          },
        },
      }),
    ],
  });
  const token = mockCredentials.user.token();
  const base = `http://localhost:${backend.server.port()}/api`;
  const catalog = new CatalogClient({
    discoveryApi: { getBaseUrl: async id => `${base}/${id}` },
  });
  const api = async (
    urlPath: string,
    init: RequestInit = {},
    as: string = token,
  ) => {
    const response = await fetch(`${base}/scaffolder/v2/${urlPath}`, {
      ...init,
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${as}`,
      },
    });
    return { status: response.status, body: await response.json() };
  };

  /**
   * Runs a template (once the catalog has it) to its end, started with
   * `startedWith`'s token (default the mock user's): the scaffolder records
   * the task's initiator from it, e.g.
   * `mockCredentials.user.token('user:default/bob')`.
   */
  async function runTask(
    templateRef: string,
    values: JsonObject,
    startedWith: string = token,
  ): Promise<FinishedTask> {
    await eventually(`${templateRef} in the catalog`, () =>
      catalog.getEntityByRef(templateRef, { token }),
    );
    const created = await api(
      'tasks',
      {
        method: 'POST',
        body: JSON.stringify({ templateRef, values }),
      },
      startedWith,
    );
    if (created.status !== 201) {
      throw new Error(`Creating the task answered ${created.status}`);
    }
    const id: string = created.body.id;
    const task = await eventually('the task to finish', async () => {
      const { body } = await api(`tasks/${id}`);
      return ['completed', 'failed'].includes(body.status) ? body : undefined;
    });
    const { body: events } = await api(`tasks/${id}/events`);
    return {
      id,
      status: task.status,
      events,
      messages: events
        .map((e: any) => e.body?.message)
        .filter(Boolean)
        .join('\n'),
      output: events.find((e: any) => e.type === 'completion')?.body?.output,
    };
  }

  return { backend, catalog, token, base, runTask };
}
