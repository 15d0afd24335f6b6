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
  getMercurialConfigCredentials,
  getMercurialRequestOptions,
} from './requests';

const host = 'hg.example.com';
const baseUrl = 'https://hg.example.com';

describe('getMercurialRequestOptions', () => {
  it('sends nothing without credentials', () => {
    expect(getMercurialRequestOptions({ host, baseUrl })).toEqual({
      headers: {},
    });
    expect(
      getMercurialConfigCredentials({ host, baseUrl, username: 'u' }),
    ).toBeUndefined();
  });

  it('sends Basic credentials, UTF-8 encoded', () => {
    const { headers } = getMercurialRequestOptions({
      host,
      baseUrl,
      username: 'jörg',
      password: 'pä:ss',
    });
    expect(headers.Authorization).toBe(
      `Basic ${Buffer.from('jörg:pä:ss', 'utf8').toString('base64')}`,
    );
  });

  it('sends a bearer token', () => {
    expect(
      getMercurialRequestOptions({ host, baseUrl, token: 'abc' }).headers,
    ).toEqual({
      Authorization: 'Bearer abc',
    });
  });

  it('prefers credentials given for the request over the configured ones', () => {
    expect(
      getMercurialRequestOptions(
        { host, baseUrl, token: 'static' },
        {
          type: 'bearer',
          token: 'short-lived',
          expiresAt: new Date(Date.now() + 60_000),
        },
      ).headers.Authorization,
    ).toBe('Bearer short-lived');
  });
});
