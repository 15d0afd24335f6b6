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

import { CustomErrorBase } from '@backstage/errors';

/**
 * A hg command that failed: it exited with a code it should not have, was
 * killed by its timeout or aborted. Message, `stderr` and `args` have every
 * secret of the command redacted.
 *
 * @public
 */
export class HgCommandError extends CustomErrorBase {
  name = 'HgCommandError' as const;

  constructor(
    message: string,
    readonly details: {
      /** The arguments, redacted. */
      args: string[];
      /** The exit code, `undefined` when the process was killed. */
      exitCode?: number;
      /** What hg wrote to stderr, redacted. */
      stderr: string;
      /** Whether the timeout killed it. */
      timedOut: boolean;
      /** Whether the AbortSignal ended it. */
      aborted: boolean;
    },
  ) {
    super(message);
  }

  get exitCode(): number | undefined {
    return this.details.exitCode;
  }

  get stderr(): string {
    return this.details.stderr;
  }
}

/**
 * hg is not installed, not on PATH, or too old.
 *
 * @public
 */
export class HgNotAvailableError extends CustomErrorBase {
  name = 'HgNotAvailableError' as const;
}

/**
 * A configured credential source failed: a token file is missing or empty, a
 * `credentialCommand` failed, timed out or printed something else than
 * credentials, or an OAuth 2.0 token endpoint refused the client. The
 * message names the integration and the source (the file path, the
 * command's program, the token endpoint) and what went wrong, never a
 * secret nor a command's output. The request it was for is not sent.
 *
 * @public
 */
export class MercurialCredentialsError extends CustomErrorBase {
  name = 'MercurialCredentialsError' as const;
}
