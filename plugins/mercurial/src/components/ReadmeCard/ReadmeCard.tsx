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

import { InfoCard, MarkdownContent } from '@backstage/core-components';
import Typography from '@material-ui/core/Typography';
import {
  Empty,
  ReadState,
  errorMessage,
  isNotFound,
  refOf,
  useMercurialRead,
} from '../common/state';
import { readmeLinkTransforms } from './links';

/**
 * The README of the entity's directory (else of its repository root), as
 * the Mercurial server has it at the entity's revision.
 *
 * @public
 */
export function MercurialReadmeCard() {
  const state = useMercurialRead((api, entity) => api.getReadme(refOf(entity)));
  if (state.status === 'error' && isNotFound(state.error)) {
    return (
      <InfoCard title="README">
        <Empty>No README</Empty>
        <Typography variant="body2" color="textSecondary">
          {errorMessage(state.error)}
        </Typography>
      </InfoCard>
    );
  }
  if (state.status !== 'done') {
    return (
      <InfoCard title="README">
        <ReadState state={state} title="README" />
      </InfoCard>
    );
  }
  const readme = state.value;
  return (
    <InfoCard
      title="README"
      subheader={readme.path}
      deepLink={{ link: readme.url, title: 'View on server' }}
    >
      {!readme.content.trim() && <Empty>No README</Empty>}
      {readme.content.trim() && readme.format === 'markdown' && (
        <MarkdownContent
          content={readme.content}
          dialect="gfm"
          {...readmeLinkTransforms(readme)}
        />
      )}
      {readme.content.trim() && readme.format === 'text' && (
        <pre style={{ whiteSpace: 'pre-wrap', margin: 0 }}>
          {readme.content}
        </pre>
      )}
      {readme.truncated && (
        <Typography variant="body2" color="textSecondary">
          The README is larger than 1 MiB: only its beginning is shown.
        </Typography>
      )}
    </InfoCard>
  );
}
