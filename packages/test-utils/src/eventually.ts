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

/**
 * Polls `probe` until it returns a value other than `undefined` (or `false`)
 * and returns it: for what a real backend does asynchronously (the catalog
 * processing a location, a scaffolder task finishing). Errors thrown by the
 * probe count as "not yet"; the last one is reported if time runs out.
 *
 * @param what - what is awaited, for the error message
 * @param probe - returns the value once it is there
 * @param options - `timeoutMs` (default 60 s), `intervalMs` (default 250 ms),
 *   and `explain`, whose text is added to the error (e.g. what the catalog
 *   holds instead)
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  options: {
    timeoutMs?: number;
    intervalMs?: number;
    explain?: () => Promise<string>;
  } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) {
        return value;
      }
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const explanation = options.explain
        ? await options.explain().catch(e => `(no explanation: ${e})`)
        : '';
      throw new Error(
        `Timed out waiting for ${what}${lastError ? `; last error: ${lastError}` : ''}${explanation ? `\n${explanation}` : ''}`,
      );
    }
    await new Promise(resolve =>
      setTimeout(resolve, options.intervalMs ?? 250),
    );
  }
}
