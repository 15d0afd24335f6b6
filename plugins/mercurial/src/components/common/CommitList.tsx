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

import { Link } from '@backstage/core-components';
import { MercurialCommit } from '@backstage-mercurial/plugin-mercurial-common';
import Chip from '@material-ui/core/Chip';
import List from '@material-ui/core/List';
import ListItem from '@material-ui/core/ListItem';
import ListItemText from '@material-ui/core/ListItemText';
import { firstLine, relativeDate, shortNode } from './format';

/**
 * Changesets as rows: short node, summary, author, relative date, and chips
 * for a named branch (not `default`), tags and bookmarks; each row links to
 * the changeset's page on the server.
 */
export function CommitList(props: { commits: MercurialCommit[] }) {
  return (
    <List dense disablePadding>
      {props.commits.map(commit => (
        <ListItem key={commit.node} divider disableGutters>
          <ListItemText
            primary={
              <Link to={commit.url} title={commit.node}>
                <code>{shortNode(commit.node)}</code>{' '}
                {firstLine(commit.message)}
              </Link>
            }
            secondary={
              <>
                {commit.author.name} ·{' '}
                <time dateTime={commit.date} title={commit.date}>
                  {relativeDate(commit.date)}
                </time>
                {commit.branch !== 'default' && (
                  <RefChip kind="branch" name={commit.branch} />
                )}
                {commit.tags.map(tag => (
                  <RefChip key={`t-${tag}`} kind="tag" name={tag} />
                ))}
                {commit.bookmarks.map(bookmark => (
                  <RefChip
                    key={`b-${bookmark}`}
                    kind="bookmark"
                    name={bookmark}
                  />
                ))}
              </>
            }
            secondaryTypographyProps={{ component: 'div' }}
          />
        </ListItem>
      ))}
    </List>
  );
}

function RefChip(props: { kind: 'branch' | 'tag' | 'bookmark'; name: string }) {
  return (
    <Chip
      size="small"
      variant={props.kind === 'branch' ? 'default' : 'outlined'}
      label={`${props.kind}: ${props.name}`}
      style={{ marginLeft: 8 }}
    />
  );
}
