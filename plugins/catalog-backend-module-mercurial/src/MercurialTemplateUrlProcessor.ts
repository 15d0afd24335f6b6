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
  MercurialIntegration,
  MercurialIntegrations,
} from '@backstage-mercurial/integration';
import {
  ANNOTATION_SOURCE_LOCATION,
  Entity,
  parseLocationRef,
} from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import { LocationSpec } from '@backstage/plugin-catalog-common';
import { CatalogProcessor } from '@backstage/plugin-catalog-node';
import { getMercurialSourceDirectoryUrl } from './urls';

// A scaffolder expression, `${{ parameters.x }}`: kept as it is.
const EXPRESSION = /\$\{\{[\s\S]*?\}\}/g;
const MARKER = /__hgexpr(\d+)__/g;
const HAS_MARKER = /__hgexpr\d+__/;

function isAbsoluteUrl(url: string): boolean {
  try {
    return Boolean(new URL(url));
  } catch {
    return false;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Resolves the relative `url` of a fetch step against `directory` (a
 * `{baseUrl}/{repo}/file/{rev}/{dir}/` URL), keeping the scaffolder
 * expressions in it; `undefined` for a URL to leave as it is: absolute, one
 * that starts with an expression (it may render to an absolute URL), or one
 * that leads out of the repository.
 */
export function resolveMercurialTemplateUrl(
  integration: MercurialIntegration,
  url: string,
  directory: string,
): string | undefined {
  if (
    isAbsoluteUrl(url) ||
    url.trimStart().startsWith('${{') ||
    HAS_MARKER.test(url)
  ) {
    return undefined;
  }
  const expressions: string[] = [];
  const masked = url.replace(
    EXPRESSION,
    expression => `__hgexpr${expressions.push(expression) - 1}__`,
  );
  if (/[{}]/.test(masked)) {
    return undefined; // a Nunjucks construct other than ${{ }}
  }
  let resolved: string;
  try {
    resolved = integration.resolveUrl({ url: masked, base: directory });
  } catch {
    return undefined; // e.g. '../../x' above the repository root
  }
  return resolved.replace(MARKER, (_, i) => expressions[Number(i)]);
}

/**
 * Resolves the relative `url` inputs of the `fetch:*` steps (`fetch:template`,
 * `fetch:plain`, `fetch:template:file`, `fetch:plain:file`, and others built
 * on the scaffolder's `fetchContents`) of `Template` entities read from a
 * Mercurial location against that location, so that `url: ./skeleton` becomes
 * `{baseUrl}/{repo}/file/{rev}/{dir}/skeleton`. The scaffolder's own
 * resolution needs an integration of Backstage's closed `ScmIntegrations`
 * registry and fails for hg hosts; an absolute URL it reads through the URL
 * reader. The base is the one the scaffolder would use: the template's
 * `backstage.io/source-location`, else its location. Absolute URLs, URLs that
 * start with an expression, and templates based elsewhere are left as they
 * are.
 *
 * @public
 */
export class MercurialTemplateUrlProcessor implements CatalogProcessor {
  static fromConfig(config: Config): MercurialTemplateUrlProcessor {
    return new MercurialTemplateUrlProcessor(
      MercurialIntegrations.fromConfig(config),
    );
  }

  constructor(private readonly integrations: MercurialIntegrations) {}

  getProcessorName(): string {
    return 'MercurialTemplateUrlProcessor';
  }

  async preProcessEntity(
    entity: Entity,
    location: LocationSpec,
  ): Promise<Entity> {
    if (
      entity.kind !== 'Template' ||
      !entity.apiVersion.startsWith('scaffolder.backstage.io/') ||
      !Array.isArray(entity.spec?.steps)
    ) {
      return entity;
    }
    const base = this.baseUrl(entity, location);
    const integration = base ? this.integrations.byUrl(base) : undefined;
    const directory =
      base && integration
        ? getMercurialSourceDirectoryUrl(integration, base)
        : undefined;
    if (!integration || !directory) {
      return entity;
    }

    let changed = false;
    const steps = entity.spec.steps.map(step => {
      if (
        !isObject(step) ||
        typeof step.action !== 'string' ||
        !step.action.startsWith('fetch:') ||
        !isObject(step.input) ||
        typeof step.input.url !== 'string'
      ) {
        return step;
      }
      const url = resolveMercurialTemplateUrl(
        integration,
        step.input.url,
        directory,
      );
      if (url === undefined) {
        return step;
      }
      changed = true;
      return { ...step, input: { ...step.input, url } };
    });
    return changed ? { ...entity, spec: { ...entity.spec, steps } } : entity;
  }

  /** The scaffolder's base URL for the template: source-location, else the location. */
  private baseUrl(entity: Entity, location: LocationSpec): string | undefined {
    const sourceLocation =
      entity.metadata.annotations?.[ANNOTATION_SOURCE_LOCATION];
    if (!sourceLocation) {
      return location.type === 'url' ? location.target : undefined;
    }
    try {
      const { type, target } = parseLocationRef(sourceLocation);
      return type === 'url' ? target : undefined;
    } catch {
      return undefined;
    }
  }
}
