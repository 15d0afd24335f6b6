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

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MercurialCredentialsError } from '../errors';
import {
  createTempDir,
  exposed,
  rejection,
  serviceFor,
  writeScript,
} from './__testUtils__/helpers';

jest.setTimeout(30_000);

/**
 * A credential command that appends each invocation (with its stdin) to
 * `log`, waits `delayMs`, and prints a token valid for `lifetimeMs` (no
 * expiresAt when it is 0).
 */
function brokerScript(options: {
  log: string;
  delayMs?: number;
  lifetimeMs?: number;
  print?: string;
}): string {
  return `
const fs = require('node:fs');
let input = '';
process.stdin.on('data', c => (input += c));
process.stdin.on('end', () => {
  input = JSON.parse(input);
  fs.appendFileSync(${JSON.stringify(options.log)}, JSON.stringify({ argv: process.argv.slice(2), input }) + '\\n');
  const n = fs.readFileSync(${JSON.stringify(options.log)}, 'utf8').trim().split('\\n').length;
  setTimeout(() => {
    const lifetime = ${options.lifetimeMs ?? 60_000};
    process.stdout.write(${
      options.print ??
      `JSON.stringify({
      // The person's name too: two concurrent runs may count the same n.
      token: 'tok-SECRET-' + n + (input.onBehalfOf ? '-' + JSON.stringify(input.onBehalfOf).replace(/\\W+/g, '') : ''),
      ...(lifetime && { expiresAt: new Date(Date.now() + lifetime).toISOString() }),
    })`
    });
  }, ${options.delayMs ?? 0});
});`;
}

async function invocations(log: string) {
  const text = await fs.readFile(log, 'utf8').catch(() => '');
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map(line => JSON.parse(line));
}

describe('DefaultMercurialCredentialsService credentialCommand', () => {
  let tmp: { path: string; remove(): Promise<void> };
  let n = 0;
  const fresh = () => {
    n += 1;
    return { log: path.join(tmp.path, `calls-${n}.log`), name: `broker-${n}` };
  };

  beforeAll(async () => {
    tmp = await createTempDir('hg-creds-cmd-');
  });
  afterAll(() => tmp.remove());

  it('runs the command once for twenty concurrent requests, with the request as JSON on stdin, and reuses what it printed', async () => {
    const { log, name } = fresh();
    const script = await writeScript(
      tmp.path,
      name,
      brokerScript({ log, delayMs: 300 }),
    );
    const { service, logger } = serviceFor([
      {
        host: 'hg2.example.com',
        username: 'backstage',
        credentialCommand: { command: [script, '--audience', 'hg2'] },
      },
    ]);
    const url = 'https://hg2.example.com/team/repo';
    const all = await Promise.all(
      Array.from({ length: 20 }, () => service.getCredentials({ url })),
    );
    expect(new Set(all.map(c => c?.type === 'bearer' && c.token))).toEqual(
      new Set(['tok-SECRET-1']),
    );
    expect(all[0]).toMatchObject({ type: 'bearer', username: 'backstage' });
    expect(all[0]?.expiresAt).toBeInstanceOf(Date);
    await service.getCredentials({ url: 'https://hg2.example.com/other' });
    expect(await invocations(log)).toEqual([
      {
        argv: ['--audience', 'hg2'],
        input: { host: 'hg2.example.com', url, purpose: 'read' },
      },
    ]);

    // Writing may need other credentials: the command is asked for them.
    await expect(
      service.getCredentials({ url, purpose: 'write' }),
    ).resolves.toMatchObject({ token: 'tok-SECRET-2' });
    expect((await invocations(log))[1].input.purpose).toBe('write');
    expect(logger.lines.join('\n')).toMatch(/from its credentialCommand/);
    expect(logger.lines.join('\n')).not.toMatch(/SECRET/);
  });

  it('asks again shortly before short-lived credentials expire, and at once on refresh', async () => {
    const { log, name } = fresh();
    const script = await writeScript(
      tmp.path,
      name,
      brokerScript({ log, lifetimeMs: 2_000 }),
    );
    const { service } = serviceFor([
      { host: 'hg.example.com', credentialCommand: { command: [script] } },
    ]);
    const url = 'https://hg.example.com/r';
    const started = Date.now();
    const first = await service.getCredentials({ url });
    expect(first).toMatchObject({ token: 'tok-SECRET-1' });
    // Reused until a tenth of its lifetime (~2 s, counted from the call)
    // before it expires, however slowly the command started.
    const expiresAt = first!.expiresAt!.getTime();
    const margin = (expiresAt - started) / 10;
    const until = (t: number) =>
      new Promise(r => setTimeout(r, Math.max(0, t - Date.now())));
    await until(expiresAt - margin - 150);
    await expect(service.getCredentials({ url })).resolves.toMatchObject({
      token: 'tok-SECRET-1',
    });
    await until(expiresAt - 100);
    await expect(service.getCredentials({ url })).resolves.toMatchObject({
      token: 'tok-SECRET-2',
    });
    const refreshed = await Promise.all(
      Array.from({ length: 5 }, () =>
        service.getCredentials({ url, refresh: true }),
      ),
    );
    expect(refreshed.map(c => c?.type === 'bearer' && c.token)).toEqual(
      Array(5).fill('tok-SECRET-3'),
    );
    expect(await invocations(log)).toHaveLength(3);
  });

  it('asks again after the default lifetime when the credentials carry no expiresAt', async () => {
    const { log, name } = fresh();
    const script = await writeScript(
      tmp.path,
      name,
      brokerScript({ log, lifetimeMs: 0 }),
    );
    const { service } = serviceFor(
      [{ host: 'hg.example.com', credentialCommand: { command: [script] } }],
      { defaultLifetimeMs: 400 },
    );
    const url = 'https://hg.example.com/r';
    const first = await service.getCredentials({ url });
    expect(first).toEqual({ type: 'bearer', token: 'tok-SECRET-1' });
    await expect(service.getCredentials({ url })).resolves.toEqual(first);
    await new Promise(r => setTimeout(r, 450));
    await expect(service.getCredentials({ url })).resolves.toMatchObject({
      token: 'tok-SECRET-2',
    });
  });

  it('reads a username and password (HTTP Basic)', async () => {
    const { log, name } = fresh();
    const script = await writeScript(
      tmp.path,
      name,
      brokerScript({
        log,
        print: `JSON.stringify({ username: 'svc-hg', password: 'pw-SECRET' })`,
      }),
    );
    const { service } = serviceFor([
      {
        host: 'hg.example.com',
        username: 'ignored',
        credentialCommand: { command: [script] },
      },
    ]);
    await expect(
      service.getCredentials({ url: 'https://hg.example.com/r' }),
    ).resolves.toEqual({
      type: 'basic',
      username: 'svc-hg',
      password: 'pw-SECRET',
    });
  });

  it('takes the exp of a JWT token when it comes before the expiresAt printed', async () => {
    const { log, name } = fresh();
    const exp = Math.floor(Date.now() / 1000) + 30;
    const jwt = [
      Buffer.from('{"alg":"none"}').toString('base64url'),
      Buffer.from(JSON.stringify({ exp })).toString('base64url'),
      'sig',
    ].join('.');
    const script = await writeScript(
      tmp.path,
      name,
      brokerScript({
        log,
        print: `JSON.stringify({ token: ${JSON.stringify(jwt)}, expiresAt: new Date(Date.now() + 3600000).toISOString() })`,
      }),
    );
    const { service } = serviceFor([
      { host: 'hg.example.com', credentialCommand: { command: [script] } },
    ]);
    const credentials = await service.getCredentials({
      url: 'https://hg.example.com/r',
    });
    expect(credentials?.expiresAt?.getTime()).toBe(exp * 1000);
  });

  const bad: Array<[string, string, RegExp]> = [
    [
      'exits non-zero',
      `process.stdout.write(JSON.stringify({ token: 'tok-SECRET-out' })); console.error('debug tok-SECRET-out'); console.error('vault: permission denied'); process.exit(3);`,
      /exited with code 3; its stderr ends with: vault: permission denied$/,
    ],
    [
      'echoes its token to stderr and fails',
      `process.stdout.write(JSON.stringify({ token: 'tok-SECRET-out' })); console.error('could not refresh tok-SECRET-out'); process.exit(1);`,
      /exited with code 1; its stderr ends with: could not refresh \*\*\*$/,
    ],
    [
      'prints garbage',
      `process.stdout.write('token=tok-SECRET-garbage');`,
      /printed something that is not a JSON object/,
    ],
    [
      'prints a JSON array',
      `process.stdout.write(JSON.stringify(['tok-SECRET-array']));`,
      /printed JSON that is not an object/,
    ],
    [
      'prints neither password nor token',
      `process.stdout.write(JSON.stringify({ username: 'u' }));`,
      /printed neither a "password" nor a "token"/,
    ],
    [
      'prints both a password and a token',
      `process.stdout.write(JSON.stringify({ username: 'u', password: 'pw-SECRET', token: 'tok-SECRET' }));`,
      /printed both a "password" and a "token"/,
    ],
    [
      'prints a password without a username',
      `process.stdout.write(JSON.stringify({ password: 'pw-SECRET' }));`,
      /printed a "password" but no "username"/,
    ],
    [
      'prints a token that is not a string',
      `process.stdout.write(JSON.stringify({ token: 12345678 }));`,
      /printed a "token" that is not a non-empty string/,
    ],
    [
      'prints a bad expiresAt',
      `process.stdout.write(JSON.stringify({ token: 'tok-SECRET', expiresAt: 'tomorrow' }));`,
      /printed an "expiresAt" that is not an ISO 8601 date and time: 'tomorrow'/,
    ],
    [
      'prints expired credentials',
      `process.stdout.write(JSON.stringify({ token: 'tok-SECRET', expiresAt: '2020-01-01T00:00:00Z' }));`,
      /printed credentials that expired already \(expiresAt 2020-01-01T00:00:00.000Z\)/,
    ],
    [
      'prints too much',
      `process.stdout.write('tok-SECRET'.repeat(20000));`,
      /printed more than 65536 bytes and was stopped/,
    ],
    [
      'is killed by a signal',
      `process.stdout.write('{"token":"tok-SECRET"'); process.kill(process.pid, 'SIGKILL');`,
      /was killed by SIGKILL/,
    ],
  ];
  it.each(bad)(
    'fails closed when the command %s, naming the integration and the program, never its stdout',
    async (_what, body, problem) => {
      const { name } = fresh();
      const script = await writeScript(tmp.path, name, body);
      const { service, logger } = serviceFor([
        { host: 'a.example.com' },
        { host: 'hg2.example.com', credentialCommand: { command: [script] } },
      ]);
      const error = await rejection(
        service.getCredentials({ url: 'https://hg2.example.com/r' }),
      );
      expect(error).toBeInstanceOf(MercurialCredentialsError);
      expect(error.message).toMatch(
        `Cannot get credentials for the Mercurial integration 'hg2.example.com': its credentialCommand '${script}' `,
      );
      expect(error.message).toMatch(problem);
      expect(exposed(error)).not.toMatch(/SECRET|12345678/);
      expect(logger.lines.join('\n')).not.toMatch(/SECRET/);
    },
  );

  it('kills a command that hangs past its timeout', async () => {
    const { name } = fresh();
    const script = await writeScript(
      tmp.path,
      name,
      `setTimeout(() => process.stdout.write('{"token":"tok-SECRET-late"}'), 30000);`,
    );
    const { service } = serviceFor([
      {
        host: 'hg.example.com',
        credentialCommand: {
          command: [script],
          timeout: { milliseconds: 500 },
        },
      },
    ]);
    const started = Date.now();
    const error = await rejection(
      service.getCredentials({ url: 'https://hg.example.com/r' }),
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.message).toBe(
      `Cannot get credentials for the Mercurial integration 'hg.example.com': its credentialCommand '${script}' did not finish within 500 ms and was killed (credentialCommand.timeout)`,
    );
  });

  it('names a program that cannot be run', async () => {
    const missing = path.join(tmp.path, 'no-such-helper');
    const { service } = serviceFor([
      { host: 'hg.example.com', credentialCommand: { command: [missing] } },
    ]);
    await expect(
      service.getCredentials({ url: 'https://hg.example.com/r' }),
    ).rejects.toThrow(
      `Cannot get credentials for the Mercurial integration 'hg.example.com': its credentialCommand '${missing}' could not be run (ENOENT)`,
    );
  });

  it('runs the program itself, never a shell', async () => {
    const { log, name } = fresh();
    const script = await writeScript(tmp.path, name, brokerScript({ log }));
    const marker = path.join(tmp.path, 'shell-ran');
    const { service } = serviceFor([
      {
        host: 'hg.example.com',
        credentialCommand: {
          command: [script, `$(touch ${marker})`, ';', 'touch', marker],
        },
      },
    ]);
    await service.getCredentials({ url: 'https://hg.example.com/r' });
    expect((await invocations(log))[0].argv).toEqual([
      `$(touch ${marker})`,
      ';',
      'touch',
      marker,
    ]);
    await expect(fs.stat(marker)).rejects.toThrow(/ENOENT/);
  });

  describe('on behalf of a person', () => {
    const alice = {
      userEntityRef: 'user:default/alice',
      ownershipEntityRefs: ['user:default/alice', 'group:default/payments'],
    };
    const bob = {
      userEntityRef: 'user:default/bob',
      ownershipEntityRefs: ['user:default/bob'],
    };

    it("gives each person their own credentials, with the person and their ownership refs on the command's stdin, and caches them per person", async () => {
      const { log, name } = fresh();
      const script = await writeScript(tmp.path, name, brokerScript({ log }));
      const { service, logger } = serviceFor([
        {
          host: 'hg.example.com',
          readAs: 'caller',
          credentialCommand: { command: [script] },
        },
      ]);
      const url = 'https://hg.example.com/team/payments';
      const [a1, a2, b1] = await Promise.all([
        service.getCredentials({ url, onBehalfOf: alice }),
        service.getCredentials({ url, onBehalfOf: alice }),
        service.getCredentials({ url, onBehalfOf: bob }),
      ]);
      expect(a1).toBe(a2);
      expect(b1).not.toEqual(a1);
      const service1 = await service.getCredentials({ url });
      expect(service1).not.toEqual(a1);
      expect(service1).not.toEqual(b1);
      await service.getCredentials({ url, onBehalfOf: bob });

      const calls = await invocations(log);
      expect(
        calls
          .map(c => c.input)
          .sort((x, y) =>
            String(x.onBehalfOf ?? '').localeCompare(
              String(y.onBehalfOf ?? ''),
            ),
          ),
      ).toEqual([
        { host: 'hg.example.com', url, purpose: 'read' },
        {
          host: 'hg.example.com',
          url,
          purpose: 'read',
          onBehalfOf: 'user:default/alice',
          ownershipEntityRefs: ['user:default/alice', 'group:default/payments'],
        },
        {
          host: 'hg.example.com',
          url,
          purpose: 'read',
          onBehalfOf: 'user:default/bob',
          ownershipEntityRefs: ['user:default/bob'],
        },
      ]);
      expect(logger.lines.join('\n')).toContain('for user:default/alice');
      expect(logger.lines.join('\n')).not.toMatch(/SECRET/);
    });

    it.each([
      ['static credentials', { username: 'backstage', password: 'pw-SECRET' }],
      ['no credentials', {}],
      ['a tokenFile', { tokenFile: '/nonexistent/token' }],
    ])(
      "fails closed with %s: never the entry's own credentials for a person",
      async (_what, creds) => {
        const { service } = serviceFor([{ host: 'hg.example.com', ...creds }]);
        const error = await rejection(
          service.getCredentials({
            url: 'https://hg.example.com/team/payments',
            onBehalfOf: alice,
          }),
        );
        expect(error).toBeInstanceOf(MercurialCredentialsError);
        expect(error.message).toBe(
          'Cannot get credentials for user:default/alice on the Mercurial integration \'hg.example.com\': only a credentialCommand (which gets "onBehalfOf" on its stdin) can mint credentials per person; configure one, or a credentials service that reads onBehalfOf',
        );
        expect(exposed(error)).not.toMatch(/SECRET/);
      },
    );
  });
});
