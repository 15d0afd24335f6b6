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

import { InputError } from '@backstage/errors';
import type { MercurialIntegrationConfig } from '../config';
import { isMercurialUrlUnderBase } from '../urlBase';
import type { MercurialLocation, MercurialUrl } from '../urls';
import { encodePath, segmentsBelow } from './paths';
import type { MercurialWebUrls } from './types';

const EXPECTED =
  '{baseUrl}/{repo}, {baseUrl}/{repo}/files/{rev}/{path} or {baseUrl}/{repo}/raw/{rev}/{file}';

/** Kallithea's routes below a repository that are pages, not files. */
const OTHER_PAGES = new Set([
  'annotate',
  'archive',
  'branches',
  'changelog',
  'changeset',
  'compare',
  'diff',
  'followers',
  'fork',
  'forks',
  'pull-request',
  'settings',
  'summary',
  'tags',
]);

/** The revision the pack uses when a URL names none: the default branch. */
const DEFAULT_REVISION = 'default';

function decode(segment: string, url: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (e) {
    throw new InputError(
      `Invalid Kallithea URL '${url}': '${segment}' is not correctly percent-encoded`,
      e as Error,
    );
  }
}

function parseKallitheaUrl(
  url: string,
  config: MercurialIntegrationConfig,
): MercurialUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (e) {
    throw new InputError(
      `Invalid Kallithea URL '${url}': not an absolute URL; expected ${EXPECTED}`,
      e as Error,
    );
  }
  if (!isMercurialUrlUnderBase(config, parsed)) {
    throw new InputError(
      `Invalid Kallithea URL '${url}': it is not under the configured baseUrl '${config.baseUrl}'; expected ${EXPECTED}`,
    );
  }
  const trailingSlash = parsed.pathname.endsWith('/');
  const segments = segmentsBelow(parsed, config.baseUrl).map(s =>
    decode(s, url),
  );
  const at = segments.findIndex(
    s => s === 'files' || s === 'raw' || s === 'rawfile' || OTHER_PAGES.has(s),
  );
  const repoSegments = at === -1 ? segments : segments.slice(0, at);
  if (repoSegments.length === 0 || segments[0] === '_admin') {
    throw new InputError(
      `Invalid Kallithea URL '${url}': it names no repository; expected ${EXPECTED}`,
    );
  }
  if (repoSegments.some(s => s === '.' || s === '..' || s.includes('/'))) {
    throw new InputError(
      `Invalid Kallithea URL '${url}': the repository path must not contain '.' or '..' segments or an encoded '/'`,
    );
  }
  const repositoryPath = repoSegments.join('/');
  if (at === -1) {
    return { repositoryPath, path: '', kind: 'repository' };
  }
  const page = segments[at];
  if (OTHER_PAGES.has(page)) {
    throw new InputError(
      `Invalid Kallithea URL '${url}': '${page}' is a Kallithea page, not a file or directory; expected ${EXPECTED}`,
    );
  }
  const revision = segments[at + 1];
  if (!revision) {
    throw new InputError(
      `Invalid Kallithea URL '${url}': '${page}' must be followed by a revision; expected ${EXPECTED}`,
    );
  }
  const pathSegments = segments.slice(at + 2);
  if (pathSegments.some(s => s === '.' || s === '..' || s.includes('/'))) {
    throw new InputError(
      `Invalid Kallithea URL '${url}': the file path must not contain '.' or '..' segments or an encoded '/'`,
    );
  }
  const path = pathSegments.join('/');
  if (page === 'raw' || page === 'rawfile') {
    if (!path || trailingSlash) {
      throw new InputError(
        `Invalid Kallithea URL '${url}': a raw URL must name a file; expected {baseUrl}/{repo}/raw/{rev}/{file}`,
      );
    }
    return { repositoryPath, revision, path, kind: 'raw-file' };
  }
  return {
    repositoryPath,
    revision,
    path,
    kind: !path || trailingSlash ? 'directory' : 'file',
  };
}

function repositoryUrl(
  config: MercurialIntegrationConfig,
  repositoryPath: string,
): string {
  const repo = encodePath(repositoryPath);
  if (!repo) {
    throw new InputError('A Kallithea repository path must not be empty');
  }
  return `${config.baseUrl}/${repo}`;
}

function pageUrl(
  config: MercurialIntegrationConfig,
  page: 'files' | 'raw',
  location: MercurialLocation,
): string {
  const rev = encodeURIComponent(location.revision ?? DEFAULT_REVISION);
  const path = encodePath(location.path ?? '');
  return `${repositoryUrl(config, location.repositoryPath)}/${page}/${rev}/${path}`;
}

/** Kallithea's web routes (checked on Kallithea 0.7.0). */
export const KALLITHEA_WEB_URLS: MercurialWebUrls = {
  parseUrl: parseKallitheaUrl,
  repositoryUrl,
  browseUrl: (config, location) => {
    const url = pageUrl(config, 'files', location);
    return location.directory && !url.endsWith('/') ? `${url}/` : url;
  },
  rawFileUrl: (config, location) => pageUrl(config, 'raw', location),
  rawDirectoryUrl: (config, location) => {
    const url = pageUrl(config, 'raw', location);
    return url.endsWith('/') ? url : `${url}/`;
  },
  // Kallithea has no web editor: a file is edited from its page.
  editUrl: (config, location) => pageUrl(config, 'files', location),
  changesetUrl: (config, { repositoryPath, node }) =>
    `${repositoryUrl(config, repositoryPath)}/changeset/${encodeURIComponent(node)}`,
};
