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

import type { ConfigApi } from '@backstage/frontend-plugin-api';
import { validateMercurialRepositoryPath } from '@backstage-mercurial/integration';

/**
 * The `ui:options` of `MercurialRepoUrlPicker`.
 *
 * @public
 */
export interface MercurialRepoUrlPickerUiOptions {
  /** Only these hosts of `integrations.mercurial` are offered. */
  allowedHosts?: string[];
  /** The owner (first path segment) is chosen from these. */
  allowedOwners?: string[];
}

/** A host the picker offers, from `integrations.mercurial`. */
export interface PickerHost {
  host: string;
  /** The server serves one repository at its baseUrl: no owner or repo. */
  singleRepository: boolean;
}

/** The frontend-visible `integrations.mercurial` hosts, narrowed by `allowedHosts`. */
export function pickerHosts(
  config: ConfigApi,
  allowedHosts?: string[],
): PickerHost[] {
  const entries = config.getOptionalConfigArray('integrations.mercurial') ?? [];
  return entries
    .map(entry => ({
      host: entry.getString('host'),
      singleRepository: entry.getOptionalBoolean('singleRepository') ?? false,
    }))
    .filter(h => !allowedHosts?.length || allowedHosts.includes(h.host));
}

/** The parts of a picker value. */
export interface RepoUrlParts {
  host: string;
  owner?: string;
  repo: string;
}

/** Takes `host?owner=...&repo=...` apart; `undefined` when it is no such value. */
export function parseRepoUrlValue(value: string): RepoUrlParts | undefined {
  try {
    const url = new URL(`https://${value}`);
    if (url.pathname !== '/' || !url.host) {
      return undefined;
    }
    return {
      host: url.host,
      owner: url.searchParams.get('owner') || undefined,
      repo: url.searchParams.get('repo') ?? '',
    };
  } catch {
    return undefined;
  }
}

/**
 * What is wrong with a picker value, as messages for the form; empty when
 * the value names a repository that `publish:hg` accepts.
 */
export function repoUrlProblems(
  value: string | undefined,
  hosts: PickerHost[],
  options: MercurialRepoUrlPickerUiOptions = {},
): string[] {
  const parts = value ? parseRepoUrlValue(value) : undefined;
  if (!parts) {
    return [
      `Invalid repository location '${value ?? ''}': choose a host and name the repository`,
    ];
  }
  const host = hosts.find(h => h.host === parts.host);
  if (!host) {
    return [
      `Host '${parts.host}' is not one of the allowed Mercurial hosts: ${hosts.map(h => h.host).join(', ') || 'none configured in integrations.mercurial'}`,
    ];
  }
  if (host.singleRepository) {
    return parts.owner || parts.repo
      ? [
          `${parts.host} serves a single repository: give no owner or repository`,
        ]
      : [];
  }
  const problems: string[] = [];
  if (
    options.allowedOwners?.length &&
    !options.allowedOwners.includes(parts.owner ?? '')
  ) {
    problems.push(
      `Owner '${parts.owner ?? ''}' is not one of ${options.allowedOwners.join(', ')}`,
    );
  }
  if (!parts.repo) {
    problems.push('Name the repository');
    return problems;
  }
  const path = parts.owner ? `${parts.owner}/${parts.repo}` : parts.repo;
  const message = validateMercurialRepositoryPath(path);
  if (message) {
    problems.push(message);
  }
  return problems;
}
