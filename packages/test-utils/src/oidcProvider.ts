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

import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

/**
 * Options of {@link startOidcProvider}.
 *
 * @public
 */
export interface OidcProviderOptions {
  /** How long an access token lives, in seconds (a few, to test renewal). */
  accessTokenTtlSeconds: number;
  /** The clients allowed the client credentials grant (`client_secret_basic`). */
  clients: Array<{ clientId: string; clientSecret: string }>;
  /**
   * The resource indicators (RFC 8707) tokens may be asked for; they become
   * the tokens' `aud`. The first is the default when a request names none.
   * Default `['https://hg.test']`.
   */
  resources?: string[];
  /** The scopes clients may ask for; default `['hg:read', 'hg:write']`. */
  scopes?: string[];
}

/** One token request the provider answered. */
export interface OidcTokenEvent {
  /** `token`: an access token was issued; `token-error`: the request was refused. */
  event: 'token' | 'token-error';
  clientId?: string;
  /** The token's lifetime in seconds (`token`). */
  expiresIn?: number;
  /** The OAuth error code (`token-error`). */
  error?: string;
  /** When the parent saw the event. */
  at: number;
}

/**
 * A running OpenID provider made by {@link startOidcProvider}.
 *
 * @public
 */
export interface OidcTestProvider {
  /** `http://127.0.0.1:PORT`: the issuer (`iss` of its tokens). */
  issuer: string;
  /** The token endpoint, for `oauth2.tokenUrl`. */
  tokenUrl: string;
  /** The JWKS URL to verify its tokens against. */
  jwksUrl: string;
  /** The default resource: the `aud` of tokens asked for without one. */
  audience: string;
  /**
   * Every token request answered so far, in order; call `flush()` first to
   * be sure it holds those answered before.
   */
  events: OidcTokenEvent[];
  /** Waits until `events` holds every token request answered before the call. */
  flush(): Promise<void>;
  /** How many access tokens it issued (optionally to one client), after a flush. */
  tokensIssued(clientId?: string): Promise<number>;
  /** What the provider process wrote to stderr, for debugging. */
  output(): string;
  /** Stops the provider process and waits until it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

/** The child's script, beside this file in the package's src/. */
const CHILD_SCRIPT = path.join(
  path.dirname(require.resolve('@backstage-mercurial/test-utils/package.json')),
  'src',
  'oidcProvider.child.mjs',
);

const STARTUP_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 2_000;

/**
 * Starts a real OpenID provider (the certified `oidc-provider` package) on a
 * free 127.0.0.1 port, configured for the OAuth 2.0 client credentials grant
 * with JWT access tokens (RFC 9068, through the resource indicators feature)
 * that live `accessTokenTtlSeconds`, signed with a fresh RS256 key published
 * at its JWKS URL. It runs in a child node process (oidc-provider is
 * ESM-only) and reports each token it issues, so a test can count token
 * requests per lifetime.
 *
 * @public
 */
export async function startOidcProvider(
  options: OidcProviderOptions,
): Promise<OidcTestProvider> {
  const resources = options.resources ?? ['https://hg.test'];
  const settings = {
    accessTokenTtlSeconds: options.accessTokenTtlSeconds,
    clients: options.clients,
    resources,
    resource: resources[0],
    scopes: options.scopes ?? ['hg:read', 'hg:write'],
  };
  const child: ChildProcess = spawn(process.execPath, [CHILD_SCRIPT], {
    cwd: path.dirname(CHILD_SCRIPT),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, NODE_ENV: 'test', NODE_OPTIONS: '' },
  });
  const events: OidcTokenEvent[] = [];
  const pings = new Map<number, () => void>();
  let nextPing = 0;
  const flush = () =>
    new Promise<void>((resolve, reject) => {
      const ping = nextPing++;
      pings.set(ping, resolve);
      child.send({ ping }, error => {
        if (error) {
          pings.delete(ping);
          reject(error);
        }
      });
    });
  let stderr = '';
  child.stderr!.on('data', chunk => {
    stderr = (stderr + chunk.toString()).slice(-16 * 1024);
  });
  const exited = new Promise<void>(resolve =>
    child.once('exit', () => resolve()),
  );

  const issuer = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new Error(
          `The OpenID provider did not start within ${STARTUP_TIMEOUT_MS} ms: ${stderr}`,
        ),
      );
    }, STARTUP_TIMEOUT_MS);
    child.once('exit', code => {
      clearTimeout(timer);
      reject(
        new Error(
          `The OpenID provider exited with code ${code} before it listened: ${stderr}`,
        ),
      );
    });
    child.once('error', error => {
      clearTimeout(timer);
      reject(error);
    });
    readline.createInterface({ input: child.stdout! }).on('line', line => {
      let event: Omit<Partial<OidcTokenEvent>, 'event'> & {
        event?: string;
        issuer?: string;
      };
      try {
        event = JSON.parse(line);
      } catch {
        return;
      }
      if (event.event === 'pong') {
        const ping = (event as { ping?: number }).ping;
        pings.get(ping!)?.();
        pings.delete(ping!);
      } else if (event.event === 'listening' && event.issuer) {
        clearTimeout(timer);
        resolve(event.issuer);
      } else if (event.event === 'token' || event.event === 'token-error') {
        events.push({ ...(event as OidcTokenEvent), at: Date.now() });
      }
    });
    child.send(settings);
  }).catch(async error => {
    child.kill('SIGKILL');
    await exited;
    throw error;
  });

  let stopping: Promise<void> | undefined;
  return {
    issuer,
    tokenUrl: `${issuer}/token`,
    jwksUrl: `${issuer}/jwks`,
    audience: resources[0],
    events,
    flush,
    tokensIssued: async clientId => {
      await flush();
      return events.filter(
        e => e.event === 'token' && (!clientId || e.clientId === clientId),
      ).length;
    },
    output: () => stderr,
    stop: () => {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
          await exited;
          clearTimeout(timer);
        }
      })();
      return stopping;
    },
  };
}
