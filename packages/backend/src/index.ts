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
 * The example backend: catalog, scaffolder and TechDocs reading from
 * Mercurial. Start it with ./scripts/start.sh at the repository root, which
 * also builds and serves the demo repositories (see README.md).
 */

import { createBackend } from '@backstage/backend-defaults';
import { backendFeatures, portalFeatures } from './features';

const backend = createBackend();
for (const feature of [...backendFeatures, ...portalFeatures]) {
  backend.add(feature);
}
backend.start();
