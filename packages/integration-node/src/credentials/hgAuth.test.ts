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

import { getMercurialConfigCredentials } from '@backstage-mercurial/integration';
import { getHgAuth } from './hgAuth';

describe('getHgAuth', () => {
  const base = { host: 'hg.example.com', baseUrl: 'https://hg.example.com/hg' };

  it.each([
    [
      'the static password (as the service gives them)',
      { ...base, username: 'u', password: 'pw' },
      undefined,
      { username: 'u', password: 'pw' },
    ],
    [
      'the static token as the password of token (as the service gives them)',
      { ...base, token: 'tok' },
      undefined,
      { username: 'token', password: 'tok' },
    ],
    [
      'the static token as the password of username (as the service gives them)',
      { ...base, username: 'u', token: 'tok' },
      undefined,
      { username: 'u', password: 'tok' },
    ],
    [
      'a bearer credential with its own username, over the configured one',
      { ...base, username: 'u' },
      { type: 'bearer' as const, token: 't', username: 'oauth2' },
      { username: 'oauth2', password: 't' },
    ],
    [
      'a bearer credential without a username, as the configured one',
      { ...base, username: 'u' },
      { type: 'bearer' as const, token: 't' },
      { username: 'u', password: 't' },
    ],
    [
      'a bearer credential without any username, as token',
      base,
      { type: 'bearer' as const, token: 't' },
      { username: 'token', password: 't' },
    ],
    [
      'basic credentials',
      { ...base, username: 'u' },
      { type: 'basic' as const, username: 'svc', password: 'p' },
      { username: 'svc', password: 'p' },
    ],
  ])('gives %s for the baseUrl', (_what, config, credentials, expected) => {
    expect(
      getHgAuth(config, credentials ?? getMercurialConfigCredentials(config)),
    ).toEqual({
      prefix: 'https://hg.example.com/hg',
      ...expected,
    });
  });

  it('gives a kallithea entry its user name and password for the API key, not for a person', () => {
    const kallithea = {
      ...base,
      flavor: 'kallithea' as const,
      username: 'svc',
      password: 'pw',
      token: 'key',
    };
    const key = { type: 'bearer' as const, token: 'key' };
    expect(getHgAuth(kallithea, key)).toEqual({
      prefix: base.baseUrl,
      username: 'svc',
      password: 'pw',
    });
    expect(getHgAuth({ ...kallithea, readAs: 'caller' }, key)).toEqual({
      prefix: base.baseUrl,
      username: 'svc',
      password: 'key',
    });
    expect(getHgAuth({ ...kallithea, password: undefined }, key)).toEqual({
      prefix: base.baseUrl,
      username: 'svc',
      password: 'key',
    });
  });

  it('gives nothing without credentials, even when the config has static ones', () => {
    expect(getHgAuth(base, undefined)).toBeUndefined();
    expect(
      getHgAuth({ ...base, username: 'u', password: 'p' }, undefined),
    ).toBeUndefined();
  });
});
