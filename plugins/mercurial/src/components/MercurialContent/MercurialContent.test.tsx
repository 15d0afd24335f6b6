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

import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  backendError,
  commit,
  gitEntity,
  mercurialApiMock,
  renderForEntity,
  sourceFields,
} from '../../__testUtils__/testing';
import { MercurialContent } from './MercurialContent';

/** The summary of changeset n, not of n0 or n1. */
const change = (n: number) => new RegExp(`Change ${n}(?!\\d)`);

const ref = { kind: 'Component', namespace: 'default', name: 'payments-api' };

const summary = {
  ...sourceFields,
  defaultBranch: 'default',
  head: sourceFields.node,
  branches: [
    { name: 'default', node: 'a'.repeat(40), open: true },
    { name: 'legacy', node: 'b'.repeat(40), open: false },
  ],
  tags: [{ name: 'v1.0.0', node: 'c'.repeat(40) }],
  bookmarks: [{ name: 'feature-x', node: 'd'.repeat(40) }],
};

/** 60 changesets, newest first, paged as the backend pages them. */
function pagedApi() {
  const all = Array.from({ length: 60 }, (_, i) => commit(i + 1));
  return mercurialApiMock({
    getSummary: jest.fn(async () => summary),
    getCommits: jest.fn(async (_ref, options = {}) => {
      const list = options.path ? all.filter((_c, i) => i % 20 === 0) : all;
      const start = options.before
        ? list.findIndex(c => c.node === options.before) + 1
        : 0;
      const page = list.slice(start, start + (options.limit ?? 20));
      const more = start + page.length < list.length;
      return {
        ...sourceFields,
        path: options.path ?? '',
        commits: page,
        ...(more && { next: page[page.length - 1].node }),
      };
    }),
  });
}

describe('MercurialContent', () => {
  it('pages through the history with Load more', async () => {
    const api = pagedApi();
    renderForEntity(<MercurialContent />, { api });

    expect(await screen.findByText(change(25))).toBeInTheDocument();
    expect(screen.queryByText(change(26))).toBeNull();
    expect(api.getCommits).toHaveBeenLastCalledWith(ref, {
      limit: 25,
      path: undefined,
      before: undefined,
    });

    await userEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByText(change(50))).toBeInTheDocument();
    expect(screen.getByText(change(1))).toBeInTheDocument();
    expect(api.getCommits).toHaveBeenLastCalledWith(ref, {
      limit: 25,
      path: undefined,
      before: commit(25).node,
    });

    await userEvent.click(screen.getByRole('button', { name: 'Load more' }));
    expect(await screen.findByText(change(60))).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
    expect(screen.getAllByRole('link', { name: /Change \d+/ })).toHaveLength(
      60,
    );
  });

  it('limits the history to the path given in the filter', async () => {
    const api = pagedApi();
    renderForEntity(<MercurialContent />, { api });
    await screen.findByText(change(25));

    await userEvent.type(screen.getByLabelText('Path'), 'src/handlers{enter}');
    await waitFor(() =>
      expect(api.getCommits).toHaveBeenLastCalledWith(ref, {
        limit: 25,
        path: 'src/handlers',
        before: undefined,
      }),
    );
    expect(await screen.findByText('Path: src/handlers')).toBeInTheDocument();
    await waitFor(() =>
      expect(screen.getAllByRole('link', { name: /Change \d+/ })).toHaveLength(
        3,
      ),
    );
    expect(screen.getByText(change(41))).toBeInTheDocument();
    expect(screen.queryByText(change(2))).toBeNull();
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('lists branches (closed ones marked), tags and bookmarks', async () => {
    renderForEntity(<MercurialContent />, { api: pagedApi() });
    const branches = await screen.findByRole('list', { name: 'Branches' });
    const items = within(branches).getAllByRole('listitem');
    expect(items[0]).toHaveTextContent('default aaaaaaaaaaaadefault');
    expect(items[0]).not.toHaveTextContent('closed');
    expect(items[1]).toHaveTextContent('legacy bbbbbbbbbbbbclosed');
    expect(screen.getByRole('list', { name: 'Tags' })).toHaveTextContent(
      'v1.0.0 cccccccccccc',
    );
    expect(screen.getByRole('list', { name: 'Bookmarks' })).toHaveTextContent(
      'feature-x dddddddddddd',
    );
  });

  it('shows progress, then says when there are no changesets yet', async () => {
    let resolve: (v: any) => void = () => {};
    const api = mercurialApiMock({
      getSummary: jest.fn(async () => summary),
      getCommits: jest.fn(() => new Promise<any>(r => (resolve = r))),
    });
    renderForEntity(<MercurialContent />, { api });
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
    resolve({ ...sourceFields, path: '', commits: [] });
    expect(await screen.findByText('No changesets yet')).toBeInTheDocument();
  });

  it("shows the route's message when the history is refused", async () => {
    const error = await backendError(
      403,
      'NotAllowedError',
      'Permission mercurial.history.read was denied for user:default/guest',
    );
    const api = mercurialApiMock({
      getSummary: jest.fn(async () => {
        throw error;
      }),
      getCommits: jest.fn(async () => {
        throw error;
      }),
    });
    renderForEntity(<MercurialContent />, { api });
    await waitFor(() =>
      expect(
        screen.getAllByText(
          'Permission mercurial.history.read was denied for user:default/guest',
        ),
      ).toHaveLength(2),
    );
  });

  it('says that a git entity is not in Mercurial', async () => {
    const api = mercurialApiMock();
    renderForEntity(<MercurialContent />, { api, entity: gitEntity });
    expect(
      await screen.findByText(/This entity is not in a Mercurial repository/),
    ).toBeInTheDocument();
    expect(api.getCommits).not.toHaveBeenCalled();
    expect(api.getSummary).not.toHaveBeenCalled();
  });
});
