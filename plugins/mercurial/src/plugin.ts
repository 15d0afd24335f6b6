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
  createApiFactory,
  createComponentExtension,
  createPlugin,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { createScaffolderFieldExtension } from '@backstage/plugin-scaffolder-react';
import { MercurialClient, mercurialApiRef } from './api';
import {
  MercurialRepoUrlPicker,
  mercurialRepoUrlPickerValidation,
} from './components/RepoUrlPicker';

/**
 * The Mercurial plugin for apps of the legacy frontend system
 * (`createApp` from `@backstage/app-defaults`). Apps of the new frontend
 * system use the package's default export instead.
 *
 * @public
 */
export const mercurialPlugin = createPlugin({
  id: 'mercurial',
  apis: [
    createApiFactory({
      api: mercurialApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new MercurialClient({ discoveryApi, fetchApi }),
    }),
  ],
});

/**
 * The README card for the legacy entity page.
 *
 * @public
 */
export const EntityMercurialReadmeCard = mercurialPlugin.provide(
  createComponentExtension({
    name: 'EntityMercurialReadmeCard',
    component: {
      lazy: () =>
        import('./components/ReadmeCard').then(m => m.MercurialReadmeCard),
    },
  }),
);

/**
 * The recent changesets card for the legacy entity page.
 *
 * @public
 */
export const EntityMercurialCommitsCard = mercurialPlugin.provide(
  createComponentExtension({
    name: 'EntityMercurialCommitsCard',
    component: {
      lazy: () =>
        import('./components/CommitsCard').then(m => m.MercurialCommitsCard),
    },
  }),
);

/**
 * The contributors card for the legacy entity page.
 *
 * @public
 */
export const EntityMercurialContributorsCard = mercurialPlugin.provide(
  createComponentExtension({
    name: 'EntityMercurialContributorsCard',
    component: {
      lazy: () =>
        import('./components/ContributorsCard').then(
          m => m.MercurialContributorsCard,
        ),
    },
  }),
);

/**
 * The Mercurial tab for the legacy entity page: the whole history (paged,
 * with a path filter) and the repository's branches, tags and bookmarks.
 * Mount it at `/mercurial` so the commits card's link finds it.
 *
 * @public
 */
export const EntityMercurialContent = mercurialPlugin.provide(
  createComponentExtension({
    name: 'EntityMercurialContent',
    component: {
      lazy: () =>
        import('./components/MercurialContent').then(m => m.MercurialContent),
    },
  }),
);

/**
 * The `MercurialRepoUrlPicker` field for the legacy scaffolder: put it inside
 * `<ScaffolderFieldExtensions>` of the `/create` route.
 *
 * @public
 */
export const MercurialRepoUrlPickerFieldExtension = mercurialPlugin.provide(
  createScaffolderFieldExtension({
    name: 'MercurialRepoUrlPicker',
    component: MercurialRepoUrlPicker,
    validation: mercurialRepoUrlPickerValidation,
  }),
);
