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
  getMercurialLookupUrl,
  getMercurialRepositoryUrl,
  MercurialIntegration,
  MercurialIntegrations,
  parseMercurialLookupResponse,
  parseMercurialUrl,
} from '@backstage-mercurial/integration';
import {
  fetchFromMercurial,
  getHgAuth,
  HgCommandError,
  HgRunner,
  HgRunOptions,
} from '@backstage-mercurial/integration-node';
import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import path from 'node:path';

/** What every action of this module needs. */
export interface MercurialActionOptions {
  integrations: MercurialIntegrations;
  config: Config;
  runner?: HgRunner;
  /** How long publish:hg waits for the server's HTTP side (default 60 s). */
  publishWaitMs?: number;
}

/** The identity used when a template gives none and the config has none. */
export const FALLBACK_AUTHOR = {
  name: 'Scaffolder',
  email: 'scaffolder@backstage.io',
};

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

/** `Name <email>` for hg, from the inputs, then scaffolder.defaultAuthor. */
export function commitAuthor(
  config: Config,
  input: { authorName?: string; authorEmail?: string },
): string {
  const name =
    input.authorName ??
    config.getOptionalString('scaffolder.defaultAuthor.name') ??
    FALLBACK_AUTHOR.name;
  const email =
    input.authorEmail ??
    config.getOptionalString('scaffolder.defaultAuthor.email') ??
    FALLBACK_AUTHOR.email;
  if (/[<>\r\n]/.test(name) || name.startsWith('-') || !name.trim()) {
    throw new InputError(
      `Invalid author name '${name}': it must not be empty, start with '-' or contain '<', '>' or line breaks`,
    );
  }
  if (/[<>\s]/.test(email) || email.startsWith('-') || !email.includes('@')) {
    throw new InputError(
      `Invalid author email '${email}': expected an address like 'name@example.com'`,
    );
  }
  return `${name.trim()} <${email}>`;
}

/** The ssh URL of a repository, for an integration with `ssh`. */
export function sshRepositoryUrl(
  integration: MercurialIntegration,
  repositoryPath: string,
): string | undefined {
  const ssh = integration.config.ssh;
  if (!ssh) {
    return undefined;
  }
  // '' with singleRepository: ssh.url is the repository's own URL
  return repositoryPath ? `${ssh.url}/${repositoryPath}` : ssh.url;
}

/** The directory of a repository under the integration's `localRoot`. */
export function localRepositoryDir(
  integration: MercurialIntegration,
  repositoryPath: string,
): string | undefined {
  const root = integration.config.localRoot;
  if (!root) {
    return undefined;
  }
  const dir = path.resolve(root, repositoryPath);
  if (!dir.startsWith(`${path.resolve(root)}${path.sep}`)) {
    throw new InputError(
      `Repository path '${repositoryPath}' leads out of localRoot`,
    );
  }
  return dir;
}

/**
 * The integration a push/pull location belongs to: an http(s) URL under a
 * `baseUrl`, an ssh URL under an `ssh.url`, or a directory under a
 * `localRoot`. Credentials for it, for the runner.
 */
export function locationOptions(
  location: string,
  integrations: MercurialIntegrations,
): { integration: MercurialIntegration; runOptions: HgRunOptions } {
  if (/^https?:\/\//i.test(location)) {
    const integration = integrations.byUrl(location);
    if (integration) {
      const auth = getHgAuth(integration.config);
      return { integration, runOptions: { auth: auth ? [auth] : undefined } };
    }
  } else if (/^ssh:\/\//i.test(location)) {
    const integration = integrations
      .list()
      .find(
        i =>
          i.config.ssh &&
          (location === i.config.ssh.url ||
            location.startsWith(`${i.config.ssh.url}/`)),
      );
    if (integration?.config.ssh) {
      const { privateKey, knownHosts } = integration.config.ssh;
      return { integration, runOptions: { ssh: { privateKey, knownHosts } } };
    }
  } else if (path.isAbsolute(location)) {
    const integration = integrations
      .list()
      .find(
        i =>
          i.config.localRoot &&
          location.startsWith(`${path.resolve(i.config.localRoot)}${path.sep}`),
      );
    if (integration) {
      return { integration, runOptions: {} };
    }
  }
  throw new InputError(
    `'${redactUrl(location)}' belongs to no integrations.mercurial entry (not under a baseUrl, ssh.url or localRoot); add one to push there`,
  );
}

/** A URL without any `user:password@`. */
export function redactUrl(url: string): string {
  return url.replace(
    /^([a-z][a-z0-9+.-]*:\/\/)([^/@:]*)(?::[^/@]*)?@/i,
    (_match, scheme: string, user: string) =>
      scheme.toLowerCase().startsWith('ssh') ? `${scheme}${user}@` : scheme,
  );
}

/** Whether an hg failure says the repository does not exist. */
export function isRepositoryNotFound(error: unknown): boolean {
  return (
    error instanceof HgCommandError &&
    /repository .* not found|\.hg not found|does not exist|HTTP Error 404/i.test(
      error.stderr,
    )
  );
}

function sleep(ms: number) {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/**
 * Waits until the server's HTTP side serves `node` (hgweb may take a while
 * to notice a new repository), at most `timeoutMs`.
 *
 * @returns whether it did in time
 */
export async function waitForHttpNode(options: {
  integration: MercurialIntegration;
  repositoryPath: string;
  node: string;
  timeoutMs: number;
  logger: LoggerService;
  signal?: AbortSignal;
}): Promise<boolean> {
  const { integration, repositoryPath, node } = options;
  const url = getMercurialLookupUrl(integration.config, {
    repositoryPath,
    key: node,
  });
  const deadline = Date.now() + options.timeoutMs;
  let delay = 250;
  for (;;) {
    try {
      const response = await fetchFromMercurial(integration.config, url, {
        signal: options.signal,
      });
      if (response.ok) {
        const answer = parseMercurialLookupResponse(await response.text());
        if (answer === node) {
          return true;
        }
      } else {
        await response.body?.cancel();
      }
    } catch (e) {
      if (options.signal?.aborted) {
        throw e;
      }
    }
    if (Date.now() + delay > deadline) {
      options.logger.warn(
        `${getMercurialRepositoryUrl(integration.config, repositoryPath)} did not serve ${node} over HTTP within ${Math.round(options.timeoutMs / 1000)} s; steps that read it (catalog:register) may fail until it does`,
      );
      return false;
    }
    await sleep(delay);
    delay = Math.min(delay * 2, 2000);
  }
}
