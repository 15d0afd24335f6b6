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

import { Entity } from '@backstage/catalog-model';
import { mockApis } from '@backstage/frontend-test-utils';
import { isMercurialAvailable } from './isMercurialAvailable';

function entity(annotations: Record<string, string>): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: 'payments-api', annotations },
    spec: {},
  };
}

const source = (value: string) =>
  entity({ 'backstage.io/source-location': value });

describe('isMercurialAvailable', () => {
  const config = mockApis.config({
    data: {
      integrations: {
        mercurial: [
          { host: 'hg.example.com', baseUrl: 'https://hg.example.com/hg' },
          { host: 'single.example.com', singleRepository: true },
        ],
      },
    },
  });

  it.each([
    [
      'the catalog module form',
      'url:https://hg.example.com/hg/team/api/file/default/services/api/',
      true,
      true,
    ],
    [
      'a raw-file URL',
      'url:https://hg.example.com/hg/team/api/raw-file/tip/README.md',
      true,
      true,
    ],
    [
      'a repository URL',
      'url:https://hg.example.com/hg/team/api/',
      false,
      true,
    ],
    [
      'a single-repository server',
      'url:https://single.example.com/file/default/',
      true,
      true,
    ],
    [
      'a host without an integration',
      'url:https://other.example.com/hg/team/api/file/default/',
      true,
      false,
    ],
    [
      'a path outside the baseUrl',
      'url:https://hg.example.com/git/team/api/file/default/',
      true,
      false,
    ],
    [
      'an hgweb page that is no file or directory',
      'url:https://hg.example.com/hg/team/api/rev/tip',
      false,
      false,
    ],
    [
      'a GitHub tree URL',
      'url:https://github.com/org/repo/tree/main/',
      false,
      false,
    ],
    ['a file location', 'file:/srv/catalog/api/', false, false],
    [
      'a value that is no location reference',
      'https://hg.example.com/hg/team/api/file/default/',
      false,
      false,
    ],
  ])('%s', (_name, value, bare, withConfig) => {
    expect(isMercurialAvailable(source(value))).toBe(bare);
    expect(isMercurialAvailable(source(value), config)).toBe(withConfig);
  });

  it('is false without a source location, even with only managed-by-location', () => {
    const managed = entity({
      'backstage.io/managed-by-location':
        'url:https://hg.example.com/hg/team/api/file/default/catalog-info.yaml',
    });
    expect(isMercurialAvailable(managed)).toBe(false);
    expect(isMercurialAvailable(managed, config)).toBe(false);
  });

  it('is false with config that has no Mercurial integration', () => {
    const value =
      'url:https://hg.example.com/hg/team/api/file/default/services/api/';
    expect(isMercurialAvailable(source(value), mockApis.config())).toBe(false);
  });
});
