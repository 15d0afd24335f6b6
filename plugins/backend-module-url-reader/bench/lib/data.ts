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

/*
 * The benchmark repository: about 5,000 files and 100 MB in one changeset,
 * generated deterministically (seeded), committed with the real hg through
 * the test harness, and kept between runs in bench/.data/ (git-ignored).
 */

import { createHgRepository, runHg } from '@backstage-mercurial/test-utils';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Bump when the generated content changes: the cached repository is rebuilt. */
const DATA_VERSION = 2;

export const DATA_DIR = path.resolve(__dirname, '..', '.data');
/** The directory both hg servers serve. */
export const SERVE_ROOT = path.join(DATA_DIR, 'root');
/** The repository's name below the served root (and in its URLs). */
export const REPO_NAME = 'bench/monorepo';
/** The sub-path holding exactly {@link SUBTREE_FILES} files. */
export const SUBTREE = 'services/checkout';
export const SUBTREE_FILES = 1000;
/** The search benchmark's glob, and how many files it matches. */
export const CATALOG_GLOB = '**/catalog-info.yaml';
export const CATALOG_FILES = 200;

const TOTAL_FILES = 5000;
const TEXT_BYTES = 75 * 1024 * 1024;
const BINARY_BYTES = 25 * 1024 * 1024;

export interface BenchRepository {
  version: number;
  /** The absolute path of the repository (a clone without working copy). */
  path: string;
  node: string;
  files: number;
  bytes: number;
  textFiles: number;
  textBytes: number;
  binaryFiles: number;
  binaryBytes: number;
  subtree: string;
  subtreeFiles: number;
  subtreeBytes: number;
}

/** mulberry32: a small, fast, seeded PRNG in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A log-normal sample with the given median and sigma. */
function logNormal(rand: () => number, median: number, sigma: number) {
  const u = Math.max(rand(), 1e-12);
  const v = rand();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return median * Math.exp(sigma * z);
}

const SYLLABLES =
  'ka ro mi te su na lo vi pe da ga be fu zo ri xe ty qua an ex in on ul or es ar el it um'.split(
    ' ',
  );
const KEYWORDS = ['const', 'let'];

function makeVocabulary(rand: () => number, size: number): string[] {
  const words = new Set<string>();
  while (words.size < size) {
    const n = 1 + Math.floor(rand() * 4);
    let word = '';
    for (let i = 0; i < n; i++) {
      word += SYLLABLES[Math.floor(rand() * SYLLABLES.length)];
    }
    words.add(word);
  }
  return [...words];
}

type TextKind = 'code' | 'markdown' | 'json' | 'yaml';

class TextGenerator {
  private readonly vocabulary: string[];

  constructor(private readonly rand: () => number) {
    this.vocabulary = makeVocabulary(rand, 2500);
  }

  /** A word, Zipf-like: a few words are very frequent. */
  private word(): string {
    const r = this.rand();
    return this.vocabulary[Math.floor(this.vocabulary.length * r * r * r * r)];
  }

  private ident(): string {
    const a = this.word();
    const b = this.word();
    return a + b.charAt(0).toUpperCase() + b.slice(1);
  }

  private line(kind: TextKind, depth: number): string {
    const rand = this.rand;
    const indent = '  '.repeat(depth);
    switch (kind) {
      case 'code': {
        const r = rand();
        if (r < 0.1) {
          return `${indent}// ${this.sentence(6)}`;
        }
        if (r < 0.45) {
          return `${indent}${KEYWORDS[Math.floor(rand() * KEYWORDS.length)]} ${this.ident()} = ${this.ident()}(${this.ident()}, ${Math.floor(rand() * 1000)});`;
        }
        if (r < 0.65) {
          return `${indent}if (${this.ident()}.${this.word()} !== ${this.ident()}) {`;
        }
        if (r < 0.8) {
          return `${indent}return ${this.ident()}.${this.ident()}('${this.word()}');`;
        }
        return `${indent}}`;
      }
      case 'markdown': {
        const r = rand();
        if (r < 0.08) {
          return `## ${this.sentence(3)}\n`;
        }
        if (r < 0.2) {
          return `- ${this.sentence(8)}`;
        }
        return `${this.sentence(10 + Math.floor(rand() * 10))}\n`;
      }
      case 'json':
        return `${indent}"${this.ident()}": ${
          rand() < 0.5
            ? `"${this.word()} ${this.word()}"`
            : Math.floor(rand() * 1e6)
        },`;
      case 'yaml':
      default:
        return `${indent}${this.ident()}: ${this.word()}-${this.word()}`;
    }
  }

  private sentence(words: number): string {
    const parts: string[] = [];
    for (let i = 0; i < words; i++) {
      parts.push(this.word());
    }
    const s = parts.join(' ');
    return `${s.charAt(0).toUpperCase()}${s.slice(1)}.`;
  }

  text(kind: TextKind, size: number): Buffer {
    const lines: string[] = [];
    let length = 0;
    while (length < size) {
      const depth = Math.floor(this.rand() * 4);
      const line = this.line(kind, depth);
      lines.push(line);
      length += line.length + 1;
    }
    return Buffer.from(`${lines.join('\n')}\n`.slice(0, Math.max(size, 1)));
  }
}

/**
 * Binary content: mostly incompressible (like PNG/JPEG/WOFF2 payloads), some
 * partly compressible (like PDFs or uncompressed assets).
 */
function binary(rand: () => number, size: number, ext: string): Buffer {
  const buf = Buffer.alloc(size);
  const headers: Record<string, number[]> = {
    png: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    jpg: [0xff, 0xd8, 0xff, 0xe0],
    woff2: [0x77, 0x4f, 0x46, 0x32],
    pdf: [0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37],
  };
  let x = Math.floor(rand() * 0xffffffff) | 1;
  const compressible = ext === 'pdf' || rand() < 0.2;
  for (let i = 0; i < size;) {
    if (compressible && rand() < 0.4) {
      // a run of a repeated short pattern
      const run = Math.min(size - i, 64 + Math.floor(rand() * 2048));
      const pattern = Math.floor(rand() * 256);
      buf.fill(pattern, i, i + run);
      i += run;
      continue;
    }
    const block = Math.min(size - i, 4096);
    for (let j = 0; j < block; j++) {
      // xorshift32
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      buf[i + j] = x & 0xff;
    }
    i += block;
  }
  (headers[ext] ?? []).forEach((b, i) => {
    if (i < size) buf[i] = b;
  });
  return buf;
}

interface PlannedFile {
  path: string;
  binary: boolean;
  kind: TextKind;
  ext: string;
  size: number;
}

const AREAS: Array<{ dir: string; files: number; binaryShare: number }> = [
  { dir: SUBTREE, files: SUBTREE_FILES, binaryShare: 0.04 },
  { dir: 'services/billing', files: 600, binaryShare: 0.03 },
  { dir: 'services/catalog', files: 600, binaryShare: 0.03 },
  { dir: 'services/search', files: 600, binaryShare: 0.03 },
  { dir: 'packages/ui', files: 500, binaryShare: 0.08 },
  { dir: 'packages/core', files: 500, binaryShare: 0.01 },
  { dir: 'packages/sdk', files: 500, binaryShare: 0.01 },
  { dir: 'docs', files: 400, binaryShare: 0.1 },
  { dir: 'assets', files: 150, binaryShare: 1 },
  { dir: 'tools', files: 147, binaryShare: 0.02 },
];
const ROOT_FILES: Array<[string, TextKind]> = [
  ['README.md', 'markdown'],
  ['package.json', 'json'],
  ['catalog-info.yaml', 'yaml'],
];
const SUBDIRS =
  'src lib api domain infra util model view test fixtures docs guides config scripts handlers routes'.split(
    ' ',
  );
const TEXT_EXTS: Array<[string, TextKind]> = [
  ['ts', 'code'],
  ['ts', 'code'],
  ['tsx', 'code'],
  ['js', 'code'],
  ['md', 'markdown'],
  ['json', 'json'],
  ['yaml', 'yaml'],
];
const BINARY_EXTS = ['png', 'png', 'jpg', 'woff2', 'pdf'];

function planFiles(rand: () => number, words: string[]): PlannedFile[] {
  const files: PlannedFile[] = [];
  for (const area of AREAS) {
    // about 15 files per directory, 1 to 3 levels below the area
    const dirs: string[] = [];
    const dirCount = Math.ceil(area.files / 15);
    const seen = new Set<string>();
    while (dirs.length < dirCount) {
      const depth = 1 + Math.floor(rand() * 3);
      const segments: string[] = [];
      for (let i = 0; i < depth; i++) {
        segments.push(
          i === 0
            ? SUBDIRS[Math.floor(rand() * SUBDIRS.length)]
            : words[Math.floor(rand() * words.length)],
        );
      }
      const dir = `${area.dir}/${segments.join('/')}`;
      if (!seen.has(dir)) {
        seen.add(dir);
        dirs.push(dir);
      }
    }
    for (let i = 0; i < area.files; i++) {
      const dir = dirs[Math.floor(rand() * dirs.length)];
      const isBinary = rand() < area.binaryShare;
      const name = `${words[Math.floor(rand() * words.length)]}-${i}`;
      if (isBinary) {
        const ext = BINARY_EXTS[Math.floor(rand() * BINARY_EXTS.length)];
        files.push({
          path: `${dir}/${name}.${ext}`,
          binary: true,
          kind: 'code',
          ext,
          size: Math.min(3 * 1024 * 1024, logNormal(rand, 48 * 1024, 1.1)),
        });
      } else {
        const [ext, kind] = TEXT_EXTS[Math.floor(rand() * TEXT_EXTS.length)];
        files.push({
          path: `${dir}/${name}.${ext}`,
          binary: false,
          kind,
          ext,
          size: Math.min(1024 * 1024, logNormal(rand, 7 * 1024, 1.2)),
        });
      }
    }
  }
  for (const [name, kind] of ROOT_FILES) {
    files.push({
      path: name,
      binary: false,
      kind,
      ext: name.split('.').pop()!,
      size: 2048,
    });
  }
  // One catalog-info.yaml at the root and in 199 other directories (text
  // files renamed in place, so the totals stay), for the search benchmark.
  const pick = prng(8);
  const dirs = [
    ...new Set(
      files
        .filter(f => !f.binary && f.path.includes('/'))
        .map(f => f.path.slice(0, f.path.lastIndexOf('/'))),
    ),
  ].sort();
  const catalogDirs = new Set<string>();
  while (catalogDirs.size < CATALOG_FILES - 1) {
    catalogDirs.add(dirs[Math.floor(pick() * dirs.length)]);
  }
  for (const dir of catalogDirs) {
    const file = files.find(
      f => !f.binary && f.path.slice(0, f.path.lastIndexOf('/')) === dir,
    )!;
    Object.assign(file, {
      path: `${dir}/catalog-info.yaml`,
      kind: 'yaml',
      ext: 'yaml',
    });
  }
  // Scale the sizes to the byte targets.
  for (const isBinary of [false, true]) {
    const group = files.filter(f => f.binary === isBinary);
    const sum = group.reduce((s, f) => s + f.size, 0);
    const factor = (isBinary ? BINARY_BYTES : TEXT_BYTES) / sum;
    for (const f of group) {
      f.size = Math.max(isBinary ? 512 : 40, Math.round(f.size * factor));
    }
  }
  const catalogs = files.filter(
    f =>
      f.path === 'catalog-info.yaml' || f.path.endsWith('/catalog-info.yaml'),
  );
  if (catalogs.length !== CATALOG_FILES) {
    throw new Error(
      `planned ${catalogs.length} catalog files, not ${CATALOG_FILES}`,
    );
  }
  if (files.length !== TOTAL_FILES) {
    throw new Error(`planned ${files.length} files, not ${TOTAL_FILES}`);
  }
  return files;
}

async function readManifest(file: string): Promise<BenchRepository | null> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as BenchRepository;
  } catch {
    return null;
  }
}

/**
 * The benchmark repository under {@link SERVE_ROOT}, built if it is missing
 * or was built by another version of this script.
 */
export async function ensureBenchRepository(
  log: (message: string) => void,
): Promise<BenchRepository> {
  const manifestFile = path.join(DATA_DIR, 'manifest.json');
  const repoDir = path.join(SERVE_ROOT, ...REPO_NAME.split('/'));
  const cached = await readManifest(manifestFile);
  if (cached?.version === DATA_VERSION) {
    try {
      const node = await runHg(['log', '-r', cached.node, '-T', '{node}'], {
        cwd: repoDir,
      });
      if (node === cached.node) {
        log(
          `Using the cached repository in ${path.relative(process.cwd(), DATA_DIR)}`,
        );
        return { ...cached, path: repoDir };
      }
    } catch {
      // rebuild below
    }
  }

  log(
    `Building the benchmark repository (${TOTAL_FILES} files, ~${Math.round(
      (TEXT_BYTES + BINARY_BYTES) / 1024 / 1024,
    )} MB) in ${path.relative(process.cwd(), DATA_DIR)}; it is kept for later runs`,
  );
  const started = Date.now();
  await fs.rm(DATA_DIR, { recursive: true, force: true });
  const buildDir = path.join(DATA_DIR, 'build', 'monorepo');
  await createHgRepository(buildDir, {}); // hg init

  const rand = prng(20260101);
  const generator = new TextGenerator(prng(42));
  const words = makeVocabulary(prng(7), 600);
  const plan = planFiles(rand, words);
  const madeDirs = new Set<string>();
  let written = 0;
  for (const file of plan) {
    const target = path.join(buildDir, ...file.path.split('/'));
    const dir = path.dirname(target);
    if (!madeDirs.has(dir)) {
      await fs.mkdir(dir, { recursive: true });
      madeDirs.add(dir);
    }
    await fs.writeFile(
      target,
      file.binary
        ? binary(rand, file.size, file.ext)
        : generator.text(file.kind, file.size),
    );
    if (++written % 1000 === 0) {
      log(`  wrote ${written} files`);
    }
  }
  log('  hg commit --addremove ...');
  await runHg(
    [
      'commit',
      '--addremove',
      '-q',
      '-u',
      'Bench <bench@example.com>',
      '-d',
      '1767225600 0',
      '-m',
      'Benchmark monorepo',
    ],
    { cwd: buildDir },
  );
  const node = await runHg(['log', '-r', 'tip', '-T', '{node}'], {
    cwd: buildDir,
  });
  // No working copy: hgweb rescans the served root on every request
  // (refreshinterval = 0), which would otherwise walk 5,000 files each time.
  await runHg(['update', '-q', 'null'], { cwd: buildDir });
  await fs.mkdir(path.dirname(repoDir), { recursive: true });
  await fs.rename(buildDir, repoDir);
  await fs.rm(path.join(DATA_DIR, 'build'), { recursive: true, force: true });

  const sum = (files: PlannedFile[]) => files.reduce((s, f) => s + f.size, 0);
  const text = plan.filter(f => !f.binary);
  const bin = plan.filter(f => f.binary);
  const sub = plan.filter(f => f.path.startsWith(`${SUBTREE}/`));
  const manifest: BenchRepository = {
    version: DATA_VERSION,
    path: repoDir,
    node,
    files: plan.length,
    bytes: sum(plan),
    textFiles: text.length,
    textBytes: sum(text),
    binaryFiles: bin.length,
    binaryBytes: sum(bin),
    subtree: SUBTREE,
    subtreeFiles: sub.length,
    subtreeBytes: sum(sub),
  };
  await fs.writeFile(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  log(`  built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return manifest;
}
