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

import type {
  MercurialIntegration,
  MercurialUrl,
} from '@backstage-mercurial/integration';
import type { Readable } from 'node:stream';
import type { HgwebRequestOptions } from '../hgweb/HgwebServerClient';
import type {
  HgwebBranch,
  HgwebChangeset,
  HgwebRepositoryState,
  HgwebTag,
} from '../hgweb/wire';

/**
 * The options of one request to a Mercurial server, of any flavor.
 *
 * @public
 */
export type MercurialRequestOptions = HgwebRequestOptions;

/**
 * One entry of a directory listing.
 *
 * @public
 */
export interface MercurialDirectoryEntry {
  /** The entry's name in its directory (no `/`). */
  name: string;
  type: 'file' | 'directory';
  /** A symbolic link (hgweb says so; other flavors may not). */
  symlink?: boolean;
}

/**
 * What {@link MercurialServerClient.getHistory} asks for.
 *
 * @public
 */
export interface MercurialHistoryQuery {
  repositoryPath: string;
  /** A full node: the history is that of its ancestors (itself included). */
  node: string;
  /** Only changesets that touch this file or directory; `''` for all. */
  path: string;
  /**
   * A full node, the last changeset of the previous page: only those after
   * it in the history's order (newest revision first), i.e. of a lower
   * revision number.
   */
  before?: string;
  /** At most this many changesets. */
  limit: number;
  /** What the history is, for errors: "the history of docs in team/x". */
  what: string;
}

/**
 * A repository a server lists, for discovery.
 *
 * @public
 */
export interface MercurialRepositoryListing {
  /** The repository path, as URLs of the flavor write it. */
  repositoryPath: string;
  description?: string;
  /**
   * A value that changes whenever the repository may have changed (hgweb's
   * `lastchange`, Heptapod's `last_activity_at`, Kallithea's
   * `last_changeset`): discovery re-reads only repositories whose marker is
   * new. Undefined when the server gives none, or when it cannot be trusted
   * yet (a change in the same second as the index; within Heptapod's hour
   * in which it does not update `last_activity_at` again): such a
   * repository is re-read.
   */
  changeMarker?: string;
}

/**
 * What {@link MercurialServerClient.createRepository} creates.
 *
 * @public
 */
export interface MercurialCreateRepositoryRequest {
  repositoryPath: string;
  description?: string;
  /** `private` unless `public` is asked for. */
  visibility?: 'private' | 'public';
}

/**
 * What {@link MercurialServerClient.createMergeRequest} opens.
 *
 * @public
 */
export interface MercurialMergeRequestRequest {
  repositoryPath: string;
  /** The pushed ref to merge, as the flavor's URLs write it (`topic/default/x`, `branch/feature`). */
  sourceRef: string;
  /** The ref to merge into (`branch/default`). */
  targetRef: string;
  title: string;
  description?: string;
}

/**
 * A merge request the server opened.
 *
 * @public
 */
export interface MercurialMergeRequest {
  /** Its web page. */
  url: string;
  /** Its number in the repository (GitLab's `iid`). */
  number: number;
}

/**
 * The client of one Mercurial server (one `integrations.mercurial` entry),
 * for every flavor: hgweb, Heptapod, Kallithea. The URL reader, catalog,
 * history backend and scaffolder use only this, never the flavor's name;
 * adding a flavor (RhodeCode) is one more implementation. Every method:
 *
 * - asks the credentials service for the credentials of each request (on
 *   someone's behalf with `onBehalfOf`), and sends them only to the entry's
 *   own host;
 * - keeps to the host's concurrency limit shared across the backend;
 * - maps failures to Backstage errors naming the host and what was asked
 *   for, never a secret: NotFoundError, AuthenticationError,
 *   NotAllowedError, InputError, MercurialServerError (502) for the rest.
 *
 * Get one from `MercurialHgwebClient.forIntegration`.
 *
 * @public
 */
export interface MercurialServerClient {
  readonly integration: MercurialIntegration;
  /** The entry's host, for messages. */
  readonly host: string;
  /** HTTP requests sent to this server so far (retries and redirect hops included). */
  readonly requestCount: number;

  /** The repository's URL: what hg clones and pushes to, and its web page. */
  repositoryUrl(repositoryPath: string): string;
  /** A repository's name for messages. */
  describeRepository(repositoryPath: string): string;
  /** The web page of a changeset. */
  changesetUrl(repositoryPath: string, node: string): string;

  /**
   * Takes a URL of the server apart exactly, asking the server where the
   * URL alone cannot say where the revision ends (a Heptapod branch name
   * with a `/`). The revision is written as the flavor's URLs write it.
   *
   * @throws InputError when it is not one of the flavor's file, directory
   *   or repository URLs
   */
  parseUrl(
    url: string,
    options?: MercurialRequestOptions,
  ): Promise<MercurialUrl>;

  /**
   * Resolves a revision (as the flavor's URLs write it, or `default`, or a
   * node or node prefix).
   *
   * @returns the node; undefined when the server does not know the
   *   revision; `NULL_NODE` for `tip` of a repository without changesets
   * @throws NotFoundError when the repository is not there
   */
  lookup(
    repositoryPath: string,
    key: string,
    options?: MercurialRequestOptions,
  ): Promise<string | undefined>;

  /**
   * The node of a revision: the revision itself when it is a full node.
   *
   * @throws NotFoundError when the revision is unknown or the repository
   *   has no changesets
   */
  resolveNode(
    repositoryPath: string,
    revision: string,
    options?: MercurialRequestOptions,
  ): Promise<string>;

  /**
   * The head check: the node `revision` resolves to (undefined when
   * unknown), tip, every head and bookmark, in as few requests as the
   * server allows; what the history backend keys its cache by.
   */
  getState(
    repositoryPath: string,
    revision: string,
    options?: MercurialRequestOptions,
  ): Promise<HgwebRepositoryState>;

  /**
   * A file's bytes at a node, streamed.
   *
   * @returns undefined when the server cannot serve this file's name by URL
   *   (hg serve and some names): read it from an archive instead
   * @throws NotFoundError when there is no such file, InputError when the
   *   path is a directory
   */
  readFile(
    repositoryPath: string,
    node: string,
    path: string,
    options?: MercurialRequestOptions & {
      /** What the file is, for errors: "file 'x' at revision 'tip' of team/app". */
      what?: string;
    },
  ): Promise<Readable | undefined>;

  /**
   * A tar archive (gzip-compressed or plain) of the repository at a node,
   * streamed. Its entries sit under one top directory, at their paths in the
   * repository; it holds at least the tree of `path` (`''`: the whole
   * repository), and may hold more (Kallithea archives only whole
   * repositories): the reader keeps only the tree.
   *
   * @returns undefined when the server does not serve archives (the reader
   *   then uses the hg command line)
   */
  readArchive(
    repositoryPath: string,
    node: string,
    path: string,
    options?: MercurialRequestOptions & {
      /** What the tree is, for errors: "directory 'docs' of team/app at N". */
      what?: string;
    },
  ): Promise<Readable | undefined>;

  /**
   * One level of a directory at a node.
   *
   * @throws NotFoundError when there is no such directory
   */
  listDirectory(
    repositoryPath: string,
    node: string,
    path: string,
    options?: MercurialRequestOptions,
  ): Promise<MercurialDirectoryEntry[]>;

  /** Changesets, newest first (see {@link MercurialHistoryQuery}). */
  getHistory(
    query: MercurialHistoryQuery,
    options?: MercurialRequestOptions,
  ): Promise<HgwebChangeset[]>;

  /** Every named branch with its newest head and status. */
  getBranches(
    repositoryPath: string,
    options?: MercurialRequestOptions,
  ): Promise<HgwebBranch[]>;

  /** Every tag (`tip` may be among them). */
  getTags(
    repositoryPath: string,
    options?: MercurialRequestOptions,
  ): Promise<HgwebTag[]>;

  /**
   * The repositories the server lists (Heptapod: hg projects only, archived
   * ones left out), every page of them.
   *
   * @param options - `group`: only the repositories below this group or
   *   directory (with its subgroups)
   */
  listRepositories(
    options?: MercurialRequestOptions & { group?: string },
  ): Promise<MercurialRepositoryListing[]>;

  /**
   * Creates an empty repository through the server's API.
   *
   * @returns false when the flavor has no API to create repositories with
   *   (hgweb: publish:hg creates them over ssh or in localRoot), true when
   *   it created it
   * @throws ConflictError when it exists already
   */
  createRepository(
    request: MercurialCreateRepositoryRequest,
    options?: MercurialRequestOptions,
  ): Promise<boolean>;

  /**
   * Opens a merge request through the server's API.
   *
   * @returns undefined when the flavor has no merge requests (hgweb,
   *   Kallithea)
   * @throws NotFoundError when the repository or a ref is not there,
   *   ConflictError when the same merge request is open already
   */
  createMergeRequest(
    request: MercurialMergeRequestRequest,
    options?: MercurialRequestOptions,
  ): Promise<MercurialMergeRequest | undefined>;

  /**
   * Waits until the server serves `node` in a repository (a server may take
   * a while to notice a new repository or changeset), polling, at most
   * `timeoutMs`.
   *
   * @returns whether it did in time
   */
  waitForNode(
    options: {
      repositoryPath: string;
      node: string;
      timeoutMs: number;
      signal?: AbortSignal;
    } & Pick<MercurialRequestOptions, 'onBehalfOf' | 'auditor'>,
  ): Promise<boolean>;
}
