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
 * Where the time and memory of a full-repository readTree go: the steps
 * between the bare baseline (fetch + tar x) and the reader, each in a fresh
 * child process, on the benchmark repository (build it with `yarn bench`).
 *
 *   yarn bench:breakdown   (in plugins/backend-module-url-reader)
 *
 * BENCH_REPS=N runs each step N times (default 2), interleaved.
 */

import { createTempDir, startHgServer } from '@backstage-mercurial/test-utils';
import {
  ReadTreeResponseFactory,
  UrlReaders,
} from '@backstage/backend-defaults/urlReader';
import { ConfigReader } from '@backstage/config';
import { fork } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ReadableStream as WebReadableStream } from 'node:stream/web';
import { x as extractTar } from 'tar';
import { MercurialUrlReader } from '../src/MercurialUrlReader';
import { ensureBenchRepository, REPO_NAME, SERVE_ROOT } from './lib/data';
import {
  gc,
  markdownTable,
  median,
  megabytes,
  now,
  seconds,
  silentLogger,
  sleep,
  startRssSampler,
} from '@backstage-mercurial/test-utils';

const STEPS = {
  download: 'fetch of the archive only, bytes dropped (hg serve + HTTP)',
  baseline: 'fetch + tar x (the baseline)',
  factory: "fetch + Backstage's TarArchiveResponse.dir()",
  pinned: 'reader, URL pinned to the node (no look-up)',
  reader: 'reader, file/default/ URL (look-up + archive)',
} as const;
type Step = keyof typeof STEPS;

interface ChildOptions {
  step: Step;
  host: string;
  baseUrl: string;
  node: string;
}

async function child(options: ChildOptions) {
  const work = await createTempDir('bench-breakdown-');
  try {
    const repoUrl = `${options.baseUrl}/${REPO_NAME}`;
    const archiveUrl = (sub: string) =>
      `${repoUrl}/archive/${options.node}.tar.gz${sub ? `/${sub}` : ''}`;
    const fetchStream = async (url: string) => {
      const response = await fetch(url);
      return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
    };
    const run = async (sub: string) => {
      const started = now();
      let dir: string;
      if (options.step === 'download') {
        dir = await fs.mkdtemp(path.join(work.path, 'download-'));
        await pipeline(
          await fetchStream(archiveUrl(sub)),
          new Writable({ write: (_chunk, _encoding, next) => next() }),
        );
      } else if (options.step === 'baseline') {
        dir = await fs.mkdtemp(path.join(work.path, 'baseline-'));
        await pipeline(
          await fetchStream(archiveUrl(sub)),
          extractTar({ cwd: dir, strip: 1 }),
        );
      } else if (options.step === 'factory') {
        // Backstage's own factory, as UrlReaders hands it to readers.
        let factory: ReadTreeResponseFactory | undefined;
        UrlReaders.default({
          config: new ConfigReader({
            backend: { workingDirectory: work.path },
          }),
          logger: silentLogger,
          factories: [
            opts => {
              factory = opts.treeResponseFactory;
              return [];
            },
          ],
        });
        const tree = await factory!.fromTarArchive({
          stream: await fetchStream(archiveUrl(sub)),
          subpath: sub,
          etag: options.node,
        });
        dir = await tree.dir();
      } else {
        const config = new ConfigReader({
          backend: { workingDirectory: work.path },
          integrations: {
            mercurial: [{ host: options.host, baseUrl: options.baseUrl }],
          },
        });
        const reader = UrlReaders.default({
          config,
          logger: silentLogger,
          factories: [MercurialUrlReader.factory],
        });
        const rev = options.step === 'pinned' ? options.node : 'default';
        const tree = await reader.readTree(
          `${repoUrl}/file/${rev}/${sub ? `${sub}/` : ''}`,
        );
        dir = await tree.dir();
      }
      const ms = now() - started;
      await fs.rm(dir, { recursive: true, force: true });
      return ms;
    };
    await run('tools');
    gc();
    await sleep(200);
    gc();
    await sleep(100);
    const sampler = startRssSampler(10);
    const cpu = process.cpuUsage();
    const ms = await run('');
    const used = process.cpuUsage(cpu);
    const { baseline, peak } = sampler.stop();
    return {
      type: 'breakdown',
      ms,
      growth: peak - baseline,
      cpuMs: (used.user + used.system) / 1000,
    };
  } finally {
    await work.remove();
  }
}

function runChild(options: ChildOptions) {
  return new Promise<{ ms: number; growth: number; cpuMs: number }>(
    (resolve, reject) => {
      const proc = fork(__filename, ['--child'], {
        env: { ...process.env, BREAKDOWN_CHILD: JSON.stringify(options) },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      let result: any;
      proc.on('message', (m: any) => {
        if (m?.type === 'breakdown') result = m;
      });
      proc.on('error', reject);
      proc.on('exit', code =>
        result ? resolve(result) : reject(new Error(`child exited ${code}`)),
      );
    },
  );
}

async function main() {
  const reps = Number(process.env.BENCH_REPS) || 2;
  const repo = await ensureBenchRepository(console.log);
  const server = await startHgServer({ root: SERVE_ROOT });
  try {
    const results: Record<
      Step,
      Array<{ ms: number; growth: number; cpuMs: number }>
    > = { download: [], baseline: [], factory: [], pinned: [], reader: [] };
    const only = process.env.BREAKDOWN_STEPS?.split(',');
    const steps = (Object.keys(STEPS) as Step[]).filter(
      step => !only || only.includes(step),
    );
    for (let i = 0; i < reps; i++) {
      for (const step of i % 2 ? [...steps].reverse() : steps) {
        const r = await runChild({
          step,
          host: server.host,
          baseUrl: server.baseUrl,
          node: repo.node,
        });
        console.log(
          `${step}: ${seconds(r.ms)}, +${megabytes(r.growth)}, CPU ${seconds(r.cpuMs)} (load ${os.loadavg()[0].toFixed(1)})`,
        );
        results[step].push(r);
      }
    }
    const base = median(results.baseline.map(r => r.ms)) || NaN;
    console.log(
      markdownTable(
        ['step', 'time', 'vs baseline', 'Node CPU', 'peak RSS growth'],
        steps.map((step): string[] => [
          STEPS[step],
          seconds(median(results[step].map(r => r.ms))),
          `${(median(results[step].map(r => r.ms)) / base).toFixed(2)}x`,
          seconds(median(results[step].map(r => r.cpuMs))),
          `+${megabytes(median(results[step].map(r => r.growth)))}`,
        ]),
      ),
    );
  } finally {
    await server.stop();
  }
}

if (process.argv.includes('--child')) {
  child(JSON.parse(process.env.BREAKDOWN_CHILD ?? '{}')).then(
    r => process.send?.(r, () => process.exit(0)),
    e => {
      console.error(e);
      process.exit(1);
    },
  );
} else {
  main().then(
    () => process.exit(0),
    e => {
      console.error(e);
      process.exit(1);
    },
  );
}
