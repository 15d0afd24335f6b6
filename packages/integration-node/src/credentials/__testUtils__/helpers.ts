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
import { ConfigReader } from '@backstage/config';
import { createTempDir } from '@backstage-mercurial/test-utils';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DefaultMercurialCredentialsService } from '../DefaultMercurialCredentialsService';

/** A LoggerService that keeps every line, to look for secrets in. */
export function recordingLogger(): LoggerService & { lines: string[] } {
  const lines: string[] = [];
  const logger = {
    lines,
    error: (m: string, meta?: unknown) =>
      lines.push(`error ${m} ${JSON.stringify(meta ?? {})}`),
    warn: (m: string, meta?: unknown) =>
      lines.push(`warn ${m} ${JSON.stringify(meta ?? {})}`),
    info: (m: string, meta?: unknown) =>
      lines.push(`info ${m} ${JSON.stringify(meta ?? {})}`),
    debug: (m: string, meta?: unknown) =>
      lines.push(`debug ${m} ${JSON.stringify(meta ?? {})}`),
    child: () => logger,
  };
  return logger;
}

/** Everything an error exposes, as one string, to look for secrets in. */
export function exposed(error: unknown): string {
  const e = error as { message?: string; stack?: string; cause?: unknown };
  return [
    e?.message,
    e?.stack,
    String(error),
    JSON.stringify(error),
    e?.cause && exposed(e.cause),
  ].join('\n');
}

/** The error `promise` rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    const value = await promise;
    throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
  } catch (error) {
    return error as Error;
  }
}

/** A service over integrations.mercurial entries. */
export function serviceFor(
  entries: object[],
  options: { defaultLifetimeMs?: number } = {},
) {
  const logger = recordingLogger();
  const service = DefaultMercurialCredentialsService.fromConfig(
    new ConfigReader({ integrations: { mercurial: entries } }),
    { logger, ...options },
  );
  return { service, logger };
}

/**
 * Writes an executable node script (its shebang is this node) into `dir`.
 */
export async function writeScript(
  dir: string,
  name: string,
  body: string,
): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, `#!${process.execPath}\n${body}\n`, { mode: 0o755 });
  return file;
}

export { createTempDir };
