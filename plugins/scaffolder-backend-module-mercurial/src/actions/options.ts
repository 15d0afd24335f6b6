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
import { HgRunner } from '@backstage-mercurial/integration-node';
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
  /** How long publish:hg waits for the server's HTTP side (default 60 s). */
  publishWaitMs?: number;
}
