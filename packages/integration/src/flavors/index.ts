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

import type { MercurialFlavor } from '../config';
import { HEPTAPOD_WEB_URLS } from './heptapod';
import { KALLITHEA_WEB_URLS } from './kallithea';
import type { MercurialWebUrls } from './types';

/** The web URLs of the hosted flavors (hgweb's are in `urls.ts`). */
export const HOSTED_WEB_URLS: Record<
  Exclude<MercurialFlavor, 'hgweb'>,
  MercurialWebUrls
> = {
  heptapod: HEPTAPOD_WEB_URLS,
  kallithea: KALLITHEA_WEB_URLS,
};
