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

import { MercurialReadmeResponse } from '@backstage-mercurial/plugin-mercurial-common';

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const SAFE_LINK_SCHEMES = ['http:', 'https:', 'mailto:'];
const SAFE_IMAGE_SCHEMES = ['http:', 'https:'];

/** Where links and images of a README point. */
export interface ReadmeLinkTransforms {
  transformLinkUri(href: string): string;
  transformImageUri(src: string): string;
}

/**
 * Resolves the README's relative links against its directory on the server:
 * links to the browse pages (`browseBaseUrl`), images to the raw files
 * (`rawBaseUrl`); a path starting with `/` from the repository root, at the
 * same node. `#anchors` and absolute http(s) (and, for links, mailto) URLs
 * stay as they are; other schemes (`javascript:`, `data:`, ...) are dropped.
 */
export function readmeLinkTransforms(
  readme: Pick<
    MercurialReadmeResponse,
    'repositoryUrl' | 'node' | 'browseBaseUrl' | 'rawBaseUrl'
  >,
): ReadmeLinkTransforms {
  const root = (kind: 'file' | 'raw-file') =>
    `${readme.repositoryUrl.replace(/\/+$/, '')}/${kind}/${readme.node}/`;
  const resolve = (
    href: string,
    base: string,
    rootUrl: string,
    safe: string[],
  ): string => {
    const value = href.trim();
    if (value.startsWith('#')) {
      return value;
    }
    if (SCHEME.test(value)) {
      const scheme = value.slice(0, value.indexOf(':') + 1).toLowerCase();
      return safe.includes(scheme) ? value : '';
    }
    if (value.startsWith('//')) {
      // protocol-relative: another server
      return value;
    }
    try {
      if (value.startsWith('/')) {
        return new URL(value.replace(/^\/+/, ''), rootUrl).toString();
      }
      return new URL(value, base).toString();
    } catch {
      return '';
    }
  };
  return {
    transformLinkUri: href =>
      resolve(href, readme.browseBaseUrl, root('file'), SAFE_LINK_SCHEMES),
    transformImageUri: src =>
      resolve(src, readme.rawBaseUrl, root('raw-file'), SAFE_IMAGE_SCHEMES),
  };
}
