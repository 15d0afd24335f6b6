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

/**
 * The `integrations.mercurial` config type for Backstage: its schema, reader
 * and validation, hgweb URL parsing and building, the scaffolder's `repoUrl`
 * rules, and request options.
 * Frontend-safe: no Node.js built-ins.
 *
 * @packageDocumentation
 */

export {
  DEFAULT_CREDENTIAL_COMMAND_TIMEOUT_MS,
  MERCURIAL_CONFIG_KEY,
  MERCURIAL_FLAVORS,
  readMercurialIntegrationConfig,
  readMercurialIntegrationConfigs,
} from './config';
export type {
  MercurialCredentialCommandSource,
  MercurialCredentialSource,
  MercurialFlavor,
  MercurialReadAs,
  MercurialIntegrationConfig,
  MercurialOAuth2Source,
  MercurialSshConfig,
  MercurialTokenFileSource,
} from './config';
export {
  MercurialIntegration,
  MercurialIntegrations,
} from './MercurialIntegration';
export {
  DEFAULT_MERCURIAL_REVISION,
  encodeMercurialRevision,
  formatMercurialUrl,
  getMercurialArchiveUrl,
  getMercurialBrowseUrl,
  getMercurialChangesetUrl,
  getMercurialEditUrl,
  getMercurialJsonFileUrl,
  getMercurialJsonLogUrl,
  getMercurialLookupUrl,
  getMercurialRawDirectoryUrl,
  getMercurialRawFileUrl,
  getMercurialRepositoryUrl,
  isMercurialUrlUnderBase,
  parseMercurialLookupResponse,
  parseMercurialUrl,
} from './urls';
export type {
  MercurialArchiveFormat,
  MercurialLocation,
  MercurialUrl,
  MercurialUrlKind,
} from './urls';
export {
  checkMercurialRepositoryPath,
  formatMercurialRepoUrl,
  parseMercurialRepoUrl,
  validateMercurialRepositoryPath,
} from './repoUrl';
export type { MercurialRepoUrl, MercurialRepoUrlParts } from './repoUrl';
export type { MercurialWebUrls } from './flavors/types';
export { heptapodRefOf, parseHeptapodMercurialUrl } from './flavors/heptapod';
export {
  getMercurialConfigCredentials,
  getMercurialRequestOptions,
} from './requests';
export type { MercurialCredentials } from './requests';
export {
  formatHeptapodRef,
  formatHeptapodUrl,
  parseHeptapodUrl,
  splitHeptapodRef,
} from './heptapod/urls';
export type {
  HeptapodRef,
  HeptapodUrl,
  HeptapodUrlKind,
} from './heptapod/urls';
