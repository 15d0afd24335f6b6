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

import { MercurialServerError } from '@backstage-mercurial/integration-node';
import { isError } from '@backstage/errors';

/**
 * The plugin's policy for errors of the hg server: when it refuses the
 * integration's credentials (401 AuthenticationError, 403 NotAllowedError
 * from the shared hgweb client), the routes answer 502, as for any other
 * failure of the server, since the caller's own credentials are not in
 * question and a 401/403 would look like theirs. Every other error (404
 * NotFoundError included) is returned as it is.
 */
export function toRouteError(error: unknown): unknown {
  if (
    isError(error) &&
    (error.name === 'AuthenticationError' || error.name === 'NotAllowedError')
  ) {
    // The cause is kept, but not appended to the message it already has.
    return Object.assign(new MercurialServerError(error.message), {
      cause: error,
    });
  }
  return error;
}
