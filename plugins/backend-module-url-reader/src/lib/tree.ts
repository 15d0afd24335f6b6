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

import { PassThrough, Readable } from 'node:stream';
import * as tarStream from 'tar-stream';
import zlib from 'node:zlib';

/**
 * The file `hg archive` and hgweb's archives add at the archive's root (the
 * repository's root node, the archived node, the branch, the latest tag);
 * it is not a file of the repository.
 */
export const ARCHIVAL_METADATA_FILE = '.hg_archival.txt';

/** hg's metadata file is a few hundred bytes; anything larger is a real file. */
const METADATA_MAX_SIZE = 16 * 1024;

/** The entry types a tree may hold; devices, FIFOs and the like are left out. */
const TREE_ENTRY_TYPES = new Set([
  'File',
  'OldFile',
  'ContiguousFile',
  'Directory',
  'SymbolicLink',
  'Link',
]);

/**
 * What {@link TreeEntryGuard.check} decided about one archive entry: keep it
 * (with its path relative to the tree root), or leave it out, with a reason
 * when it was left out because it is unsafe (none when it merely lies
 * outside the tree that was asked for).
 */
export type TreeEntryVerdict =
  { keep: true; path: string } | { keep: false; reason?: string };

/** The parts of a tar entry the guard looks at (a `tar` ReadEntry has them). */
export interface TreeEntryHeader {
  path: string;
  type: string;
  linkpath?: string;
}

function isAbsolute(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:/.test(p);
}

/** The directories a path lies in, outermost first: `a/b/c` -> `a`, `a/b`. */
function ancestors(p: string): string[] {
  const parts = p.split('/');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

/**
 * Decides, entry by entry and in archive order, which entries of a Mercurial
 * archive (one top directory `{repo}-{node}`, as hgweb and `hg archive` make
 * them) belong to the tree of `subpath`, and leaves out every entry that
 * could reach outside it:
 *
 * - paths that are absolute, have a `..` segment, or empty or `.` segments;
 * - entries that are not files, directories or links;
 * - symbolic links that are absolute or whose target leaves the tree, and
 *   hard links whose target lies outside the tree;
 * - anything that goes through a symbolic link of the archive: an entry
 *   beneath one, a link whose target passes through one, a hard link to one,
 *   and a symbolic link put where earlier entries had a directory (so that
 *   later links cannot be re-rooted through it).
 *
 * Link targets are checked by their text, so the last rule keeps the text
 * and the file system from disagreeing. hg itself stores only files and
 * symbolic links, never with such paths; so only symbolic links pointing
 * outside the tree are ever left out of a real repository's archive.
 */
export class TreeEntryGuard {
  private readonly prefix: string;
  private readonly symlinks = new Set<string>();
  private readonly directories = new Set<string>();

  constructor(options: { subpath?: string } = {}) {
    const subpath = (options.subpath ?? '').replace(/^\/+|\/+$/g, '');
    this.prefix = subpath ? `${subpath}/` : '';
  }

  /** Checks the next entry of the archive; a kept entry is remembered. */
  check(entry: TreeEntryHeader): TreeEntryVerdict {
    const treePath = this.treePath(entry.path, entry.type === 'Directory');
    if (typeof treePath !== 'string') {
      return treePath;
    }
    if (!TREE_ENTRY_TYPES.has(entry.type)) {
      return unsafe(`it is a ${entry.type}, not a file, directory or link`);
    }
    const through = ancestors(treePath).find(a => this.symlinks.has(a));
    if (through) {
      return unsafe(`it lies beneath the symbolic link '${through}'`);
    }
    if (entry.type === 'SymbolicLink') {
      const reason = this.checkSymlink(treePath, entry.linkpath ?? '');
      if (reason) {
        return unsafe(reason);
      }
      this.symlinks.add(treePath);
    } else if (entry.type === 'Link') {
      const reason = this.checkHardLink(entry.linkpath ?? '');
      if (reason) {
        return unsafe(reason);
      }
    } else if (entry.type === 'Directory') {
      this.directories.add(treePath);
    }
    for (const dir of ancestors(treePath)) {
      this.directories.add(dir);
    }
    return { keep: true, path: treePath };
  }

  /**
   * The path of an archive entry relative to the tree root, or the verdict
   * for an entry that has no place in the tree.
   */
  private treePath(
    archivePath: string,
    isDirectory: boolean,
  ): string | TreeEntryVerdict {
    if (isAbsolute(archivePath)) {
      return unsafe('its path is absolute');
    }
    const segments = archivePath.replace(/\/+$/, '').split('/');
    if (segments.includes('..')) {
      return unsafe(`its path has a '..' segment`);
    }
    if (segments.some(s => s === '' || s === '.')) {
      return unsafe(`its path has an empty or '.' segment`);
    }
    if (segments.length < 2) {
      // the top directory itself, or a stray entry beside it
      return isDirectory
        ? { keep: false }
        : unsafe(`it lies outside the archive's top directory`);
    }
    const relative = segments.slice(1).join('/');
    if (!`${relative}/`.startsWith(this.prefix)) {
      return { keep: false };
    }
    const treePath = relative.slice(this.prefix.length);
    return treePath ? treePath : { keep: false };
  }

  /** Why a symbolic link at `treePath` to `target` is unsafe, if it is. */
  private checkSymlink(treePath: string, target: string): string | undefined {
    if (!target) {
      return 'it is a symbolic link without a target';
    }
    if (isAbsolute(target)) {
      return `it is a symbolic link to the absolute path '${target}'`;
    }
    if (this.directories.has(treePath)) {
      return 'it is a symbolic link where earlier entries have a directory';
    }
    const steps = target.split('/').filter(s => s !== '' && s !== '.');
    const current = treePath.split('/').slice(0, -1);
    const passed: string[] = [];
    for (const [i, step] of steps.entries()) {
      if (step === '..') {
        if (!current.length) {
          return `it is a symbolic link to '${target}', which leaves the tree`;
        }
        current.pop();
      } else {
        current.push(step);
      }
      if (i < steps.length - 1 && current.length) {
        const dir = current.join('/');
        if (this.symlinks.has(dir)) {
          return `it is a symbolic link to '${target}', which passes through the symbolic link '${dir}'`;
        }
        passed.push(dir);
      }
    }
    for (const dir of passed) {
      this.directories.add(dir);
    }
    return undefined;
  }

  /**
   * Why a hard link to `target` is unsafe, if it is. A hard link's target is
   * a path of the archive (top directory included), not relative to the link.
   */
  private checkHardLink(target: string): string | undefined {
    if (!target) {
      return 'it is a hard link without a target';
    }
    const targetPath = this.treePath(target, false);
    if (typeof targetPath !== 'string') {
      return `it is a hard link to '${target}', outside the tree`;
    }
    if (this.symlinks.has(targetPath)) {
      return `it is a hard link to the symbolic link '${targetPath}'`;
    }
    const through = ancestors(targetPath).find(a => this.symlinks.has(a));
    if (through) {
      return `it is a hard link to '${target}', which passes through the symbolic link '${through}'`;
    }
    return undefined;
  }
}

function unsafe(reason: string): TreeEntryVerdict {
  return { keep: false, reason };
}

/**
 * Whether the content of a root `.hg_archival.txt` is the metadata hg wrote
 * for an archive of `node`. A repository can commit a file of that name
 * (then an archive holds both, the metadata first), but never one naming
 * the node of its own commit.
 */
export function isArchivalMetadata(content: Buffer, node: string): boolean {
  return new RegExp(`^node: ${node}$`, 'm').test(content.toString('utf8'));
}

/**
 * Options of {@link safeTarStream}.
 */
export interface SafeTarStreamOptions {
  /** The tree's directory inside the archive's top directory; `''` for all. */
  subpath: string;
  /**
   * The node the archive was made of: the `.hg_archival.txt` hg writes for
   * it at the root is left out.
   */
  node?: string;
  /** What the archive is, for errors: `the archive of repository 'x' at N`. */
  description: string;
  /** Called for each entry left out as unsafe, with its path in the archive. */
  onLeftOut(entryPath: string, reason: string): void;
}

/** tar-stream's entry types, as node-tar (and {@link TreeEntryGuard}) names them. */
const TAR_STREAM_TYPES: Record<string, string> = {
  file: 'File',
  'contiguous-file': 'ContiguousFile',
  directory: 'Directory',
  symlink: 'SymbolicLink',
  link: 'Link',
  'character-device': 'CharacterDevice',
  'block-device': 'BlockDevice',
  fifo: 'FIFO',
};

/**
 * Re-packs a Mercurial tar archive (gzip or plain), with tar-stream, as a plain tar stream of
 * the entries {@link TreeEntryGuard} keeps, without hg's archive metadata,
 * for Backstage's `ReadTreeResponseFactory.fromTarArchive`: its `files()`,
 * `dir()` and `archive()` then see only entries inside the tree. Entries are
 * streamed through one by one, never held in memory.
 *
 * The returned stream fails with the archive's own error when the archive
 * stream fails, and with an error naming `description` when the archive is
 * not a complete tar archive.
 */
export function safeTarStream(
  archive: Readable,
  options: SafeTarStreamOptions,
): Readable {
  const guard = new TreeEntryGuard({ subpath: options.subpath });
  const extract = tarStream.extract();
  const pack = tarStream.pack();
  const fail = (error: Error) => {
    if (!pack.destroyed) {
      pack.destroy(error);
    }
    extract.destroy();
    archive.destroy();
  };

  // tar-stream hands out one entry at a time and the next only after
  // `next()`: each kept entry is piped into the pack before the archive is
  // read further, so backpressure reaches the server and nothing piles up.
  let firstFile = true;
  extract.on('entry', (header, stream, next) => {
    const type = TAR_STREAM_TYPES[header.type ?? 'file'] ?? String(header.type);
    const isFirstFile = firstFile && type !== 'Directory';
    if (type !== 'Directory') {
      firstFile = false;
    }
    const verdict = guard.check({
      path: header.name,
      type,
      linkpath: header.linkname ?? undefined,
    });
    if (!verdict.keep) {
      if (verdict.reason) {
        options.onLeftOut(header.name, verdict.reason);
      }
      stream.on('end', () => next());
      stream.resume();
      return;
    }
    if (
      isFirstFile &&
      options.node &&
      !options.subpath &&
      verdict.path === ARCHIVAL_METADATA_FILE &&
      type === 'File' &&
      (header.size ?? 0) <= METADATA_MAX_SIZE
    ) {
      // Only the first file may wait for its content, to tell hg's
      // metadata from a file the repository committed under that name.
      const node = options.node;
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
      stream.on('end', () => {
        const data = Buffer.concat(chunks);
        if (isArchivalMetadata(data, node)) {
          next();
        } else {
          pack.entry(header, data, next);
        }
      });
      return;
    }
    const sink = pack.entry(header, next);
    // a failure ends the whole stream (see fail); the entry's own streams
    // must not raise it a second time, unhandled
    sink.on('error', () => {});
    stream.on('error', () => {});
    stream.pipe(sink);
  });
  extract.on('finish', () => pack.finalize());
  extract.on('error', (error: Error) =>
    fail(
      new Error(
        `${options.description} is not a complete tar archive: ${error.message}`,
        { cause: error },
      ),
    ),
  );
  archive.on('error', fail);

  gunzipIfGzipped(archive, fail).pipe(
    extract as unknown as NodeJS.WritableStream,
  );
  // tar-stream's streams are streamx streams: hand out a Node.js stream
  // (with backpressure, and the pack's error as its own).
  const out = Readable.from(pack as AsyncIterable<Buffer>, {
    objectMode: false,
  });
  out.on('close', () => {
    if (!pack.destroyed) {
      pack.destroy();
    }
    archive.destroy();
  });
  return out;
}

/**
 * The archive's tar bytes: hgweb serves `.tar.gz`, `hg archive -t tar -`
 * plain tar; the gzip magic number tells them apart.
 */
function gunzipIfGzipped(
  archive: Readable,
  fail: (error: Error) => void,
): Readable {
  const out = new PassThrough();
  let gunzip: zlib.Gunzip | undefined;
  let decided = false;
  archive.on('data', (chunk: Buffer) => {
    if (!decided) {
      decided = true;
      if (chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b) {
        gunzip = zlib.createGunzip();
        gunzip.on('error', fail);
        gunzip.pipe(out);
      }
    }
    const target = gunzip ?? out;
    if (!target.write(chunk)) {
      archive.pause();
      target.once('drain', () => archive.resume());
    }
  });
  archive.on('end', () => (gunzip ?? out).end());
  return out;
}
