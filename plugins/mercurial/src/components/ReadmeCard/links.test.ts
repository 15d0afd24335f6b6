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

import { readmeLinkTransforms } from './links';

describe('readmeLinkTransforms', () => {
  const node = 'f'.repeat(40);
  const repo = 'https://hg.example.com/hg/team/api';
  const { transformLinkUri, transformImageUri } = readmeLinkTransforms({
    repositoryUrl: repo,
    node,
    browseBaseUrl: `${repo}/file/${node}/services/api/`,
    rawBaseUrl: `${repo}/raw-file/${node}/services/api/`,
  });

  it.each([
    ['docs/setup.md', `${repo}/file/${node}/services/api/docs/setup.md`],
    ['./CHANGES.md#v2', `${repo}/file/${node}/services/api/CHANGES.md#v2`],
    ['../shared/', `${repo}/file/${node}/services/shared/`],
    ['/LICENSE', `${repo}/file/${node}/LICENSE`],
    ['#usage', '#usage'],
    ['https://backstage.io/docs', 'https://backstage.io/docs'],
    ['mailto:team@example.com', 'mailto:team@example.com'],
    // eslint-disable-next-line no-script-url
    ['javascript:alert(1)', ''],
    // eslint-disable-next-line no-script-url
    ['JavaScript:alert(1)', ''],
  ])('link %s -> %s', (href, expected) => {
    expect(transformLinkUri(href)).toBe(expected);
  });

  it.each([
    ['img/arch.png', `${repo}/raw-file/${node}/services/api/img/arch.png`],
    ['/docs/logo.svg', `${repo}/raw-file/${node}/docs/logo.svg`],
    ['https://img.shields.io/badge/x', 'https://img.shields.io/badge/x'],
    ['data:image/svg+xml;base64,PHN2Zz4=', ''],
  ])('image %s -> %s', (src, expected) => {
    expect(transformImageUri(src)).toBe(expected);
  });
});
