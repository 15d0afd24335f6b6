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
  ApiBlueprint,
  configApiRef,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';
import { MercurialClient, mercurialApiRef } from '../api';
import { isMercurialAvailable } from '../isMercurialAvailable';

/** `api:mercurial`: the {@link MercurialClient}. */
export const mercurialApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: mercurialApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new MercurialClient({ discoveryApi, fetchApi }),
    }),
});

/**
 * An entity card shown for entities in a Mercurial repository: the filter
 * is {@link isMercurialAvailable} with the app's config (an app may replace
 * it with a `filter` in app-config).
 */
function makeCard<const TName extends string>(
  name: TName,
  type: 'info' | 'content',
  loader: () => Promise<JSX.Element>,
) {
  return EntityCardBlueprint.makeWithOverrides({
    name,
    factory(originalFactory, { apis }) {
      const config = apis.get(configApiRef);
      return originalFactory({
        type,
        filter: entity => isMercurialAvailable(entity, config),
        loader,
      });
    },
  });
}

/** `entity-card:mercurial/readme` */
export const mercurialReadmeCard = makeCard('readme', 'content', () =>
  import('../components/ReadmeCard').then(m => <m.MercurialReadmeCard />),
);

/** `entity-card:mercurial/commits` */
export const mercurialCommitsCard = makeCard('commits', 'content', () =>
  import('../components/CommitsCard').then(m => <m.MercurialCommitsCard />),
);

/** `entity-card:mercurial/contributors` */
export const mercurialContributorsCard = makeCard('contributors', 'info', () =>
  import('../components/ContributorsCard').then(m => (
    <m.MercurialContributorsCard />
  )),
);

/**
 * `entity-content:mercurial`: the Mercurial tab at `{entity}/mercurial`,
 * in the `development` group, for entities in a Mercurial repository.
 */
export const mercurialEntityContent = EntityContentBlueprint.makeWithOverrides({
  factory(originalFactory, { apis }) {
    const config = apis.get(configApiRef);
    return originalFactory({
      path: '/mercurial',
      title: 'Mercurial',
      group: 'development',
      filter: entity => isMercurialAvailable(entity, config),
      loader: () =>
        import('../components/MercurialContent').then(m => (
          <m.MercurialContent />
        )),
    });
  },
});

/**
 * `scaffolder-form-field:mercurial/repo-url-picker`: the
 * `MercurialRepoUrlPicker` field of software templates.
 */
export const mercurialRepoUrlPickerField = FormFieldBlueprint.make({
  name: 'repo-url-picker',
  params: {
    field: () =>
      import('../components/RepoUrlPicker/field').then(
        m => m.mercurialRepoUrlPickerFormField,
      ),
  },
});
