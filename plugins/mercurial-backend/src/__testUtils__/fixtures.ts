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
 * What the history backend's tests share: the catalog entities they
 * register, and a check of answers against the plugin's OpenAPI spec.
 */

import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { loadOpenApiSpec } from '../schema/spec';

/**
 * The YAML of a Component entity, with `backstage.io/source-location`
 * when `sourceLocation` is given.
 */
export function componentYaml(options: {
  name: string;
  owner: string;
  sourceLocation?: string;
}): string {
  return [
    'apiVersion: backstage.io/v1alpha1',
    'kind: Component',
    'metadata:',
    `  name: ${options.name}`,
    ...(options.sourceLocation
      ? [
          '  annotations:',
          `    backstage.io/source-location: ${JSON.stringify(options.sourceLocation)}`,
        ]
      : []),
    'spec:',
    '  type: service',
    '  lifecycle: production',
    `  owner: ${options.owner}`,
    '',
  ].join('\n');
}

/**
 * A check of an answer against a schema of `src/schema/openapi.yaml`
 * (`CommitsResponse`, `Error`, ...): throws, with the validator's errors
 * and the answer, when it does not match.
 */
export async function createOpenApiValidator(): Promise<
  (schema: string, body: unknown) => void
> {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(await loadOpenApiSpec(), 'openapi');
  return (schema, body) => {
    const check = ajv.getSchema(`openapi#/components/schemas/${schema}`);
    if (!check) {
      throw new Error(`The OpenAPI spec has no schema ${schema}`);
    }
    if (!check(body)) {
      throw new Error(
        `The answer does not match ${schema} of the OpenAPI spec: ${ajv.errorsText(check.errors)}\n${JSON.stringify(body, null, 2)}`,
      );
    }
  };
}
