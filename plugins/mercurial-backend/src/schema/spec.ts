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

import { resolvePackagePath } from '@backstage/backend-plugin-api';
import { promises as fs } from 'node:fs';
import { parse } from 'yaml';

/** Where the OpenAPI description of the routes is, in the package. */
export const OPENAPI_SPEC_PATH = resolvePackagePath(
  '@backstage-mercurial/plugin-mercurial-backend',
  'src/schema/openapi.yaml',
);

/** The OpenAPI 3.0 description of the routes, parsed. */
export async function loadOpenApiSpec(): Promise<any> {
  return parse(await fs.readFile(OPENAPI_SPEC_PATH, 'utf8'));
}
