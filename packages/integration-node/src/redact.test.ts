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

import { redactSecrets, redactUrl } from './redact';

describe('redactUrl', () => {
  it('drops passwords, and the user name of http URLs, keeping the ssh user', () => {
    expect(redactUrl('https://alice:s3cret@hg.example.com/r?cmd=lookup')).toBe(
      'https://hg.example.com/r?cmd=lookup',
    );
    expect(redactUrl('http://alice@hg.example.com/r')).toBe(
      'http://hg.example.com/r',
    );
    expect(redactUrl('ssh://hg:pw@hg.example.com//srv/r')).toBe(
      'ssh://hg@hg.example.com//srv/r',
    );
    expect(redactUrl('https://hg.example.com/r')).toBe(
      'https://hg.example.com/r',
    );
  });
});

describe('redactSecrets', () => {
  it('replaces each secret, percent-encoded too, and passwords in URLs', () => {
    expect(
      redactSecrets('token a/b+c=, a%2Fb%2Bc%3D, https://u:p@h/x', ['a/b+c=']),
    ).toBe('token ***, ***, https://u:***@h/x');
  });
});
