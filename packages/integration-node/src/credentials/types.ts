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

import { MercurialCredentials } from '@backstage-mercurial/integration';

/**
 * What the credentials are for: reading (HTTP GETs, clone, pull) or writing
 * (push, creating a repository).
 *
 * @public
 */
export type MercurialCredentialsPurpose = 'read' | 'write';

/**
 * The person a request is made for, with `readAs: caller`: their user
 * entity ref and the entity refs they own through (themselves and their
 * groups), as Backstage's user info service gives them.
 *
 * @public
 */
export interface MercurialOnBehalfOf {
  /** e.g. `user:default/alice` */
  userEntityRef: string;
  /** e.g. `['user:default/alice', 'group:default/payments']` */
  ownershipEntityRefs: string[];
}

/**
 * One request for credentials.
 *
 * @public
 */
export interface MercurialCredentialsRequest {
  /** The URL the credentials are for; its integration is the longest matching `baseUrl`. */
  url: string;
  /** What they are for; default `read`. */
  purpose?: MercurialCredentialsPurpose;
  /**
   * `true` when the server refused the credentials last given for this URL
   * (HTTP 401): give freshly minted ones, not the cached ones.
   */
  refresh?: boolean;
  /**
   * With `refresh`: the credentials the server refused. When the service
   * has minted others since (another request's refresh got there first),
   * it may give those rather than mint again, so a burst of refused
   * requests makes one renewal, not one each.
   */
  refused?: MercurialCredentials;
  /**
   * The credentials must stay good at least this many milliseconds from
   * now: an hg command sends the one credential it was given with every
   * request it makes, so a short-lived one is renewed before the command
   * rather than expiring in the middle of a push. A credential with less
   * time left is renewed first (a hint; a service may ignore it).
   */
  minValidityMs?: number;
  /**
   * The person the credentials are for (an entry with `readAs: caller`):
   * the service must give credentials that act as them, or throw; never
   * the entry's own credentials instead. Absent: the entry's own.
   */
  onBehalfOf?: MercurialOnBehalfOf;
}

/**
 * Gives the credentials for requests to the servers of
 * `integrations.mercurial`. Every part of the pack (the URL reader, the
 * catalog, history and scaffolder modules) asks the one instance of
 * {@link mercurialCredentialsServiceRef}; replace its factory to get
 * credentials from somewhere else (a vault, a cloud workload identity).
 *
 * An implementation returns `undefined` for a server that needs no
 * credentials, and throws (never returns `undefined`) when a configured
 * source fails, so that no request goes out without the credentials it
 * should carry. It must never put a secret into a log line or an error.
 *
 * @public
 */
export interface MercurialCredentialsService {
  getCredentials(
    request: MercurialCredentialsRequest,
  ): Promise<MercurialCredentials | undefined>;
}

/**
 * The `minValidityMs` the pack asks for before it runs an hg command that
 * talks to a server: the command sends the one credential it was given with
 * all its requests, so it should not expire during a long push or clone.
 *
 * @public
 */
export const HG_COMMAND_MIN_VALIDITY_MS = 60_000;
