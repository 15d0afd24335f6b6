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

/*
 * Row 6 (issue 9): reads per second through an `oauth2` credentials source
 * with 5-second access tokens vs. static credentials, in the same run.
 *
 * One `hg serve` with a one-file repository; reader A has `token:` in its
 * config, reader B an `oauth2` source against a real OpenID provider
 * (oidc-provider, client credentials grant, 5-second tokens). Both read the
 * same file by a node-pinned raw-file URL (one HTTP request per readUrl)
 * straight from hg serve, with the same number of concurrent loops, in
 * alternating windows A, B, A, B, ... of the same length, so that each B
 * window spans several token lifetimes. hg serve ignores Authorization, so the
 * ratio measures the reader's credential handling (asking the credentials
 * service, renewing the token, setting the header), not a server's token
 * verification.
 *
 * Token requests per lifetime are a lifetime (5 s) over the median time from
 * one token request to the next within B's windows: the steady-state rate,
 * whatever the window length. The count per window (tokens less one initial
 * request per window, over B's wall time / 5 s) is shown too; with short
 * windows it depends on how the window length rounds against the renewal time.
 *
 * BENCH_CREDS_WINDOWS (default 4 per side), BENCH_CREDS_WINDOW_S (default 10)
 * and BENCH_CREDS_CONCURRENCY (default 8) change the shape.
 */

import {
  createTempDir,
  startHgServer,
  startOidcProvider,
} from '@backstage-mercurial/test-utils';
import {
  DefaultMercurialCredentialsService,
  MercurialHgwebClient,
} from '@backstage-mercurial/integration-node';
import { UrlReaders } from '@backstage/backend-defaults/urlReader';
import { UrlReaderService } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import { MercurialUrlReader } from '../src/MercurialUrlReader';
import {
  median,
  now,
  Row,
  silentLogger,
} from '@backstage-mercurial/test-utils';

const WINDOWS = Number(process.env.BENCH_CREDS_WINDOWS) || 4;
const WINDOW_MS = (Number(process.env.BENCH_CREDS_WINDOW_S) || 10) * 1000;
const CONCURRENCY = Number(process.env.BENCH_CREDS_CONCURRENCY) || 8;
const TOKEN_TTL_S = 5;

const TARGET_RATIO = 0.95;
const TARGET_TOKENS_PER_LIFETIME = 1;

const REPO = 'bench/creds';
const FILE = 'catalog-info.yaml';
const CONTENT = `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: creds-bench
spec:
  type: service
  lifecycle: production
  owner: team-a
`;
const CLIENT = {
  clientId: 'backstage-bench',
  clientSecret: 'cs-bench-not-a-real-secret',
};

/** A reader as a backend builds it, from one `integrations.mercurial` entry. */
function createReader(entry: object, workingDirectory: string) {
  const config = new ConfigReader({
    backend: { workingDirectory },
    integrations: { mercurial: [entry] },
  });
  const credentials = DefaultMercurialCredentialsService.fromConfig(config, {
    logger: silentLogger,
  });
  return UrlReaders.default({
    config,
    logger: silentLogger,
    factories: [
      MercurialUrlReader.createFactory({
        hgweb: MercurialHgwebClient.fromConfig(config, { credentials }),
        credentials,
      }),
    ],
  });
}

/** `CONCURRENCY` loops of readUrl + buffer() for `ms`; the number of reads. */
async function readFor(
  reader: UrlReaderService,
  url: string,
  ms: number,
): Promise<{ reads: number; ms: number }> {
  const started = now();
  const until = started + ms;
  let reads = 0;
  const loop = async () => {
    while (now() < until) {
      const response = await reader.readUrl(url);
      const body = await response.buffer();
      if (body.length !== CONTENT.length) {
        throw new Error(`readUrl(${url}) gave ${body.length} bytes`);
      }
      reads++;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  return { reads, ms: now() - started };
}

/**
 * Runs row 6 and gives its row of the results table; `log` gets the
 * per-window figures.
 */
export async function credentialsRow(
  log: (message: string) => void,
): Promise<Row> {
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const hg = await startHgServer({
      repositories: { [REPO]: { commits: [{ files: { [FILE]: CONTENT } }] } },
    });
    cleanups.push(() => hg.stop());
    const provider = await startOidcProvider({
      accessTokenTtlSeconds: TOKEN_TTL_S,
      clients: [CLIENT],
    });
    cleanups.push(() => provider.stop());
    const work = await createTempDir('bench-creds-');
    cleanups.push(() => work.remove());

    const node = hg.repositories[REPO].nodes[0];
    const url = `${hg.repoUrl(REPO)}/raw-file/${node}/${FILE}`;
    const entry = { host: hg.host, baseUrl: hg.baseUrl };
    const staticReader = createReader(
      { ...entry, token: 'static-bench-token' },
      work.path,
    );
    const oauth2Reader = createReader(
      {
        ...entry,
        oauth2: { tokenUrl: provider.tokenUrl, ...CLIENT },
      },
      work.path,
    );

    log(
      `[6] readUrl of a node-pinned raw-file URL from hg serve, ${CONCURRENCY} loops, ${WINDOWS} x ${
        WINDOW_MS / 1000
      } s per side, alternating static / oauth2 (${TOKEN_TTL_S}-second tokens)`,
    );
    // Warm-up of both (connections, JIT); its tokens are not counted.
    await readFor(staticReader, url, 1000);
    await readFor(oauth2Reader, url, 1000);

    const a = { reads: 0, ms: 0 };
    const b = { reads: 0, ms: 0, tokens: 0 };
    const intervals: number[] = [];
    for (let w = 0; w < WINDOWS; w++) {
      const wa = await readFor(staticReader, url, WINDOW_MS);
      a.reads += wa.reads;
      a.ms += wa.ms;
      const before = await provider.tokensIssued(CLIENT.clientId);
      const wb = await readFor(oauth2Reader, url, WINDOW_MS);
      const tokens = (await provider.tokensIssued(CLIENT.clientId)) - before;
      // The times between consecutive token requests within the window.
      const times = provider.events
        .filter(e => e.event === 'token')
        .slice(before)
        .map(e => e.at);
      for (let i = 1; i < times.length; i++) {
        intervals.push(times[i] - times[i - 1]);
      }
      b.reads += wb.reads;
      b.ms += wb.ms;
      b.tokens += tokens;
      log(
        `    window ${w + 1}: static ${((wa.reads / wa.ms) * 1000).toFixed(0)} reads/s, oauth2 ${(
          (wb.reads / wb.ms) *
          1000
        ).toFixed(
          0,
        )} reads/s, ${tokens} tokens in ${(wb.ms / 1000).toFixed(1)} s`,
      );
    }
    const errors = provider.events.filter(e => e.event === 'token-error');
    if (errors.length) {
      throw new Error(
        `The OpenID provider refused ${errors.length} token requests: ${errors[0].error}`,
      );
    }

    const rateA = (a.reads / a.ms) * 1000;
    const rateB = (b.reads / b.ms) * 1000;
    const ratio = rateB / rateA;
    // Each B window starts with the token of the previous one expired (the A
    // window in between is longer than a lifetime): one initial request per
    // window, then one per lifetime.
    const lifetimes = b.ms / (TOKEN_TTL_S * 1000);
    const initial = WINDOW_MS > TOKEN_TTL_S * 1000 ? WINDOWS : 1;
    const perLifetimeInWindows = (b.tokens - initial) / lifetimes;
    // In the steady state: a lifetime over the median time from one token
    // request to the next. Unlike the count per window, it does not depend on
    // how the window length rounds against the renewal time.
    const medianInterval = median(intervals);
    const perLifetime = (TOKEN_TTL_S * 1000) / medianInterval;
    log(
      `    static ${rateA.toFixed(0)} reads/s, oauth2 ${rateB.toFixed(0)} reads/s (${ratio.toFixed(
        3,
      )}x); ${b.tokens} tokens in ${(b.ms / 1000).toFixed(1)} s = ${lifetimes.toFixed(
        1,
      )} lifetimes + ${initial} initial = ${perLifetimeInWindows.toFixed(
        2,
      )} per lifetime; median ${(medianInterval / 1000).toFixed(2)} s from one token request to the next (n=${
        intervals.length
      }) = ${perLifetime.toFixed(2)} per lifetime`,
    );
    return {
      id: '6',
      what: `readUrl (node-pinned raw-file, straight from hg serve, which ignores Authorization), ${CONCURRENCY} loops, ${WINDOWS} x ${
        WINDOW_MS / 1000
      } s per side interleaved: oauth2 with ${TOKEN_TTL_S}-second tokens vs static token`,
      reader: `${rateB.toFixed(0)} reads/s (oauth2), ${b.reads} reads, ${b.tokens} tokens`,
      baseline: `${rateA.toFixed(0)} reads/s (static token)`,
      result: `${ratio.toFixed(2)}x; ${perLifetime.toFixed(2)} token requests per ${TOKEN_TTL_S}-s lifetime (a request every ${(
        medianInterval / 1000
      ).toFixed(
        2,
      )} s; by count ${perLifetimeInWindows.toFixed(2)} + ${initial} initial)`,
      target: `>= ${TARGET_RATIO.toFixed(2)}x, <= ${TARGET_TOKENS_PER_LIFETIME} per lifetime`,
      met: ratio >= TARGET_RATIO && perLifetime <= TARGET_TOKENS_PER_LIFETIME,
    };
  } finally {
    for (const task of cleanups.reverse()) {
      await task().catch(e => log(`cleanup: ${e}`));
    }
  }
}
