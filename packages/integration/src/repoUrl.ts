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
import {
  MercurialIntegration,
  MercurialIntegrations,
} from './MercurialIntegration';
import { parseMercurialUrl } from './urls';

/*
 * The `repoUrl` of Backstage's scaffolder (`host?owner=team&repo=service`, as
 * the RepoUrlPicker writes it) for Mercurial: the rules shared by the
 * scaffolder actions, the history backend and the frontend picker.
 */

const REPO_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

const EXPECTED_REPO_URL =
  "expected 'host?repo=team/service' (the RepoUrlPicker form) or an hgweb URL of the repository";

/**
 * A repository named by a `repoUrl`: the integration that serves it and its
 * path below the integration's `baseUrl` (`''` for the one repository of a
 * `singleRepository` integration).
 *
 * @public
 */
export interface MercurialRepoUrl {
  integration: MercurialIntegration;
  repositoryPath: string;
}

/**
 * The parts of a `repoUrl` as a form collects them.
 *
 * @public
 */
export interface MercurialRepoUrlParts {
  /** `host[:port]` of an `integrations.mercurial` entry. */
  host: string;
  /** The first part of the repository path, e.g. `team`; optional. */
  owner?: string;
  /** The rest of the repository path, e.g. `service` or `payments/api`. */
  repo: string;
}

/**
 * Checks a repository path like `team/service` without throwing: segments of
 * letters, digits, `.`, `_` and `-` separated by `/`, none empty and none
 * starting with `-` or `.` (so no `..`, and nothing hg or ssh could take
 * for an option).
 *
 * @returns the error message when the path is invalid, `undefined` when it is
 *   valid
 * @public
 */
export function validateMercurialRepositoryPath(
  repositoryPath: string,
): string | undefined {
  const segments = repositoryPath.split('/');
  if (!repositoryPath || segments.some(s => !REPO_SEGMENT.test(s))) {
    return `Invalid repository path '${repositoryPath}': use segments of letters, digits, '.', '_' and '-' separated by '/', none starting with '-' or '.' (e.g. 'team/service')`;
  }
  return undefined;
}

/**
 * Checks a repository path like `team/service`
 * (see {@link validateMercurialRepositoryPath}).
 *
 * @returns the path
 * @throws InputError when it is invalid
 * @public
 */
export function checkMercurialRepositoryPath(repositoryPath: string): string {
  const message = validateMercurialRepositoryPath(repositoryPath);
  if (message) {
    throw new InputError(message);
  }
  return repositoryPath;
}

/**
 * Writes a `repoUrl` the way Backstage's RepoUrlPicker does:
 * `host?owner=team&repo=service` (`URLSearchParams`-encoded; `owner` left out
 * when empty). With neither owner nor repo it is `host` alone, the form that
 * names the one repository of a `singleRepository` integration.
 *
 * @public
 */
export function formatMercurialRepoUrl(parts: MercurialRepoUrlParts): string {
  const params = new URLSearchParams();
  if (parts.owner) {
    params.set('owner', parts.owner);
  }
  if (parts.repo) {
    params.set('repo', parts.repo);
  }
  const query = params.toString();
  return query ? `${parts.host}?${query}` : parts.host;
}

/**
 * Reads a `repoUrl`: the RepoUrlPicker form (`host?repo=team/service`,
 * `host?owner=team&repo=service`) or an hgweb URL of the repository. For an
 * integration with `singleRepository`, `host` alone or its `baseUrl` names
 * its one repository, whose path is `''`.
 *
 * @throws InputError naming the `repoUrl` when it is malformed, names no
 *   configured integration or has an invalid repository path; without
 *   naming it when it carries credentials (`user:password@host`)
 * @public
 */
export function parseMercurialRepoUrl(
  repoUrl: string,
  integrations: MercurialIntegrations,
): MercurialRepoUrl {
  const hgweb = /^https?:\/\//i.test(repoUrl);
  let parsed: URL;
  try {
    parsed = new URL(hgweb ? repoUrl : `https://${repoUrl}`);
  } catch (e) {
    throw new InputError(
      `Invalid repoUrl '${repoUrl}': ${EXPECTED_REPO_URL}`,
      e,
    );
  }
  if (parsed.username || parsed.password) {
    // Not echoed: it would put the credentials into errors and logs.
    throw new InputError(
      `Invalid repoUrl: it must not carry credentials (user:password@); they belong in the integrations.mercurial entry for ${parsed.host}`,
    );
  }
  if (hgweb) {
    return parseHgwebRepoUrl(repoUrl, integrations);
  }
  const repo = parsed.searchParams.get('repo');
  const owner = parsed.searchParams.get('owner');
  if (!repo && !owner && parsed.pathname === '/') {
    // `host` alone: the one repository of a single-repository server
    const single = integrations
      .list()
      .find(i => i.config.host === parsed.host && i.config.singleRepository);
    if (single) {
      return { integration: single, repositoryPath: '' };
    }
  }
  if (!repo || parsed.pathname !== '/') {
    throw new InputError(`Invalid repoUrl '${repoUrl}': ${EXPECTED_REPO_URL}`);
  }
  const integration = integrations.byHost(parsed.host);
  if (!integration) {
    throw new InputError(
      `No integrations.mercurial entry for host '${parsed.host}'; configured: ${describeIntegrations(integrations)}`,
    );
  }
  if (integration.config.singleRepository) {
    throw new InputError(
      `Invalid repoUrl '${repoUrl}': the integrations.mercurial entry for host '${parsed.host}' serves a single repository at ${integration.config.baseUrl} (singleRepository: true); give repoUrl as '${parsed.host}' or '${integration.config.baseUrl}', without owner or repo`,
    );
  }
  const repositoryPath = owner ? `${owner}/${repo}` : repo;
  return {
    integration,
    repositoryPath: checkMercurialRepositoryPath(repositoryPath),
  };
}

function parseHgwebRepoUrl(
  repoUrl: string,
  integrations: MercurialIntegrations,
): MercurialRepoUrl {
  const integration = integrations.byUrl(repoUrl);
  if (!integration) {
    throw new InputError(
      `No integrations.mercurial entry has a baseUrl that contains '${repoUrl}'; configured: ${describeIntegrations(integrations)}`,
    );
  }
  const parsed = parseMercurialUrl(repoUrl, integration.config);
  return {
    integration,
    repositoryPath: integration.config.singleRepository
      ? parsed.repositoryPath
      : checkMercurialRepositoryPath(parsed.repositoryPath),
  };
}

function describeIntegrations(integrations: MercurialIntegrations): string {
  const hosts = integrations.list().map(i => i.config.baseUrl);
  return hosts.length ? hosts.join(', ') : 'none';
}
