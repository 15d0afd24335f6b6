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

import { ConfigReader } from '@backstage/config';
import {
  readMercurialIntegrationConfig,
  readMercurialIntegrationConfigs,
} from './config';

const read = (data: object) =>
  readMercurialIntegrationConfig(new ConfigReader(data));
const readAll = (entries: object[]) =>
  readMercurialIntegrationConfigs(entries.map(e => new ConfigReader(e)));

describe('readMercurialIntegrationConfig', () => {
  it('defaults baseUrl to https://<host>', () => {
    expect(read({ host: 'hg.example.com' })).toEqual({
      host: 'hg.example.com',
      baseUrl: 'https://hg.example.com',
    });
  });

  it('keeps a host with a port and a baseUrl with a path, without trailing slashes', () => {
    expect(
      read({
        host: 'hg.example.com:8000',
        baseUrl: 'http://hg.example.com:8000/hg/',
        username: 'backstage',
        password: 's3cret',
      }),
    ).toEqual({
      host: 'hg.example.com:8000',
      baseUrl: 'http://hg.example.com:8000/hg',
      username: 'backstage',
      password: 's3cret',
    });
  });

  it('reads a token', () => {
    expect(read({ host: 'h.example.com', token: 'tok' }).token).toBe('tok');
  });

  it('requires a non-empty host', () => {
    expect(() => read({ baseUrl: 'https://h' })).toThrow(
      "Missing required config value at 'host'",
    );
    expect(() => read({ host: '' })).toThrow(/key 'host'/);
  });

  it.each([
    ['a scheme', 'https://hg.example.com'],
    ['a path', 'hg.example.com/hg'],
    ['a space', 'hg example.com'],
    ['credentials', 'user@hg.example.com'],
    ['an upper-case name', 'HG.example.com'],
  ])('rejects a host with %s', (_what, host) => {
    expect(() => read({ host })).toThrow(
      /Invalid integrations\.mercurial config: 'host' must be a host name/,
    );
  });

  it.each([
    [
      'not a URL',
      'hg.example.com/hg',
      /'baseUrl' must be an absolute http\(s\) URL/,
    ],
    [
      'not http(s)',
      'ssh://hg.example.com/hg',
      /'baseUrl' must use http or https, got 'ssh:'/,
    ],
    [
      'on another host',
      'https://other.example.com/hg',
      /the host of 'baseUrl' \('other\.example\.com'\) differs from 'host' \('hg\.example\.com'\)/,
    ],
    [
      'on another port',
      'https://hg.example.com:8443/hg',
      /the host of 'baseUrl' \('hg\.example\.com:8443'\) differs/,
    ],
    [
      'with credentials',
      'https://u:p@hg.example.com/hg',
      /must not contain credentials/,
    ],
    [
      'with a query',
      'https://hg.example.com/hg?x=1',
      /must not contain credentials, a query/,
    ],
  ])('rejects a baseUrl %s', (_what, baseUrl, message) => {
    expect(() => read({ host: 'hg.example.com', baseUrl })).toThrow(message);
  });

  it('names the entry and host in errors', () => {
    expect(() =>
      readAll([
        { host: 'a.example.com' },
        { host: 'hg.example.com', baseUrl: 'ftp://hg.example.com' },
      ]),
    ).toThrow(
      "Invalid integrations.mercurial[1] (host 'hg.example.com') config: 'baseUrl' must use http or https",
    );
  });

  it('rejects a password without a username', () => {
    expect(() => read({ host: 'hg.example.com', password: 'p' })).toThrow(
      "Invalid integrations.mercurial (host 'hg.example.com') config: 'password' is set but 'username' is not",
    );
  });

  it('rejects both a password and a token', () => {
    expect(() =>
      read({
        host: 'hg.example.com',
        username: 'u',
        password: 'p',
        token: 't',
      }),
    ).toThrow(/'password' and 'token' are both set; use one of them/);
  });

  it('never puts a secret into an error message', () => {
    let message = '';
    try {
      read({
        host: 'hg.example.com',
        username: 'u',
        password: 'pw-SECRET-1',
        token: 'tok-SECRET-2',
      });
    } catch (e) {
      message = String(e);
    }
    expect(message).toMatch(/both set/);
    expect(message).not.toMatch(/SECRET/);
  });
});

describe('readMercurialIntegrationConfig ssh and localRoot', () => {
  const KEY =
    '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA-SECRET\n-----END OPENSSH PRIVATE KEY-----\n';

  it('reads ssh and localRoot, trimming trailing slashes', () => {
    expect(
      read({
        host: 'hg.example.com',
        ssh: {
          url: 'ssh://hg@hg.example.com//srv/hg/',
          privateKey: KEY,
          knownHosts: 'hg.example.com ssh-ed25519 AAAA',
        },
        localRoot: '/srv/hg/',
      }),
    ).toMatchObject({
      ssh: {
        url: 'ssh://hg@hg.example.com//srv/hg',
        privateKey: KEY,
        knownHosts: 'hg.example.com ssh-ed25519 AAAA',
      },
      localRoot: '/srv/hg',
    });
  });

  it.each([
    [
      'not ssh',
      'https://hg.example.com/hg',
      /'ssh\.url' must look like ssh:\/\/\[user@\]host\[:port\]\/path/,
    ],
    [
      'a host starting with -',
      'ssh://-oProxyCommand=x/srv',
      /must not start with '-'/,
    ],
    [
      'a user starting with -',
      'ssh://-oProxyCommand=x@host/srv',
      /must not start with '-'/,
    ],
    ['a password', 'ssh://hg:pw@host/srv', /must not contain a password/],
  ])('rejects an ssh.url with %s', (_what, url, message) => {
    expect(() =>
      read({ host: 'hg.example.com', ssh: { url, privateKey: KEY } }),
    ).toThrow(message);
  });

  it('requires a private key that looks like one, without repeating it', () => {
    expect(() =>
      read({ host: 'hg.example.com', ssh: { url: 'ssh://h/srv' } }),
    ).toThrow(/ssh\.privateKey/);
    const error = (() => {
      try {
        read({
          host: 'hg.example.com',
          ssh: { url: 'ssh://h/srv', privateKey: 'not-a-key-SECRET' },
        });
        return undefined;
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toMatch(/'ssh\.privateKey' is not a private key/);
    expect(error?.message).not.toMatch(/SECRET/);
  });

  it('requires an absolute localRoot', () => {
    expect(() => read({ host: 'hg.example.com', localRoot: 'srv/hg' })).toThrow(
      "'localRoot' must be an absolute path, got 'srv/hg'",
    );
  });
});

describe('readMercurialIntegrationConfig singleRepository', () => {
  it('reads singleRepository: true, and leaves it out when false or absent', () => {
    expect(
      read({
        host: 'hg.example.com:8000',
        baseUrl: 'http://hg.example.com:8000/',
        singleRepository: true,
      }),
    ).toEqual({
      host: 'hg.example.com:8000',
      baseUrl: 'http://hg.example.com:8000',
      singleRepository: true,
    });
    expect(
      read({ host: 'hg.example.com', singleRepository: false }),
    ).not.toHaveProperty('singleRepository');
  });

  it('names the entry and the key when singleRepository is not a boolean', () => {
    expect(() =>
      readAll([
        { host: 'a.example.com' },
        { host: 'hg.example.com', singleRepository: 'maybe' },
      ]),
    ).toThrow(
      `Invalid integrations.mercurial[1] (host 'hg.example.com') config: 'singleRepository' must be true or false, got "maybe"`,
    );
  });

  it('rejects localRoot with singleRepository', () => {
    expect(() =>
      read({
        host: 'hg.example.com',
        singleRepository: true,
        localRoot: '/srv/hg',
      }),
    ).toThrow(
      "Invalid integrations.mercurial (host 'hg.example.com') config: 'localRoot' cannot be combined with 'singleRepository: true'",
    );
  });
});

describe('readMercurialIntegrationConfigs', () => {
  it('reads several entries, including several baseUrls on one host', () => {
    expect(
      readAll([
        { host: 'hg.example.com', baseUrl: 'https://hg.example.com/hg' },
        { host: 'hg.example.com', baseUrl: 'https://hg.example.com/hg/team-a' },
        { host: 'other.example.com' },
      ]).map(c => c.baseUrl),
    ).toEqual([
      'https://hg.example.com/hg',
      'https://hg.example.com/hg/team-a',
      'https://other.example.com',
    ]);
  });

  it('rejects a host listed twice', () => {
    expect(() =>
      readAll([{ host: 'hg.example.com' }, { host: 'hg.example.com' }]),
    ).toThrow(
      "Invalid integrations.mercurial[1] config: 'host' 'hg.example.com' with baseUrl 'https://hg.example.com' is already configured by integrations.mercurial[0]",
    );
  });

  it('rejects the same baseUrl twice, even written differently', () => {
    expect(() =>
      readAll([
        { host: 'hg.example.com', baseUrl: 'https://hg.example.com/hg' },
        { host: 'hg.example.com', baseUrl: 'https://hg.example.com/hg//' },
      ]),
    ).toThrow(/already configured by integrations\.mercurial\[0\]/);
  });
});
