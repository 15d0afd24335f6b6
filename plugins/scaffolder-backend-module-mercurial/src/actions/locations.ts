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
import {
  getHgAuth,
  HG_COMMAND_MIN_VALIDITY_MS,
  HgAuth,
  HgCommandError,
  HgRunOptions,
  MercurialCredentialsPurpose,
  MercurialCredentialsService,
  redactUrl,
  requestCredentials,
} from '@backstage-mercurial/integration-node';
import { InputError, NotAllowedError } from '@backstage/errors';
import path from 'node:path';
import { CredentialsOnBehalf } from './access';

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
 * never the static ones of the config behind its back); with `onBehalfOf`,
 * that person's, recorded through `auditor` (`mercurial-credentials-issued`).
 */
export async function hgAuthFor(
  options: {
    credentials: MercurialCredentialsService;
    integration: MercurialIntegration;
    url: string;
    purpose: MercurialCredentialsPurpose;
  } & CredentialsOnBehalf,
): Promise<HgAuth[] | undefined> {
  const { onBehalfOf } = options;
  const credentials = await requestCredentials(
    options.credentials,
    {
      url: options.url,
      purpose: options.purpose,
      minValidityMs: HG_COMMAND_MIN_VALIDITY_MS,
      ...(onBehalfOf && { onBehalfOf }),
    },
    options.auditor,
  );
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

/** How hg reaches a push/pull location. */
export type LocationTransport = 'http' | 'ssh' | 'local';

/**
 * The integration a push/pull location belongs to: an http(s) URL under a
 * `baseUrl`, an ssh URL under an `ssh.url`, or a directory under a
 * `localRoot`; the repository's path in it (best effort, for audit events;
 * `''` when it cannot tell) and how hg reaches it.
 */
export function locationIntegration(
  location: string,
  integrations: MercurialIntegrations,
): {
  integration: MercurialIntegration;
  repositoryPath: string;
  transport: LocationTransport;
} {
  if (/^https?:\/\//i.test(location)) {
    const integration = integrations.byUrl(location);
    if (integration) {
      let repositoryPath = '';
      try {
        repositoryPath = parseMercurialUrl(
          redactUrl(location),
          integration.config,
        ).repositoryPath;
      } catch {
        // a URL the parser does not know: the audit event names no path
      }
      return { integration, repositoryPath, transport: 'http' };
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
      const repositoryPath = location
        .slice(integration.config.ssh.url.length)
        .replace(/^\/+|\/+$/g, '');
      return { integration, repositoryPath, transport: 'ssh' };
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
      const repositoryPath = path
        .relative(path.resolve(integration.config.localRoot!), location)
        .split(path.sep)
        .join('/');
      return { integration, repositoryPath, transport: 'local' };
    }
  }
  throw new InputError(
    `'${redactUrl(location)}' belongs to no integrations.mercurial entry (not under a baseUrl, ssh.url or localRoot); add one to push there`,
  );
}

/**
 * The integration a push/pull location belongs to (see
 * {@link locationIntegration}) and how to run hg against it: over HTTP(S)
 * with the credentials the service gives (with `onBehalfOf`, that person's);
 * over ssh with the integration's key, or on its `localRoot`. Those two act
 * as the backend, so an entry with `readAs: caller` refuses them.
 */
export function locationOptions(
  location: string,
  integrations: MercurialIntegrations,
  credentials: MercurialCredentialsService,
  onBehalf: CredentialsOnBehalf = {},
): { integration: MercurialIntegration; runOptions: RunOptionsFor } {
  const { integration, transport } = locationIntegration(
    location,
    integrations,
  );
  if (transport !== 'http' && integration.config.readAs === 'caller') {
    throw new InputError(
      `Cannot use '${redactUrl(location)}': the integrations.mercurial entry for ${integration.config.host} has readAs: caller, so hg talks to it over HTTP(S) as the task's initiator; ${transport === 'ssh' ? 'ssh' : 'localRoot'} would act as the backend instead. Use the repository's ${integration.config.baseUrl} URL`,
    );
  }
  if (transport === 'ssh') {
    const { privateKey, knownHosts } = integration.config.ssh!;
    const ssh = { privateKey, knownHosts };
    return { integration, runOptions: async () => ({ ssh }) };
  }
  if (transport === 'local') {
    return { integration, runOptions: async () => ({}) };
  }
  return {
    integration,
    runOptions: async purpose => ({
      auth: await hgAuthFor({
        credentials,
        integration,
        url: redactUrl(location),
        purpose,
        ...onBehalf,
      }),
    }),
  };
}

/** Whether an hg failure says the server refused the credentials sent. */
export function isAccessRefused(error: unknown): boolean {
  return (
    error instanceof HgCommandError &&
    /authorization failed|push not authorized|HTTP Error 40[13]/i.test(
      error.stderr,
    )
  );
}

/**
 * The error for a push the server refused: it names the repository and
 * whose credentials it refused (the task's initiator with `readAs:
 * caller`), never the credentials.
 */
export function pushRefusedError(options: {
  remoteUrl: string;
  integration: MercurialIntegration;
  onBehalfOf?: string;
  cause: unknown;
}): NotAllowedError {
  const who = options.onBehalfOf ?? "the integration's own credentials";
  return new NotAllowedError(
    `${options.remoteUrl} refused the push for ${who}: the Mercurial server ${options.integration.config.host} does not let ${options.onBehalfOf ? 'them' : 'them (readAs: service)'} push there`,
    options.cause,
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
