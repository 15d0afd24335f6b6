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
  getMercurialEditUrl,
  MercurialIntegration,
  parseMercurialUrl,
} from '@backstage-mercurial/integration';

/**
 * The browse URL of the directory `url` lies in
 * (`{baseUrl}/{repo}/file/{rev}/{dir}/`, the revision of `url` kept; a
 * `raw-file` URL gives the `file` form, whose directories are trees), or
 * `undefined` when `url` is not one of hgweb's file, directory or
 * repository URLs.
 */
export function getMercurialSourceDirectoryUrl(
  integration: MercurialIntegration,
  url: string,
): string | undefined {
  let parsed;
  try {
    parsed = parseMercurialUrl(url, integration.config);
  } catch {
    return undefined; // e.g. an hgweb page such as /rev/tip
  }
  const directory =
    parsed.kind === 'file' || parsed.kind === 'raw-file'
      ? parsed.path.split('/').slice(0, -1).join('/')
      : parsed.path;
  return getMercurialBrowseUrl(integration.config, {
    repositoryPath: parsed.repositoryPath,
    revision: parsed.revision,
    path: directory,
    directory: true,
  });
}

/**
 * The web editor's URL of the file `url` points at (Heptapod's
 * `/-/edit/{ref}/{path}`), or `undefined` when the flavor has no editor
 * (hgweb, Kallithea: their "edit" URL would only be the file's page) or
 * `url` is not a file URL of the server.
 */
export function getMercurialFileEditUrl(
  integration: MercurialIntegration,
  url: string,
): string | undefined {
  let parsed;
  try {
    parsed = parseMercurialUrl(url, integration.config);
  } catch {
    return undefined;
  }
  if (parsed.kind !== 'file' && parsed.kind !== 'raw-file') {
    return undefined;
  }
  const edit = getMercurialEditUrl(integration.config, parsed);
  return edit === getMercurialBrowseUrl(integration.config, parsed)
    ? undefined
    : edit;
}
