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
import {
  AuthenticationError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import { isRefusal, toRouteError } from './errors';

describe('toRouteError', () => {
  it.each([
    ['a refused 401', new AuthenticationError('refused (HTTP 401)')],
    ['a refused 403', new NotAllowedError('refused (HTTP 403)')],
  ])(
    'answers %s of the integration credentials with 502, keeping the message and the cause',
    (_, refusal) => {
      const error = toRouteError(refusal) as MercurialServerError;
      expect(error).toBeInstanceOf(MercurialServerError);
      expect(error).toMatchObject({
        name: 'MercurialServerError',
        statusCode: 502,
        message: refusal.message,
      });
      expect(error.cause).toBe(refusal);
    },
  );

  it.each([
    ['NotFoundError', new NotFoundError('no such revision')],
    ['MercurialServerError', new MercurialServerError('HTTP 500')],
    ['InputError', new InputError('bad')],
    ['a plain Error', new Error('boom')],
  ])('leaves a %s as it is', (_, error) => {
    expect(toRouteError(error)).toBe(error);
  });

  it.each([
    ['a refused 401', new AuthenticationError('refused (HTTP 401)')],
    ['a refused 403', new NotAllowedError('refused (HTTP 403)')],
  ])(
    "answers %s of the caller's own credentials with 403 naming the repository and host",
    (_, refusal) => {
      const error = toRouteError(refusal, {
        repositoryPath: 'team/payments',
        host: 'hg.example.com',
      }) as NotAllowedError;
      expect(error).toBeInstanceOf(NotAllowedError);
      expect(error.message).toBe(
        'you have no read access to team/payments on hg.example.com',
      );
      expect(error.cause).toBe(refusal);
    },
  );

  it('leaves other errors of a read as the caller as they are', () => {
    const error = new NotFoundError('no such revision');
    expect(
      toRouteError(error, { repositoryPath: 'a', host: 'hg.example.com' }),
    ).toBe(error);
  });
});

describe('isRefusal', () => {
  it('is a 401 or 403 of the client, nothing else', () => {
    expect(isRefusal(new AuthenticationError('x'))).toBe(true);
    expect(isRefusal(new NotAllowedError('x'))).toBe(true);
    expect(isRefusal(new NotFoundError('x'))).toBe(false);
    expect(isRefusal(new MercurialServerError('x'))).toBe(false);
    expect(isRefusal('AuthenticationError')).toBe(false);
  });
});
