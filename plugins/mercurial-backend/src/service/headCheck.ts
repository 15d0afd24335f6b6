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

import { NotFoundError } from '@backstage/errors';
import {
  HgwebRepositoryState,
  HgwebRequestOptions,
} from '@backstage-mercurial/integration-node';
import { MercurialSource, SourceHead } from './types';

/** How many head checks are kept before expired ones are swept out. */
const SWEEP_ABOVE = 1000;

/** Who a head check is made for, and how. */
export interface HeadCheckOptions {
  /**
   * Whose check it is: checks of different scopes are not shared. With
   * `readAs: caller` the scope is the user, since the check is also their
   * access check; absent for reads with the integration's credentials.
   */
  scope?: string;
  /** The options of the request (credentials on someone's behalf included). */
  request?: HgwebRequestOptions;
  /**
   * Whether a failed check is remembered like an answered one (for a
   * refusal of a person's credentials); by default a failed check is not.
   */
  remember?: (error: unknown) => boolean;
}

/**
 * The head check of a source (one wire-protocol `batch` request: lookup of
 * the revision and of tip, heads, bookmarks), shared by concurrent callers
 * of the same scope and reused for `cache.headCheckTtl` after it answered.
 * A failed check is not reused, unless `remember` says so.
 */
export class HeadChecks {
  private readonly states = new Map<
    string,
    { expires: number; value: Promise<HgwebRepositoryState> }
  >();

  /**
   * @param options - `headCheckTtlMs`, how long an answered check is
   *   reused; `timeoutMs`, of its request
   */
  constructor(
    private readonly options: { headCheckTtlMs: number; timeoutMs: number },
  ) {}

  /**
   * The repository's state and the node the source's revision resolves to;
   * NotFoundError when the source location names a revision that is not
   * in the repository.
   */
  async check(
    source: MercurialSource,
    options: HeadCheckOptions = {},
  ): Promise<SourceHead> {
    const state = await this.state(source, options);
    // A source location without a revision means the head of `default`;
    // a repository without a `default` branch falls back to tip, as hgweb.
    const node =
      state.node ?? (source.explicitRevision ? undefined : state.tip);
    if (!node) {
      throw new NotFoundError(
        `The revision '${source.revision}' of the source location of ${source.entityRef} was not found in ${source.repositoryUrl}`,
      );
    }
    return { state, node };
  }

  private state(
    source: MercurialSource,
    options: HeadCheckOptions,
  ): Promise<HgwebRepositoryState> {
    const key = `${options.scope ?? ''}\n${source.repositoryUrl}\n${source.revision}`;
    const now = Date.now();
    const entry = this.states.get(key);
    if (entry && entry.expires > now) {
      return entry.value;
    }
    if (this.states.size > SWEEP_ABOVE) {
      for (const [k, v] of this.states) {
        if (v.expires <= now) {
          this.states.delete(k);
        }
      }
    }
    const value = source.client.getState(
      source.repositoryPath,
      source.revision,
      { timeoutMs: this.options.timeoutMs, ...options.request },
    );
    // Shared while in flight; reused for the TTL from when it answered.
    const created = { expires: Number.POSITIVE_INFINITY, value };
    this.states.set(key, created);
    const keep = () => {
      created.expires = Date.now() + this.options.headCheckTtlMs;
      if (created.expires <= Date.now() && this.states.get(key) === created) {
        this.states.delete(key);
      }
    };
    value.then(keep, error => {
      if (options.remember?.(error)) {
        keep();
      } else if (this.states.get(key) === created) {
        this.states.delete(key);
      }
    });
    return value;
  }
}
