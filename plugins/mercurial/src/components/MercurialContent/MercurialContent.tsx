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

import { FormEvent, useCallback, useEffect, useState } from 'react';
import { getCompoundEntityRef } from '@backstage/catalog-model';
import { InfoCard, Progress, WarningPanel } from '@backstage/core-components';
import { configApiRef, useApi } from '@backstage/core-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { MercurialCommit } from '@backstage-mercurial/plugin-mercurial-common';
import Button from '@material-ui/core/Button';
import Chip from '@material-ui/core/Chip';
import Grid from '@material-ui/core/Grid';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import { mercurialApiRef } from '../../api';
import { isMercurialAvailable } from '../../isMercurialAvailable';
import { CommitList } from '../common/CommitList';
import { shortNode } from '../common/format';
import {
  Empty,
  NOT_IN_MERCURIAL,
  ReadState,
  errorMessage,
  refOf,
  useMercurialRead,
} from '../common/state';

/** Changesets per page of the history. */
export const HISTORY_PAGE_SIZE = 25;

interface History {
  commits: MercurialCommit[];
  next?: string;
  loading: boolean;
  error?: unknown;
}

/**
 * The Mercurial tab of an entity: its whole history, 25 changesets a page,
 * limited to a path on request, and the repository's branches (open and
 * closed), tags and bookmarks.
 *
 * @public
 */
export function MercurialContent() {
  const { entity } = useEntity();
  const config = useApi(configApiRef);
  if (!isMercurialAvailable(entity, config)) {
    return <WarningPanel severity="info" title={NOT_IN_MERCURIAL} />;
  }
  return (
    <Grid container spacing={3}>
      <Grid item xs={12} md={8}>
        <HistoryCard />
      </Grid>
      <Grid item xs={12} md={4}>
        <RefsCard />
      </Grid>
    </Grid>
  );
}

function HistoryCard() {
  const { entity } = useEntity();
  const api = useApi(mercurialApiRef);
  const [pathInput, setPathInput] = useState('');
  const [path, setPath] = useState('');
  const [history, setHistory] = useState<History>({
    commits: [],
    loading: true,
  });

  const load = useCallback(
    async (before: string | undefined, previous: MercurialCommit[]) => {
      setHistory({ commits: previous, loading: true });
      try {
        const page = await api.getCommits(getCompoundEntityRef(entity), {
          limit: HISTORY_PAGE_SIZE,
          path: path || undefined,
          before,
        });
        setHistory({
          commits: [...previous, ...page.commits],
          next: page.next,
          loading: false,
        });
      } catch (error) {
        setHistory({ commits: previous, loading: false, error });
      }
    },
    [api, entity, path],
  );

  useEffect(() => {
    load(undefined, []);
  }, [load]);

  const onFilter = (event: FormEvent) => {
    event.preventDefault();
    setPath(pathInput.trim().replace(/^\/+/, ''));
  };

  return (
    <InfoCard title="History" subheader={path ? `Path: ${path}` : undefined}>
      <form onSubmit={onFilter} style={{ display: 'flex', gap: 8 }}>
        <TextField
          id="mercurial-history-path"
          label="Path"
          helperText="A file or directory below the entity's directory"
          value={pathInput}
          onChange={e => setPathInput(e.target.value)}
          size="small"
          fullWidth
        />
        <Button type="submit" variant="outlined">
          Filter
        </Button>
      </form>
      {!!history.error && (
        <WarningPanel
          severity="error"
          defaultExpanded
          title="Could not load the history"
          message={errorMessage(history.error)}
        />
      )}
      {!history.loading && !history.error && !history.commits.length && (
        <Empty>
          {path ? `No changesets touch ${path}` : 'No changesets yet'}
        </Empty>
      )}
      <CommitList commits={history.commits} />
      {history.loading && <Progress />}
      {!history.loading && history.next && (
        <Button
          onClick={() => load(history.next, history.commits)}
          variant="text"
        >
          Load more
        </Button>
      )}
    </InfoCard>
  );
}

function RefsCard() {
  const state = useMercurialRead((api, entity) =>
    api.getSummary(refOf(entity)),
  );
  if (state.status !== 'done') {
    return (
      <InfoCard title="Branches, tags and bookmarks">
        <ReadState state={state} title="branches, tags and bookmarks" />
      </InfoCard>
    );
  }
  const summary = state.value;
  return (
    <InfoCard title="Branches, tags and bookmarks">
      <Typography variant="subtitle2">Branches</Typography>
      {!summary.branches.length && <Empty>No branches</Empty>}
      <ul aria-label="Branches">
        {summary.branches.map(branch => (
          <li key={branch.name}>
            <code>{branch.name}</code> {shortNode(branch.node)}
            {branch.name === summary.defaultBranch && (
              <Chip size="small" label="default" style={{ marginLeft: 8 }} />
            )}
            {!branch.open && (
              <Chip
                size="small"
                variant="outlined"
                label="closed"
                style={{ marginLeft: 8 }}
              />
            )}
          </li>
        ))}
      </ul>
      <Typography variant="subtitle2">Tags</Typography>
      {!summary.tags.length && <Empty>No tags</Empty>}
      <ul aria-label="Tags">
        {summary.tags.map(tag => (
          <li key={tag.name}>
            <code>{tag.name}</code> {shortNode(tag.node)}
          </li>
        ))}
      </ul>
      <Typography variant="subtitle2">Bookmarks</Typography>
      {!summary.bookmarks.length && <Empty>No bookmarks</Empty>}
      <ul aria-label="Bookmarks">
        {summary.bookmarks.map(bookmark => (
          <li key={bookmark.name}>
            <code>{bookmark.name}</code> {shortNode(bookmark.node)}
          </li>
        ))}
      </ul>
    </InfoCard>
  );
}
