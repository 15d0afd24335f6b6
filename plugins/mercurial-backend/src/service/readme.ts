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
  getMercurialRawDirectoryUrl,
} from '@backstage-mercurial/integration';
import {
  HgwebRequestOptions,
  MercurialDirectoryEntry,
  NULL_NODE,
} from '@backstage-mercurial/integration-node';
import { NotFoundError } from '@backstage/errors';
import { Readable } from 'node:stream';
import { HistoryCache } from './cache';
import { sourceFields } from './source';
import { MercurialSource, ReadmeResponse, SourceHead } from './types';

/** The README names looked for in a directory, in this order. */
export const README_NAMES = [
  'README.md',
  'readme.md',
  'README.markdown',
  'README',
  'README.rst',
  'README.txt',
];

/** The most bytes of a README the route answers (1 MiB). */
export const README_MAX_BYTES = 1024 * 1024;

/** The README as it is cached: what does not depend on the entity. */
interface ReadmeFile {
  path: string;
  directory: string;
  content: string;
  truncated: boolean;
}

/**
 * Cuts `bytes` to at most `max` bytes without splitting a UTF-8 character:
 * the cut moves back over continuation bytes (`10xxxxxx`) to the start of
 * the character it would split.
 */
export function cutUtf8(bytes: Buffer, max: number): Buffer {
  if (bytes.length <= max) {
    return bytes;
  }
  let end = max;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) {
    end--;
  }
  return bytes.subarray(0, end);
}

/** At most the first `max + 1` bytes of a stream, which is then closed. */
async function readAtMost(stream: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
    length += (chunk as Buffer).length;
    if (length > max) {
      break; // destroys the stream, and with it the connection's body
    }
  }
  return Buffer.concat(chunks).subarray(0, max + 1);
}

/**
 * The entries of one directory at `node`; `undefined` when the directory is
 * not there at that node.
 */
async function listFiles(
  source: MercurialSource,
  node: string,
  directory: string,
  request: HgwebRequestOptions,
): Promise<MercurialDirectoryEntry[] | undefined> {
  try {
    return await source.client.listDirectory(
      source.repositoryPath,
      node,
      directory,
      request,
    );
  } catch (e) {
    if ((e as Error)?.name === 'NotFoundError') {
      return undefined;
    }
    throw e;
  }
}

/** The first README of `README_NAMES` in the listing; links are left out. */
function findReadme(
  files: MercurialDirectoryEntry[],
): MercurialDirectoryEntry | undefined {
  for (const name of README_NAMES) {
    const file = files.find(
      f => f.name === name && f.type === 'file' && !f.symlink,
    );
    if (file) {
      return file;
    }
  }
  return undefined;
}

/** The first 1 MiB of a file's bytes at `node`, as text. */
async function readText(
  source: MercurialSource,
  node: string,
  path: string,
  request: HgwebRequestOptions,
): Promise<{ content: string; truncated: boolean }> {
  const what = `the file '${path}' at ${node} of ${source.client.describeRepository(source.repositoryPath)}`;
  const body = await source.client.readFile(
    source.repositoryPath,
    node,
    path,
    request,
  );
  if (!body) {
    throw new NotFoundError(
      `${what} cannot be read by URL from the Mercurial server ${source.client.host}`,
    );
  }
  const bytes = await readAtMost(body, README_MAX_BYTES);
  const truncated = bytes.length > README_MAX_BYTES;
  return {
    content: new TextDecoder('utf-8').decode(cutUtf8(bytes, README_MAX_BYTES)),
    truncated,
  };
}

/**
 * Finds the README of the entity's directory, else of the repository root,
 * at `node`, and reads it; `null` when neither has one.
 */
async function loadReadme(
  source: MercurialSource,
  node: string,
  request: HgwebRequestOptions,
): Promise<ReadmeFile | null> {
  if (node === NULL_NODE) {
    return null;
  }
  const directories = source.directory ? [source.directory, ''] : [''];
  for (const directory of directories) {
    const files = await listFiles(source, node, directory, request);
    const readme = files && findReadme(files);
    if (readme) {
      const path = directory ? `${directory}/${readme.name}` : readme.name;
      return {
        path,
        directory,
        ...(await readText(source, node, path, request)),
      };
    }
  }
  return null;
}

/**
 * The readme route: the README of the entity's directory (else of the
 * repository root) at the node of `head`, the first of {@link README_NAMES}
 * that the directory's listing has, at most its first
 * {@link README_MAX_BYTES}. Cached per node and directory, a missing README
 * included.
 *
 * @throws NotFoundError naming the directory and the repository when there
 *   is none
 */
export async function getReadme(
  source: MercurialSource,
  head: SourceHead,
  cache: HistoryCache,
  options: { request: HgwebRequestOptions },
): Promise<ReadmeResponse> {
  const { node } = head;
  const readme = await cache.get<ReadmeFile | null>(
    [source.repositoryUrl, 'readme', node, source.directory],
    () => loadReadme(source, node, options.request),
  );
  if (!readme) {
    throw new NotFoundError(
      `No README (${README_NAMES.join(', ')}) in ${
        source.directory
          ? `the directory ${source.directory} or the root`
          : 'the root'
      } of ${source.repositoryUrl} at ${source.revision} (${node})`,
    );
  }
  const config = source.integration.config;
  const at = { repositoryPath: source.repositoryPath, revision: node };
  return {
    ...sourceFields(source, node),
    path: readme.path,
    format: /\.(md|markdown)$/i.test(readme.path) ? 'markdown' : 'text',
    content: readme.content,
    truncated: readme.truncated,
    url: getMercurialBrowseUrl(config, { ...at, path: readme.path }),
    browseBaseUrl: getMercurialBrowseUrl(config, {
      ...at,
      path: readme.directory,
      directory: true,
    }),
    rawBaseUrl: getMercurialRawDirectoryUrl(config, {
      ...at,
      path: readme.directory,
    }),
  };
}
