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
  gitEntity,
  mercurialApiMock,
  renderForEntity,
  sourceFields,
} from '../../__testUtils__/testing';
import { MercurialContributorsCard } from './ContributorsCard';

const daysAgo = (days: number) =>
  new Date(Date.now() - days * 24 * 3600 * 1000 - 3600 * 1000).toISOString();

describe('MercurialContributorsCard', () => {
  it('shows name, changeset count and last activity', async () => {
    const api = mercurialApiMock({
      getContributors: jest.fn(async () => ({
        ...sourceFields,
        path: '',
        commitCount: 13,
        truncated: false,
        contributors: [
          {
            name: 'Jane Doe',
            email: 'jane@example.com',
            commitCount: 12,
            firstCommitDate: daysAgo(40),
            lastCommitDate: daysAgo(2),
          },
          {
            name: 'Bob',
            commitCount: 1,
            firstCommitDate: daysAgo(20),
            lastCommitDate: daysAgo(20),
          },
        ],
      })),
    });
    renderForEntity(<MercurialContributorsCard />, { api });
    expect(await screen.findByText('Jane Doe')).toBeInTheDocument();
    expect(screen.getByText(/12 changesets/)).toHaveTextContent(
      '12 changesets · last 2 days ago',
    );
    expect(screen.getByText(/1 changeset\b/)).toHaveTextContent(
      '1 changeset · last 2 weeks ago',
    );
    expect(screen.queryByText(/latest 13 changesets only/)).toBeNull();
  });

  it('says when older history was left out', async () => {
    const api = mercurialApiMock({
      getContributors: jest.fn(async () => ({
        ...sourceFields,
        path: '',
        commitCount: 5000,
        truncated: true,
        contributors: [
          {
            name: 'Jane Doe',
            commitCount: 5000,
            firstCommitDate: daysAgo(400),
            lastCommitDate: daysAgo(1),
          },
        ],
      })),
    });
    renderForEntity(<MercurialContributorsCard />, { api });
    expect(
      await screen.findByText(/latest 5000 changesets only/),
    ).toBeInTheDocument();
  });

  it('shows progress while loading', async () => {
    const api = mercurialApiMock({
      getContributors: jest.fn(() => new Promise<never>(() => {})),
    });
    renderForEntity(<MercurialContributorsCard />, { api });
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
  });

  it('says when there are no contributors yet', async () => {
    const api = mercurialApiMock({
      getContributors: jest.fn(async () => ({
        ...sourceFields,
        path: '',
        commitCount: 0,
        truncated: false,
        contributors: [],
      })),
    });
    renderForEntity(<MercurialContributorsCard />, { api });
    expect(await screen.findByText('No contributors yet')).toBeInTheDocument();
  });

  it('says that a git entity is not in Mercurial', async () => {
    const api = mercurialApiMock();
    renderForEntity(<MercurialContributorsCard />, { api, entity: gitEntity });
    expect(
      await screen.findByText(/This entity is not in a Mercurial repository/),
    ).toBeInTheDocument();
    expect(api.getContributors).not.toHaveBeenCalled();
  });

  it("shows the route's message on a 403", async () => {
    const error = await backendError(
      403,
      'NotAllowedError',
      'Permission mercurial.history.read was denied for user:default/guest',
    );
    const api = mercurialApiMock({
      getContributors: jest.fn(async () => {
        throw error;
      }),
    });
    renderForEntity(<MercurialContributorsCard />, { api });
    expect(
      await screen.findByText(
        'Permission mercurial.history.read was denied for user:default/guest',
      ),
    ).toBeInTheDocument();
  });
});
