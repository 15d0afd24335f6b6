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
} from '@backstage-mercurial/integration';
import {
  getHgAuth,
  HgCommandError,
  HgRunOptions,
} from '@backstage-mercurial/integration-node';
import { InputError } from '@backstage/errors';
import path from 'node:path';

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
