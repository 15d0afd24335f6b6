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
  HG_COMMAND_MIN_VALIDITY_MS,
  HgAuth,
  HgCommandError,
  HgRunOptions,
  MercurialCredentialsPurpose,
  MercurialCredentialsService,
  redactUrl,
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
 * The `[auth]` entry for an hg command that talks to `url` over HTTP(S),
 * with the credentials the service gives for it (none when it gives none:
 * never the static ones of the config behind its back).
 */
export async function hgAuthFor(options: {
  credentials: MercurialCredentialsService;
  integration: MercurialIntegration;
  url: string;
  purpose: MercurialCredentialsPurpose;
}): Promise<HgAuth[] | undefined> {
  const credentials = await options.credentials.getCredentials({
    url: options.url,
    purpose: options.purpose,
    minValidityMs: HG_COMMAND_MIN_VALIDITY_MS,
  });
  const auth = getHgAuth(options.integration.config, credentials);
  return auth ? [auth] : undefined;
}

/**
 * The run options of the hg commands for one location, asked right before
 * each command (short-lived credentials stay fresh), for what it does.
 */
export type RunOptionsFor = (
  purpose: MercurialCredentialsPurpose,
) => Promise<HgRunOptions>;

/**
 * The integration a push/pull location belongs to: an http(s) URL under a
 * `baseUrl`, an ssh URL under an `ssh.url`, or a directory under a
 * `localRoot`; and how to run hg against it (over HTTP(S), with the
 * credentials the service gives).
 */
export function locationOptions(
  location: string,
  integrations: MercurialIntegrations,
  credentials: MercurialCredentialsService,
): { integration: MercurialIntegration; runOptions: RunOptionsFor } {
  if (/^https?:\/\//i.test(location)) {
    const integration = integrations.byUrl(location);
    if (integration) {
      return {
        integration,
        runOptions: async purpose => ({
          auth: await hgAuthFor({
            credentials,
            integration,
            url: redactUrl(location),
            purpose,
          }),
        }),
      };
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
      const ssh = { privateKey, knownHosts };
      return { integration, runOptions: async () => ({ ssh }) };
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
      return { integration, runOptions: async () => ({}) };
    }
  }
  throw new InputError(
    `'${redactUrl(location)}' belongs to no integrations.mercurial entry (not under a baseUrl, ssh.url or localRoot); add one to push there`,
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
