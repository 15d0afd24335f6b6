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

import { LoggerService } from '@backstage/backend-plugin-api';
import { readFileSync, writeFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** A logger that drops everything (the reader's info lines would clutter the output). */
export const silentLogger: LoggerService = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  child() {
    return silentLogger;
  },
};

export const now = () => performance.now();

export function median(values: number[]): number {
  if (!values.length) {
    return NaN;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function seconds(ms: number): string {
  if (!Number.isFinite(ms)) {
    return 'n/a';
  }
  return ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** `median (min–max)` of timings. */
export function spread(values: number[]): string {
  if (!values.length) {
    return 'n/a';
  }
  return `${seconds(median(values))} (${seconds(Math.min(...values))}–${seconds(
    Math.max(...values),
  )}, n=${values.length})`;
}

export const sleep = (ms: number) =>
  new Promise<void>(resolve => setTimeout(resolve, ms));

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** The number of files (not directories) below `dir`. */
export async function countFiles(dir: string): Promise<number> {
  const entries = await fs.readdir(dir, {
    recursive: true,
    withFileTypes: true,
  });
  return entries.filter(e => !e.isDirectory()).length;
}

/** One row of the results table. */
export interface Row {
  id: string;
  what: string;
  reader: string;
  baseline: string;
  result: string;
  target: string;
  /** Whether the target is met; undefined when the row has no target. */
  met: boolean | undefined;
}

/** Renders a Markdown table with padded columns. */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (c ?? '').padEnd(widths[i])).join(' | ')} |`;
  return [
    line(header),
    `| ${widths.map(w => '-'.repeat(w)).join(' | ')} |`,
    ...rows.map(line),
  ].join('\n');
}

/**
 * Samples the resident set size every `intervalMs` on the event loop, as
 * `process.memoryUsage().rss` sees it; and, on Linux, the kernel's peak
 * (`VmHWM`, reset at the start), which catches peaks between samples.
 */
export function startRssSampler(intervalMs = 10) {
  let hwmReset = false;
  try {
    // "5" resets the peak RSS (VmHWM) of this process to its current RSS.
    writeFileSync('/proc/self/clear_refs', '5');
    hwmReset = true;
  } catch {
    // not Linux, or not permitted
  }
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  let samples = 0;
  const sample = () => {
    const rss = process.memoryUsage.rss();
    samples++;
    if (rss > peak) {
      peak = rss;
    }
  };
  const timer = setInterval(sample, intervalMs);
  return {
    baseline,
    stop() {
      clearInterval(timer);
      sample();
      let hwm: number | undefined;
      if (hwmReset) {
        const match = /^VmHWM:\s+(\d+) kB$/m.exec(
          readFileSync('/proc/self/status', 'utf8'),
        );
        hwm = match ? Number(match[1]) * 1024 : undefined;
      }
      return { baseline, peak, samples, hwm };
    },
  };
}
