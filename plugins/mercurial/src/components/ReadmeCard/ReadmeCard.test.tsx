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
  NODE,
  REPO,
  backendError,
  gitEntity,
  mercurialApiMock,
  renderForEntity,
  sourceFields,
} from '../../__testUtils__/testing';
import { MercurialReadmeCard } from './ReadmeCard';

function readme(extra: Partial<Record<string, unknown>> = {}) {
  return {
    ...sourceFields,
    path: 'services/api/README.md',
    format: 'markdown' as const,
    content: [
      '# Payments API',
      '',
      'See [setup](docs/setup.md), [the license](/LICENSE),',
      '[usage](#usage) and [Backstage](https://backstage.io).',
      '',
      '![architecture](img/arch.png)',
    ].join('\n'),
    truncated: false,
    url: `${REPO}/file/${NODE}/services/api/README.md`,
    browseBaseUrl: `${REPO}/file/${NODE}/services/api/`,
    rawBaseUrl: `${REPO}/raw-file/${NODE}/services/api/`,
    ...extra,
  };
}

describe('MercurialReadmeCard', () => {
  it('renders Markdown with links and images resolved on the server', async () => {
    const api = mercurialApiMock({ getReadme: jest.fn(async () => readme()) });
    renderForEntity(<MercurialReadmeCard />, {
      api,
      path: '/catalog/default/component/payments-api',
    });

    expect(
      await screen.findByRole('heading', { name: 'Payments API' }),
    ).toBeInTheDocument();
    expect(screen.getByText('services/api/README.md')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: /^setup/ })).toHaveAttribute(
      'href',
      `${REPO}/file/${NODE}/services/api/docs/setup.md`,
    );
    expect(screen.getByRole('link', { name: /^the license/ })).toHaveAttribute(
      'href',
      `${REPO}/file/${NODE}/LICENSE`,
    );
    expect(screen.getByRole('link', { name: 'usage' })).toHaveAttribute(
      'href',
      // the anchor stays on the page the README is shown on
      '/catalog/default/component/payments-api#usage',
    );
    expect(screen.getByRole('link', { name: /^Backstage/ })).toHaveAttribute(
      'href',
      'https://backstage.io',
    );
    expect(screen.getByRole('img', { name: 'architecture' })).toHaveAttribute(
      'src',
      `${REPO}/raw-file/${NODE}/services/api/img/arch.png`,
    );
    expect(
      screen.getByRole('link', { name: /View on server/ }),
    ).toHaveAttribute('href', `${REPO}/file/${NODE}/services/api/README.md`);
    expect(screen.queryByText(/larger than 1 MiB/)).toBeNull();
  });

  it('shows a text README as preformatted text and says when it was cut', async () => {
    const api = mercurialApiMock({
      getReadme: jest.fn(async () =>
        readme({
          path: 'README.txt',
          format: 'text',
          content: '# not a heading\n  indented',
          truncated: true,
        }),
      ),
    });
    renderForEntity(<MercurialReadmeCard />, { api });
    const pre = await screen.findByText(/# not a heading/);
    expect(pre.tagName).toBe('PRE');
    expect(pre.textContent).toBe('# not a heading\n  indented');
    expect(screen.queryByRole('heading', { name: 'not a heading' })).toBeNull();
    expect(screen.getByText(/larger than 1 MiB/)).toBeInTheDocument();
  });

  it('shows progress while loading', async () => {
    const api = mercurialApiMock({
      getReadme: jest.fn(() => new Promise<never>(() => {})),
    });
    renderForEntity(<MercurialReadmeCard />, { api });
    expect(await screen.findByTestId('progress')).toBeInTheDocument();
  });

  it('says No README when the backend finds none', async () => {
    const error = await backendError(
      404,
      'NotFoundError',
      'No README in services/api or the root of https://hg.example.com/hg/team/payments',
    );
    const api = mercurialApiMock({
      getReadme: jest.fn(async () => {
        throw error;
      }),
    });
    renderForEntity(<MercurialReadmeCard />, { api });
    expect(await screen.findByText('No README')).toBeInTheDocument();
    expect(
      screen.getByText(
        'No README in services/api or the root of https://hg.example.com/hg/team/payments',
      ),
    ).toBeInTheDocument();
  });

  it('says that a git entity is not in Mercurial', async () => {
    const api = mercurialApiMock();
    renderForEntity(<MercurialReadmeCard />, { api, entity: gitEntity });
    expect(
      await screen.findByText(/This entity is not in a Mercurial repository/),
    ).toBeInTheDocument();
    expect(api.getReadme).not.toHaveBeenCalled();
  });

  it("shows the route's message on a 403", async () => {
    const error = await backendError(
      403,
      'NotAllowedError',
      'Permission mercurial.history.read was denied for user:default/guest',
    );
    const api = mercurialApiMock({
      getReadme: jest.fn(async () => {
        throw error;
      }),
    });
    renderForEntity(<MercurialReadmeCard />, { api });
    expect(
      await screen.findByText(
        'Permission mercurial.history.read was denied for user:default/guest',
      ),
    ).toBeInTheDocument();
  });
});
