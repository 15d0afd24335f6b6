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
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import Typography from '@material-ui/core/Typography';
import { relativeDate } from '../common/format';
import { Empty, ReadState, refOf, useMercurialRead } from '../common/state';

/**
 * Who committed to the entity's directory: name, number of changesets and
 * last activity, most active first (the backend's order).
 *
 * @public
 */
export function MercurialContributorsCard() {
  const state = useMercurialRead((api, entity) =>
    api.getContributors(refOf(entity)),
  );
  if (state.status !== 'done') {
    return (
      <InfoCard title="Contributors">
        <ReadState state={state} title="contributors" />
      </InfoCard>
    );
  }
  const { contributors, truncated, commitCount } = state.value;
  return (
    <InfoCard title="Contributors">
      {!contributors.length && <Empty>No contributors yet</Empty>}
      <List dense disablePadding>
        {contributors.map(contributor => (
          <ListItem
            key={`${contributor.name} ${contributor.email ?? ''}`}
            divider
            disableGutters
          >
            <ListItemText
              primary={contributor.name}
              secondary={
                <>
                  {contributor.commitCount === 1
                    ? '1 changeset'
                    : `${contributor.commitCount} changesets`}{' '}
                  · last{' '}
                  <time
                    dateTime={contributor.lastCommitDate}
                    title={contributor.lastCommitDate}
                  >
                    {relativeDate(contributor.lastCommitDate)}
                  </time>
                </>
              }
            />
          </ListItem>
        ))}
      </List>
      {truncated && (
        <Typography variant="body2" color="textSecondary">
          Counted over the latest {commitCount} changesets only.
        </Typography>
      )}
    </InfoCard>
  );
}
