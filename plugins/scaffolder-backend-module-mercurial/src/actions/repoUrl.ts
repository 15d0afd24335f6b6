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

import {
  MercurialIntegration,
  MercurialIntegrations,
  parseMercurialUrl,
} from '@backstage-mercurial/integration';
import { InputError } from '@backstage/errors';

const REPO_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** Validates a repository path like `team/service`. */
export function checkRepositoryPath(repositoryPath: string): string {
  const segments = repositoryPath.split('/');
  if (
    !repositoryPath ||
    segments.some(s => !REPO_SEGMENT.test(s) || s === '.' || s === '..')
  ) {
    throw new InputError(
      `Invalid repository path '${repositoryPath}': use segments of letters, digits, '.', '_' and '-' separated by '/', none starting with '-' or '.' (e.g. 'team/service')`,
    );
  }
  return repositoryPath;
}

/**
 * A repository named by the RepoUrlPicker form (`host?repo=team/service`,
 * `host?owner=team&repo=service`) or by an hgweb URL of it. For an
 * integration with `singleRepository`, `host` alone or its `baseUrl` names
 * its one repository, whose path is `''`.
 */
export function parseRepoUrl(
  repoUrl: string,
  integrations: MercurialIntegrations,
): { integration: MercurialIntegration; repositoryPath: string } {
  if (/^https?:\/\//i.test(repoUrl)) {
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
        : checkRepositoryPath(parsed.repositoryPath),
    };
  }
  let parsed: URL;
  try {
    parsed = new URL(`https://${repoUrl}`);
  } catch (e) {
    throw new InputError(
      `Invalid repoUrl '${repoUrl}': expected 'host?repo=team/service' (the RepoUrlPicker form) or an hgweb URL of the repository`,
      e,
    );
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
    throw new InputError(
      `Invalid repoUrl '${repoUrl}': expected 'host?repo=team/service' (the RepoUrlPicker form) or an hgweb URL of the repository`,
    );
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
  return { integration, repositoryPath: checkRepositoryPath(repositoryPath) };
}

function describeIntegrations(integrations: MercurialIntegrations): string {
  const hosts = integrations.list().map(i => i.config.baseUrl);
  return hosts.length ? hosts.join(', ') : 'none';
}
