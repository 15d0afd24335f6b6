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
import { isError, NotAllowedError } from '@backstage/errors';

/**
 * Whether an error is the hg server refusing the credentials a request was
 * made with: 401 (AuthenticationError) or 403 (NotAllowedError) from the
 * shared hgweb client, after its one retry with refreshed credentials.
 */
export function isRefusal(error: unknown): boolean {
  return (
    isError(error) &&
    (error.name === 'AuthenticationError' || error.name === 'NotAllowedError')
  );
}

/**
 * The plugin's policy for errors of the hg server.
 *
 * A read with the integration's credentials (`readAs: service`, no
 * `caller`): when the server refuses them (401/403), the routes answer 502,
 * as for any other failure of the server, since the caller's own
 * credentials are not in question and a 401/403 would look like theirs.
 *
 * A read as the caller (`readAs: caller`, `caller` names the repository and
 * the integration's host): the server refusing the person's credentials is
 * their missing right to read the repository, answered 403 with
 * `you have no read access to <repository> on <host>`.
 *
 * Every other error (404 NotFoundError included) is returned as it is.
 */
export function toRouteError(
  error: unknown,
  caller?: { repositoryPath: string; host: string },
): unknown {
  if (!isRefusal(error)) {
    return error;
  }
  // The cause is kept, but not appended to the message.
  if (caller) {
    return Object.assign(
      new NotAllowedError(
        `you have no read access to ${caller.repositoryPath} on ${caller.host}`,
      ),
      { cause: error },
    );
  }
  return Object.assign(new MercurialServerError((error as Error).message), {
    cause: error,
  });
}
