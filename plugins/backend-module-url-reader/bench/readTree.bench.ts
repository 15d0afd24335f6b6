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
 * readTree benchmark (issue 3): `yarn bench` at the repository root.
 *
 * Builds (once, cached in bench/.data/) a repository of 5,000 files / 100 MB,
 * serves it with two hg servers over the same root (archives on and off) and
 * measures, side by side with baselines that do the same work by hand:
 *
 *   1. readTree of a 1,000-file sub-path vs. fetch + tar x of the same archive
 *   2. the same through the hg command-line fallback (cold and warm cache)
 *      vs. hg clone -U + hg archive -t files
 *   3. an unchanged re-read with the etag: requests and time
 *   4. peak RSS growth during a full-repository readTree (in a child process)
 *   5. a glob search matching 200 files vs. a readTree of the same files
 *   6. reads per second through an oauth2 source with 5-second tokens vs.
 *      static credentials, and token requests per lifetime (bench/credentials.ts;
 *      it has its own small repository, so BENCH_ROWS=6 skips building the big one)
 *
 * Targets are reported, never enforced: the process exits 0 unless the
 * benchmark itself breaks. BENCH_REPS=N overrides every repetition count;
 * BENCH_ROWS=5 (or 1,4) runs only those rows.
 */

import {
  createTempDir,
  HgTestServer,
  runHg,
  startHgServer,
} from '@backstage-mercurial/test-utils';
import { UrlReaders } from '@backstage/backend-defaults/urlReader';
import { UrlReaderService } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import { fork } from 'node:child_process';
import { createReadStream, promises as fs, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createGunzip } from 'node:zlib';
import { Minimatch } from 'minimatch';
import { x as extractTar } from 'tar';
import { MercurialUrlReader } from '../src/MercurialUrlReader';
import { credentialsRow } from './credentials';
import {
  BenchRepository,
  ensureBenchRepository,
  REPO_NAME,
  SERVE_ROOT,
  SUBTREE,
  SUBTREE_FILES,
  CATALOG_FILES,
  CATALOG_GLOB,
} from './lib/data';
import {
  countFiles,
  gc,
  markdownTable,
  median,
  Row,
  megabytes,
  now,
  seconds,
  silentLogger,
  sleep,
  spread,
  startRssSampler,
} from '@backstage-mercurial/test-utils';

const REPS = Number(process.env.BENCH_REPS) || undefined;
const REPS_SUBTREE = REPS ?? 7;
const REPS_CLI_COLD = REPS ?? 5;
const REPS_CLI_WARM = REPS ?? 5;
const REPS_ETAG = REPS ?? 15;
const REPS_RSS = REPS ?? 3;
const REPS_DIAG = REPS ?? 3;
const REPS_SEARCH = REPS ?? 7;
const ALL_ROWS = ['1', '2', '3', '4', '5', '6'];
/** Rows 1-5 read the 5,000-file repository (row 6 has its own small one). */
const REPOSITORY_ROWS = ['1', '2', '3', '4', '5'];
const ROWS = new Set(
  process.env.BENCH_ROWS?.split(',')
    .map(r => r.trim())
    .filter(Boolean) ?? ALL_ROWS,
);

const TARGET_RATIO = 1.25;
const TARGET_ETAG_REQUESTS = 1;
const TARGET_RSS_MB = 100;
/** Full-repository readTree: time against the baseline, and RSS above it. */
const TARGET_FULL_RATIO = 1.1;
const TARGET_RSS_OVER_BASELINE_MB = 20;
const TARGET_SEARCH_RATIO = 1.2;
const TARGET_SEARCH_REQUESTS = 3;

const log = (message: string) => console.log(message);

// ---------------------------------------------------------------- helpers

interface Reader {
  reader: UrlReaderService;
  mercurial: MercurialUrlReader;
}

/** A reader as a backend builds it: UrlReaders.default with our factory. */
function createReader(
  server: { host: string; baseUrl: string },
  workingDirectory: string,
): Reader {
  const config = new ConfigReader({
    backend: { workingDirectory },
    integrations: {
      mercurial: [{ host: server.host, baseUrl: server.baseUrl }],
    },
  });
  let mercurial: MercurialUrlReader | undefined;
  const reader = UrlReaders.default({
    config,
    logger: silentLogger,
    factories: [
      opts => {
        const tuples = MercurialUrlReader.factory(opts);
        mercurial = tuples[0].reader as MercurialUrlReader;
        return tuples;
      },
    ],
  });
  if (!mercurial) {
    throw new Error('MercurialUrlReader.factory made no reader');
  }
  return { reader, mercurial };
}

/** readTree consumed with dir(); the time excludes deleting the directory. */
async function readTreeToDir(
  reader: UrlReaderService,
  url: string,
  check?: number,
): Promise<{ ms: number; etag: string }> {
  const started = now();
  const response = await reader.readTree(url);
  const dir = await response.dir();
  const ms = now() - started;
  try {
    if (check !== undefined) {
      const files = await countFiles(dir);
      if (files !== check) {
        throw new Error(`readTree(${url}) gave ${files} files, not ${check}`);
      }
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
  return { ms, etag: response.etag };
}

/** The baseline: a bare fetch of the archive, extracted by tar as it streams. */
async function fetchAndExtract(
  url: string,
  strip: number,
  parent: string,
  check?: number,
): Promise<number> {
  const started = now();
  const dir = await fs.mkdtemp(path.join(parent, 'baseline-'));
  const response = await fetch(url);
  if (!response.ok || !response.body) {
    throw new Error(`GET ${url}: HTTP ${response.status}`);
  }
  await pipeline(
    Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
    extractTar({ cwd: dir, strip }),
  );
  const ms = now() - started;
  try {
    if (check !== undefined) {
      const files = await countFiles(dir);
      if (files !== check) {
        throw new Error(`${url} extracted to ${files} files, not ${check}`);
      }
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
  return ms;
}

async function timed(task: () => Promise<unknown>): Promise<number> {
  const started = now();
  await task();
  return now() - started;
}

/** Runs `a` and `b` `reps` times, alternating which goes first. */
async function sideBySide(
  reps: number,
  a: () => Promise<number>,
  b: () => Promise<number>,
): Promise<{ a: number[]; b: number[] }> {
  const result = { a: [] as number[], b: [] as number[] };
  for (let i = 0; i < reps; i++) {
    if (i % 2 === 0) {
      result.a.push(await a());
      result.b.push(await b());
    } else {
      result.b.push(await b());
      result.a.push(await a());
    }
  }
  return result;
}

const drain = () =>
  new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });

// ------------------------------------------------------- RSS (child side)

interface RssChildOptions {
  mode: 'reader' | 'baseline';
  host: string;
  baseUrl: string;
  /** The full-repository tree URL (reader) or archive URL (baseline). */
  url: string;
  /** A small tree/archive of the same kind, read first to load every code path. */
  warmUrl: string;
}

interface RssResult {
  type: 'bench-rss';
  mode: RssChildOptions['mode'];
  baseline: number;
  peak: number;
  hwm?: number;
  samples: number;
  ms: number;
  /** CPU time of the whole child (all threads) during the measured read. */
  cpuMs: number;
  gcExposed: boolean;
}

async function rssChild(options: RssChildOptions): Promise<RssResult> {
  const work = await createTempDir('bench-rss-');
  const onSignal = () => {
    rmSync(work.path, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    // One reader for the warm-up and the measured read, made before the
    // sampler starts, as a backend makes it once at start-up (building
    // UrlReaders.default costs about 0.3 MB, so this is for exactness).
    const { reader } = createReader(options, work.path);
    const run = async (url: string, check?: number) => {
      if (options.mode === 'reader') {
        return (await readTreeToDir(reader, url, check)).ms;
      }
      return fetchAndExtract(url, 1, work.path, check);
    };
    await run(options.warmUrl);
    gc();
    await sleep(200);
    gc();
    await sleep(100);
    const sampler = startRssSampler(10);
    const cpu = process.cpuUsage();
    const ms = await run(options.url);
    const used = process.cpuUsage(cpu);
    const { baseline, peak, samples, hwm } = sampler.stop();
    return {
      type: 'bench-rss',
      mode: options.mode,
      baseline,
      peak,
      hwm,
      samples,
      ms,
      cpuMs: (used.user + used.system) / 1000,
      gcExposed: typeof (globalThis as { gc?: unknown }).gc === 'function',
    };
  } finally {
    await work.remove();
  }
}

/** Runs one RSS measurement in a fresh child process (same node flags). */
function runRssChild(options: RssChildOptions): Promise<RssResult> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--rss-child'], {
      env: { ...process.env, BENCH_RSS_CHILD: JSON.stringify(options) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: RssResult | undefined;
    child.on('message', (message: { type?: string }) => {
      // The node transform also sends {type: 'watch'} messages: skip them.
      if (message?.type === 'bench-rss') {
        result = message as RssResult;
      }
    });
    child.on('error', reject);
    child.on('exit', code => {
      if (result) {
        resolve(result);
      } else {
        reject(new Error(`The RSS child process exited with ${code}`));
      }
    });
  });
}

// ------------------------------------------------------------------- main

function metText(met: boolean | undefined): string {
  if (met === undefined) {
    return '-';
  }
  return met ? 'yes' : 'NO';
}

async function main() {
  const cleanups: Array<() => Promise<unknown>> = [];
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const task of cleanups.reverse()) {
        await task().catch(e => log(`cleanup: ${e}`));
      }
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    log(`\n${signal}: stopping the servers and removing temp dirs...`);
    cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const tempDir = async (prefix: string) => {
    const dir = await createTempDir(prefix);
    cleanups.push(() => dir.remove());
    return dir.path;
  };

  try {
    const hgVersion = (await runHg(['--version', '-q'])).trim();
    const cpus = os.cpus();
    const loadStart = os.loadavg();
    const rows: Row[] = [];
    const diagnostics: string[][] = [];
    log('');
    log(`Node ${process.version}, ${hgVersion}`);
    log(
      `${cpus.length} x ${cpus[0]?.model ?? 'unknown CPU'}, ${megabytes(
        os.totalmem(),
      )} RAM, ${os.platform()} ${os.release()}`,
    );

    if (REPOSITORY_ROWS.some(r => ROWS.has(r))) {
      const repo: BenchRepository = await ensureBenchRepository(log);

      // Two hg serve over the same root: archives on, and off (403).
      const archiveServer = await startHgServer({ root: SERVE_ROOT });
      cleanups.push(() => archiveServer.stop());
      const cliServer = await startHgServer({
        root: SERVE_ROOT,
        allowArchive: false,
      });
      cleanups.push(() => cliServer.stop());
      await checkServers(archiveServer, cliServer, repo);

      const { node } = repo;
      const treeUrl = (server: HgTestServer, sub: string) =>
        `${server.repoUrl(REPO_NAME)}/file/default/${sub ? `${sub}/` : ''}`;
      const archiveUrl = (sub: string) =>
        `${archiveServer.repoUrl(REPO_NAME)}/archive/${node}.tar.gz${
          sub ? `/${sub}` : ''
        }`;
      const subStrip = 1 + SUBTREE.split('/').length;

      log(
        `Repository: ${repo.files} files, ${megabytes(repo.bytes)} (${repo.textFiles} text files ${megabytes(
          repo.textBytes,
        )}, ${repo.binaryFiles} binary files ${megabytes(repo.binaryBytes)}), one changeset ${node.slice(0, 12)}`,
      );
      log(
        `Sub-path: ${SUBTREE}/ (${repo.subtreeFiles} files, ${megabytes(
          repo.subtreeBytes,
        )})`,
      );
      log(
        `Servers: ${archiveServer.baseUrl} (archives on), ${cliServer.baseUrl} (archives off), root ${path.relative(
          process.cwd(),
          SERVE_ROOT,
        )}`,
      );
      log('');

      const ratioRow = (
        id: string,
        what: string,
        reader: number[],
        baseline: number[],
        baselineName: string,
        target?: number,
      ): Row => {
        const ratio = median(reader) / median(baseline);
        return {
          id,
          what,
          reader: seconds(median(reader)),
          baseline: `${seconds(median(baseline))} (${baselineName})`,
          result: `${ratio.toFixed(2)}x`,
          target: target ? `<= ${target.toFixed(2)}x` : '-',
          met: target ? ratio <= target : undefined,
        };
      };

      // Readers and URLs that several rows use.
      const work1 = await tempDir('bench-work-');
      const archiveReader = createReader(archiveServer, work1);
      const subTreeUrl = treeUrl(archiveServer, SUBTREE);
      const work2 = await tempDir('bench-warm-');
      const cliReader = createReader(cliServer, work2);
      const cliTreeUrl = treeUrl(cliServer, SUBTREE);
      const cliRepoUrl = cliServer.repoUrl(REPO_NAME);

      // ---- 1. readTree of the sub-path through the archive
      if (ROWS.has('1')) {
        log(
          `[1] readTree ${SUBTREE}/ (archives on), ${REPS_SUBTREE} runs each`,
        );
        // warm-up, and a check that both sides extract the same 1,000 files
        await readTreeToDir(archiveReader.reader, subTreeUrl, SUBTREE_FILES);
        await fetchAndExtract(
          archiveUrl(SUBTREE),
          subStrip,
          work1,
          SUBTREE_FILES,
        );
        const m1 = await sideBySide(
          REPS_SUBTREE,
          async () =>
            (await readTreeToDir(archiveReader.reader, subTreeUrl)).ms,
          () => fetchAndExtract(archiveUrl(SUBTREE), subStrip, work1),
        );
        log(`    reader   ${spread(m1.a)}`);
        log(`    baseline ${spread(m1.b)}`);
        rows.push(
          ratioRow(
            '1',
            `readTree of ${SUBTREE_FILES} files (${megabytes(repo.subtreeBytes)}), archive`,
            m1.a,
            m1.b,
            'fetch + tar x',
            TARGET_RATIO,
          ),
        );

        // where the time goes: the server (download only), gunzip, tar x
        const tarball = path.join(work1, 'sub.tar.gz');
        const download: number[] = [];
        for (let i = 0; i < REPS_DIAG; i++) {
          download.push(
            await timed(async () => {
              const response = await fetch(archiveUrl(SUBTREE));
              await pipeline(
                Readable.fromWeb(
                  response.body as WebReadableStream<Uint8Array>,
                ),
                drain(),
              );
            }),
          );
        }
        const saved = await fetch(archiveUrl(SUBTREE));
        await fs.writeFile(tarball, Buffer.from(await saved.arrayBuffer()));
        const tarballSize = (await fs.stat(tarball)).size;
        const gunzip: number[] = [];
        const untar: number[] = [];
        for (let i = 0; i < REPS_DIAG; i++) {
          gunzip.push(
            await timed(() =>
              pipeline(createReadStream(tarball), createGunzip(), drain()),
            ),
          );
          const out = await fs.mkdtemp(path.join(work1, 'untar-'));
          untar.push(
            await timed(() =>
              pipeline(
                createReadStream(tarball),
                extractTar({ cwd: out, strip: subStrip }),
              ),
            ),
          );
          await fs.rm(out, { recursive: true, force: true });
        }
        diagnostics.push(
          [
            `1: download ${SUBTREE}.tar.gz (${megabytes(tarballSize)}), no extraction (hg serve + HTTP)`,
            spread(download),
          ],
          ['1: gunzip the saved .tar.gz only (Node zlib)', spread(gunzip)],
          [
            '1: tar x of the saved .tar.gz (gunzip + parse + write files)',
            spread(untar),
          ],
        );
      }

      // ---- 2. the command-line fallback (archives off)
      if (ROWS.has('2')) {
        log(
          `[2] readTree ${SUBTREE}/ through hg (archives off): cold ${REPS_CLI_COLD} runs, warm ${REPS_CLI_WARM} runs`,
        );
        const readerCold = async (check?: number) => {
          const dir = await createTempDir('bench-cold-');
          try {
            const { reader } = createReader(cliServer, dir.path);
            return (await readTreeToDir(reader, cliTreeUrl, check)).ms;
          } finally {
            await dir.remove();
          }
        };
        const cloneSplit: number[] = [];
        const byHandCold = async (check?: number) => {
          const dir = await createTempDir('bench-hg-');
          try {
            const started = now();
            await runHg([
              'clone',
              '-U',
              '-q',
              cliRepoUrl,
              path.join(dir.path, 'clone'),
            ]);
            const cloned = now();
            await runHg(
              [
                'archive',
                '-r',
                node,
                '-I',
                `path:${SUBTREE}`,
                '-t',
                'files',
                path.join(dir.path, 'out'),
              ],
              { cwd: path.join(dir.path, 'clone') },
            );
            const ms = now() - started;
            cloneSplit.push(cloned - started);
            if (check !== undefined) {
              const files = await countFiles(path.join(dir.path, 'out'));
              if (files !== check) {
                throw new Error(`hg archive gave ${files} files, not ${check}`);
              }
            }
            return ms;
          } finally {
            await dir.remove();
          }
        };
        await readerCold(SUBTREE_FILES); // warm-up + check
        await byHandCold(SUBTREE_FILES);
        cloneSplit.length = 0;
        const m2cold = await sideBySide(
          REPS_CLI_COLD,
          () => readerCold(),
          () => byHandCold(),
        );
        log(`    cold reader   ${spread(m2cold.a)}`);
        log(
          `    cold by hand  ${spread(m2cold.b)} (clone ${spread(cloneSplit)})`,
        );
        rows.push(
          ratioRow(
            '2a',
            `same, hg CLI fallback, cold cache`,
            m2cold.a,
            m2cold.b,
            'hg clone -U + hg archive',
          ),
        );

        const handClone = path.join(await tempDir('bench-hg-warm-'), 'clone');
        await runHg(['clone', '-U', '-q', cliRepoUrl, handClone]);
        const archiveByHand = async (type: 'files' | 'tar', dest: string) =>
          runHg(
            ['archive', '-r', node, '-I', `path:${SUBTREE}`, '-t', type, dest],
            { cwd: handClone },
          );
        const byHandWarm = async (check?: number) => {
          const out = path.join(work2, `out-${Date.now()}`);
          const ms = await timed(() => archiveByHand('files', out));
          if (check !== undefined) {
            const files = await countFiles(out);
            if (files !== check) {
              throw new Error(`hg archive gave ${files} files, not ${check}`);
            }
          }
          await fs.rm(out, { recursive: true, force: true });
          return ms;
        };
        await readTreeToDir(cliReader.reader, cliTreeUrl, SUBTREE_FILES); // clones
        await byHandWarm(SUBTREE_FILES);
        const m2warm = await sideBySide(
          REPS_CLI_WARM,
          async () => (await readTreeToDir(cliReader.reader, cliTreeUrl)).ms,
          () => byHandWarm(),
        );
        log(`    warm reader   ${spread(m2warm.a)}`);
        log(`    warm by hand  ${spread(m2warm.b)}`);
        rows.push(
          ratioRow(
            '2b',
            `same, hg CLI fallback, warm cache`,
            m2warm.a,
            m2warm.b,
            'hg archive',
          ),
        );

        // where the time goes: hg start-up, tar vs files, tar x in Node
        const hgStart: number[] = [];
        const hgTar: number[] = [];
        const nodeUntar: number[] = [];
        const tarFile = path.join(work2, 'sub.tar');
        for (let i = 0; i < REPS_DIAG; i++) {
          hgStart.push(
            await timed(() =>
              runHg(['log', '-r', node, '-T', '{node}'], { cwd: handClone }),
            ),
          );
          await fs.rm(tarFile, { force: true });
          hgTar.push(await timed(() => archiveByHand('tar', tarFile)));
          const out = await fs.mkdtemp(path.join(work2, 'untar-'));
          nodeUntar.push(
            await timed(() =>
              pipeline(
                createReadStream(tarFile),
                extractTar({ cwd: out, strip: subStrip }),
              ),
            ),
          );
          await fs.rm(out, { recursive: true, force: true });
        }
        const streamClone: number[] = [];
        for (let i = 0; i < REPS_DIAG; i++) {
          const dir = path.join(work2, `stream-${i}`);
          streamClone.push(
            await timed(() =>
              runHg(['clone', '-U', '-q', '--stream', cliRepoUrl, dir]),
            ),
          );
          await fs.rm(dir, { recursive: true, force: true });
        }
        diagnostics.push(
          [
            '2: hg start-up (hg log -r NODE, as the cache does to check for a node)',
            spread(hgStart),
          ],
          [
            `2: hg archive -t tar to a file (${megabytes(
              (await fs.stat(tarFile)).size,
            )})`,
            spread(hgTar),
          ],
          ['2: tar x of that .tar in Node', spread(nodeUntar)],
          [
            '2: hg clone -U over HTTP only (part of 2a by hand)',
            spread(cloneSplit),
          ],
          [
            '2: hg clone -U --stream over HTTP (not used by the reader)',
            spread(streamClone),
          ],
        );
      }

      // ---- 3. unchanged re-read with the etag
      if (ROWS.has('3')) {
        log(`[3] readTree with an unchanged etag, ${REPS_ETAG} runs`);
        const etagRun = async (
          mercurial: Reader,
          url: string,
          etag: string,
        ) => {
          const before = mercurial.mercurial.requestCount;
          const started = now();
          let outcome = 'resolved (no NotModifiedError)';
          try {
            await mercurial.reader.readTree(url, { etag });
          } catch (e) {
            outcome = (e as Error).name;
          }
          return {
            ms: now() - started,
            requests: mercurial.mercurial.requestCount - before,
            outcome,
          };
        };
        const etagSeries = async (
          mercurial: Reader,
          url: string,
          etag: string,
        ) => {
          await etagRun(mercurial, url, etag); // warm-up
          const runs = [];
          for (let i = 0; i < REPS_ETAG; i++) {
            runs.push(await etagRun(mercurial, url, etag));
          }
          return {
            ms: runs.map(r => r.ms),
            requests: Math.max(...runs.map(r => r.requests)),
            notModified: runs.every(r => r.outcome === 'NotModifiedError'),
            outcomes: [...new Set(runs.map(r => r.outcome))].join(', '),
          };
        };
        const etagArchive = await etagSeries(archiveReader, subTreeUrl, node);
        const etagCli = await etagSeries(cliReader, cliTreeUrl, node);
        const pinnedUrl = `${archiveServer.repoUrl(REPO_NAME)}/file/${node}/${SUBTREE}/`;
        const etagPinned = await etagSeries(archiveReader, pinnedUrl, node);
        for (const [name, s] of [
          ['archive', etagArchive],
          ['CLI', etagCli],
          ['pinned', etagPinned],
        ] as const) {
          log(
            `    ${name.padEnd(8)} ${spread(s.ms)}, requests ${s.requests}, ${s.outcomes}`,
          );
        }
        rows.push(
          {
            id: '3',
            what: 'unchanged re-read with etag: HTTP requests',
            reader: `${etagArchive.requests} (CLI fallback: ${etagCli.requests})`,
            baseline: '-',
            result:
              etagArchive.notModified && etagCli.notModified
                ? 'NotModifiedError'
                : `not NotModifiedError: ${etagArchive.outcomes}; ${etagCli.outcomes}`,
            target: `${TARGET_ETAG_REQUESTS} request, NotModifiedError`,
            met:
              etagArchive.requests === TARGET_ETAG_REQUESTS &&
              etagCli.requests === TARGET_ETAG_REQUESTS &&
              etagArchive.notModified &&
              etagCli.notModified,
          },
          {
            id: '3',
            what: 'unchanged re-read with etag: time',
            reader: `${seconds(median(etagArchive.ms))} (CLI fallback: ${seconds(
              median(etagCli.ms),
            )})`,
            baseline: '-',
            result: `URL pinned to the node: ${etagPinned.requests} requests, ${seconds(
              median(etagPinned.ms),
            )}`,
            target: '-',
            met: undefined,
          },
        );
      }

      // ---- 4. peak RSS growth, full repository, in fresh child processes
      if (ROWS.has('4')) {
        log(
          `[4] peak RSS of a full-repository readTree, ${REPS_RSS} runs each`,
        );
        const rssOptions = (
          mode: RssChildOptions['mode'],
        ): RssChildOptions => ({
          mode,
          host: archiveServer.host,
          baseUrl: archiveServer.baseUrl,
          url: mode === 'reader' ? treeUrl(archiveServer, '') : archiveUrl(''),
          warmUrl:
            mode === 'reader'
              ? treeUrl(archiveServer, 'tools')
              : archiveUrl('tools'),
        });
        const rssReader: RssResult[] = [];
        const rssBaseline: RssResult[] = [];
        // alternating which goes first (each run leaves 100 MB of files to
        // delete and write back, which the next run competes with)
        for (let i = 0; i < REPS_RSS; i++) {
          const order = i % 2 ? ['baseline', 'reader'] : ['reader', 'baseline'];
          for (const mode of order as Array<RssChildOptions['mode']>) {
            (mode === 'reader' ? rssReader : rssBaseline).push(
              await runRssChild(rssOptions(mode)),
            );
          }
        }
        const growth = (results: RssResult[]) =>
          median(results.map(r => r.peak - r.baseline));
        const hwmGrowth = (results: RssResult[]) =>
          results.every(r => r.hwm !== undefined)
            ? median(results.map(r => r.hwm! - r.baseline))
            : NaN;
        for (const [name, results] of [
          ['reader', rssReader],
          ['baseline', rssBaseline],
        ] as const) {
          log(
            `    ${name.padEnd(8)} growth ${results
              .map(r => megabytes(r.peak - r.baseline))
              .join(', ')} (VmHWM: ${results
              .map(r => (r.hwm ? megabytes(r.hwm - r.baseline) : 'n/a'))
              .join(', ')}), baseline RSS ${megabytes(
              median(results.map(r => r.baseline)),
            )}, ${spread(results.map(r => r.ms))}, CPU ${spread(
              results.map(r => r.cpuMs),
            )}, ${median(
              results.map(r => r.samples),
            )} samples${results[0]?.gcExposed ? '' : ' (run node with --expose-gc)'}`,
          );
        }
        const readerGrowth = growth(rssReader);
        rows.push({
          id: '4',
          what: `peak RSS growth, full readTree (${repo.files} files, ${megabytes(repo.bytes)})`,
          reader: `${megabytes(readerGrowth)} (VmHWM ${megabytes(hwmGrowth(rssReader))})`,
          baseline: `${megabytes(growth(rssBaseline))} (VmHWM ${megabytes(
            hwmGrowth(rssBaseline),
          )}) (fetch + tar x)`,
          result: `full read ${seconds(median(rssReader.map(r => r.ms)))} vs ${seconds(
            median(rssBaseline.map(r => r.ms)),
          )} (${(
            median(rssReader.map(r => r.ms)) /
            median(rssBaseline.map(r => r.ms))
          ).toFixed(
            2,
          )}x; CPU ${seconds(median(rssReader.map(r => r.cpuMs)))} vs ${seconds(
            median(rssBaseline.map(r => r.cpuMs)),
          )})`,
          target: `< ${TARGET_RSS_MB} MB and <= baseline + ${TARGET_RSS_OVER_BASELINE_MB} MB; time <= ${TARGET_FULL_RATIO.toFixed(2)}x`,
          met:
            readerGrowth < TARGET_RSS_MB * 1024 * 1024 &&
            readerGrowth - growth(rssBaseline) <=
              TARGET_RSS_OVER_BASELINE_MB * 1024 * 1024 &&
            median(rssReader.map(r => r.ms)) /
              median(rssBaseline.map(r => r.ms)) <=
              TARGET_FULL_RATIO,
        });
      }

      // ---- 5. a glob search vs. a readTree of the same files
      if (ROWS.has('5')) {
        log(
          `[5] search ${CATALOG_GLOB} (${CATALOG_FILES} files) vs. readTree of the same files, ${REPS_SEARCH} runs each`,
        );
        const searchUrl = `${archiveServer.repoUrl(REPO_NAME)}/file/default/${CATALOG_GLOB}`;
        const matcher = new Minimatch(CATALOG_GLOB, { dot: true });
        const searchReader = createReader(archiveServer, work1);
        const counted = async (task: () => Promise<number>) => {
          const before = searchReader.mercurial.requestCount;
          const started = now();
          const files = await task();
          return {
            ms: now() - started,
            requests: searchReader.mercurial.requestCount - before,
            files,
          };
        };
        const bySearch = () =>
          counted(async () => {
            const found = await searchReader.reader.search(searchUrl);
            for (const file of found.files) {
              await file.content();
            }
            return found.files.length;
          });
        const byTree = () =>
          counted(async () => {
            const tree = await searchReader.reader.readTree(
              treeUrl(archiveServer, ''),
              { filter: p => matcher.match(p) },
            );
            const files = await tree.files();
            for (const file of files) {
              await file.content();
            }
            return files.length;
          });
        // warm-up, and a check that both find the 200 files
        for (const run of [bySearch, byTree]) {
          const { files } = await run();
          if (files !== CATALOG_FILES) {
            throw new Error(`found ${files} files, not ${CATALOG_FILES}`);
          }
        }
        const searchRuns: Array<{ ms: number; requests: number }> = [];
        const m5 = await sideBySide(
          REPS_SEARCH,
          async () => {
            const run = await bySearch();
            searchRuns.push(run);
            return run.ms;
          },
          async () => (await byTree()).ms,
        );
        const searchRequests = Math.max(...searchRuns.map(r => r.requests));
        log(`    search   ${spread(m5.a)}, requests ${searchRequests}`);
        log(`    readTree ${spread(m5.b)}`);
        const row = ratioRow(
          '5',
          `search ${CATALOG_GLOB} (${CATALOG_FILES} of ${repo.files} files), contents read`,
          m5.a,
          m5.b,
          'readTree + filter + files()',
          TARGET_SEARCH_RATIO,
        );
        rows.push({
          ...row,
          reader: `${row.reader}, ${searchRequests} requests`,
          target: `${row.target}, <= ${TARGET_SEARCH_REQUESTS} requests`,
          met: row.met && searchRequests <= TARGET_SEARCH_REQUESTS,
        });
      }
    }

    // ---- 6. reads through an oauth2 source with 5-second tokens vs static
    if (ROWS.has('6')) {
      log('');
      rows.push(await credentialsRow(log));
    }

    // ---- report
    log('');
    log(
      `Results (${new Date().toISOString().slice(0, 10)}; Node ${process.version}, ${hgVersion}, ${cpus.length} cores; medians):`,
    );
    log('');
    log(
      markdownTable(
        ['#', 'measurement', 'reader', 'baseline', 'result', 'target', 'met'],
        rows.map(r => [
          r.id,
          r.what,
          r.reader,
          r.baseline,
          r.result,
          r.target,
          metText(r.met),
        ]),
      ),
    );
    log('');
    const load = (l: number[]) => l.map(v => v.toFixed(1)).join(' ');
    log(
      `Load average (1, 5, 15 min) at the start ${load(loadStart)}, at the end ${load(
        os.loadavg(),
      )} (${cpus.length} cores): higher than the core count means other work competed for the CPU.`,
    );
    log('');
    if (diagnostics.length) {
      log('Where the time goes (medians, min-max):');
      log('');
      log(markdownTable(['step', 'time'], diagnostics));
      log('');
    }
    const missed = rows.filter(r => r.met === false);
    log(
      missed.length
        ? `MISSED TARGETS: ${missed.map(r => `#${r.id} ${r.what}`).join('; ')}`
        : 'All targets met.',
    );
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Both servers serve the repository; only the first serves archives. */
async function checkServers(
  archiveServer: HgTestServer,
  cliServer: HgTestServer,
  repo: BenchRepository,
) {
  for (const server of [archiveServer, cliServer]) {
    const response = await fetch(
      `${server.repoUrl(REPO_NAME)}/raw-file/${repo.node}/README.md`,
    );
    await response.body?.cancel();
    if (response.status !== 200) {
      throw new Error(
        `${server.baseUrl} does not serve ${REPO_NAME} (HTTP ${response.status})`,
      );
    }
  }
  const refused = await fetch(
    `${cliServer.repoUrl(REPO_NAME)}/archive/${repo.node}.tar.gz/tools`,
  );
  await refused.body?.cancel();
  if (refused.status !== 403) {
    throw new Error(
      `${cliServer.baseUrl} should refuse archives, but answered ${refused.status}`,
    );
  }
}

if (process.argv.includes('--rss-child')) {
  const options = JSON.parse(
    process.env.BENCH_RSS_CHILD ?? '{}',
  ) as RssChildOptions;
  rssChild(options).then(
    result => {
      process.send?.(result, () => process.exit(0));
    },
    error => {
      console.error(error);
      process.exit(1);
    },
  );
} else {
  main().then(
    () => process.exit(0),
    error => {
      console.error('The benchmark failed:', error);
      process.exit(1);
    },
  );
}
