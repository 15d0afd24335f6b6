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

import { mockApis } from '@backstage/frontend-test-utils';
import { TestApiRegistry } from '@backstage/test-utils';
import { configApiRef } from '@backstage/core-plugin-api';
import { mercurialRepoUrlPickerValidation } from './validation';

describe('mercurialRepoUrlPickerValidation', () => {
  const config = mockApis.config({
    data: {
      integrations: {
        mercurial: [
          { host: 'hg.example.com', baseUrl: 'https://hg.example.com/hg' },
          { host: 'hg.other.com:8000' },
          { host: 'single.example.com', singleRepository: true },
        ],
      },
    },
  });
  const apiHolder = TestApiRegistry.from([configApiRef, config]);

  function errors(
    value: string,
    options: { allowedHosts?: string[]; allowedOwners?: string[] } = {},
  ) {
    const addError = jest.fn();
    mercurialRepoUrlPickerValidation(value, { addError } as any, {
      apiHolder,
      formData: {},
      schema: {},
      uiSchema: { 'ui:options': options },
    });
    return addError.mock.calls.map(([message]) => message);
  }

  it.each([
    ['hg.example.com?owner=team&repo=service', {}],
    ['hg.example.com?repo=team%2Fservice', {}],
    ['hg.example.com?repo=service', {}],
    ['hg.other.com:8000?owner=a.b&repo=c_d-e', {}],
    ['single.example.com', {}],
    ['hg.example.com?owner=team&repo=x', { allowedOwners: ['team'] }],
    ['hg.example.com?owner=t&repo=x', { allowedHosts: ['hg.example.com'] }],
  ])('accepts %s', (value, options) => {
    expect(errors(value, options)).toEqual([]);
  });

  it.each([
    ['hg.example.com?owner=team', {}, /Name the repository/],
    [
      'hg.example.com?owner=team&repo=-rf',
      {},
      /Invalid repository path 'team\/-rf'/,
    ],
    ['hg.example.com?owner=..&repo=x', {}, /Invalid repository path '..\/x'/],
    ['hg.example.com?owner=team&repo=.hg', {}, /Invalid repository path/],
    [
      'github.com?owner=team&repo=x',
      {},
      /Host 'github.com' is not one of the allowed Mercurial hosts: hg.example.com, hg.other.com:8000, single.example.com/,
    ],
    [
      'hg.other.com:8000?repo=x',
      { allowedHosts: ['hg.example.com'] },
      /Host 'hg.other.com:8000' is not one/,
    ],
    [
      'hg.example.com?owner=other&repo=x',
      { allowedOwners: ['team', 'ops'] },
      /Owner 'other' is not one of team, ops/,
    ],
    ['single.example.com?repo=x', {}, /serves a single repository/],
    ['hg.example.com/path?repo=x', {}, /Invalid repository location/],
    ['', {}, /Invalid repository location/],
  ])('refuses %s', (value, options, message) => {
    const found = errors(value, options);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(message);
  });
});
