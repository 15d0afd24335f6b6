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
  getMercurialBrowseUrl,
  getMercurialRepositoryUrl,
  MercurialIntegration,
} from '@backstage-mercurial/integration';

/** Step 7 of publish:hg: what it outputs. */
export function publishOutputs(options: {
  integration: MercurialIntegration;
  repositoryPath: string;
  branch: string;
  commitHash: string;
  /** The catalog file in the repository (catalog:register's catalogInfoPath). */
  catalogInfoPath: string;
}): {
  remoteUrl: string;
  repoContentsUrl: string;
  commitHash: string;
  catalogInfoUrl: string;
} {
  const { integration, repositoryPath } = options;
  const repoContentsUrl = getMercurialBrowseUrl(integration.config, {
    repositoryPath,
    // the branch, not the node: what is registered from it follows later
    // commits, as discovery (which reads the branch) sees it
    revision: options.branch,
    directory: true,
  });
  return {
    remoteUrl: getMercurialRepositoryUrl(integration.config, repositoryPath),
    repoContentsUrl,
    commitHash: options.commitHash,
    catalogInfoUrl: integration.resolveUrl({
      url: options.catalogInfoPath,
      base: repoContentsUrl,
    }),
  };
}
