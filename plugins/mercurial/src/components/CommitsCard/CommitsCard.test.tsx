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

import { screen } from '@testing-library/react';
import {
  backendError,
  commit,
  gitEntity,
  mercurialApiMock,
  renderForEntity,
  sourceFields,
} from '../../__testUtils__/testing';
import { MercurialCommitsCard } from './CommitsCard';

describe('MercurialCommitsCard', () => {
  it('shows the latest changesets with node, summary, author, date and refs', async () => {
    const api = mercurialApiMock({
      getCommits: jest.fn(async () => ({
        ...sourceFields,
        path: '',
        commits: [
          commit(3, { tags: ['v1.2.0'], bookmarks: ['main'] }),
          commit(5, { branch: 'stable', author: 'Jane Doe' }),
        ],
      })),
    });
    renderForEntity(<MercurialCommitsCard />, { api });

    const first = await screen.findByRole('link', { name: /Change 3/ });
    expect(first).toHaveTextContent('030303030303 Change 3');
    expect(first).not.toHaveTextContent('Details');
    expect(first).toHaveAttribute(
      'href',
      `https://hg.example.com/hg/team/payments/rev/${'03'.repeat(20)}`,
    );
    expect(screen.getByText('3 days ago')).toBeInTheDocument();
    expect(screen.getByText('tag: v1.2.0')).toBeInTheDocument();
    expect(screen.getByText('bookmark: main')).toBeInTheDocument();
    expect(screen.getByText('branch: stable')).toBeInTheDocument();
    expect(screen.queryByText('branch: default')).not.toBeInTheDocument();
    expect(screen.getByText(/Jane Doe/)).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: /More changesets/ }),
    ).toHaveAttribute(
      'href',
      '/catalog/default/component/payments-api/mercurial',
    );
    expect(api.getCommits).toHaveBeenCalledWith(
      { kind: 'Component', namespace: 'default', name: 'payments-api' },
      { limit: 5 },
    );
  });

  it('shows progress while loading', async () => {
    const api = mercurialApiMock({
      getCommits: jest.fn(() => new Promise<never>(() => {})),
    });
    renderForEntity(<MercurialCommitsCard />, { api });
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
  });

  it('says when there are no changesets yet', async () => {
    const api = mercurialApiMock({
      getCommits: jest.fn(async () => ({
        ...sourceFields,
        path: '',
        commits: [],
      })),
    });
    renderForEntity(<MercurialCommitsCard />, { api });
    expect(await screen.findByText('No changesets yet')).toBeInTheDocument();
    expect(screen.queryByRole('link', { name: /More changesets/ })).toBeNull();
  });

  it('says that a git entity is not in Mercurial, without asking the backend', async () => {
    const api = mercurialApiMock();
    renderForEntity(<MercurialCommitsCard />, { api, entity: gitEntity });
    expect(
      await screen.findByText(/This entity is not in a Mercurial repository/),
    ).toBeInTheDocument();
    expect(api.getCommits).not.toHaveBeenCalled();
  });

  it("shows the route's message when the backend refuses", async () => {
    const error = await backendError(
      403,
      'NotAllowedError',
      'Permission mercurial.history.read was denied for user:default/guest',
    );
    const api = mercurialApiMock({
      getCommits: jest.fn(async () => {
        throw error;
      }),
    });
    renderForEntity(<MercurialCommitsCard />, { api });
    expect(
      await screen.findByText(
        'Permission mercurial.history.read was denied for user:default/guest',
      ),
    ).toBeInTheDocument();
    expect(screen.queryByText(/at .*\.tsx?:\d+/)).toBeNull();
  });
});
