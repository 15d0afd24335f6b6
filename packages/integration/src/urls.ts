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
import { MercurialIntegrationConfig } from './config';
import { HOSTED_WEB_URLS } from './flavors';
import { encodePath } from './flavors/paths';
import { baseUrlPath, isMercurialUrlUnderBase } from './urlBase';

export { isMercurialUrlUnderBase };
import type { MercurialWebUrls } from './flavors/types';

/**
 * What an hgweb URL points at:
 * - `repository`: `{baseUrl}/{repo}` or `{baseUrl}/{repo}/` (no revision: the
 *   head of the default branch)
 * - `directory`: `{baseUrl}/{repo}/file/{rev}/` or `.../file/{rev}/{dir}/`
 * - `file`: `{baseUrl}/{repo}/file/{rev}/{file}` (the browse view)
 * - `raw-file`: `{baseUrl}/{repo}/raw-file/{rev}/{file}` (the file's bytes)
 *
 * @public
 */
export type MercurialUrlKind = 'repository' | 'directory' | 'file' | 'raw-file';

/**
 * An hgweb URL taken apart. Every part is decoded: `repositoryPath` and
 * `path` are `/`-separated without leading or trailing slashes (`''` for the
 * root), `revision` is the name or hash as hg knows it (`feature/x`,
 * `v1.0`, `tip`, a node) or `undefined` for the head of the default branch.
 *
 * @public
 */
export interface MercurialUrl {
  repositoryPath: string;
  revision?: string;
  path: string;
  kind: MercurialUrlKind;
}

/**
 * The revision hgweb URLs use when none is given: the head of the default
 * branch.
 *
 * @public
 */
export const DEFAULT_MERCURIAL_REVISION = 'default';

/** The archive formats hgweb can produce. @public */
export type MercurialArchiveFormat = 'tar.gz' | 'tar.bz2' | 'zip';

const EXPECTED_FORMS =
  '{baseUrl}/{repo}, {baseUrl}/{repo}/file/{rev}/, {baseUrl}/{repo}/file/{rev}/{dir}/, {baseUrl}/{repo}/file/{rev}/{file} or {baseUrl}/{repo}/raw-file/{rev}/{file}';

const SINGLE_EXPECTED_FORMS =
  '{baseUrl}, {baseUrl}/file/{rev}/, {baseUrl}/file/{rev}/{dir}/, {baseUrl}/file/{rev}/{file} or {baseUrl}/raw-file/{rev}/{file}';

// hgweb commands other than `file` and `raw-file`: a URL naming one of them is
// a page of the web UI, not a repository or a file.
const OTHER_HGWEB_COMMANDS = new Set([
  'annotate',
  'archive',
  'bookmarks',
  'branches',
  'changelog',
  'changeset',
  'comparison',
  'diff',
  'filediff',
  'filelog',
  'graph',
  'help',
  'log',
  'rev',
  'search',
  'shortlog',
  'static',
  'summary',
  'tags',
]);

const HGWEB_STYLES = new Set([
  'atom',
  'coal',
  'gitweb',
  'json',
  'monoblue',
  'paper',
  'raw',
  'rss',
  'spartan',
]);

/** `log`, `json-log`, `json-file`, `atom-log`: a page of hgweb's web UI. */
function isOtherHgwebCommand(segment: string): boolean {
  if (OTHER_HGWEB_COMMANDS.has(segment)) {
    return true;
  }
  const dash = segment.indexOf('-');
  if (dash === -1 || !HGWEB_STYLES.has(segment.slice(0, dash))) {
    return false;
  }
  const command = segment.slice(dash + 1);
  return (
    OTHER_HGWEB_COMMANDS.has(command) ||
    (command === 'file' && segment !== 'raw-file')
  );
}

function decodeSegment(segment: string, url: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (e) {
    throw new InputError(
      `Invalid Mercurial URL '${url}': '${segment}' is not correctly percent-encoded`,
      e,
    );
  }
}

/**
 * Decodes a revision segment the way hgweb reads it: the server decodes the
 * path once, then hgweb turns a remaining `%2F` into `/`.
 */
function decodeRevision(segment: string, url: string): string {
  return decodeSegment(segment, url).replace(/%2F/gi, '/');
}

/**
 * Encodes a revision for an hgweb path segment. hgweb reads `%2F` in the
 * revision segment as `/` after the server has decoded the path once, so a
 * `/` in a name travels double-encoded: `feature/x` -> `feature%252Fx`.
 *
 * @public
 */
export function encodeMercurialRevision(revision: string): string {
  if (!revision) {
    throw new InputError('A Mercurial revision must not be empty');
  }
  return encodeURIComponent(revision).replace(/%2F/g, '%252F');
}

function checkSegments(segments: string[], what: string, url: string) {
  for (const s of segments) {
    if (s === '.' || s === '..' || s.includes('/')) {
      throw new InputError(
        `Invalid Mercurial URL '${url}': the ${what} must not contain '.' or '..' segments or an encoded '/'`,
      );
    }
  }
}

/**
 * Takes an hgweb URL apart into repository, revision and path. For an
 * integration with `singleRepository`, URLs have no repository segments
 * (`{baseUrl}/file/{rev}/{path}`) and `repositoryPath` is `''`.
 *
 * @param url - an absolute URL under the integration's `baseUrl`
 * @param config - the integration the URL belongs to
 * @throws InputError when the URL is outside `baseUrl` or not of one of the
 *   forms of {@link MercurialUrlKind}
 * @public
 */
export function parseMercurialUrl(
  url: string,
  config: MercurialIntegrationConfig,
): MercurialUrl {
  return webUrlsOf(config).parseUrl(url, config);
}

function parseHgwebUrl(
  url: string,
  config: MercurialIntegrationConfig,
): MercurialUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (e) {
    throw new InputError(
      `Invalid Mercurial URL '${url}': not an absolute URL; expected ${EXPECTED_FORMS}`,
      e,
    );
  }
  if (!isMercurialUrlUnderBase(config, parsed)) {
    throw new InputError(
      `Invalid Mercurial URL '${url}': it is not under the configured baseUrl '${config.baseUrl}'; expected ${EXPECTED_FORMS}`,
    );
  }

  const rest = parsed.pathname.slice(baseUrlPath(config).length);
  const trailingSlash = rest.endsWith('/');
  const segments = rest.split('/').filter(Boolean);
  const commandIndex = segments.findIndex(
    s => s === 'file' || s === 'raw-file',
  );
  const repoSegments =
    commandIndex === -1 ? segments : segments.slice(0, commandIndex);

  const otherCommand = repoSegments.find(isOtherHgwebCommand);
  if (config.singleRepository) {
    if (repoSegments.length > 0 && !otherCommand) {
      throw new InputError(
        `Invalid Mercurial URL '${url}': the integration for '${config.baseUrl}' serves a single repository at its baseUrl (singleRepository: true), so '${repoSegments.join('/')}' cannot name a repository; expected ${SINGLE_EXPECTED_FORMS}`,
      );
    }
  } else if (repoSegments.length === 0) {
    throw new InputError(
      `Invalid Mercurial URL '${url}': it names no repository; expected ${EXPECTED_FORMS}. A server that serves one repository at '${config.baseUrl}' itself (hg serve -R) needs 'singleRepository: true' on its integrations.mercurial entry`,
    );
  }
  if (otherCommand) {
    throw new InputError(
      `Invalid Mercurial URL '${url}': '${otherCommand}' is an hgweb page, not a file or directory; expected ${config.singleRepository ? SINGLE_EXPECTED_FORMS : EXPECTED_FORMS}`,
    );
  }
  const repositoryPath = repoSegments.map(s => decodeSegment(s, url)).join('/');
  checkSegments(repositoryPath.split('/'), 'repository path', url);

  if (commandIndex === -1) {
    return { repositoryPath, path: '', kind: 'repository' };
  }

  const command = segments[commandIndex];
  const revSegment = segments[commandIndex + 1];
  if (!revSegment) {
    throw new InputError(
      `Invalid Mercurial URL '${url}': '${command}' must be followed by a revision; expected ${EXPECTED_FORMS}`,
    );
  }
  const revision = decodeRevision(revSegment, url);
  const pathSegments = segments
    .slice(commandIndex + 2)
    .map(s => decodeSegment(s, url));
  checkSegments(pathSegments, 'file path', url);
  const path = pathSegments.join('/');

  if (command === 'raw-file') {
    if (!path || trailingSlash) {
      throw new InputError(
        `Invalid Mercurial URL '${url}': a raw-file URL must name a file; expected {baseUrl}/{repo}/raw-file/{rev}/{file}`,
      );
    }
    return { repositoryPath, revision, path, kind: 'raw-file' };
  }
  if (!path || trailingSlash) {
    return { repositoryPath, revision, path, kind: 'directory' };
  }
  return { repositoryPath, revision, path, kind: 'file' };
}

/** Where in a repository a URL points. @public */
export interface MercurialLocation {
  repositoryPath: string;
  /** Defaults to {@link DEFAULT_MERCURIAL_REVISION}. */
  revision?: string;
  /** A `/`-separated path in the repository, `''` for the root. */
  path?: string;
}

function repoBase(config: MercurialIntegrationConfig, repositoryPath: string) {
  const repo = encodePath(repositoryPath);
  if (config.singleRepository) {
    if (repo) {
      throw new InputError(
        `The integration for '${config.baseUrl}' serves a single repository at its baseUrl (singleRepository: true); it has no repository '${repositoryPath}' (use the repository path '')`,
      );
    }
    return config.baseUrl;
  }
  if (!repo) {
    throw new InputError(
      `A Mercurial repository path must not be empty: the integration for '${config.baseUrl}' serves several repositories below its baseUrl (set 'singleRepository: true' on it if it serves one at the baseUrl itself)`,
    );
  }
  return `${config.baseUrl}/${repo}`;
}

function revPathUrl(
  config: MercurialIntegrationConfig,
  command: string,
  location: MercurialLocation,
  suffix = '',
) {
  const rev = encodeMercurialRevision(
    location.revision ?? DEFAULT_MERCURIAL_REVISION,
  );
  const path = encodePath(location.path ?? '');
  return `${repoBase(config, location.repositoryPath)}/${command}/${rev}${suffix}/${path}`;
}

/**
 * `{baseUrl}/{repo}`: the repository's URL, for browsing and for `hg clone`;
 * `{baseUrl}` itself for an integration with `singleRepository` (whose only
 * repository path is `''`).
 *
 * @public
 */
export function getMercurialRepositoryUrl(
  config: MercurialIntegrationConfig,
  repositoryPath: string,
): string {
  return webUrlsOf(config).repositoryUrl(config, repositoryPath);
}

/**
 * `{baseUrl}/{repo}/raw-file/{rev}/{path}`: a file's bytes.
 *
 * @public
 */
export function getMercurialRawFileUrl(
  config: MercurialIntegrationConfig,
  location: MercurialLocation & { path: string },
): string {
  if (!location.path) {
    throw new InputError('A raw-file URL must name a file');
  }
  return webUrlsOf(config).rawFileUrl(config, location);
}

function hgwebRawFileUrl(
  config: MercurialIntegrationConfig,
  location: MercurialLocation & { path: string },
): string {
  if (!location.path) {
    throw new InputError('A raw-file URL must name a file');
  }
  return revPathUrl(config, 'raw-file', location);
}

/**
 * `{baseUrl}/{repo}/raw-file/{rev}/{dir}/` (`.../raw-file/{rev}/` for the
 * root): the raw-file URL of a directory, ending with `/`, against which a
 * relative link of a file in it (an image of a README) resolves to the
 * linked file's bytes.
 *
 * @public
 */
export function getMercurialRawDirectoryUrl(
  config: MercurialIntegrationConfig,
  location: MercurialLocation,
): string {
  return webUrlsOf(config).rawDirectoryUrl(config, location);
}

function hgwebRawDirectoryUrl(
  config: MercurialIntegrationConfig,
  location: MercurialLocation,
): string {
  const url = revPathUrl(config, 'raw-file', location);
  return url.endsWith('/') ? url : `${url}/`;
}

/**
 * The browse view: `{baseUrl}/{repo}/file/{rev}/{path}` for a file, with a
 * trailing slash for a directory.
 *
 * @public
 */
export function getMercurialBrowseUrl(
  config: MercurialIntegrationConfig,
  location: MercurialLocation & { directory?: boolean },
): string {
  return webUrlsOf(config).browseUrl(config, location);
}

/**
 * Where a person edits a file: Heptapod's web editor
 * (`/-/edit/{ref}/{path}`); the file's page on hgweb and Kallithea, which
 * have no editor.
 *
 * @public
 */
export function getMercurialEditUrl(
  config: MercurialIntegrationConfig,
  location: MercurialLocation & { path: string },
): string {
  return webUrlsOf(config).editUrl(config, location);
}

/**
 * The page of one changeset: `{repo}/rev/{node}` on hgweb,
 * `/-/commit/{node}` on Heptapod, `/changeset/{node}` on Kallithea.
 *
 * @public
 */
export function getMercurialChangesetUrl(
  config: MercurialIntegrationConfig,
  options: { repositoryPath: string; node: string },
): string {
  return webUrlsOf(config).changesetUrl(config, options);
}

function hgwebBrowseUrl(
  config: MercurialIntegrationConfig,
  location: MercurialLocation & { directory?: boolean },
): string {
  const url = revPathUrl(config, 'file', location);
  return location.directory && !url.endsWith('/') ? `${url}/` : url;
}

/**
 * `{baseUrl}/{repo}/archive/{rev}.{format}[/{path}]`: an archive of the
 * repository at a revision, restricted to `path` when given. Entries sit
 * under one prefix directory.
 *
 * @public
 */
export function getMercurialArchiveUrl(
  config: MercurialIntegrationConfig,
  location: MercurialLocation & { format?: MercurialArchiveFormat },
): string {
  assertHgweb(config, 'getMercurialArchiveUrl');
  const url = revPathUrl(
    config,
    'archive',
    location,
    `.${location.format ?? 'tar.gz'}`,
  );
  return url.endsWith('/') ? url.slice(0, -1) : url;
}

/**
 * `{baseUrl}/{repo}/json-file/{rev}/{path}`: one directory level as JSON.
 *
 * @public
 */
export function getMercurialJsonFileUrl(
  config: MercurialIntegrationConfig,
  location: MercurialLocation,
): string {
  assertHgweb(config, 'getMercurialJsonFileUrl');
  return revPathUrl(config, 'json-file', location);
}

/**
 * `{baseUrl}/{repo}/json-log[/{rev}[/{path}]]?revcount=N`: changesets as
 * JSON, newest first, limited to `path` when given.
 *
 * @public
 */
export function getMercurialJsonLogUrl(
  config: MercurialIntegrationConfig,
  location: MercurialLocation & { revcount?: number },
): string {
  assertHgweb(config, 'getMercurialJsonLogUrl');
  let url: string;
  if (location.revision === undefined && !location.path) {
    url = `${repoBase(config, location.repositoryPath)}/json-log`;
  } else {
    url = revPathUrl(config, 'json-log', location);
    if (!location.path) {
      url = url.slice(0, -1);
    }
  }
  if (location.revcount !== undefined) {
    if (!Number.isInteger(location.revcount) || location.revcount < 1) {
      throw new InputError(
        `revcount must be a positive integer, got ${location.revcount}`,
      );
    }
    url += `?revcount=${location.revcount}`;
  }
  return url;
}

/**
 * `{baseUrl}/{repo}?cmd=lookup&key={key}`: the wire-protocol look-up of a
 * revision name, which every hg HTTP server answers with `1 <node>\n` or
 * `0 <error>\n`.
 *
 * @public
 */
export function getMercurialLookupUrl(
  config: MercurialIntegrationConfig,
  options: { repositoryPath: string; key: string },
): string {
  assertHgweb(config, 'getMercurialLookupUrl');
  if (!options.key) {
    throw new InputError('The revision to look up must not be empty');
  }
  const query = new URLSearchParams({ cmd: 'lookup', key: options.key });
  return `${repoBase(config, options.repositoryPath)}?${query}`;
}

/**
 * Parses the answer of a `?cmd=lookup` request.
 *
 * @returns the 40-hex node, or `undefined` when the server does not know the
 *   revision (unknown, ambiguous, hidden or filtered)
 * @throws Error when the body is not a wire-protocol look-up answer, or the
 *   server failed for another reason
 * @public
 */
export function parseMercurialLookupResponse(body: string): string | undefined {
  const match = /^([01]) (.*)\n?$/s.exec(body);
  if (!match) {
    throw new Error(
      `Unexpected answer to a Mercurial look-up: '${body.slice(0, 200)}'`,
    );
  }
  if (match[1] === '0') {
    // hg's answers for names it cannot resolve to one visible changeset
    if (
      /unknown revision|ambiguous identifier|filtered revision|hidden revision|not found/i.test(
        match[2],
      )
    ) {
      return undefined;
    }
    throw new Error(
      `The Mercurial server failed to look up the revision: ${match[2].trim().slice(0, 200)}`,
    );
  }
  const node = match[2].trim();
  if (!/^[0-9a-f]{40}$/.test(node)) {
    throw new Error(
      `Unexpected answer to a Mercurial look-up: '${body.slice(0, 200)}'`,
    );
  }
  return node;
}

/**
 * Builds the URL of a {@link MercurialUrl}: the inverse of
 * {@link parseMercurialUrl}.
 *
 * @public
 */
export function formatMercurialUrl(
  config: MercurialIntegrationConfig,
  url: MercurialUrl,
): string {
  switch (url.kind) {
    case 'repository':
      return getMercurialRepositoryUrl(config, url.repositoryPath);
    case 'raw-file':
      return getMercurialRawFileUrl(config, url);
    case 'directory':
      return getMercurialBrowseUrl(config, { ...url, directory: true });
    case 'file':
      return getMercurialBrowseUrl(config, url);
    default:
      throw new InputError(`Unknown Mercurial URL kind '${url.kind}'`);
  }
}

/** hgweb's own URLs, the default flavor's {@link MercurialWebUrls}. */
const HGWEB_WEB_URLS: MercurialWebUrls = {
  parseUrl: parseHgwebUrl,
  repositoryUrl: repoBase,
  browseUrl: hgwebBrowseUrl,
  rawFileUrl: hgwebRawFileUrl,
  rawDirectoryUrl: hgwebRawDirectoryUrl,
  // hgweb has no web editor: a file is edited from its browse view.
  editUrl: hgwebBrowseUrl,
  changesetUrl: (config, { repositoryPath, node }) =>
    `${repoBase(config, repositoryPath)}/rev/${encodeURIComponent(node)}`,
};

/** The web URLs of the entry's flavor. */
function webUrlsOf(config: MercurialIntegrationConfig): MercurialWebUrls {
  const flavor = config.flavor ?? 'hgweb';
  return flavor === 'hgweb' ? HGWEB_WEB_URLS : HOSTED_WEB_URLS[flavor];
}

/** hgweb's JSON styles, archives and wire look-ups exist only on hgweb. */
function assertHgweb(config: MercurialIntegrationConfig, what: string) {
  if ((config.flavor ?? 'hgweb') !== 'hgweb') {
    throw new InputError(
      `${what} builds hgweb URLs; the integration for '${config.baseUrl}' is of the '${config.flavor}' flavor`,
    );
  }
}
