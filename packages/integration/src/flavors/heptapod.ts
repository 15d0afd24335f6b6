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
import {
  formatHeptapodRef,
  formatHeptapodUrl,
  HeptapodUrlKind,
  parseHeptapodUrl,
  splitHeptapodRef,
} from '../heptapod/urls';
import type {
  MercurialLocation,
  MercurialUrl,
  MercurialUrlKind,
} from '../urls';
import { encodePath } from './paths';
import type { MercurialWebUrls } from './types';

const KINDS: Record<string, MercurialUrlKind> = {
  blob: 'file',
  edit: 'file',
  raw: 'raw-file',
  tree: 'directory',
};

/**
 * The ref a revision stands for in Heptapod's URLs: a Heptapod ref as it is
 * (`branch/x`, `topic/x/t`, a tag, a node); hg's default revision name
 * `default` (what the pack fills in when a URL names none) is the branch
 * `branch/default`.
 */
export function heptapodRefOf(revision: string | undefined): string {
  if (revision === undefined || revision === 'default') {
    return 'branch/default';
  }
  return revision;
}

/**
 * Splits ref and path by the URL alone: the segment after `branch/` is the
 * branch, the two after `topic/` branch and topic, else the first segment
 * is a tag or node. The server client splits against the project's own
 * branch names instead (hg branch names may contain `/`).
 */
function guessSplit(refAndPath: string) {
  const segments = refAndPath.split('/');
  const first = segments[0];
  const second = segments[1] ?? '';
  if (first === 'branch' || first === 'topic') {
    return splitHeptapodRef(refAndPath, { branches: [second] });
  }
  if (/^[0-9a-f]{12,40}$/.test(first)) {
    return splitHeptapodRef(refAndPath, { branches: [] });
  }
  return splitHeptapodRef(refAndPath, { branches: [], tags: [first] });
}

/**
 * A Heptapod URL (`{baseUrl}/{group/project}[/-/blob|raw|tree|edit/{ref}/{path}]`)
 * as a {@link MercurialUrl} whose revision is the Heptapod ref, with `split`
 * deciding where the ref ends.
 */
export function parseHeptapodMercurialUrl(
  url: string,
  config: MercurialIntegrationConfig,
  split: (
    refAndPath: string,
  ) => ReturnType<typeof splitHeptapodRef> = guessSplit,
): MercurialUrl {
  const parsed = parseHeptapodUrl(url, config.baseUrl);
  if (parsed.kind === 'project') {
    return { repositoryPath: parsed.projectPath, path: '', kind: 'repository' };
  }
  if (parsed.kind === 'commit') {
    throw new InputError(
      `Invalid Heptapod URL '${url}': '/-/commit/' is a changeset page, not a file or directory; expected {baseUrl}/{group}/{project}/-/blob|raw|tree/{ref}/{path}`,
    );
  }
  let split_;
  try {
    split_ = split(parsed.refAndPath);
  } catch (e) {
    throw new InputError(
      `Invalid Heptapod URL '${url}': ${(e as Error).message}`,
      e as Error,
    );
  }
  const { ref, path } = split_;
  let kind = KINDS[parsed.kind];
  if (kind === 'file' && !path) {
    kind = 'directory';
  }
  if (kind === 'raw-file' && !path) {
    throw new InputError(
      `Invalid Heptapod URL '${url}': a raw URL must name a file; expected {baseUrl}/{group}/{project}/-/raw/{ref}/{file}`,
    );
  }
  return {
    repositoryPath: parsed.projectPath,
    revision: formatHeptapodRef(ref),
    path,
    kind,
  };
}

function pageUrl(
  config: MercurialIntegrationConfig,
  kind: HeptapodUrlKind,
  location: MercurialLocation,
): string {
  const project = formatHeptapodUrl({
    baseUrl: config.baseUrl,
    projectPath: location.repositoryPath,
    kind: 'project',
  });
  const ref = encodePath(heptapodRefOf(location.revision));
  const path = encodePath(location.path ?? '');
  return `${project}/-/${kind}/${ref}${path ? `/${path}` : ''}`;
}

function checkProject(repositoryPath: string) {
  if (repositoryPath.split('/').filter(Boolean).length < 2) {
    throw new InputError(
      `A Heptapod project path is '{group}/{project}' (subgroups allowed), got '${repositoryPath}'`,
    );
  }
}

/** Heptapod's web URLs (GitLab's, with hg refs). */
export const HEPTAPOD_WEB_URLS: MercurialWebUrls = {
  parseUrl: (url, config) => parseHeptapodMercurialUrl(url, config),
  repositoryUrl: (config, repositoryPath) => {
    checkProject(repositoryPath);
    return formatHeptapodUrl({
      baseUrl: config.baseUrl,
      projectPath: repositoryPath,
      kind: 'project',
    });
  },
  // A directory's page ends with `/`, as Backstage's GitLab source locations
  // do: TechDocs resolves `dir:.` against it, and without the slash `.`
  // would cut the last segment of the ref (`branch/default` -> `branch/`).
  browseUrl: (config, location) =>
    location.directory
      ? `${pageUrl(config, 'tree', location).replace(/\/+$/, '')}/`
      : pageUrl(config, 'blob', location),
  rawFileUrl: (config, location) => pageUrl(config, 'raw', location),
  rawDirectoryUrl: (config, location) => `${pageUrl(config, 'raw', location)}/`,
  editUrl: (config, location) => pageUrl(config, 'edit', location),
  changesetUrl: (config, { repositoryPath, node }) =>
    formatHeptapodUrl({
      baseUrl: config.baseUrl,
      projectPath: repositoryPath,
      kind: 'commit',
      ref: { type: 'node', node },
    }),
};
