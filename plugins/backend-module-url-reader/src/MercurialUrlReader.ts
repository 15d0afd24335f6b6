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
  MercurialIntegration,
  MercurialIntegrations,
  MercurialUrl,
} from '@backstage-mercurial/integration';
import {
  HgRunner,
  MercurialCredentialsService,
  MercurialHgwebClient,
  MercurialServerClient,
  parseHgwebDate,
} from '@backstage-mercurial/integration-node';
import {
  LoggerService,
  UrlReaderService,
  UrlReaderServiceReadTreeOptions,
  UrlReaderServiceReadTreeResponse,
  UrlReaderServiceReadUrlOptions,
  UrlReaderServiceReadUrlResponse,
  UrlReaderServiceSearchOptions,
  UrlReaderServiceSearchResponse,
} from '@backstage/backend-plugin-api';
import {
  ReaderFactory,
  ReadTreeResponseFactory,
  ReadUrlResponseFactory,
} from '@backstage/backend-defaults/urlReader';
import type { Config } from '@backstage/config';
import { InputError, NotFoundError, NotModifiedError } from '@backstage/errors';
import { Minimatch } from 'minimatch';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { HgCliCache } from './lib/HgCliCache';
import {
  globBaseDirectory,
  isGlob,
  readMatchingFiles,
  servableParentDirectory,
} from './lib/search';
import { safeTarStream } from './lib/tree';

/** How many left-out entries of one tree are named in a warning each. */
const MAX_LEFT_OUT_WARNINGS = 20;

/** How long to remember that a server does not serve archives. */
const ARCHIVES_OFF_TTL_MS = 10 * 60 * 1000;

/**
 * Options of {@link MercurialUrlReader}.
 *
 * @public
 */
export interface MercurialUrlReaderOptions {
  treeResponseFactory: ReadTreeResponseFactory;
  logger: LoggerService;
  /**
   * Where clones for the command-line fallback are kept; default
   * `<backend.workingDirectory or the OS temp dir>/mercurial-url-reader`.
   */
  cacheDir: string;
  /**
   * The pack's hgweb client, which makes every HTTP request (credentials,
   * redirects, the per-host limit of concurrent requests, retries, errors):
   * in a backend the one of `mercurialHgwebClientServiceRef`, so that the
   * reader shares the limit with the other Mercurial modules.
   */
  hgweb: MercurialHgwebClient;
  /**
   * Where the hg command line of the fallback gets its credentials (asked
   * for each command): in a backend `mercurialCredentialsServiceRef`.
   */
  credentials: MercurialCredentialsService;
  /** Runs hg for the fallback; default a runner of its own. */
  runner?: HgRunner;
}

/**
 * What {@link MercurialUrlReader.createFactory} needs: the backend's shared
 * services of `@backstage-mercurial/integration-node`.
 *
 * @public
 */
export interface MercurialUrlReaderFactoryOptions {
  /** The hgweb client (`mercurialHgwebClientServiceRef`). */
  hgweb: MercurialHgwebClient;
  /** The credentials service (`mercurialCredentialsServiceRef`). */
  credentials: MercurialCredentialsService;
}

/**
 * A URL reader for Mercurial servers of every flavor (hgweb and `hg serve`,
 * Heptapod, Kallithea), for the catalog, TechDocs and the scaffolder. It
 * reads files and trees through the flavor's server client (hgweb's
 * `raw-file` and archives, Heptapod's files and archive API, Kallithea's
 * raw and archive routes), streamed; where a server does not serve
 * archives, through `hg clone`/`pull`/`archive` in a cache; and answers a
 * glob search from one archive (or the command line) of the glob's fixed
 * directory prefix. The etag of every answer is the hg node its revision
 * resolved to.
 *
 * @public
 */
export class MercurialUrlReader implements UrlReaderService {
  /**
   * Reads `integrations.mercurial` and gives one reader per entry, with an
   * hgweb client and credentials service of its own, reading the config (for
   * `UrlReaders.default({ factories: [MercurialUrlReader.factory] })`
   * outside a backend). In a backend, add the module instead (or use
   * {@link MercurialUrlReader.createFactory}): its readers share the
   * backend's client, and so the per-host limit of concurrent requests,
   * and its credentials service.
   */
  static factory: ReaderFactory = options => {
    const hgweb = MercurialHgwebClient.fromConfig(options.config, {
      logger: options.logger,
    });
    return MercurialUrlReader.createFactory({
      hgweb,
      credentials: hgweb.credentials,
    })(options);
  };

  /**
   * A reader factory whose readers, one per `integrations.mercurial` entry,
   * make their HTTP requests through `hgweb` and ask `credentials` for the
   * hg command line, e.g. with the services of `mercurialHgwebClientServiceRef`
   * and `mercurialCredentialsServiceRef` in a service factory of
   * `urlReaderFactoriesServiceRef` of your own.
   */
  static createFactory(
    services: MercurialUrlReaderFactoryOptions,
  ): ReaderFactory {
    return ({ config, logger, treeResponseFactory }) => {
      const integrations = MercurialIntegrations.fromConfig(config);
      const runner = new HgRunner({ logger });
      const cacheDir = defaultCacheDir(config);
      return integrations.list().map(integration => {
        const reader = new MercurialUrlReader(integration, {
          treeResponseFactory,
          logger,
          cacheDir,
          hgweb: services.hgweb,
          credentials: services.credentials,
          runner,
        });
        // Claim exactly the URLs whose longest matching baseUrl is this
        // entry's; everything else is left to the other readers.
        const predicate = (url: URL) => integrations.byUrl(url) === integration;
        return { reader, predicate };
      });
    };
  }

  private readonly hgweb: MercurialServerClient;
  private readonly cli: HgCliCache;
  private archivesOffUntil = 0;

  constructor(
    private readonly integration: MercurialIntegration,
    private readonly options: MercurialUrlReaderOptions,
  ) {
    this.hgweb = options.hgweb.forIntegration(integration);
    this.cli = new HgCliCache({
      cacheDir: options.cacheDir,
      runner: options.runner ?? new HgRunner({ logger: options.logger }),
      credentials: options.credentials,
      logger: options.logger,
    });
  }

  /**
   * The number of HTTP requests sent for this reader's integration (its
   * `integrations.mercurial` entry) through the hgweb client, redirect hops
   * and retries included (for tests and benchmarks).
   */
  get requestCount(): number {
    return this.hgweb.requestCount;
  }

  async read(url: string): Promise<Buffer> {
    const response = await this.readUrl(url);
    return response.buffer();
  }

  async readUrl(
    url: string,
    options?: UrlReaderServiceReadUrlOptions,
  ): Promise<UrlReaderServiceReadUrlResponse> {
    const signal = options?.signal;
    const parsed = await this.parse(url, signal);
    if (parsed.kind === 'repository' || parsed.kind === 'directory') {
      throw new InputError(
        `Cannot read ${url}: it points at a ${parsed.kind}, not a file; use the URL of a file`,
      );
    }
    const what = `file '${parsed.path}' at revision '${parsed.revision}' of ${this.describeRepository(parsed)}`;

    // The etag is the node the revision resolves to: hgweb's own ETag (a
    // modification time in whole seconds) can repeat across quick commits
    // and can change before a commit is visible, so it cannot be trusted to
    // tell whether the file changed. A URL pinned to a node needs no look-up.
    const node = await this.hgweb.resolveNode(
      parsed.repositoryPath,
      parsed.revision,
      { signal },
    );
    if (options?.etag === node) {
      throw new NotModifiedError();
    }
    const atNode = { ...parsed, revision: node };

    let lastModifiedAt: Date | undefined;
    if (options?.lastModifiedAfter) {
      lastModifiedAt = await this.lastChange(atNode, what, signal);
      if (lastModifiedAt <= options.lastModifiedAfter) {
        throw new NotModifiedError();
      }
    }

    let body: Readable | undefined;
    try {
      body = await this.hgweb.readFile(
        parsed.repositoryPath,
        node,
        parsed.path,
        { signal, what },
      );
    } catch (e) {
      if ((e as Error)?.name === 'InputError') {
        throw new InputError(`Cannot read ${url}: ${(e as Error).message}`);
      }
      throw e;
    }
    if (!body) {
      // The server cannot serve this name by URL (hg serve and non-ASCII
      // names): read the file from an archive of a directory above it, or
      // the command line.
      const content = await this.readFileFromTree(atNode, what, options);
      return ReadUrlResponseFactory.fromReadable(Readable.from([content]), {
        etag: node,
        lastModifiedAt,
      });
    }
    return ReadUrlResponseFactory.fromReadable(body, {
      etag: node,
      lastModifiedAt,
    });
  }

  async readTree(
    url: string,
    options?: UrlReaderServiceReadTreeOptions,
  ): Promise<UrlReaderServiceReadTreeResponse> {
    const signal = options?.signal;
    const parsed = await this.parse(url, signal);
    if (parsed.kind === 'raw-file') {
      throw new InputError(
        `Cannot read a tree from ${url}: it points at a file; use the URL of a directory`,
      );
    }
    // An unchanged tree pinned to a node needs no request at all.
    if (options?.etag && parsed.revision === options.etag) {
      throw new NotModifiedError();
    }
    const node = await this.hgweb.resolveNode(
      parsed.repositoryPath,
      parsed.revision,
      { signal },
    );
    if (options?.etag === node) {
      throw new NotModifiedError();
    }
    const subpath = parsed.path;
    const what = subpath
      ? `directory '${subpath}' of ${this.describeRepository(parsed)} at ${node}`
      : `the repository ${this.describeRepository(parsed)} at ${node}`;

    if (Date.now() >= this.archivesOffUntil) {
      const archive = await this.hgweb.readArchive(
        parsed.repositoryPath,
        node,
        subpath,
        { signal, what },
      );
      if (archive) {
        return this.treeResponse(archive, {
          subpath,
          node,
          what,
          filter: options?.filter,
        });
      }
      this.options.logger.info(
        `The Mercurial server ${this.integration.config.host} does not serve archives; reading trees through the hg command line instead`,
      );
      this.archivesOffUntil = Date.now() + ARCHIVES_OFF_TTL_MS;
    }

    const dir = await this.cli.ensure(
      this.integration,
      parsed.repositoryPath,
      node,
      signal,
    );
    const stream = await this.cli.archive(dir, node, subpath, signal);
    return this.treeResponse(stream, {
      subpath,
      node,
      what,
      filter: options?.filter,
    });
  }

  /**
   * A tree response of a Mercurial tar archive that holds only what the
   * repository holds inside the tree: hg's `.hg_archival.txt` and every
   * entry that could reach outside the tree are left out (see
   * {@link safeTarStream}), the latter with a warning naming it.
   */
  private treeResponse(
    archive: Readable,
    tree: {
      subpath: string;
      node: string;
      what: string;
      filter: UrlReaderServiceReadTreeOptions['filter'];
    },
  ): Promise<UrlReaderServiceReadTreeResponse> {
    const { host } = this.integration.config;
    let leftOut = 0;
    const stream = safeTarStream(archive, {
      subpath: tree.subpath,
      node: tree.node,
      description: `The archive of ${tree.what} from the Mercurial server ${host}`,
      onLeftOut: (entryPath, reason) => {
        leftOut++;
        if (leftOut <= MAX_LEFT_OUT_WARNINGS) {
          this.options.logger.warn(
            `Left out '${entryPath}' of the tree of ${tree.what} from the Mercurial server ${host}: ${reason}`,
          );
        } else if (leftOut === MAX_LEFT_OUT_WARNINGS + 1) {
          this.options.logger.warn(
            `Left out more entries of the tree of ${tree.what} from the Mercurial server ${host}; not naming the rest`,
          );
        }
      },
    });
    return this.options.treeResponseFactory.fromTarArchive({
      stream,
      subpath: tree.subpath,
      etag: tree.node,
      filter: tree.filter,
    });
  }

  async search(
    url: string,
    options?: UrlReaderServiceSearchOptions,
  ): Promise<UrlReaderServiceSearchResponse> {
    const parsed = await this.parse(url, options?.signal);
    if (!isGlob(parsed.path)) {
      try {
        const file = await this.readUrl(url, {
          etag: options?.etag,
          signal: options?.signal,
        });
        return {
          files: [
            {
              url,
              content: file.buffer,
              lastModifiedAt: file.lastModifiedAt,
            },
          ],
          etag: file.etag ?? '',
        };
      } catch (error) {
        if ((error as Error)?.name === 'NotFoundError') {
          return { files: [], etag: '' };
        }
        throw error;
      }
    }

    const signal = options?.signal;
    const node = await this.hgweb.resolveNode(
      parsed.repositoryPath,
      parsed.revision,
      { signal },
    );
    if (options?.etag === node) {
      throw new NotModifiedError();
    }
    const matcher = new Minimatch(parsed.path, { dot: true });
    // One tree read of the glob's fixed directory at the node (one archive,
    // or the command line where archives are off), filtered by the glob.
    const files = await readMatchingFiles({
      directory: globBaseDirectory(parsed.path),
      matches: filePath => matcher.match(filePath),
      readTree: (directory, filter) =>
        this.readTreeAtNode(parsed, node, directory, filter, signal),
    });
    const { config } = this.integration;
    return {
      etag: node,
      files: files.map(file => ({
        // The URL keeps the revision as the search URL wrote it, as
        // Backstage's own readers do: the catalog keys entities by this URL,
        // and a node-pinned one would change with every commit (the catalog
        // would then orphan the entities). The content is read at the node.
        url: getMercurialBrowseUrl(config, {
          repositoryPath: parsed.repositoryPath,
          revision: parsed.revision,
          path: file.path,
        }),
        content: async () => file.content,
      })),
    };
  }

  toString() {
    const { host } = this.integration.config;
    const authed = Boolean(
      this.integration.config.token || this.integration.config.password,
    );
    return `mercurial{host=${host},authed=${authed}}`;
  }

  /** `team/service`, or the URL of a single-repository server's one repository. */
  private describeRepository(parsed: { repositoryPath: string }): string {
    return this.hgweb.describeRepository(parsed.repositoryPath);
  }

  private async parse(
    url: string,
    signal?: AbortSignal,
  ): Promise<MercurialUrl & { revision: string }> {
    const parsed = await this.hgweb.parseUrl(url, { signal });
    return { ...parsed, revision: parsed.revision ?? 'default' };
  }

  /** readTree of a directory at a node (no look-up: the URL is pinned). */
  private readTreeAtNode(
    parsed: MercurialUrl,
    node: string,
    directory: string,
    filter: (path: string) => boolean,
    signal?: AbortSignal,
  ): Promise<UrlReaderServiceReadTreeResponse> {
    return this.readTree(
      getMercurialBrowseUrl(this.integration.config, {
        repositoryPath: parsed.repositoryPath,
        revision: node,
        path: directory,
        directory: true,
      }),
      { filter, signal },
    );
  }

  /**
   * The content of a file whose name the server cannot serve by URL, from
   * the tree of the nearest directory above it that it can serve.
   */
  private async readFileFromTree(
    atNode: MercurialUrl & { revision: string },
    what: string,
    options?: UrlReaderServiceReadUrlOptions,
  ): Promise<Buffer> {
    const directory = servableParentDirectory(atNode.path);
    const [file] = await readMatchingFiles({
      directory,
      matches: filePath => filePath === atNode.path,
      readTree: (dir, filter) =>
        this.readTreeAtNode(
          atNode,
          atNode.revision,
          dir,
          filter,
          options?.signal,
        ),
    });
    if (!file) {
      throw new NotFoundError(
        `${what} was not found on the Mercurial server ${this.integration.config.host} (its name cannot be served by URL, so it was looked for in ${
          directory ? `the directory '${directory}'` : 'the repository'
        } as a whole)`,
      );
    }
    return file.content;
  }

  /** The date of the last changeset that touched a file. */
  private async lastChange(
    parsed: MercurialUrl & { revision: string },
    what: string,
    signal?: AbortSignal,
  ): Promise<Date> {
    const [entry] = await this.hgweb.getHistory(
      {
        repositoryPath: parsed.repositoryPath,
        node: parsed.revision,
        path: parsed.path,
        limit: 1,
        what: `the history of ${what}`,
      },
      { signal },
    );
    if (!entry) {
      throw new NotFoundError(`${what} has no history`);
    }
    return parseHgwebDate(entry.date);
  }
}

function defaultCacheDir(config: Config): string {
  const workingDirectory =
    config.getOptionalString('backend.workingDirectory') ?? os.tmpdir();
  return path.join(workingDirectory, 'mercurial-url-reader');
}
