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
  MercurialCredentialCommandSource,
  MercurialCredentials,
  MercurialIntegrationConfig,
} from '@backstage-mercurial/integration';
import execa from 'execa';
import { MercurialCredentialsError } from '../errors';
import { redactSecrets } from '../redact';
import { MercurialCredentialsPurpose } from './types';
import { describeIntegration } from './describe';
import { earliest, jwtExpiry } from './jwt';
import { MintedCredential, renewalTime } from './RenewingCredential';

/** The most a credential command may print, on stdout and on stderr each. */
const MAX_OUTPUT_BYTES = 64 * 1024;
/** How much of a failing command's stderr goes into the error. */
const MAX_STDERR_CHARS = 300;

/** What a credential command gets on stdin. */
export interface CredentialCommandInput {
  host: string;
  url: string;
  purpose: MercurialCredentialsPurpose;
  /** The person's user entity ref, for a request made on their behalf. */
  onBehalfOf?: string;
  /** With `onBehalfOf`: the entity refs they own through. */
  ownershipEntityRefs?: string[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Words of the command's stdout that may be secrets, to redact from stderr. */
function secretsIn(stdout: string): string[] {
  return stdout.split(/[\s"'{}\[\],:]+/).filter(word => word.length >= 6);
}

/**
 * Runs a `credentialCommand` (an argument array, never a shell) and reads
 * the credentials it prints, in the manner of git's credential helpers: it
 * gets `{"host", "url", "purpose"}` as JSON on stdin and prints
 * `{"username"?, "password"? | "token"?, "expiresAt"?}`.
 *
 * Everything that goes wrong (it cannot be started, exits non-zero, outlives
 * its timeout, prints something else) is a {@link MercurialCredentialsError}
 * naming the integration and the program (`command[0]`); the command's
 * stdout never appears in it, and the last line of its stderr only with
 * anything that looks like its stdout's values redacted.
 */
export async function runCredentialCommand(
  config: MercurialIntegrationConfig,
  source: MercurialCredentialCommandSource,
  input: CredentialCommandInput,
  options: { defaultLifetimeMs: number },
): Promise<MintedCredential> {
  const [file, ...args] = source.command;
  const fail = (problem: string): never => {
    throw new MercurialCredentialsError(
      `Cannot get credentials for ${describeIntegration(config)}: its credentialCommand '${file}' ${problem}`,
    );
  };

  const startedAt = Date.now();
  const child = execa(file, args, {
    input: JSON.stringify(input),
    maxBuffer: MAX_OUTPUT_BYTES,
    reject: false,
    shell: false,
    stripFinalNewline: false,
    windowsHide: true,
  });
  // Our own timer rather than execa's `timeout`, which stays armed when the
  // program cannot be started (ENOENT) and would keep the process alive.
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, source.timeoutMs);
  const result = await child.finally(() => clearTimeout(timer));
  const stdout = typeof result.stdout === 'string' ? result.stdout : '';
  const stderrLine = () => {
    const lines = (typeof result.stderr === 'string' ? result.stderr : '')
      .split('\n')
      .map(line => line.trim())
      .filter(Boolean);
    const last = lines[lines.length - 1];
    if (!last) {
      return '';
    }
    const shown = redactSecrets(last, secretsIn(stdout)).slice(
      0,
      MAX_STDERR_CHARS,
    );
    return `; its stderr ends with: ${shown}`;
  };

  if (timedOut) {
    return fail(
      `did not finish within ${source.timeoutMs} ms and was killed (credentialCommand.timeout)`,
    );
  }
  const failure = result as { code?: string; shortMessage?: string };
  if (result.failed && /maxBuffer exceeded/.test(failure.shortMessage ?? '')) {
    return fail(`printed more than ${MAX_OUTPUT_BYTES} bytes and was stopped`);
  }
  if (result.failed && result.exitCode === undefined && !result.signal) {
    // It could not be started (ENOENT, EACCES).
    return fail(`could not be run${failure.code ? ` (${failure.code})` : ''}`);
  }
  if (result.signal) {
    return fail(`was killed by ${result.signal}${stderrLine()}`);
  }
  if (result.exitCode !== 0) {
    return fail(`exited with code ${result.exitCode}${stderrLine()}`);
  }

  let output: unknown;
  try {
    output = JSON.parse(stdout);
  } catch {
    // The SyntaxError quotes the text: it must not reach the message.
    return fail(
      'printed something that is not a JSON object; it must print {"username"?, "password"? | "token"?, "expiresAt"?}',
    );
  }
  if (!isObject(output)) {
    return fail(
      'printed JSON that is not an object; it must print {"username"?, "password"? | "token"?, "expiresAt"?}',
    );
  }
  const field = (name: string): string | undefined => {
    const value = output[name];
    if (value === undefined || value === null) {
      return undefined;
    }
    if (typeof value !== 'string' || !value) {
      return fail(`printed a "${name}" that is not a non-empty string`);
    }
    return value;
  };
  const username = field('username') ?? config.username;
  const password = field('password');
  const token = field('token');
  const expiresAtText = field('expiresAt');

  let expiresAt: Date | undefined;
  if (expiresAtText !== undefined) {
    expiresAt = new Date(expiresAtText);
    if (
      Number.isNaN(expiresAt.getTime()) ||
      !/^\d{4}-\d\d-\d\dT/.test(expiresAtText)
    ) {
      return fail(
        `printed an "expiresAt" that is not an ISO 8601 date and time: '${expiresAtText}'`,
      );
    }
  }

  // A JWT token may expire before the expiresAt printed (or without one).
  const expiry = earliest(
    expiresAt?.getTime(),
    token === undefined ? undefined : jwtExpiry(token),
  );
  if (expiry !== undefined) {
    expiresAt = new Date(expiry);
  }
  if (expiresAt && expiresAt.getTime() <= Date.now()) {
    return fail(
      `printed credentials that expired already (expiresAt ${expiresAt.toISOString()})`,
    );
  }

  let credentials: MercurialCredentials;
  if (password !== undefined && token !== undefined) {
    return fail('printed both a "password" and a "token"; print one of them');
  } else if (token !== undefined) {
    credentials = {
      type: 'bearer',
      token,
      ...(username && { username }),
      ...(expiresAt && { expiresAt }),
    };
  } else if (password !== undefined) {
    if (!username) {
      return fail(
        'printed a "password" but no "username", and the integration has no username',
      );
    }
    credentials = {
      type: 'basic',
      username,
      password,
      ...(expiresAt && { expiresAt }),
    };
  } else {
    return fail('printed neither a "password" nor a "token"');
  }
  return {
    credentials,
    renewAt: expiresAt
      ? renewalTime(startedAt, expiresAt.getTime())
      : startedAt + options.defaultLifetimeMs,
  };
}
