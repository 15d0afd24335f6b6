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

import type { MercurialFlavor } from '@backstage-mercurial/integration';
import {
  HgRepositorySpec,
  startHeptapodStandIn,
  startHgServer,
  startKallitheaStandIn,
} from '@backstage-mercurial/test-utils';

/**
 * One Mercurial server of a flavor, serving real hg repositories, and the
 * URLs that flavor writes (spelled out here, not computed by the code under
 * test).
 */
export interface FlavorServer {
  host: string;
  /** The `integrations.mercurial` entry for it. */
  integration: Record<string, unknown>;
  /** The repository on disk. */
  repositoryDir(repositoryPath: string): string;
  /** What hg clones and pushes to. */
  repositoryUrl(repositoryPath: string): string;
  /** The page of a file on the default branch. */
  fileUrl(repositoryPath: string, path: string): string;
  /** The page of a directory on the default branch (`''`: the root). */
  directoryUrl(repositoryPath: string, path?: string): string;
  /** The web editor of a file, when the flavor has one. */
  editUrl(repositoryPath: string, path: string): string | undefined;
  changesetUrl(repositoryPath: string, node: string): string;
  stop(): Promise<void>;
}

export interface FlavorSetup {
  flavor: MercurialFlavor;
  start(options: {
    root: string;
    repositories: Record<string, HgRepositorySpec>;
  }): Promise<FlavorServer>;
}

const hgweb: FlavorSetup = {
  flavor: 'hgweb',
  async start({ root, repositories }) {
    const server = await startHgServer({
      root,
      repositories,
      allowArchive: true,
    });
    return {
      host: server.host,
      // publish:hg creates new repositories in localRoot, served at once.
      integration: {
        host: server.host,
        baseUrl: server.baseUrl,
        localRoot: server.root,
      },
      repositoryDir: repo => server.repoDir(repo),
      repositoryUrl: repo => `${server.baseUrl}/${repo}`,
      fileUrl: (repo, file) => `${server.baseUrl}/${repo}/file/default/${file}`,
      directoryUrl: (repo, dir = '') =>
        `${server.baseUrl}/${repo}/file/default/${dir ? `${dir}/` : ''}`,
      editUrl: () => undefined,
      changesetUrl: (repo, node) => `${server.baseUrl}/${repo}/rev/${node}`,
      stop: () => server.stop(),
    };
  },
};

/**
 * Kallithea 0.7.0 (a stand-in: packages/test-utils/src/standIns/kallithea.ts)
 * with downloads on, as an adopter who wants TechDocs sets them; Backstage's
 * user is an administrator (create_repo), its API key from the entry's token.
 */
const kallithea: FlavorSetup = {
  flavor: 'kallithea',
  async start({ root, repositories }) {
    const server = await startKallitheaStandIn({
      root,
      users: [
        {
          username: 'backstage',
          password: 'backstage-password',
          apiKey: 'b'.repeat(40),
          admin: true,
        },
      ],
      repositories: Object.entries(repositories).map(([name, spec]) => ({
        name,
        private: true,
        enableDownloads: true,
        commits: spec.commits,
      })),
    });
    const repositoryUrl = (repo: string) => `${server.baseUrl}/${repo}`;
    return {
      host: server.host,
      integration: {
        host: server.host,
        baseUrl: server.baseUrl,
        flavor: 'kallithea',
        username: 'backstage',
        password: 'backstage-password',
        token: 'b'.repeat(40),
      },
      repositoryDir: repo => server.repoDir(repo),
      repositoryUrl,
      fileUrl: (repo, file) => `${repositoryUrl(repo)}/files/default/${file}`,
      directoryUrl: (repo, dir = '') =>
        `${repositoryUrl(repo)}/files/default/${dir ? `${dir}/` : ''}`,
      // No web editor: the file's page (the same as its browse URL).
      editUrl: () => undefined,
      changesetUrl: (repo, node) => `${repositoryUrl(repo)}/changeset/${node}`,
      stop: () => server.stop(),
    };
  },
};

/**
 * Heptapod (a stand-in: packages/test-utils/src/standIns/heptapod.ts) with
 * private projects, one of them archived and one a Git project, which
 * discovery leaves out; Backstage's access token from the entry's token.
 */
const heptapod: FlavorSetup = {
  flavor: 'heptapod',
  async start({ root, repositories }) {
    const token = 'glpat-backstage-token';
    const server = await startHeptapodStandIn({
      root,
      tokens: [token],
      // small pages: discovery and directory listings follow X-Next-Page
      maxPerPage: 2,
      projects: [
        ...Object.entries(repositories).map(([projectPath, spec]) => ({
          path: projectPath,
          commits: spec.commits,
        })),
        {
          path: 'team/archived',
          archived: true,
          commits: repositories['team/service'].commits,
        },
        { path: 'team/git-project', vcsType: 'git' as const },
      ],
    });
    const project = (repo: string) => `${server.baseUrl}/${repo}`;
    return {
      host: server.host,
      integration: {
        host: server.host,
        baseUrl: server.baseUrl,
        flavor: 'heptapod',
        token,
      },
      repositoryDir: repo => server.repoDir(repo),
      repositoryUrl: project,
      fileUrl: (repo, file) => `${project(repo)}/-/blob/branch/default/${file}`,
      directoryUrl: (repo, dir = '') =>
        `${project(repo)}/-/tree/branch/default/${dir ? `${dir}/` : ''}`,
      editUrl: (repo, file) => `${project(repo)}/-/edit/branch/default/${file}`,
      changesetUrl: (repo, node) => `${project(repo)}/-/commit/${node}`,
      stop: () => server.stop(),
    };
  },
};

/** The flavors every scenario of flavors.test.ts runs against. */
export const FLAVOR_SERVERS: FlavorSetup[] = [hgweb, heptapod, kallithea];
