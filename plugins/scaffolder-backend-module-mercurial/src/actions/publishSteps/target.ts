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
  getMercurialRepositoryUrl,
  MercurialIntegration,
} from '@backstage-mercurial/integration';
import {
  hgCommands,
  HgRunner,
  MercurialCredentialsService,
  MercurialHgwebClient,
  runHgCommand,
} from '@backstage-mercurial/integration-node';
import { InputError } from '@backstage/errors';
import fs from 'fs-extra';
import path from 'node:path';
import { CredentialsOnBehalf } from '../access';
import {
  hgAuthFor,
  localRepositoryDir,
  RunOptionsFor,
  sshRepositoryUrl,
} from '../locations';

/** Where publish:hg pushes, and how it makes the repository when missing. */
export interface PublishTarget {
  integration: MercurialIntegration;
  repositoryPath: string;
  /** `{baseUrl}/{repo}`, without credentials: what the outputs and errors name. */
  remoteUrl: string;
  /** What hg pushes to: the ssh URL, the localRoot directory or remoteUrl. */
  location: string;
  /** How to run hg against `location`, for reading or for writing. */
  runOptions: RunOptionsFor;
  /** Whose credentials hg sends (`readAs: caller`: the initiator's). */
  onBehalfOf?: string;
  /**
   * Creates the repository (over ssh or in localRoot; not possible over
   * HTTP). Resolves to how to undo that, when it can be undone.
   */
  create?: () => Promise<(() => Promise<void>) | undefined>;
}

/**
 * Step 1 of publish:hg: the target. Over ssh when the integration has
 * `ssh`, else in `localRoot` when it has that, else over HTTP(S) with the
 * credentials the service gives for the repository. With `readAs: caller`
 * always over HTTP(S), with the initiator's credentials (`onBehalfOf`): ssh
 * and localRoot would act as the backend.
 */
export function resolvePublishTarget(
  options: {
    integration: MercurialIntegration;
    repositoryPath: string;
    runner: HgRunner;
    credentials: MercurialCredentialsService;
    /** Creates repositories through the server's API, where its flavor has one. */
    hgweb: MercurialHgwebClient;
    signal?: AbortSignal;
  } & CredentialsOnBehalf,
): PublishTarget {
  const { integration, repositoryPath, runner, signal } = options;
  const remoteUrl = getMercurialRepositoryUrl(
    integration.config,
    repositoryPath,
  );
  const base = { integration, repositoryPath, remoteUrl };
  if (integration.config.readAs === 'caller') {
    return httpTarget(base, options);
  }
  const sshUrl = sshRepositoryUrl(integration, repositoryPath);
  if (sshUrl) {
    const { privateKey, knownHosts } = integration.config.ssh!;
    const runOptions = { ssh: { privateKey, knownHosts }, signal };
    return {
      ...base,
      location: sshUrl,
      runOptions: async () => runOptions,
      create: async () => {
        await runHgCommand(
          runner,
          hgCommands.init({ dest: sshUrl }),
          runOptions,
        );
        // hg cannot remove a repository over ssh; an empty one is fine to
        // push into on the next try
        return undefined;
      },
    };
  }
  const localDir = localRepositoryDir(integration, repositoryPath);
  if (localDir) {
    return {
      ...base,
      location: localDir,
      runOptions: async () => ({ signal }),
      create: async () => {
        if (
          (await fs.pathExists(localDir)) &&
          (await fs.readdir(localDir)).length > 0
        ) {
          throw new InputError(
            `Cannot create ${remoteUrl}: '${repositoryPath}' exists in localRoot and is not an empty directory`,
          );
        }
        await fs.ensureDir(path.dirname(localDir));
        await runHgCommand(runner, hgCommands.init({ dest: localDir }));
        return () => fs.remove(localDir);
      },
    };
  }
  return httpTarget(base, options);
}

function httpTarget(
  base: Pick<PublishTarget, 'integration' | 'repositoryPath' | 'remoteUrl'>,
  options: {
    credentials: MercurialCredentialsService;
    hgweb: MercurialHgwebClient;
    signal?: AbortSignal;
  } & CredentialsOnBehalf,
): PublishTarget {
  const { credentials, signal, onBehalfOf, auditor } = options;
  const client = options.hgweb.forIntegration(base.integration);
  return {
    ...base,
    // A hosted flavor (Heptapod, Kallithea) creates it through its API, as
    // the task's initiator with readAs: caller; hgweb has no such API
    // (createRepository answers false) and needs an 'ssh' or 'localRoot'.
    create: async () => {
      const created = await client.createRepository(
        { repositoryPath: base.repositoryPath, visibility: 'private' },
        { purpose: 'write', onBehalfOf, auditor, signal },
      );
      if (!created) {
        throw new InputError(notCreatableMessage(base));
      }
      // The API cannot remove it again; an empty repository is fine to
      // push into on the next try.
      return undefined;
    },
    location: base.remoteUrl,
    onBehalfOf: onBehalfOf?.userEntityRef,
    runOptions: async purpose => ({
      auth: await hgAuthFor({
        credentials,
        integration: base.integration,
        url: base.remoteUrl,
        purpose,
        onBehalfOf,
        auditor,
      }),
      signal,
    }),
  };
}

/** Why publish:hg cannot create a missing repository on an hgweb server over HTTP. */
export function notCreatableMessage(
  target: Pick<PublishTarget, 'integration' | 'remoteUrl'>,
): string {
  const { host, readAs } = target.integration.config;
  return readAs === 'caller'
    ? `Cannot publish to ${target.remoteUrl}: the repository does not exist, and it cannot be created over HTTP; create it on the server first (the integration for ${host} has readAs: caller, so publish:hg pushes over HTTP(S) as the task's initiator and does not use its 'ssh' or 'localRoot')`
    : `Cannot publish to ${target.remoteUrl}: the repository does not exist, and it cannot be created over HTTP; create it on the server first, or give the integration for ${host} an 'ssh' or 'localRoot'`;
}
