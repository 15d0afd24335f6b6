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
      flavor: 'hgweb',
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
      flavor: 'hgweb',
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
      flavor: 'hgweb',
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

describe('readMercurialIntegrationConfig credential sources', () => {
  const host = 'hg.example.com';
  const entry = (extra: object) =>
    readAll([{ host: 'a.example.com' }, { host, ...extra }]);
  const where =
    "Invalid integrations.mercurial[1] (host 'hg.example.com') config:";

  it('reads a tokenFile', () => {
    expect(
      read({ host, username: 'svc', tokenFile: '/var/run/hg/token' }),
    ).toEqual({
      host,
      baseUrl: 'https://hg.example.com',
      flavor: 'hgweb',
      username: 'svc',
      credentialSource: { type: 'tokenFile', path: '/var/run/hg/token' },
    });
  });

  it('reads a credentialCommand with the default and a configured timeout', () => {
    expect(
      read({ host, credentialCommand: { command: ['/bin/x', '--a', 'hg'] } })
        .credentialSource,
    ).toEqual({
      type: 'command',
      command: ['/bin/x', '--a', 'hg'],
      timeoutMs: 10_000,
    });
    expect(
      read({
        host,
        credentialCommand: { command: ['/bin/x'], timeout: { seconds: 3 } },
      }).credentialSource,
    ).toEqual({ type: 'command', command: ['/bin/x'], timeoutMs: 3_000 });
    expect(
      read({ host, credentialCommand: { command: ['/bin/x'], timeout: '2m' } })
        .credentialSource,
    ).toMatchObject({ timeoutMs: 120_000 });
  });

  it('reads oauth2, with and without scope and audience', () => {
    expect(
      read({
        host,
        oauth2: {
          tokenUrl: 'https://idp.example.com/oauth2/token',
          clientId: 'backstage-hg',
          clientSecret: 'cs-SECRET',
          scope: 'hg:read hg:write',
          audience: 'https://hg.example.com',
        },
      }).credentialSource,
    ).toEqual({
      type: 'oauth2',
      tokenUrl: 'https://idp.example.com/oauth2/token',
      clientId: 'backstage-hg',
      clientSecret: 'cs-SECRET',
      scope: 'hg:read hg:write',
      audience: 'https://hg.example.com',
    });
    expect(
      read({
        host,
        oauth2: { tokenUrl: 'https://idp/t', clientId: 'c', clientSecret: 's' },
      }).credentialSource,
    ).toEqual({
      type: 'oauth2',
      tokenUrl: 'https://idp/t',
      clientId: 'c',
      clientSecret: 's',
    });
  });

  it.each([
    'http://127.0.0.1:4000/token',
    'http://[::1]:4000/token',
    'http://localhost/token',
  ])('accepts a plain-http tokenUrl on loopback: %s', tokenUrl => {
    expect(
      read({ host, oauth2: { tokenUrl, clientId: 'c', clientSecret: 's' } })
        .credentialSource,
    ).toMatchObject({ tokenUrl });
  });

  const oauth = {
    tokenUrl: 'https://idp/t',
    clientId: 'c',
    clientSecret: 'cs-SECRET',
  };
  it.each([
    [
      'two sources',
      { tokenFile: '/t', oauth2: oauth },
      `${where} 'tokenFile' and 'oauth2' are set together; configure one credential source per entry`,
    ],
    [
      'three sources',
      {
        tokenFile: '/t',
        credentialCommand: { command: ['/x'] },
        oauth2: oauth,
      },
      `${where} 'tokenFile' and 'credentialCommand' and 'oauth2' are set together`,
    ],
    [
      'a source with a token',
      { token: 'tok-SECRET', tokenFile: '/t' },
      `${where} 'tokenFile' cannot be combined with 'token'`,
    ],
    [
      'a source with a password',
      {
        username: 'u',
        password: 'pw-SECRET',
        credentialCommand: { command: ['/x'] },
      },
      `${where} 'credentialCommand' cannot be combined with 'password'`,
    ],
    [
      'a relative tokenFile',
      { tokenFile: 'secrets/token' },
      `${where} 'tokenFile' must be an absolute path, got "secrets/token"`,
    ],
    [
      'an empty tokenFile',
      { tokenFile: '' },
      `${where} 'tokenFile' must be an absolute path, got ""`,
    ],
    [
      'an empty command',
      { credentialCommand: { command: [] } },
      `${where} 'credentialCommand.command' must be a non-empty list of strings`,
    ],
    [
      'a command with an empty program',
      { credentialCommand: { command: [''] } },
      `${where} 'credentialCommand.command' must be a non-empty list of strings`,
    ],
    [
      'a command line as one string (a shell line)',
      { credentialCommand: { command: '/bin/x --a hg' } },
      `${where} 'credentialCommand.command' must be a non-empty list of strings`,
    ],
    [
      'a credentialCommand without command',
      { credentialCommand: { timeout: { seconds: 1 } } },
      `${where} 'credentialCommand.command' must be a non-empty list of strings`,
    ],
    [
      'a bad timeout',
      { credentialCommand: { command: ['/x'], timeout: 'soon' } },
      `${where} 'credentialCommand.timeout' must be a duration`,
    ],
    [
      'a zero timeout',
      { credentialCommand: { command: ['/x'], timeout: { seconds: 0 } } },
      `${where} 'credentialCommand.timeout' must be longer than zero`,
    ],
    [
      'an oauth2 without tokenUrl',
      { oauth2: { clientId: 'c', clientSecret: 'cs-SECRET' } },
      `${where} 'oauth2.tokenUrl' is required`,
    ],
    [
      'an oauth2 without clientId',
      { oauth2: { tokenUrl: 'https://idp/t', clientSecret: 'cs-SECRET' } },
      `${where} 'oauth2.clientId' is required`,
    ],
    [
      'an oauth2 without clientSecret',
      { oauth2: { tokenUrl: 'https://idp/t', clientId: 'c' } },
      `${where} 'oauth2.clientSecret' is required`,
    ],
    [
      'a non-https tokenUrl',
      { oauth2: { ...oauth, tokenUrl: 'http://idp.example.com/token' } },
      `${where} 'oauth2.tokenUrl' must use https (http only on a loopback address: 127.0.0.1, ::1, localhost), got 'http:' for host 'idp.example.com'`,
    ],
    [
      'a tokenUrl that is not a URL',
      { oauth2: { ...oauth, tokenUrl: 'idp/token' } },
      `${where} 'oauth2.tokenUrl' must be an absolute https URL`,
    ],
    [
      'a tokenUrl with credentials',
      { oauth2: { ...oauth, tokenUrl: 'https://c:cs-SECRET@idp/token' } },
      `${where} 'oauth2.tokenUrl' must not contain credentials`,
    ],
    [
      'an oauth2 with a non-string secret',
      { oauth2: { ...oauth, clientSecret: 12345 } },
      `${where} 'oauth2.clientSecret' is required and must be a non-empty string`,
    ],
  ])(
    'rejects %s, naming the entry and the key, no secret',
    (_what, extra, message) => {
      let error: Error | undefined;
      try {
        entry(extra);
      } catch (e) {
        error = e as Error;
      }
      expect(error?.message).toContain(message);
      expect(error?.message).not.toMatch(/SECRET|12345/);
    },
  );
});

describe('readMercurialIntegrationConfig maxConcurrentRequests', () => {
  it('reads it, and leaves it out when not set (the client applies its default)', () => {
    expect(
      read({ host: 'h.example.com', maxConcurrentRequests: 3 }),
    ).toMatchObject({
      maxConcurrentRequests: 3,
    });
    expect(
      read({ host: 'h.example.com', maxConcurrentRequests: '4' }),
    ).toMatchObject({ maxConcurrentRequests: 4 });
    expect(read({ host: 'h.example.com' })).not.toHaveProperty(
      'maxConcurrentRequests',
    );
  });

  it.each([0, -2, 1.5, 'many'])(
    'rejects %p, naming the entry and the key',
    value => {
      expect(() =>
        readAll([
          { host: 'a.example.com' },
          { host: 'h.example.com', maxConcurrentRequests: value },
        ]),
      ).toThrow(
        `Invalid integrations.mercurial[1] (host 'h.example.com') config: 'maxConcurrentRequests' must be a positive integer, got ${JSON.stringify(value)}`,
      );
    },
  );
});

describe('readMercurialIntegrationConfig readAs', () => {
  const command = { command: ['/usr/local/bin/hg-credentials'] };

  it('reads readAs: caller with a credentialCommand or no credentials, and leaves service out', () => {
    expect(
      read({
        host: 'hg.example.com',
        readAs: 'caller',
        credentialCommand: command,
      }).readAs,
    ).toBe('caller');
    expect(read({ host: 'hg.example.com', readAs: 'caller' }).readAs).toBe(
      'caller',
    );
    expect(
      read({ host: 'hg.example.com', readAs: 'service', token: 'tok' }),
    ).not.toHaveProperty('readAs');
    expect(read({ host: 'hg.example.com' })).not.toHaveProperty('readAs');
  });

  it('rejects a readAs that is neither service nor caller', () => {
    expect(() => read({ host: 'hg.example.com', readAs: 'user' })).toThrow(
      "Invalid integrations.mercurial (host 'hg.example.com') config: 'readAs' must be 'service' or 'caller', got 'user'",
    );
  });

  it.each([
    [
      'a static password',
      { username: 'u', password: 'hunter22' },
      "a static 'password'",
    ],
    ['a static token', { token: 'tok-123456' }, "a static 'token'"],
    ['a tokenFile', { tokenFile: '/var/run/hg/token' }, "a 'tokenFile'"],
    [
      'oauth2',
      {
        oauth2: {
          tokenUrl: 'https://idp.example.com/token',
          clientId: 'backstage',
          clientSecret: 'cs-123456',
        },
      },
      "'oauth2' client credentials",
    ],
  ])(
    'rejects readAs: caller with only %s, naming the entry',
    (_what, creds, named) => {
      const entries = [
        { host: 'a.example.com' },
        { host: 'hg.example.com', readAs: 'caller', ...creds },
      ];
      expect(() => readAll(entries)).toThrow(
        `Invalid integrations.mercurial[1] (host 'hg.example.com') config: 'readAs: caller' needs credentials minted per person, but the entry has only ${named}`,
      );
      expect(() => readAll(entries)).not.toThrow(
        /hunter22|tok-123456|cs-123456/,
      );
    },
  );
});

describe('flavor and apiBaseUrl', () => {
  const host = 'hg.example.com';

  it('defaults to hgweb, without an API', () => {
    const config = read({ host });
    expect(config.flavor).toBe('hgweb');
    expect(config.apiBaseUrl).toBeUndefined();
  });

  it.each([
    ['heptapod', 'https://hg.example.com/api/v4'],
    ['kallithea', 'https://hg.example.com/_admin/api'],
  ])('defaults the API of %s under the baseUrl', (flavor, api) => {
    expect(read({ host, flavor, token: 't' })).toMatchObject({
      flavor,
      apiBaseUrl: api,
    });
    expect(
      read({ host, flavor, baseUrl: 'https://hg.example.com/code/' })
        .apiBaseUrl,
    ).toBe(api.replace('.com/', '.com/code/'));
  });

  it('keeps a configured apiBaseUrl without its trailing slash', () => {
    expect(
      read({
        host,
        flavor: 'heptapod',
        apiBaseUrl: 'https://hg.example.com/gitlab/api/v4/',
      }).apiBaseUrl,
    ).toBe('https://hg.example.com/gitlab/api/v4');
  });

  it.each([
    [
      { flavor: 'gitlab' },
      /'flavor' must be one of 'hgweb', 'heptapod', 'kallithea', got "gitlab"/,
    ],
    [
      { apiBaseUrl: 'https://hg.example.com/api' },
      /'apiBaseUrl' is only for the 'heptapod' and 'kallithea' flavors/,
    ],
    [
      { flavor: 'heptapod', apiBaseUrl: 'https://api.example.com/v4' },
      /host of 'apiBaseUrl' \('api.example.com'\) differs/,
    ],
    [
      { flavor: 'heptapod', apiBaseUrl: 'ftp://hg.example.com/v4' },
      /'apiBaseUrl' must use http or https/,
    ],
    [
      { flavor: 'kallithea', apiBaseUrl: 'https://u:p@hg.example.com/api' },
      /must not contain credentials/,
    ],
    [
      { flavor: 'heptapod', username: 'u', password: 'p' },
      /'heptapod' entry takes a personal, project or group access token/,
    ],
    [
      { flavor: 'heptapod', singleRepository: true },
      /'singleRepository' is only for the 'hgweb' flavor/,
    ],
    [
      { flavor: 'kallithea', localRoot: '/srv/hg' },
      /'localRoot' is only for the 'hgweb' flavor/,
    ],
  ])('rejects %j', (entry, message) => {
    expect(() => read({ host, ...entry })).toThrow(message);
  });

  it('lets a kallithea entry have an API key and the password hg sends', () => {
    expect(
      read({
        host,
        flavor: 'kallithea',
        token: 'key',
        username: 'svc',
        password: 'pw',
      }),
    ).toMatchObject({ token: 'key', username: 'svc', password: 'pw' });
    expect(() =>
      read({ host, token: 'key', username: 'svc', password: 'pw' }),
    ).toThrow(/'password' and 'token' are both set/);
  });

  it('lets a kallithea entry with a password take its API key from a source', () => {
    expect(
      read({
        host,
        flavor: 'kallithea',
        username: 'svc',
        password: 'pw',
        tokenFile: '/var/run/kallithea/key',
      }),
    ).toMatchObject({
      credentialSource: { type: 'tokenFile', path: '/var/run/kallithea/key' },
    });
  });
});
