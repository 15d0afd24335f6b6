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

import { InfoCard } from '@backstage/core-components';
import { useRouteRef } from '@backstage/core-plugin-api';
import {
  entityRouteParams,
  entityRouteRef,
  useEntity,
} from '@backstage/plugin-catalog-react';
import { CommitList } from '../common/CommitList';
import { Empty, ReadState, refOf, useMercurialRead } from '../common/state';

/** How many changesets the card shows by default. */
const DEFAULT_LIMIT = 5;

/** The path of the Mercurial tab below the entity page. */
export const MERCURIAL_TAB_PATH = 'mercurial';

/**
 * Props of {@link MercurialCommitsCard}.
 *
 * @public
 */
export interface MercurialCommitsCardProps {
  /** How many changesets to show; default 5. */
  limit?: number;
}

/**
 * The entity's latest changesets, with a link to the Mercurial tab.
 *
 * @public
 */
export function MercurialCommitsCard(props: MercurialCommitsCardProps) {
  const limit = props.limit ?? DEFAULT_LIMIT;
  const { entity } = useEntity();
  const entityRoute = useRouteRef(entityRouteRef);
  const state = useMercurialRead(
    (api, e) => api.getCommits(refOf(e), { limit }),
    [limit],
  );
  const tabLink = `${entityRoute(entityRouteParams(entity))}/${MERCURIAL_TAB_PATH}`;
  const done = state.status === 'done';
  return (
    <InfoCard
      title="Recent changesets"
      deepLink={
        done && state.value.commits.length
          ? { link: tabLink, title: 'More changesets' }
          : undefined
      }
    >
      {!done && <ReadState state={state} title="changesets" />}
      {done && !state.value.commits.length && <Empty>No changesets yet</Empty>}
      {done && state.value.commits.length > 0 && (
        <CommitList commits={state.value.commits} />
      )}
    </InfoCard>
  );
}
