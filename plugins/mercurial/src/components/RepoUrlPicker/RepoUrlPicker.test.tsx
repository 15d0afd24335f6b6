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

import { useState } from 'react';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { MercurialApi, mercurialApiRef } from '../../api';
import { backendError, mercurialApiMock } from '../../__testUtils__/testing';
import { MercurialRepoUrlPicker } from './RepoUrlPicker';

const config = {
  integrations: {
    mercurial: [
      { host: 'hg.example.com', baseUrl: 'https://hg.example.com/hg' },
      { host: 'hg.other.com:8000' },
      { host: 'single.example.com', singleRepository: true },
    ],
  },
};

function Harness(props: {
  onChange: (value: string) => void;
  options?: Record<string, unknown>;
}) {
  const [value, setValue] = useState<string | undefined>();
  const Picker = MercurialRepoUrlPicker as (p: any) => JSX.Element;
  return (
    <Picker
      formData={value}
      onChange={(v: string) => {
        setValue(v);
        props.onChange(v);
      }}
      uiSchema={{ 'ui:options': props.options ?? {} }}
      rawErrors={[]}
      required
      schema={{ title: 'Repository location' }}
      idSchema={{ $id: 'root_repoUrl' }}
    />
  );
}

function render(api: MercurialApi, options?: Record<string, unknown>) {
  const onChange = jest.fn();
  renderInTestApp(<Harness onChange={onChange} options={options} />, {
    config,
    apis: [[mercurialApiRef, api], mockApis.config({ data: config })],
  });
  return onChange;
}

const exists = (exists_: boolean, hasChangesets: boolean) =>
  jest.fn(async () => ({
    repositoryUrl: 'https://hg.example.com/hg/team/payments',
    exists: exists_,
    hasChangesets,
  }));

describe('MercurialRepoUrlPicker', () => {
  it('builds host?owner=&repo= and warns that publish:hg will refuse a repository with changesets', async () => {
    const api = mercurialApiMock({ checkRepository: exists(true, true) });
    const onChange = render(api);

    await userEvent.type(await screen.findByLabelText('Owner'), 'team');
    await userEvent.type(screen.getByLabelText(/Repository/), 'payments');
    expect(onChange).toHaveBeenLastCalledWith(
      'hg.example.com?owner=team&repo=payments',
    );
    expect(
      await screen.findByText(
        /https:\/\/hg.example.com\/hg\/team\/payments already exists and has changesets: publish:hg will refuse it/,
      ),
    ).toBeInTheDocument();
    // one request, for the complete value, after the typing stopped
    expect(api.checkRepository).toHaveBeenCalledTimes(1);
    expect(api.checkRepository).toHaveBeenCalledWith(
      'hg.example.com?owner=team&repo=payments',
    );
  });

  it('says that an existing empty repository will be used', async () => {
    const api = mercurialApiMock({ checkRepository: exists(true, false) });
    render(api);
    await userEvent.type(
      await screen.findByLabelText(/Repository/),
      'payments',
    );
    expect(
      await screen.findByText(
        /https:\/\/hg.example.com\/hg\/team\/payments exists, empty: will be used/,
      ),
    ).toBeInTheDocument();
  });

  it('says nothing for a repository that does not exist yet', async () => {
    const api = mercurialApiMock({ checkRepository: exists(false, false) });
    render(api);
    await userEvent.type(await screen.findByLabelText(/Repository/), 'new-one');
    await waitFor(() => expect(api.checkRepository).toHaveBeenCalledTimes(1));
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(screen.queryByText(/already exists/)).toBeNull();
    expect(screen.queryByText(/will be used/)).toBeNull();
  });

  it('does not ask the server about an invalid repository path', async () => {
    const api = mercurialApiMock({ checkRepository: exists(false, false) });
    const onChange = render(api);
    await userEvent.type(await screen.findByLabelText(/Repository/), '-x');
    expect(onChange).toHaveBeenLastCalledWith('hg.example.com?repo=-x');
    await new Promise(resolve => setTimeout(resolve, 700));
    expect(api.checkRepository).not.toHaveBeenCalled();
  });

  it("shows the route's message when the check is refused", async () => {
    const error = await backendError(
      403,
      'NotAllowedError',
      'Permission mercurial.repository.create was denied for user:default/guest',
    );
    const api = mercurialApiMock({
      checkRepository: jest.fn(async () => {
        throw error;
      }),
    });
    render(api);
    await userEvent.type(await screen.findByLabelText(/Repository/), 'x');
    expect(
      await screen.findByText(
        'Permission mercurial.repository.create was denied for user:default/guest',
      ),
    ).toBeInTheDocument();
  });

  it('offers only the allowed hosts and owners', async () => {
    const api = mercurialApiMock({ checkRepository: exists(false, false) });
    const onChange = render(api, {
      allowedHosts: ['hg.example.com', 'hg.other.com:8000'],
      allowedOwners: ['team', 'ops'],
    });

    await userEvent.click(await screen.findByLabelText(/Host/));
    const hosts = within(await screen.findByRole('listbox'));
    expect(hosts.getAllByRole('option').map(o => o.textContent)).toEqual([
      'hg.example.com',
      'hg.other.com:8000',
    ]);
    await userEvent.click(
      hosts.getByRole('option', { name: 'hg.other.com:8000' }),
    );

    await userEvent.click(screen.getByLabelText(/Owner/));
    const owners = within(await screen.findByRole('listbox'));
    expect(owners.getAllByRole('option').map(o => o.textContent)).toEqual([
      'team',
      'ops',
    ]);
    await userEvent.click(owners.getByRole('option', { name: 'ops' }));
    await userEvent.type(screen.getByLabelText(/Repository/), 'deploy');
    expect(onChange).toHaveBeenLastCalledWith(
      'hg.other.com:8000?owner=ops&repo=deploy',
    );
  });

  it('gives the host alone for a single-repository server', async () => {
    const api = mercurialApiMock({ checkRepository: exists(true, false) });
    const onChange = render(api, { allowedHosts: ['single.example.com'] });
    expect(
      await screen.findByText(/single.example.com serves a single repository/),
    ).toBeInTheDocument();
    expect(screen.queryByLabelText(/Owner/)).toBeNull();
    expect(onChange).toHaveBeenLastCalledWith('single.example.com');
    await waitFor(() =>
      expect(api.checkRepository).toHaveBeenCalledWith('single.example.com'),
    );
  });

  it('says when no Mercurial host is configured', async () => {
    render(mercurialApiMock(), { allowedHosts: ['nowhere.example.com'] });
    expect(
      await screen.findByText(/No Mercurial host to choose from/),
    ).toBeInTheDocument();
  });
});
