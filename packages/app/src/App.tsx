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
 * The demo portal: Backstage's new frontend system with the catalog, the
 * scaffolder, TechDocs and the Mercurial plugin. The example backend
 * (packages/backend) serves its build on http://localhost:7007.
 */

import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import scaffolderPlugin from '@backstage/plugin-scaffolder/alpha';
import searchPlugin from '@backstage/plugin-search/alpha';
import techdocsPlugin from '@backstage/plugin-techdocs/alpha';
import userSettingsPlugin from '@backstage/plugin-user-settings/alpha';
import mercurialPlugin from '@backstage-mercurial/plugin-mercurial';
import { homeModule } from './modules/home';
import { navModule } from './modules/nav';
import { signInModule } from './modules/signIn';

/** The demo app and its features. */
export default createApp({
  features: [
    catalogPlugin,
    scaffolderPlugin,
    techdocsPlugin,
    // TechDocs' reader asks for the search API.
    searchPlugin,
    userSettingsPlugin,
    // README, changesets and contributors cards, the Mercurial tab and the
    // MercurialRepoUrlPicker form field.
    mercurialPlugin,
    homeModule,
    navModule,
    signInModule,
  ],
});
