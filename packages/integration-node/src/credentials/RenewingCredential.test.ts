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

import { renewalTime, RenewingCredential } from './RenewingCredential';

describe('renewalTime', () => {
  it.each([
    ['a 5-second token is used 4.5 s', 5_000, 4_500],
    ['a 3-second token is used 2.7 s', 3_000, 2_700],
    ['a 10-minute token is used 9 minutes', 600_000, 540_000],
    ['a one-hour token is used 59 minutes', 3_600_000, 3_540_000],
    ['an expired one is not used', 0, 0],
  ])('%s', (_what, lifetime, used) => {
    expect(renewalTime(1_000, 1_000 + lifetime) - 1_000).toBe(used);
  });
});

describe('RenewingCredential', () => {
  const minter = (lifetimeMs: number) => {
    let count = 0;
    const mint = async () => {
      count += 1;
      const startedAt = Date.now();
      await new Promise(resolve => setTimeout(resolve, 50));
      const expiresAt = startedAt + lifetimeMs;
      return {
        credentials: {
          type: 'bearer' as const,
          token: `t${count}`,
          expiresAt: new Date(expiresAt),
        },
        renewAt: renewalTime(startedAt, expiresAt),
      };
    };
    return { mint, count: () => count };
  };

  it('renews first when the credential would not stay good for minValidityMs (an hg command about to run)', async () => {
    const credential = new RenewingCredential();
    const { mint, count } = minter(10_000);
    const first = await credential.get({}, mint);
    // plenty of time left: reused
    expect(await credential.get({ minValidityMs: 5_000 }, mint)).toBe(first);
    expect(count()).toBe(1);
    // due for renewal within the asked time: a new one
    const second = await credential.get({ minValidityMs: 60_000 }, mint);
    expect(count()).toBe(2);
    expect((second as { token: string }).token).toBe('t2');
  });

  it('answers a refresh for credentials already replaced with their replacement, so a burst of refused requests renews once', async () => {
    const credential = new RenewingCredential();
    const { mint, count } = minter(60_000);
    const old = await credential.get({}, mint);
    // the first refused request renews
    const renewed = await credential.get({ refresh: true, refused: old }, mint);
    expect(count()).toBe(2);
    // those refused with the old one too, arriving after the renewal
    const late = await Promise.all(
      Array.from({ length: 5 }, () =>
        credential.get({ refresh: true, refused: old }, mint),
      ),
    );
    expect(count()).toBe(2);
    expect(late.every(c => c === renewed)).toBe(true);
    // the renewed one refused as well: renew again
    await credential.get({ refresh: true, refused: renewed }, mint);
    expect(count()).toBe(3);
    // a refresh that names nothing always renews
    await credential.get({ refresh: true }, mint);
    expect(count()).toBe(4);
  });

  it('mints once for many concurrent callers, and reuses the credential until its renewal time', async () => {
    const credential = new RenewingCredential();
    const { mint, count } = minter(1_000);
    const all = await Promise.all(
      Array.from({ length: 20 }, () => credential.get({}, mint)),
    );
    expect(count()).toBe(1);
    expect(new Set(all.map(c => (c as { token: string }).token))).toEqual(
      new Set(['t1']),
    );
    await new Promise(resolve => setTimeout(resolve, 700));
    expect(await credential.get({}, mint)).toMatchObject({ token: 't1' });
    await new Promise(resolve => setTimeout(resolve, 300));
    expect(await credential.get({}, mint)).toMatchObject({ token: 't2' });
    expect(count()).toBe(2);
  });

  it('mints anew on refresh, once for concurrent refreshes', async () => {
    const credential = new RenewingCredential();
    const { mint, count } = minter(60_000);
    await credential.get({}, mint);
    const refreshed = await Promise.all(
      Array.from({ length: 5 }, () => credential.get({ refresh: true }, mint)),
    );
    expect(count()).toBe(2);
    expect(refreshed.map(c => (c as { token: string }).token)).toEqual(
      Array(5).fill('t2'),
    );
    expect(await credential.get({}, mint)).toMatchObject({ token: 't2' });
  });

  it('gives a failed mint to every waiting caller and tries again on the next call', async () => {
    const credential = new RenewingCredential();
    let calls = 0;
    const failing = async () => {
      calls += 1;
      await new Promise(resolve => setTimeout(resolve, 20));
      throw new Error('broker down');
    };
    const results = await Promise.allSettled(
      Array.from({ length: 3 }, () => credential.get({}, failing)),
    );
    expect(results.map(r => r.status)).toEqual(Array(3).fill('rejected'));
    expect(calls).toBe(1);
    await expect(credential.get({}, failing)).rejects.toThrow('broker down');
    expect(calls).toBe(2);
  });
});
