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

import type { MercurialIntegrationConfig } from '../config';
import type { MercurialLocation, MercurialUrl } from '../urls';

/**
 * The web URLs of one flavor of Mercurial server (hgweb, Heptapod,
 * Kallithea): what `parseMercurialUrl`, `formatMercurialUrl` and the
 * `getMercurial*Url` helpers dispatch to by the entry's `flavor`. Adding a
 * flavor (RhodeCode) is one more implementation of this and of the server
 * client of `integration-node`.
 *
 * A {@link MercurialUrl}'s `revision` is written the way the flavor's URLs
 * write it: an hg revision name or node for hgweb and Kallithea, a Heptapod
 * ref (`branch/default`, `topic/default/t`, a tag, a node) for Heptapod.
 *
 * @public
 */
export interface MercurialWebUrls {
  /**
   * Takes a URL of the server apart. Where the URL alone cannot tell ref
   * from path (a Heptapod branch name with a `/`), the first segment after
   * `branch/` is taken as the branch; the server client's `parseUrl` asks
   * the server and is exact.
   *
   * @throws InputError naming the forms the flavor expects
   */
  parseUrl(url: string, config: MercurialIntegrationConfig): MercurialUrl;
  /** The repository's page, which is also what hg clones and pushes to. */
  repositoryUrl(
    config: MercurialIntegrationConfig,
    repositoryPath: string,
  ): string;
  /** The page of a file, or of a directory with `directory: true`. */
  browseUrl(
    config: MercurialIntegrationConfig,
    location: MercurialLocation & { directory?: boolean },
  ): string;
  /** A file's bytes. */
  rawFileUrl(
    config: MercurialIntegrationConfig,
    location: MercurialLocation & { path: string },
  ): string;
  /**
   * The raw URL of a directory, ending with `/`, against which a relative
   * link of a file in it resolves to the linked file's bytes.
   */
  rawDirectoryUrl(
    config: MercurialIntegrationConfig,
    location: MercurialLocation,
  ): string;
  /** Where a person edits the file: a web editor, or the file's page. */
  editUrl(
    config: MercurialIntegrationConfig,
    location: MercurialLocation & { path: string },
  ): string;
  /** The page of one changeset. */
  changesetUrl(
    config: MercurialIntegrationConfig,
    options: { repositoryPath: string; node: string },
  ): string;
}
