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

import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  ScmIntegration,
  ScmIntegrationsFactory,
  ScmIntegrationsGroup,
} from '@backstage/integration';
import {
  MERCURIAL_CONFIG_KEY,
  MercurialIntegrationConfig,
  readMercurialIntegrationConfigs,
} from './config';
import {
  formatMercurialUrl,
  getMercurialBrowseUrl,
  getMercurialEditUrl,
  isMercurialUrlUnderBase,
  MercurialUrlKind,
  parseMercurialUrl,
} from './urls';

/**
 * The configured Mercurial integrations, looked up by host or URL.
 *
 * @public
 */
export class MercurialIntegrations implements ScmIntegrationsGroup<MercurialIntegration> {
  /** Reads and validates `integrations.mercurial` from the root config. */
  static fromConfig(config: Config): MercurialIntegrations {
    const configs = readMercurialIntegrationConfigs(
      config.getOptionalConfigArray(MERCURIAL_CONFIG_KEY) ?? [],
    );
    return new MercurialIntegrations(
      // The two classes refer to each other; this runs after both exist.
      // eslint-disable-next-line @typescript-eslint/no-use-before-define
      configs.map(c => new MercurialIntegration(c)),
    );
  }

  constructor(private readonly integrations: MercurialIntegration[]) {}

  list(): MercurialIntegration[] {
    return this.integrations;
  }

  /**
   * The integration whose `baseUrl` contains `url`; when several do (e.g.
   * `https://h/hg` and `https://h/hg/team-a`), the longest `baseUrl` wins.
   * `undefined` for URLs under no configured `baseUrl`.
   */
  byUrl(url: string | URL): MercurialIntegration | undefined {
    let parsed: URL;
    try {
      parsed = typeof url === 'string' ? new URL(url) : url;
    } catch {
      return undefined;
    }
    let best: MercurialIntegration | undefined;
    for (const integration of this.integrations) {
      if (
        isMercurialUrlUnderBase(integration.config, parsed) &&
        (!best ||
          integration.config.baseUrl.length > best.config.baseUrl.length)
      ) {
        best = integration;
      }
    }
    return best;
  }

  /**
   * The first configured integration for `host` (`host[:port]`, as in URLs).
   * Use {@link MercurialIntegrations.byUrl} when several entries share a host.
   */
  byHost(host: string): MercurialIntegration | undefined {
    return this.integrations.find(i => i.config.host === host);
  }
}

/**
 * One Mercurial server of `integrations.mercurial`, as an {@link
 * @backstage/integration#ScmIntegration}.
 *
 * @public
 */
export class MercurialIntegration implements ScmIntegration {
  /** Reads `integrations.mercurial` into a group of integrations. */
  static factory: ScmIntegrationsFactory<MercurialIntegration> = ({ config }) =>
    MercurialIntegrations.fromConfig(config);

  constructor(readonly config: MercurialIntegrationConfig) {}

  get type(): string {
    return 'mercurial';
  }

  get title(): string {
    return this.config.host;
  }

  /**
   * Resolves `url` against `base`. Relative paths (`./README.md`,
   * `../docs`) are taken relative to the directory of `base` inside the
   * repository; a path starting with `/` is taken from the repository root.
   * The revision and form (browse or raw) of `base` are kept. Absolute URLs
   * are returned as they are.
   */
  resolveUrl(options: {
    url: string;
    base: string;
    lineNumber?: number;
  }): string {
    const { url, base, lineNumber } = options;
    try {
      // An absolute URL needs no resolving.
      return new URL(url).toString();
    } catch {
      // relative: resolved below
    }
    const parsedBase = parseMercurialUrl(base, this.config);
    const directory =
      parsedBase.kind === 'file' || parsedBase.kind === 'raw-file'
        ? parsedBase.path.split('/').slice(0, -1)
        : parsedBase.path.split('/').filter(Boolean);
    const [pathPart] = url.split(/[?#]/, 1);
    const segments = pathPart.startsWith('/') ? [] : [...directory];
    for (const segment of pathPart.split('/')) {
      if (segment === '' || segment === '.') {
        continue;
      }
      if (segment === '..') {
        if (segments.length === 0) {
          throw new InputError(
            `Cannot resolve '${url}' against '${base}': it leads out of the repository`,
          );
        }
        segments.pop();
        continue;
      }
      segments.push(decodeURIComponent(segment));
    }
    const last = pathPart.split('/').pop();
    const isDirectory =
      last === '' || last === '.' || last === '..' || segments.length === 0;
    let resolvedKind: MercurialUrlKind = 'file';
    if (isDirectory) {
      resolvedKind = 'directory';
    } else if (parsedBase.kind === 'raw-file') {
      resolvedKind = 'raw-file';
    }
    const resolved = formatMercurialUrl(this.config, {
      repositoryPath: parsedBase.repositoryPath,
      revision: parsedBase.revision,
      path: segments.join('/'),
      kind: resolvedKind,
    });
    return lineNumber && !isDirectory ? `${resolved}#l${lineNumber}` : resolved;
  }

  /**
   * Where a person edits the file: Heptapod's web editor
   * (`/-/edit/{ref}/{path}`); on hgweb and Kallithea, which have no editor,
   * the file's page (`{baseUrl}/{repo}/file/{rev}/{path}`). A directory's
   * edit URL is its page.
   */
  resolveEditUrl(url: string): string {
    const parsed = parseMercurialUrl(url, this.config);
    if (parsed.kind === 'file' || parsed.kind === 'raw-file') {
      return getMercurialEditUrl(this.config, parsed);
    }
    return getMercurialBrowseUrl(this.config, {
      ...parsed,
      directory: parsed.kind === 'directory' || parsed.kind === 'repository',
    });
  }
}
