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
  createExtensionTester,
  mockApis,
  renderInTestApp,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import { FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';
import { createTestEntityPage } from '@backstage/plugin-catalog-react/testUtils';
import { coreExtensionData } from '@backstage/frontend-plugin-api';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import {
  EntityProvider,
  entityRouteRef,
} from '@backstage/plugin-catalog-react';
import mercurialPlugin from '../index';
import { mercurialApiRef } from '../api';
import {
  commit,
  frontendConfig,
  gitEntity,
  hgEntity,
  mercurialApiMock,
  sourceFields,
} from '../__testUtils__/testing';
import {
  mercurialCommitsCard,
  mercurialContributorsCard,
  mercurialEntityContent,
  mercurialReadmeCard,
  mercurialRepoUrlPickerField,
} from './extensions';

describe('mercurial frontend plugin', () => {
  it('has the API, the three entity cards, the tab and the picker', () => {
    expect(mercurialPlugin.pluginId).toBe('mercurial');
    expect(() => mercurialPlugin.getExtension('api:mercurial')).not.toThrow();
    expect(() =>
      mercurialPlugin.getExtension('entity-card:mercurial/readme'),
    ).not.toThrow();
    expect(() =>
      mercurialPlugin.getExtension('entity-card:mercurial/commits'),
    ).not.toThrow();
    expect(() =>
      mercurialPlugin.getExtension('entity-card:mercurial/contributors'),
    ).not.toThrow();
    expect(() =>
      mercurialPlugin.getExtension('entity-content:mercurial'),
    ).not.toThrow();
    expect(() =>
      mercurialPlugin.getExtension(
        'scaffolder-form-field:mercurial/repo-url-picker',
      ),
    ).not.toThrow();
  });

  it('loads the MercurialRepoUrlPicker form field', async () => {
    const tester = createExtensionTester(mercurialRepoUrlPickerField);
    const load = tester.get(FormFieldBlueprint.dataRefs.formFieldLoader);
    const field = await load();
    expect(field.$$type).toBe('@backstage/scaffolder/FormField');
  });

  function apiForPage() {
    return mercurialApiMock({
      getReadme: jest.fn(async () => ({
        ...sourceFields,
        path: 'services/api/README.md',
        format: 'markdown' as const,
        content: '# Payments API',
        truncated: false,
        url: 'https://hg.example.com/hg/team/payments/file/x/services/api/README.md',
        browseBaseUrl:
          'https://hg.example.com/hg/team/payments/file/x/services/api/',
        rawBaseUrl:
          'https://hg.example.com/hg/team/payments/raw-file/x/services/api/',
      })),
      getCommits: jest.fn(async () => ({
        ...sourceFields,
        path: '',
        commits: [commit(1, { message: 'Add the payments endpoint' })],
      })),
      getContributors: jest.fn(async () => ({
        ...sourceFields,
        path: '',
        commitCount: 1,
        truncated: false,
        contributors: [
          {
            name: 'Jane Doe',
            commitCount: 1,
            firstCommitDate: '2026-01-01T00:00:00Z',
            lastCommitDate: '2026-01-01T00:00:00Z',
          },
        ],
      })),
    });
  }

  // The test entity page renders a single content directly; with the tab
  // disabled, the cards are what is on it.
  const withoutTab = {
    ...frontendConfig,
    app: { extensions: [{ 'entity-content:mercurial': false }] },
  };

  it("puts its cards on an hg entity's page in a test app", async () => {
    const api = apiForPage();
    renderTestApp({
      features: [mercurialPlugin],
      extensions: [createTestEntityPage({ entity: hgEntity })],
      config: withoutTab,
      apis: [[mercurialApiRef, api]],
      mountedRoutes: {
        '/catalog/:namespace/:kind/:name': entityRouteRef as any,
      },
    });
    expect(
      await screen.findByRole('heading', { name: 'Payments API' }),
    ).toBeInTheDocument();
    expect(
      await screen.findByText(/Add the payments endpoint/),
    ).toBeInTheDocument();
    expect(await screen.findByText('Jane Doe')).toBeInTheDocument();
  });

  it('renders the Mercurial tab for an hg entity in a test app', async () => {
    const api = apiForPage();
    api.getSummary.mockResolvedValue({
      ...sourceFields,
      defaultBranch: 'default',
      branches: [{ name: 'default', node: 'a'.repeat(40), open: true }],
      tags: [],
      bookmarks: [],
    });
    renderTestApp({
      features: [mercurialPlugin],
      extensions: [createTestEntityPage({ entity: hgEntity })],
      config: frontendConfig,
      apis: [[mercurialApiRef, api]],
      mountedRoutes: {
        '/catalog/:namespace/:kind/:name': entityRouteRef as any,
      },
    });
    expect(
      await screen.findByRole('list', { name: 'Branches' }),
    ).toHaveTextContent('default');
    expect(api.getCommits).toHaveBeenCalledWith(
      { kind: 'Component', namespace: 'default', name: 'payments-api' },
      { limit: 25, path: undefined, before: undefined },
    );
  });

  it('gives the Mercurial tab its path and title, for hg entities only', () => {
    const tester = createExtensionTester(mercurialEntityContent, {
      apis: [mockApis.config({ data: frontendConfig })],
    });
    expect(tester.get(EntityContentBlueprint.dataRefs.title)).toBe('Mercurial');
    expect(tester.get(coreExtensionData.routePath)).toBe('/mercurial');
    const filter = tester.get(EntityContentBlueprint.dataRefs.filterFunction)!;
    expect(filter(hgEntity)).toBe(true);
    expect(filter(gitEntity)).toBe(false);
  });

  it("leaves a git entity's page without its cards", async () => {
    const api = apiForPage();
    renderTestApp({
      features: [mercurialPlugin],
      extensions: [createTestEntityPage({ entity: gitEntity })],
      config: withoutTab,
      apis: [[mercurialApiRef, api]],
      mountedRoutes: {
        '/catalog/:namespace/:kind/:name': entityRouteRef as any,
      },
    });
    await new Promise(resolve => setTimeout(resolve, 200));
    expect(screen.queryByText('Recent changesets')).toBeNull();
    expect(screen.queryByText('Contributors')).toBeNull();
    expect(api.getCommits).not.toHaveBeenCalled();
    expect(api.getReadme).not.toHaveBeenCalled();
  });

  it.each([
    ['entity-card:mercurial/readme', mercurialReadmeCard, 'content'],
    ['entity-card:mercurial/commits', mercurialCommitsCard, 'content'],
    ['entity-card:mercurial/contributors', mercurialContributorsCard, 'info'],
  ] as const)(
    '%s is shown for hg entities of configured hosts only',
    (_id, card, type) => {
      const tester = createExtensionTester(card as typeof mercurialReadmeCard, {
        apis: [mockApis.config({ data: frontendConfig })],
      });
      const filter = tester.get(EntityCardBlueprint.dataRefs.filterFunction)!;
      expect(filter(hgEntity)).toBe(true);
      expect(filter(gitEntity)).toBe(false);
      expect(tester.get(EntityCardBlueprint.dataRefs.type)).toBe(type);
    },
  );

  it('renders the commits card extension with the API from the test app', async () => {
    const api = mercurialApiMock({
      getCommits: jest.fn(async () => ({
        ...sourceFields,
        path: '',
        commits: [commit(1, { message: 'Add the payments endpoint' })],
      })),
    });
    const tester = createExtensionTester(mercurialCommitsCard, {
      apis: [mockApis.config({ data: frontendConfig })],
    });
    renderInTestApp(
      <EntityProvider entity={hgEntity}>
        {tester.reactElement()}
      </EntityProvider>,
      {
        config: frontendConfig,
        apis: [[mercurialApiRef, api]],
        mountedRoutes: {
          '/catalog/:namespace/:kind/:name': entityRouteRef as any,
        },
      },
    );
    expect(
      await screen.findByText(/Add the payments endpoint/),
    ).toBeInTheDocument();
  });
});
