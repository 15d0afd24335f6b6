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
 * Node-only Mercurial helpers for Backstage: the `hg` command runner, the
 * command builders, the one hgweb client of the pack and the credentials
 * service.
 *
 * @packageDocumentation
 */

export { HgRunner } from './HgRunner';
export type { HgAuth, HgResult, HgRunOptions, HgSsh } from './HgRunner';
export {
  HgCommandError,
  HgNotAvailableError,
  MercurialCredentialsError,
} from './errors';
export { assertSafeHgUrl, assertSafeHgValue } from './guard';
export { redactSecrets, redactUrl } from './redact';
export { hgCommands, runHgCommand } from './commands';
export type { HgChangeset, HgCommand, HgOutgoingChangeset } from './commands';
export {
  DEFAULT_CREDENTIAL_LIFETIME_MS,
  DefaultMercurialCredentialsService,
} from './credentials/DefaultMercurialCredentialsService';
export type { DefaultMercurialCredentialsServiceOptions } from './credentials/DefaultMercurialCredentialsService';
export { DEFAULT_OAUTH2_USERNAME } from './credentials/oauth2';
export { getHgAuth } from './credentials/hgAuth';
export { mercurialCredentialsServiceRef } from './credentials/refs';
export { HG_COMMAND_MIN_VALIDITY_MS } from './credentials/types';
export type {
  MercurialCredentialsPurpose,
  MercurialCredentialsRequest,
  MercurialCredentialsService,
  MercurialOnBehalfOf,
} from './credentials/types';
export {
  MERCURIAL_AUDIT_EVENTS,
  requestCredentials,
  resolveOnBehalfOf,
} from './audit';
export * from './hgweb';
export { MercurialHttpTransport } from './flavors/transport';
export { historyRevset, quoteRevsetString } from './flavors/revsets';
export type {
  MercurialCreateRepositoryRequest,
  MercurialMergeRequest,
  MercurialMergeRequestRequest,
  MercurialDirectoryEntry,
  MercurialHistoryQuery,
  MercurialRepositoryListing,
  MercurialRequestOptions,
  MercurialServerClient,
} from './flavors/types';
